// Runs the CLI in-process, as `kdump-setup ARGS...`, capturing its output (for the unit
// tests that check what a verb prints).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"

namespace kdump::testing {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

inline CliRun run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "kdump-setup");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace kdump::testing
