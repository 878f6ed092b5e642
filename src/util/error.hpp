// The error value of the lower layers. It is data, not text: the CLI layer renders it
// (file:line:column, hints) and maps its kind to the contract's exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kdump {

enum class ErrorKind {
  usage,        // bad command line or bad value given by the user      -> exit 2
  parse,        // a file or value that cannot be parsed faithfully      -> exit 2
  config,       // bad configuration file                               -> exit 2
  missing_fact, // a fact this system cannot supply (--memory, --arch)   -> exit 3
  io,           // read/write/permission failure                         -> exit 3
  unsafe_path,  // a path that leaves --root, a loop, a wrong file type  -> exit 3
  unsupported,  // no supported boot loader, unsupported layout          -> exit 3
  stale,        // a file changed between plan and apply                 -> exit 3
  lock,         // another run holds the lock                            -> exit 3
  command,      // a regeneration command failed                         -> exit 3
  internal,
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;               // one sentence, no trailing period
  std::optional<std::string> file;   // as shown to the user (root-relative where possible)
  std::optional<unsigned> line;      // 1-based
  std::optional<unsigned> column;    // 1-based
  std::vector<std::string> hints;    // "pass --memory SIZE"
  int sys_errno = 0;
};

inline Error make_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

}  // namespace kdump
