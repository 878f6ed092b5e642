// Runner: runs a program from an argv list, never through a shell (docs/contract.md §7), and
// captures what it printed. The apply step takes a Runner& so tests can substitute one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace kdump {

struct RunOutcome {
  std::vector<std::string> argv;
  int exit_status = -1;             // 0..255 when the program exited
  std::optional<int> term_signal;   // set when a signal ended it
  std::string output;               // stdout and stderr, interleaved as written

  bool succeeded() const { return !term_signal && exit_status == 0; }
};

struct RunOptions {
  // Kill the program (SIGKILL) after this long; zero means no limit.
  std::chrono::milliseconds timeout{0};
  // Keep at most this much output (the rest is counted and dropped).
  std::size_t output_limit = 1u << 20;
};

class Runner {
public:
  virtual ~Runner() = default;
  // Runs argv[0] (looked up in PATH when it has no '/') with stdin from /dev/null.
  // A program that ran and failed is a value (exit_status, term_signal), not an error;
  // ErrorKind::command only when it could not be started (not found, not executable)
  // or could not be waited for.
  virtual Result<RunOutcome> run(const std::vector<std::string>& argv,
                                 const RunOptions& options = {}) = 0;
};

// The real one: posix_spawnp, one pipe for stdout+stderr.
class ProcessRunner : public Runner {
public:
  Result<RunOutcome> run(const std::vector<std::string>& argv,
                         const RunOptions& options = {}) override;
};

// "update-grub" or "grub-mkconfig -o /boot/grub/grub.cfg": argv for messages, with
// shell quoting where an argument needs it (for display only; nothing parses it).
std::string format_argv(const std::vector<std::string>& argv);

}  // namespace kdump
