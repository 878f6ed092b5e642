#include "util/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.hpp"

extern char** environ;

namespace kdump {
namespace {

Error command_error(const std::vector<std::string>& argv, std::string what, int err) {
  Error e;
  e.kind = ErrorKind::command;
  e.message = "cannot run " + format_argv(argv) + ": " + what;
  if (err) e.message += std::string(": ") + std::strerror(err);
  e.sys_errno = err;
  return e;
}

// Reads the pipe until EOF or the deadline; returns false when the deadline passed.
bool drain(int fd, RunOutcome& out, const RunOptions& opt,
           std::chrono::steady_clock::time_point deadline) {
  char buf[8192];
  std::size_t dropped = 0;
  for (;;) {
    int wait_ms = -1;
    if (opt.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::size_t room = opt.output_limit > out.output.size() ? opt.output_limit - out.output.size() : 0;
    std::size_t take = std::min(room, static_cast<std::size_t>(n));
    out.output.append(buf, take);
    dropped += static_cast<std::size_t>(n) - take;
  }
  if (dropped)
    out.output += "\n[" + std::to_string(dropped) + " more bytes of output dropped]\n";
  return true;
}

}  // namespace

std::string format_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      s += a;
      continue;
    }
    s += '\'';
    for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
    s += '\'';
  }
  return s;
}

Result<RunOutcome> ProcessRunner::run(const std::vector<std::string>& argv,
                                      const RunOptions& options) {
  if (argv.empty()) return fail(command_error(argv, "empty command", 0));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return fail(command_error(argv, "pipe", errno));
  UniqueFd rd(pipe_fds[0]), wr(pipe_fds[1]);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);  // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal dispositions and an empty mask, whatever the
  // parent had (a post-install script may have ignored SIGPIPE or blocked SIGCHLD).
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return fail(command_error(argv, "", rc));
  wr.reset();  // only the child holds the write end now: EOF when it exits

  RunOutcome out;
  out.argv = argv;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool in_time = drain(rd.get(), out, options, deadline);
  if (!in_time) ::kill(pid, SIGKILL);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail(command_error(argv, "waitpid", errno));
  }
  if (WIFEXITED(status)) {
    out.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.term_signal = WTERMSIG(status);
  }
  if (!in_time) out.output += "\n[killed after " + std::to_string(options.timeout.count()) + " ms]\n";
  return out;
}

}  // namespace kdump
