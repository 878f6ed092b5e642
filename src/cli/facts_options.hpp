// The options that supply facts (--memory, --arch, --kernel-release), shared by the
// verbs that size or evaluate a value, and their validation into FactOverrides.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "core/facts.hpp"
#include "grammar/kernel.hpp"
#include "util/result.hpp"

namespace kdump::cli {

struct FactOptions {
  std::optional<std::string> memory;
  std::optional<std::string> arch;
  std::optional<std::string> kernel_release;
};

enum class FactOptionSet { memory_arch, with_release };

void add_fact_options(CLI::App& sub, FactOptions& opt, FactOptionSet set);

// Errors name the option: "--memory: '16X' is not a size".
Result<FactOverrides> parse_fact_options(const FactOptions& opt);

// Usage error when both were given.
Result<Ok> check_exclusive(bool a, const char* a_name, bool b, const char* b_name);

}  // namespace kdump::cli
