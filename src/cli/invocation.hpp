// What the user asked for: the global options, the chosen verb, and where output goes.
// Passed to every verb instead of globals.
#pragma once

#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace kdump::cli {

struct GlobalOptions {
  std::string root = "/";               // --root
  std::optional<std::string> config;    // --config
  bool json = false;                    // --json
  bool quiet = false;                   // -q
  bool verbose = false;                 // -v
};

struct Invocation {
  GlobalOptions global;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  // Set by the chosen verb's parse callback; returns the exit code or an Error.
  std::function<Result<int>()> run;
  // --json: the verb already printed its one object, its error included (a command
  // that failed after the files were written); the caller prints no second one.
  bool json_printed = false;
};

}  // namespace kdump::cli
