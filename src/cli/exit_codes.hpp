// The contract's exit codes (docs/contract.md §3-§5). Tests pin them.
#pragma once

#include "util/error.hpp"

namespace kdump::cli {

enum ExitCode : int {
  exit_ok = 0,             // done, nothing to do, or verify: ok
  exit_not_ok = 1,         // verify/status: anything but ok
  exit_bad_input = 2,      // bad command line, expression or config: nothing changed
  exit_cannot_act = 3,     // cannot act on this system: nothing changed
};

inline int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::parse:
    case ErrorKind::config:
      return exit_bad_input;
    default:
      return exit_cannot_act;
  }
}

}  // namespace kdump::cli
