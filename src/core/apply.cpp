#include "core/apply.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <cstring>
#include <map>
#include <utility>

#include "util/atomic_file.hpp"

namespace kdump {
namespace {

constexpr mode_t k_new_file_mode = 0644;
constexpr mode_t k_new_dir_mode = 0755;
constexpr int k_max_dir_depth = 64;

Error stale_error(const FileEdit& edit, std::string message) {
  Error e;
  e.kind = ErrorKind::stale;
  e.file = edit.path;
  e.message = std::move(message);
  e.hints.push_back("another program changed it after it was read; run the command again");
  return e;
}

std::string parent_of(std::string_view abs) {
  std::string p(abs);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::size_t slash = p.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : p.substr(0, slash);
}

// Holds back the signals that normally end a process while the renames run, so that
// Ctrl-C or a service manager's SIGTERM cannot stop a multi-file install halfway.
class SignalHold {
public:
  SignalHold() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&s, sig);
    m_active = ::pthread_sigmask(SIG_BLOCK, &s, &m_old) == 0;
  }
  ~SignalHold() {
    if (m_active) ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  SignalHold(const SignalHold&) = delete;
  SignalHold& operator=(const SignalHold&) = delete;

private:
  sigset_t m_old{};
  bool m_active = false;
};

// One changed file of the plan, from resolution to commit.
struct Target {
  const FileEdit* edit = nullptr;
  std::size_t index = 0;  // in plan.edits / report.files
  RootDir::Location loc;
  UniqueFd original;      // the current file, open for reading (when it exists)
  struct stat st {};      // its fstat, as verified
  std::optional<AtomicFile> file;
  std::string removed_as;  // a deletion: the leftover name the file was renamed to
};

// A name AtomicFile::is_leftover_name() recognises: a deleted file waits under it until
// the transaction commits (then it is unlinked) or is undone (then renamed back); an
// interrupted run leaves it for the next run's clean-up, the file itself already gone.
std::string deletion_name(std::string_view name) {
  static unsigned counter = 0;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x",
                static_cast<unsigned>(::getpid()) * 2654435761u + static_cast<unsigned>(::time(nullptr)) + ++counter);
  return AtomicFile::leftover_prefix(name) + hex + ".bak";
}

struct CreatedDir {
  UniqueFd parent;
  std::string name;
  std::string abs;
};

class Transaction {
public:
  Transaction(const RootDir& root, SysOps& sys, ApplyReport& report)
      : m_root(root), m_sys(sys), m_report(report) {}

  // Steps 2-8. On error every file has its old bytes (unless the error says otherwise).
  Result<Ok> run(const Plan& plan) {
    KDUMP_TRY(resolve_all(plan));
    clean_leftovers();
    for (auto& t : m_targets) {
      auto r = check(t);
      if (!r) return fail(undo(std::move(r).error(), 0));
    }
    for (auto& t : m_targets) {
      auto r = prepare(t);
      if (!r) return fail(undo(std::move(r).error(), 0));
    }
    SignalHold hold;
    for (std::size_t i = 0; i < m_targets.size(); ++i) {
      auto& t = m_targets[i];
      if (t.edit->remove) {
        if (t.edit->directory) continue;  // at the commit, once its files are gone
        auto r = remove_away(t);
        if (!r) return fail(undo(std::move(r).error(), i));
        continue;
      }
      auto r = t.file->install(existing(t));
      if (!r) return fail(undo(std::move(r).error(), i + (t.file->installed() ? 1 : 0)));
    }
    if (auto r = sync_dirs(); !r) return fail(undo(std::move(r).error(), m_targets.size()));
    commit();
    return Ok{};
  }

private:
  Result<Ok> resolve_all(const Plan& plan) {
    std::map<std::pair<dev_t, ino_t>, std::map<std::string, std::string>> seen;  // dir -> name -> path
    for (const auto& path : plan.examined)
      if (auto loc = m_root.locate(path)) m_unchanged.push_back(std::move(*loc));
    for (std::size_t i = 0; i < plan.edits.size(); ++i) {
      const FileEdit& edit = plan.edits[i];
      if (!edit.changes()) {
        // Not written, but its directory may hold what an interrupted run left.
        if (auto loc = m_root.locate(edit.path)) m_unchanged.push_back(std::move(*loc));
        continue;
      }
      auto loc = locate(edit);
      if (!loc) return fail(undo(std::move(loc).error(), 0));
      // A boot file that is a symlink into /usr points at a file a package installed (a
      // template, e.g. /usr/share/grub/default/grub): writing through it would change
      // the package's file, which its next upgrade overwrites. The backends plan around
      // such links (docs/contract.md); this refusal keeps any plan from writing there.
      if (loc->abs != edit.path && (loc->abs.starts_with("/usr/") || loc->abs == "/usr")) {
        Error e = make_error(ErrorKind::unsupported, "is a symlink to " + loc->abs +
                                                         ", a file of a package under /usr; kdump-setup "
                                                         "does not write through it");
        e.file = edit.path;
        e.hints.push_back("replace the link with a copy of the file (cp --remove-destination " + loc->abs + " " +
                          edit.path + ") to make it yours, then run kdump-setup again");
        return fail(undo(std::move(e), 0));
      }
      struct stat dst {};
      if (::fstat(loc->dir.get(), &dst) < 0)
        return fail(undo(path_error("stat its directory", edit.path, errno), 0));
      auto& names = seen[{dst.st_dev, dst.st_ino}];
      // Any user may replace a boot file in a world-writable directory (even with the
      // sticky bit, a file they created first): say so, the write itself is safe.
      if (names.empty() && (dst.st_mode & S_IWOTH))
        m_report.warnings.push_back(loc->dir_abs + " is world-writable: any user can replace " +
                                    "the boot configuration in it (chmod o-w " + loc->dir_abs + ")");
      if (auto [it, fresh] = names.emplace(loc->name, edit.path); !fresh) {
        Error e = make_error(ErrorKind::internal,
                             "the plan edits this file twice (also as " + it->second + ")");
        e.file = edit.path;
        return fail(undo(std::move(e), 0));
      }
      Target t;
      t.edit = &edit;
      t.index = i;
      t.loc = std::move(*loc);
      m_report.files[i].written = t.loc.abs;
      m_targets.push_back(std::move(t));
    }
    return Ok{};
  }

  // The file's directory; for a file to create, missing directories are made.
  Result<RootDir::Location> locate(const FileEdit& edit) {
    auto loc = m_root.locate(edit.path);
    if (loc || loc.error().sys_errno != ENOENT || edit.before) return loc;
    KDUMP_TRY(ensure_dir(parent_of(edit.path), 0));
    return m_root.locate(edit.path);
  }

  Result<Ok> ensure_dir(const std::string& abs, int depth) {
    if (depth > k_max_dir_depth) return fail(path_error("create directory", abs, ELOOP));
    auto loc = m_root.locate(abs);
    if (!loc && loc.error().sys_errno == ENOENT && abs != "/") {
      KDUMP_TRY(ensure_dir(parent_of(abs), depth + 1));
      loc = m_root.locate(abs);
    }
    if (!loc) return fail(std::move(loc).error());
    if (loc->st) {
      if (S_ISDIR(loc->st->st_mode)) return Ok{};
      return fail(path_error("create a file in it", abs, ENOTDIR));
    }
    if (m_sys.mkdirat(loc->dir.get(), loc->name.c_str(), k_new_dir_mode) < 0)
      return fail(path_error("create directory", abs, errno));
    m_created_dirs.push_back({std::move(loc->dir), loc->name, loc->abs});
    return Ok{};
  }

  // Temp and backup files of an interrupted earlier run (we hold the lock, so no
  // running kdump-setup owns them). They hold an old or a new version, never needed.
  void clean_leftovers() {
    std::map<std::pair<dev_t, ino_t>, std::vector<const RootDir::Location*>> by_dir;
    auto add = [&](const RootDir::Location& loc) {
      struct stat dst {};
      if (::fstat(loc.dir.get(), &dst) == 0) by_dir[{dst.st_dev, dst.st_ino}].push_back(&loc);
    };
    for (const auto& t : m_targets) add(t.loc);
    for (const auto& loc : m_unchanged) add(loc);
    for (const auto& [_, locs] : by_dir) {
      int dir = locs.front()->dir.get();
      int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
      if (!d) {
        if (fd >= 0) ::close(fd);
        continue;
      }
      std::vector<std::string> doomed;
      while (dirent* ent = ::readdir(d)) {
        std::string_view n = ent->d_name;
        if (!AtomicFile::is_leftover_name(n)) continue;
        for (const RootDir::Location* loc : locs) {
          if (n.starts_with(AtomicFile::leftover_prefix(loc->name))) {
            doomed.emplace_back(n);
            break;
          }
        }
      }
      ::closedir(d);
      for (const auto& n : doomed) {
        std::string shown = locs.front()->dir_abs + "/" + n;
        if (m_sys.unlinkat(dir, n.c_str(), 0) == 0)
          m_report.warnings.push_back("removed " + shown + ", left by an interrupted run");
        else
          m_report.warnings.push_back("cannot remove " + shown + ", left by an interrupted run: " +
                                      std::strerror(errno));
      }
    }
  }

  // Step 4: the file is still the one the plan read.
  Result<Ok> check(Target& t) {
    const FileEdit& edit = *t.edit;
    if (edit.directory) {
      if (!t.loc.st) return fail(stale_error(edit, "was removed since it was read"));
      if (!S_ISDIR(t.loc.st->st_mode)) return fail(stale_error(edit, "is no longer a directory"));
      return Ok{};
    }
    if (t.loc.st && !S_ISREG(t.loc.st->st_mode)) {
      Error e = path_error("replace it", edit.path, EINVAL);
      e.kind = ErrorKind::unsafe_path;
      e.message = S_ISDIR(t.loc.st->st_mode)
                      ? "is a directory, expected a regular file; refusing to replace it"
                      : "is not a regular file; refusing to replace it";
      return fail(std::move(e));
    }
    if (!edit.before) {
      if (t.loc.st) return fail(stale_error(edit, "was created by another program since it was read"));
      return Ok{};
    }
    if (!t.loc.st) return fail(stale_error(edit, "was removed since it was read"));
    int fd = m_sys.openat(t.loc.dir.get(), t.loc.name.c_str(),
                          O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
    if (fd < 0) return fail(path_error("open it to check it", edit.path, errno));
    t.original.reset(fd);
    if (::fstat(fd, &t.st) < 0) return fail(path_error("stat it", edit.path, errno));
    if (!S_ISREG(t.st.st_mode)) return fail(stale_error(edit, "was replaced since it was read"));
    std::string now;
    char buf[65536];
    for (;;) {
      ssize_t n = m_sys.read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(path_error("read it to check it", edit.path, errno));
      if (n == 0) break;
      now.append(buf, static_cast<std::size_t>(n));
      if (now.size() > edit.before->size())
        return fail(stale_error(edit, "changed since it was read (it grew)"));
    }
    if (now != *edit.before) return fail(stale_error(edit, "changed since it was read"));
    if (edit.stamp && !(make_stamp(t.st, now) == *edit.stamp))
      return fail(stale_error(edit, "was replaced or touched since it was read"));
    return Ok{};
  }

  // Step 6 for a deletion: the file goes to a leftover name, atomically (renameat2
  // RENAME_NOREPLACE); commit() unlinks it, undo() renames it back.
  Result<Ok> remove_away(Target& t) {
    std::string bak = deletion_name(t.loc.name);
    if (m_sys.renameat2(t.loc.dir.get(), t.loc.name.c_str(), t.loc.dir.get(), bak.c_str(), RENAME_NOREPLACE) < 0)
      return fail(path_error("delete it (rename it away)", t.edit->path, errno));
    t.removed_as = std::move(bak);
    return Ok{};
  }

  // Step 5: the new version, complete and synced, under a temp name.
  Result<Ok> prepare(Target& t) {
    if (t.edit->remove) return Ok{};
    auto f = AtomicFile::create(m_sys, t.loc.dir.get(), t.loc.name, t.edit->path);
    if (!f) return fail(std::move(f).error());
    t.file.emplace(std::move(*f));
    KDUMP_TRY(t.file->write(t.edit->after));
    if (t.original) KDUMP_TRY(t.file->copy_metadata_from(t.original.get(), t.st));
    else KDUMP_TRY(t.file->set_mode(k_new_file_mode));
    return t.file->sync_and_close();
  }

  std::optional<AtomicFile::Existing> existing(const Target& t) const {
    if (!t.original) return std::nullopt;
    return AtomicFile::Existing{t.st, *t.edit->before, t.original.get()};
  }

  // Step 7: every directory whose entries changed (renames, mkdirs).
  Result<Ok> sync_dirs() {
    std::map<std::pair<dev_t, ino_t>, std::pair<int, std::string>> dirs;
    auto add = [&](int fd, const std::string& abs) {
      struct stat st {};
      if (::fstat(fd, &st) == 0) dirs.emplace(std::pair{st.st_dev, st.st_ino}, std::pair{fd, abs});
    };
    for (const auto& d : m_created_dirs) add(d.parent.get(), parent_of(d.abs));
    for (const auto& t : m_targets) add(t.loc.dir.get(), t.loc.dir_abs);
    for (const auto& [_, d] : dirs)
      if (m_sys.fsync(d.first) < 0) return fail(path_error("sync the directory", d.second, errno));
    return Ok{};
  }

  // Step 8. The new versions are in place and synced; dropping backups cannot undo that.
  void commit() {
    for (auto& t : m_targets) {
      if (t.edit->remove) {
        if (t.edit->directory) continue;
        if (m_sys.unlinkat(t.loc.dir.get(), t.removed_as.c_str(), 0) < 0)
          m_report.warnings.push_back(t.edit->path + ": cannot remove " + t.loc.dir_abs + "/" + t.removed_as +
                                      ": " + std::strerror(errno));
        continue;
      }
      auto r = t.file->commit();
      if (!r) m_report.warnings.push_back(t.edit->path + ": " + r.error().message);
    }
    for (auto& t : m_targets) t.file.reset();
    // Directories the plan emptied, now that their files are gone. Every file already
    // has its new state: a directory that cannot go (something else appeared in it)
    // stays, and is only a warning; a rerun plans its removal again.
    for (auto& t : m_targets) {
      if (!t.edit->directory) continue;
      if (m_sys.unlinkat(t.loc.dir.get(), t.loc.name.c_str(), AT_REMOVEDIR) < 0)
        m_report.warnings.push_back(t.edit->path + ": directory not removed: " + std::strerror(errno));
    }
    // The backups' removal is not essential; sync once more, errors ignored.
    (void)sync_dirs();
  }

  // Undoes installs [0, installed) in reverse, removes temps and created directories.
  Error undo(Error cause, std::size_t installed) {
    std::vector<std::string> left_new;
    for (std::size_t i = installed; i-- > 0;) {
      auto& t = m_targets[i];
      if (t.edit->remove) {
        if (!t.edit->directory && !t.removed_as.empty() && m_sys.renameat2(t.loc.dir.get(), t.removed_as.c_str(), t.loc.dir.get(),
                                                     t.loc.name.c_str(), RENAME_NOREPLACE) < 0)
          left_new.push_back(t.edit->path + " (deleted; the old version is kept as " + t.loc.dir_abs + "/" +
                             t.removed_as + "): " + std::strerror(errno));
        continue;
      }
      if (auto r = t.file->restore(); !r) {
        std::string where = t.file->backup_name().empty()
                                ? ""
                                : " (the old version is kept as " + t.loc.dir_abs + "/" +
                                      t.file->backup_name() + ")";
        left_new.push_back(t.edit->path + where + ": " + r.error().message);
      }
    }
    if (installed > 0) (void)sync_dirs();
    // Removes temp files never installed. Backups of files left new are kept: the
    // AtomicFile destructor never removes a backup.
    for (auto& t : m_targets) t.file.reset();
    if (left_new.empty()) remove_created_dirs();

    if (left_new.empty()) {
      cause.message += "; no file was changed";
      return cause;
    }
    cause.message += "; undoing failed, these files have the new version:";
    for (const auto& l : left_new) cause.message += "\n  " + l;
    return cause;
  }

  void remove_created_dirs() {
    for (auto it = m_created_dirs.rbegin(); it != m_created_dirs.rend(); ++it)
      m_sys.unlinkat(it->parent.get(), it->name.c_str(), AT_REMOVEDIR);
    m_created_dirs.clear();
  }

  const RootDir& m_root;
  SysOps& m_sys;
  ApplyReport& m_report;
  std::vector<Target> m_targets;
  std::vector<RootDir::Location> m_unchanged;  // for clean_leftovers only
  std::vector<CreatedDir> m_created_dirs;
};

Result<Ok> check_lock(const RunLock& lock, const RootDir& root) {
  auto fd = root.open_dir_fd("/");
  if (!fd) return fail(std::move(fd).error());
  UniqueFd dir(*fd);
  struct stat st {};
  if (::fstat(dir.get(), &st) < 0) return fail(path_error("stat the root", "/", errno));
  if (lock.dev() != static_cast<std::uint64_t>(st.st_dev) ||
      lock.ino() != static_cast<std::uint64_t>(st.st_ino))
    return fail(make_error(ErrorKind::internal, "the lock held is not the lock of this root"));
  return Ok{};
}

void run_commands(const Plan& plan, const RootDir& root, Runner& runner,
                  const ApplyOptions& options, ApplyReport& report) {
  for (const auto& c : plan.commands) report.commands.push_back({c.argv, c.reason, false, {}});
  if (options.no_update || report.commands.empty()) return;
  if (!root.is_host_root() && !options.run_commands_under_root) {
    for (const auto& c : report.commands)
      report.warnings.push_back("not run under --root " + root.path().string() +
                                " (it would act on the running system): " + format_argv(c.argv));
    return;
  }
  for (auto& c : report.commands) {
    auto r = runner.run(c.argv, options.run);
    if (!r) {
      report.command_error = std::move(r).error();
      return;
    }
    c.ran = true;
    c.outcome = std::move(*r);
    if (!c.outcome->succeeded()) {
      Error e;
      e.kind = ErrorKind::command;
      e.message = format_argv(c.argv) +
                  (c.outcome->term_signal
                       ? " was killed by signal " + std::to_string(*c.outcome->term_signal)
                       : " failed with exit status " + std::to_string(c.outcome->exit_status)) +
                  "; the files were written";
      e.hints.push_back("fix the cause, then run it again by hand: " + format_argv(c.argv));
      report.command_error = std::move(e);
      return;
    }
  }
}

}  // namespace

Result<ApplyReport> apply_plan(const Plan& plan, const RootDir& root, Runner& runner,
                               const ApplyOptions& options) {
  std::optional<RunLock> own_lock;
  if (options.lock) {
    KDUMP_TRY(check_lock(*options.lock, root));
  } else {
    auto l = RunLock::acquire(root, options.lock_wait);
    if (!l) return fail(std::move(l).error());
    own_lock.emplace(std::move(*l));
  }

  ApplyReport report;
  for (const auto& e : plan.edits) report.files.push_back({e.path, e.path, false, false});
  SysOps& sys = options.sys ? *options.sys : real_sys_ops();
  {
    Transaction tx(root, sys, report);
    KDUMP_TRY(tx.run(plan));
  }
  for (std::size_t i = 0; i < plan.edits.size(); ++i) {
    report.files[i].changed = plan.edits[i].changes();
    report.files[i].created = plan.edits[i].changes() && !plan.edits[i].before;
  }
  // A plan that changes nothing is still applied (under the lock) so that the leftovers
  // of an interrupted earlier run are removed; its commands are not needed then.
  if (plan.changes_anything()) run_commands(plan, root, runner, options, report);
  else
    for (const auto& c : plan.commands) report.commands.push_back({c.argv, c.reason, false, {}});
  return report;
}

}  // namespace kdump
