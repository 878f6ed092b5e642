// apply_plan: atomic multi-file writes with rollback, stale checks, metadata kept, the
// run lock, commands after the files; and a fault sweep that fails (or kills) every
// system call of the write path in turn and checks that no boot file is ever
// truncated or mixed.
#include "core/apply.hpp"
#include "support/fault_sys_ops.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "support/files.hpp"

#include "core/render_plan.hpp"
#include "util/atomic_file.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using kdump::test::slurp;
using kdump::test::spit;

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

// Records each command and what the files looked like when it ran.
class FakeRunner : public Runner {
public:
  std::function<RunOutcome(const std::vector<std::string>&)> on_run;
  std::vector<std::vector<std::string>> calls;

  Result<RunOutcome> run(const std::vector<std::string>& argv, const RunOptions&) override {
    calls.push_back(argv);
    if (on_run) return on_run(argv);
    RunOutcome o;
    o.argv = argv;
    o.exit_status = 0;
    return o;
  }
};

class ApplyTest : public ::testing::Test {
protected:
  // The sweeps below run hundreds of applies: on tmpfs fsync costs nothing. The other
  // tests use /tmp (a disk file system here).
  virtual std::string temp_base() const { return "/tmp"; }

  void SetUp() override {
    std::string tmpl = temp_base() + "/kdump-apply-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    m_base = tmpl.c_str();
    m_root = m_base / "root";
    m_outside = m_base / "outside";
    fs::create_directories(m_root);
    spit(m_outside / "canary", "CANARY\n");
    open_root();
  }
  void TearDown() override {
    EXPECT_EQ(slurp(m_outside / "canary"), "CANARY\n");
    std::error_code ec;
    fs::remove_all(m_base, ec);
  }
  void open_root(Resolver how = Resolver::kernel) {
    auto r = RootDir::open(m_root, how);
    ASSERT_TRUE(r) << r.error().message;
    m_dir.emplace(std::move(*r));
  }
  fs::path host(std::string_view abs) const { return m_root / abs.substr(1); }
  void put(std::string_view abs, std::string_view text) { spit(host(abs), text); }
  std::string get(std::string_view abs) const { return slurp(host(abs)); }
  bool present(std::string_view abs) const {
    std::error_code ec;
    return fs::exists(fs::symlink_status(host(abs), ec));
  }

  // A plan that sets each path to its text, with before/stamp read now.
  Plan plan_for(const std::vector<std::pair<std::string, std::string>>& files) {
    Plan p;
    p.backend = "test";
    for (const auto& [path, after] : files) {
      FileEdit e;
      e.path = path;
      e.after = after;
      auto s = m_dir->read_snapshot(path);
      if (s) {
        e.before = s->text;
        e.stamp = s->stamp;
      } else {
        EXPECT_EQ(s.error().sys_errno, ENOENT) << s.error().message;
      }
      p.edits.push_back(std::move(e));
    }
    return p;
  }

  // Names our write path creates, anywhere under the root.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(m_root))
      if (e.path().filename().string().find(".kdump-") != std::string::npos)
        out.push_back(e.path().string());
    return out;
  }

  // The fixture's roots are never the host's; the command tests pretend they are safe.
  Result<ApplyReport> apply(const Plan& p, ApplyOptions o = {}) {
    o.run_commands_under_root = true;
    return apply_plan(p, *m_dir, m_runner, o);
  }

  fs::path m_base, m_root, m_outside;
  std::optional<RootDir> m_dir;
  FakeRunner m_runner;
};

// ---- single files -----------------------------------------------------------------

TEST_F(ApplyTest, ReplacesAFileKeepingModeOwnerAndXattrs) {
  put("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n");
  fs::path p = host("/etc/default/grub");
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  ASSERT_EQ(::chown(p.c_str(), 1234, 5678), 0);
  bool have_xattr = ::setxattr(p.c_str(), "user.kdump-test", "label", 5, 0) == 0;
  if (!have_xattr) { ASSERT_EQ(errno, ENOTSUP); }
  ino_t old_ino = lstat_of(p).st_ino;

  auto r = apply(plan_for({{"/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet crashkernel=256M\"\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(get("/etc/default/grub"), "GRUB_CMDLINE_LINUX=\"quiet crashkernel=256M\"\n");
  struct stat st = lstat_of(p);
  EXPECT_NE(st.st_ino, old_ino);  // replaced by rename, not rewritten in place
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  if (have_xattr) {
    char buf[16] = {};
    ASSERT_EQ(::getxattr(p.c_str(), "user.kdump-test", buf, sizeof buf), 5);
    EXPECT_EQ(std::string(buf, 5), "label");
  }
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_TRUE(r->files[0].changed);
  EXPECT_FALSE(r->files[0].created);
  EXPECT_TRUE(r->changed());
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ApplyTest, CreatesANewFileAndItsDirectories) {
  fs::create_directories(host("/etc"));
  auto r = apply(plan_for({{"/etc/kernel/cmdline", "root=/dev/vda1 crashkernel=1G\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(get("/etc/kernel/cmdline"), "root=/dev/vda1 crashkernel=1G\n");
  EXPECT_EQ(lstat_of(host("/etc/kernel/cmdline")).st_mode & 07777, 0644u);
  EXPECT_TRUE(r->files[0].created);
  EXPECT_TRUE(leftovers().empty());
}

// A delete edit (kdump-setup's UKI add-on on remove): the file is gone, nothing is left
// beside it; a file changed since the plan read it is refused and kept.
TEST_F(ApplyTest, DeletesAFileAndRefusesAChangedOne) {
  fs::create_directories(host("/efi/x.efi.extra.d"));
  put("/efi/x.efi.extra.d/a.addon.efi", std::string("MZ\0bytes", 8));
  put("/efi/x.efi.extra.d/b.addon.efi", "old");
  auto p = plan_for({{"/efi/x.efi.extra.d/a.addon.efi", ""}});
  p.edits[0].remove = true;
  auto stale = plan_for({{"/efi/x.efi.extra.d/b.addon.efi", ""}});
  stale.edits[0].remove = true;
  put("/efi/x.efi.extra.d/b.addon.efi", "new");
  auto r = apply(p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(fs::exists(host("/efi/x.efi.extra.d/a.addon.efi")));
  EXPECT_TRUE(r->files[0].changed);
  EXPECT_TRUE(leftovers().empty());
  auto s = apply(stale);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::stale);
  EXPECT_EQ(get("/efi/x.efi.extra.d/b.addon.efi"), "new");
  EXPECT_TRUE(leftovers().empty());
}

// A directory edit (the add-on directory remove empties): removed after the plan's file
// deletions in it, at the commit; one that holds another file stays (a warning). Every
// failing system call leaves the add-on in place or gone, never half: before the commit
// both are there, after it the add-on is gone and the directory at worst stays empty,
// which the same plan removes on a rerun.
TEST_F(ApplyTest, RemovesTheDirectoryItEmptied) {
  const std::string dir = "/efi/EFI/Linux/x.efi.extra.d";
  const std::string addon = dir + "/kdump-setup-crashkernel.addon.efi";
  auto dir_edit = [](const std::string& path) {
    FileEdit e;
    e.path = path;
    e.before = std::string();
    e.remove = true;
    e.directory = true;
    return e;
  };
  auto make_plan = [&] {
    auto p = plan_for({{addon, ""}});
    p.edits[0].remove = true;
    p.edits.push_back(dir_edit(dir));
    return p;
  };
  put(addon, std::string("MZ\0addon", 8));
  auto p = make_plan();
  EXPECT_EQ(render_edit_diff(p.edits[1]), "delete directory " + dir + "/ (empty)\n");
  auto r = apply(p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(fs::exists(host(dir)));
  EXPECT_TRUE(fs::is_directory(host("/efi/EFI/Linux")));
  EXPECT_TRUE(r->warnings.empty());

  // Another file appeared in it: the add-on goes, the directory and that file stay.
  put(addon, std::string("MZ\0addon", 8));
  auto q = make_plan();
  put(dir + "/admin.addon.efi", "theirs");
  auto r2 = apply(q);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_FALSE(fs::exists(host(addon)));
  EXPECT_EQ(get(dir + "/admin.addon.efi"), "theirs");
  ASSERT_EQ(r2->warnings.size(), 1u);
  EXPECT_NE(r2->warnings[0].find("directory not removed"), std::string::npos) << r2->warnings[0];
  fs::remove(host(dir + "/admin.addon.efi"));
  fs::remove(host(dir));

  // Not a directory any more: stale, nothing changed.
  put(addon, std::string("MZ\0addon", 8));
  Plan st;
  st.edits.push_back(dir_edit(addon));  // a regular file where a directory was planned
  auto r3 = apply(st);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().kind, ErrorKind::stale);
  EXPECT_EQ(get(addon), std::string("MZ\0addon", 8));

  // Every system call failing in turn.
  unsigned points = 0;
  for (unsigned n = 1;; ++n) {
    fs::remove_all(host(dir));
    put(addon, std::string("MZ\0addon", 8));
    FaultSysOps f;
    f.fail_nth(n, EIO);
    ApplyOptions o;
    o.sys = &f;
    auto rr = apply(make_plan(), o);
    if (!f.fault_fired()) {
      ASSERT_TRUE(rr) << n << ": " << rr.error().message;
      EXPECT_FALSE(fs::exists(host(dir)));
      break;
    }
    ++points;
    if (!rr) {
      EXPECT_EQ(get(addon), std::string("MZ\0addon", 8)) << "call " << n << ": " << rr.error().message;
    } else {
      EXPECT_FALSE(fs::exists(host(addon))) << "call " << n;
      if (fs::exists(host(dir))) {
        // The rerun's plan (the systemd-boot backend's remove): the add-on's place is
        // examined, so a leftover of it is cleaned first, then the directory goes.
        Plan only_dir;
        only_dir.examined.push_back(addon);
        only_dir.edits.push_back(dir_edit(dir));
        ASSERT_TRUE(apply(only_dir)) << "call " << n;
      }
      EXPECT_FALSE(fs::exists(host(dir))) << "call " << n;
    }
    ASSERT_LT(n, 200u);
  }
  EXPECT_GT(points, 3u);
}

TEST_F(ApplyTest, UnchangedEditIsNotWritten) {
  put("/etc/kernel/cmdline", "x\n");
  struct stat before = lstat_of(host("/etc/kernel/cmdline"));
  auto r = apply(plan_for({{"/etc/kernel/cmdline", "x\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  struct stat after = lstat_of(host("/etc/kernel/cmdline"));
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_FALSE(r->changed());
}

TEST_F(ApplyTest, SymlinkedTargetIsEditedWhereItPointsAndTheLinkKept) {
  put("/boot/efi/EFI/debian/grubenv", "old env\n");
  fs::create_directories(host("/boot/grub"));
  fs::create_symlink("/boot/efi/EFI/debian/grubenv", host("/boot/grub/grubenv"));  // absolute
  auto r = apply(plan_for({{"/boot/grub/grubenv", "new env\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(S_ISLNK(lstat_of(host("/boot/grub/grubenv")).st_mode));
  EXPECT_EQ(get("/boot/efi/EFI/debian/grubenv"), "new env\n");
  EXPECT_EQ(r->files[0].written, "/boot/efi/EFI/debian/grubenv");
}

// A link into /usr leads to a package's file (a template its upgrade overwrites): no
// plan writes through it (docs/contract.md §6.1), whatever backend made the plan.
TEST_F(ApplyTest, SymlinkIntoUsrIsNeverWrittenThrough) {
  put("/usr/share/grub/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n");
  fs::create_directories(host("/etc/default"));
  fs::create_symlink("/usr/share/grub/default/grub", host("/etc/default/grub"));
  auto r = apply(plan_for({{"/etc/default/grub", "GRUB_CMDLINE_LINUX=\"crashkernel=256M\"\n"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(r.error().file, "/etc/default/grub");
  EXPECT_NE(r.error().message.find("symlink to /usr/share/grub/default/grub"), std::string::npos);
  EXPECT_EQ(get("/usr/share/grub/default/grub"), "GRUB_CMDLINE_LINUX=\"\"\n");
  EXPECT_TRUE(S_ISLNK(lstat_of(host("/etc/default/grub")).st_mode));
}

TEST_F(ApplyTest, SymlinkToTheHostNeverWritesOutside) {
  fs::create_directories(host("/etc/default"));
  fs::create_symlink(m_outside / "canary", host("/etc/default/grub"));
  // A plan that believes the link's target holds the canary (a lying or racing plan).
  Plan p;
  p.edits.push_back({"/etc/default/grub", std::string("CANARY\n"), "pwned\n", std::nullopt, ""});
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().kind, ErrorKind::internal);
  // A plan that creates the file through the dangling link: like `echo > link`, it
  // fails while the link's directory is missing inside the root...
  Plan q;
  q.edits.push_back({"/etc/default/grub", std::nullopt, "inside\n", std::nullopt, ""});
  auto r1 = apply(q);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().sys_errno, ENOENT);
  // ...and once it exists there, the file is created inside the root, where the link means.
  fs::create_directories(m_root / m_outside.relative_path());
  auto r2 = apply(q);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(slurp(m_root / (m_outside / "canary").relative_path()), "inside\n");
  // TearDown checks the canary outside.
}

TEST_F(ApplyTest, DirectoryWhereAFileIsExpectedIsRefused) {
  fs::create_directories(host("/etc/default/grub"));
  Plan p;
  p.edits.push_back({"/etc/default/grub", std::string("x"), "y", std::nullopt, ""});
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsafe_path);
  Plan q;
  q.edits.push_back({"/etc/default/grub", std::nullopt, "y", std::nullopt, ""});
  auto r2 = apply(q);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().kind, ErrorKind::unsafe_path);
  EXPECT_TRUE(fs::is_directory(host("/etc/default/grub")));
}

TEST_F(ApplyTest, SymlinkLoopIsRefused) {
  fs::create_directories(host("/etc"));
  fs::create_symlink("/etc/b", host("/etc/a"));
  fs::create_symlink("/etc/a", host("/etc/b"));
  Plan p;
  p.edits.push_back({"/etc/a", std::nullopt, "y", std::nullopt, ""});
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsafe_path);
  EXPECT_EQ(r.error().sys_errno, ELOOP);
}

TEST_F(ApplyTest, SameFileTwiceIsAnInternalError) {
  put("/etc/kernel/cmdline", "x\n");
  fs::create_symlink("cmdline", host("/etc/kernel/alias"));
  auto r = apply(plan_for({{"/etc/kernel/cmdline", "a\n"}, {"/etc/kernel/alias", "b\n"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::internal);
  EXPECT_EQ(get("/etc/kernel/cmdline"), "x\n");
}

// ---- stale plans ------------------------------------------------------------------

TEST_F(ApplyTest, ChangedContentIsStale) {
  put("/etc/default/grub", "A\n");
  put("/etc/kernel/cmdline", "B\n");
  Plan p = plan_for({{"/etc/kernel/cmdline", "B2\n"}, {"/etc/default/grub", "A2\n"}});
  put("/etc/default/grub", "foreign\n");
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::stale);
  EXPECT_EQ(r.error().file.value_or(""), "/etc/default/grub");
  EXPECT_EQ(get("/etc/default/grub"), "foreign\n");
  EXPECT_EQ(get("/etc/kernel/cmdline"), "B\n");  // the other file is not written either
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(ApplyTest, TouchedFileWithSameBytesIsStale) {
  put("/etc/default/grub", "A\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  struct timespec ts[2] = {{1, 0}, {1, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, host("/etc/default/grub").c_str(), ts, 0), 0);
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::stale);
  EXPECT_EQ(get("/etc/default/grub"), "A\n");
}

TEST_F(ApplyTest, RemovedOrCreatedFileIsStale) {
  put("/etc/default/grub", "A\n");
  fs::create_directories(host("/etc/kernel"));
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  fs::remove(host("/etc/default/grub"));
  auto r = apply(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::stale);
  EXPECT_FALSE(present("/etc/default/grub"));

  Plan q = plan_for({{"/etc/kernel/cmdline", "new\n"}});
  put("/etc/kernel/cmdline", "someone else's\n");
  auto r2 = apply(q);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().kind, ErrorKind::stale);
  EXPECT_EQ(get("/etc/kernel/cmdline"), "someone else's\n");
}

// A program that replaces the file between our check and our rename: the exchange
// shows it, and its version is put back.
class RacingSysOps : public SysOps {
public:
  std::function<void()> before_exchange;
  int renameat2(int od, const char* on, int nd, const char* nn, unsigned flags) override {
    if ((flags & RENAME_EXCHANGE) && before_exchange) std::exchange(before_exchange, nullptr)();
    return SysOps::renameat2(od, on, nd, nn, flags);
  }
};

TEST_F(ApplyTest, ReplacementDuringTheRenameIsDetected) {
  put("/etc/default/grub", "A\n");
  put("/etc/kernel/cmdline", "C\n");
  Plan p = plan_for({{"/etc/kernel/cmdline", "C2\n"}, {"/etc/default/grub", "A2\n"}});
  RacingSysOps racing;
  int calls = 0;
  racing.before_exchange = [&] {
    ++calls;
    put("/etc/tmp-foreign", "foreign\n");
    fs::rename(host("/etc/tmp-foreign"), host("/etc/kernel/cmdline"));
  };
  ApplyOptions o;
  o.sys = &racing;
  auto r = apply(p, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.error().kind, ErrorKind::stale);
  EXPECT_EQ(get("/etc/kernel/cmdline"), "foreign\n");
  EXPECT_EQ(get("/etc/default/grub"), "A\n");
  EXPECT_TRUE(leftovers().empty());
}

// ---- leftovers, lock, commands ---------------------------------------------------------

// A rerun after a crash may find a file already right (so the plan does not write it)
// with the crashed run's temp file beside it, in a directory no edit touches.
TEST_F(ApplyTest, LeftoversBesideExaminedFilesAreRemoved) {
  put("/etc/default/grub", "A\n");
  put("/etc/default/grub.d/kdump-tools.cfg", "B\n");
  put("/etc/default/grub.d/.kdump-tools.cfg.kdump-0123abcd.tmp", "half\n");
  put("/etc/default/grub.d/.other.cfg.kdump-0123abcd.tmp", "not ours to judge\n");
  Plan p = plan_for({{"/etc/default/grub", "A\n"}});
  p.examined.push_back("/etc/default/grub.d/kdump-tools.cfg");
  p.examined.push_back("/etc/default/grub.d/absent.cfg");  // gone by now: no error
  auto r = apply(p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(present("/etc/default/grub.d/.kdump-tools.cfg.kdump-0123abcd.tmp"));
  EXPECT_TRUE(present("/etc/default/grub.d/.other.cfg.kdump-0123abcd.tmp"));
  EXPECT_EQ(get("/etc/default/grub.d/kdump-tools.cfg"), "B\n");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("left by an interrupted run"), std::string::npos);
}

TEST_F(ApplyTest, LeftoversOfAnInterruptedRunAreRemoved) {
  put("/etc/default/grub", "A\n");
  put("/etc/default/.grub.kdump-0123abcd.tmp", "half\n");
  put("/etc/default/.grub.kdump-deadbeef.bak", "old\n");
  put("/etc/default/.grub.swp", "vim\n");
  put("/etc/default/.other.kdump-0123abcd.tmp", "not ours to judge\n");
  auto r = apply(plan_for({{"/etc/default/grub", "A2\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(present("/etc/default/.grub.kdump-0123abcd.tmp"));
  EXPECT_FALSE(present("/etc/default/.grub.kdump-deadbeef.bak"));
  EXPECT_TRUE(present("/etc/default/.grub.swp"));
  EXPECT_TRUE(present("/etc/default/.other.kdump-0123abcd.tmp"));
  EXPECT_EQ(r->warnings.size(), 2u);
  EXPECT_TRUE(AtomicFile::is_leftover_name(".grub.kdump-0123abcd.tmp"));
  EXPECT_FALSE(AtomicFile::is_leftover_name(".grub.kdump-0123abcd.conf"));
  EXPECT_FALSE(AtomicFile::is_leftover_name("grub.kdump-0123abcd.tmp.conf"));
}

TEST_F(ApplyTest, LockHeldByAnotherProcess) {
  put("/etc/default/grub", "A\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    auto root = RootDir::open(m_root);
    auto lock = root ? RunLock::acquire(*root) : fail(make_error(ErrorKind::io, "open"));
    char c = lock ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    (void)!::read(release[0], &c, 1);  // hold the lock until the parent says so
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');

  auto t0 = std::chrono::steady_clock::now();
  ApplyOptions o;
  o.lock_wait = std::chrono::milliseconds(300);
  auto r = apply(p, o);
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::lock);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(get("/etc/default/grub"), "A\n");
  EXPECT_FALSE(RunLock::acquire(*m_dir));

  ::close(release[1]);
  int st = 0;
  ::waitpid(child, &st, 0);
  ::close(ready[0]);
  auto r2 = apply(p);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(get("/etc/default/grub"), "A2\n");
}

TEST_F(ApplyTest, LockHeldByTheCaller) {
  put("/etc/default/grub", "A\n");
  auto lock = RunLock::acquire(*m_dir);
  ASSERT_TRUE(lock) << lock.error().message;
  ApplyOptions o;
  o.lock = &*lock;
  auto r = apply(plan_for({{"/etc/default/grub", "A2\n"}}), o);
  ASSERT_TRUE(r) << r.error().message;

  auto other = RootDir::open(m_outside);
  ASSERT_TRUE(other);
  auto other_lock = RunLock::acquire(*other);
  ASSERT_TRUE(other_lock);
  o.lock = &*other_lock;
  auto r2 = apply(plan_for({{"/etc/default/grub", "A3\n"}}), o);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().kind, ErrorKind::internal);
}

TEST_F(ApplyTest, CommandsRunAfterEveryFileIsInPlace) {
  put("/etc/default/grub", "A\n");
  put("/etc/default/grub.d/kdump.cfg", "B\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}, {"/etc/default/grub.d/kdump.cfg", "B2\n"}});
  p.commands.push_back({{"update-grub"}, "regenerate grub.cfg"});
  p.commands.push_back({{"true", "x y"}, "second"});
  std::vector<std::string> seen;
  m_runner.on_run = [&](const std::vector<std::string>& argv) {
    seen.push_back(get("/etc/default/grub") + get("/etc/default/grub.d/kdump.cfg"));
    RunOutcome o;
    o.argv = argv;
    o.exit_status = 0;
    o.output = "Generating grub configuration file ...\n";
    return o;
  };
  auto r = apply(p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"A2\nB2\n", "A2\nB2\n"}));
  ASSERT_EQ(r->commands.size(), 2u);
  EXPECT_TRUE(r->commands[0].ran);
  EXPECT_EQ(r->commands[0].outcome->output, "Generating grub configuration file ...\n");
  EXPECT_EQ(r->commands[1].argv, (std::vector<std::string>{"true", "x y"}));
  EXPECT_FALSE(r->command_error);
}

TEST_F(ApplyTest, NoUpdateListsCommandsWithoutRunning) {
  put("/etc/default/grub", "A\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  p.commands.push_back({{"update-grub"}, "regenerate grub.cfg"});
  ApplyOptions o;
  o.no_update = true;
  auto r = apply(p, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(m_runner.calls.empty());
  ASSERT_EQ(r->commands.size(), 1u);
  EXPECT_FALSE(r->commands[0].ran);
  EXPECT_EQ(r->commands[0].reason, "regenerate grub.cfg");
}

TEST_F(ApplyTest, CommandsAreNotRunUnderAnotherRoot) {
  put("/etc/default/grub", "A\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  p.commands.push_back({{"update-grub"}, "regenerate grub.cfg"});
  auto r = apply_plan(p, *m_dir, m_runner, ApplyOptions{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(m_runner.calls.empty());
  EXPECT_FALSE(r->commands[0].ran);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("update-grub"), std::string::npos);
  EXPECT_EQ(get("/etc/default/grub"), "A2\n");
}

TEST_F(ApplyTest, FailingCommandIsReportedAndStopsTheRest) {
  put("/etc/default/grub", "A\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}});
  p.commands.push_back({{"update-grub"}, "regenerate"});
  p.commands.push_back({{"never"}, "after"});
  m_runner.on_run = [](const std::vector<std::string>& argv) {
    RunOutcome o;
    o.argv = argv;
    o.exit_status = 1;
    o.output = "/usr/sbin/grub-mkconfig: error: out of space\n";
    return o;
  };
  auto r = apply(p);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->command_error);
  EXPECT_EQ(r->command_error->kind, ErrorKind::command);
  EXPECT_NE(r->command_error->message.find("update-grub failed with exit status 1"),
            std::string::npos);
  EXPECT_TRUE(r->commands[0].ran);
  EXPECT_EQ(r->commands[0].outcome->output, "/usr/sbin/grub-mkconfig: error: out of space\n");
  EXPECT_FALSE(r->commands[1].ran);
  EXPECT_EQ(m_runner.calls.size(), 1u);
  EXPECT_EQ(get("/etc/default/grub"), "A2\n");
}

TEST_F(ApplyTest, RenderPlanDiffShowsChangedEditsOnly) {
  put("/etc/default/grub", "A\n");
  put("/etc/kernel/cmdline", "same\n");
  Plan p = plan_for({{"/etc/default/grub", "A2\n"}, {"/etc/kernel/cmdline", "same\n"},
                     {"/boot/new.conf", "n\n"}});
  EXPECT_EQ(render_plan_diff(p),
            "--- a/etc/default/grub\n+++ b/etc/default/grub\n@@ -1 +1 @@\n-A\n+A2\n"
            "--- /dev/null\n+++ b/boot/new.conf\n@@ -0,0 +1 @@\n+n\n");
  EXPECT_EQ(render_edit_diff(p.edits[1]), "");
}

// ---- real file system failures: a full tmpfs, a read-only mount --------------------

// Runs `body` in a child with a private mount namespace (so nothing it mounts is seen
// outside). Returns the child's exit status, or -1 to skip when mounting is not allowed.
int in_private_mounts(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      ::_exit(77);
    ::_exit(body());
  }
  int st = 0;
  ::waitpid(child, &st, 0);
  if (!WIFEXITED(st)) return -2;
  return WEXITSTATUS(st) == 77 ? -1 : WEXITSTATUS(st);
}

// Child-side check: prints what failed and returns a distinct exit code.
#define CHILD_CHECK(cond, code)                                        \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
      return code;                                                     \
    }                                                                  \
  } while (0)

TEST_F(ApplyTest, FullFileSystemLeavesTheOldBytes) {
  int rc = in_private_mounts([&]() -> int {
    if (::mount("tmpfs", m_root.c_str(), "tmpfs", 0, "size=64k,mode=0755") != 0) return 77;
    put("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n");
    put("/etc/default/other", "x\n");
    {  // fill the file system
      std::ofstream filler(host("/filler"), std::ios::binary);
      std::string block(4096, 'f');
      for (int i = 0; i < 64 && filler; ++i) filler << block << std::flush;
    }
    auto root = RootDir::open(m_root);
    CHILD_CHECK(root, 2);
    m_dir.emplace(std::move(*root));
    Plan p = plan_for({{"/etc/default/other", "y\n"},
                       {"/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet crashkernel=256M\"\n" +
                                                 std::string(32768, '#')}});
    auto r = apply(p);
    CHILD_CHECK(!r, 3);
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    CHILD_CHECK(r.error().kind == ErrorKind::io, 4);
    CHILD_CHECK(r.error().sys_errno == ENOSPC, 5);
    CHILD_CHECK(get("/etc/default/grub") == "GRUB_CMDLINE_LINUX=\"quiet\"\n", 6);
    CHILD_CHECK(get("/etc/default/other") == "x\n", 7);
    CHILD_CHECK(leftovers().empty(), 8);
    return 0;
  });
  if (rc == -1) GTEST_SKIP() << "cannot mount a tmpfs here";
  EXPECT_EQ(rc, 0);
}

TEST_F(ApplyTest, ReadOnlyMountLeavesTheOldBytes) {
  int rc = in_private_mounts([&]() -> int {
    if (::mount("tmpfs", m_root.c_str(), "tmpfs", 0, "size=1m") != 0) return 77;
    put("/boot/loader/entries/a.conf", "options quiet\n");
    if (::mount(nullptr, m_root.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0) return 77;
    auto root = RootDir::open(m_root);
    CHILD_CHECK(root, 2);
    m_dir.emplace(std::move(*root));
    auto r = apply(plan_for({{"/boot/loader/entries/a.conf", "options quiet crashkernel=1G\n"}}));
    CHILD_CHECK(!r, 3);
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    CHILD_CHECK(r.error().sys_errno == EROFS, 4);
    CHILD_CHECK(get("/boot/loader/entries/a.conf") == "options quiet\n", 5);
    return 0;
  });
  if (rc == -1) GTEST_SKIP() << "cannot mount a tmpfs here";
  EXPECT_EQ(rc, 0);
}

// ---- several files: all or nothing ---------------------------------------------------

// A Fedora-like set: two BLS entries, grubenv through a symlink, /etc/default/grub with
// a restrictive mode, and /etc/kernel/cmdline to create in a missing directory.
struct Scenario {
  std::vector<std::tuple<std::string, std::optional<std::string>, std::string>> files = {
      {"/boot/loader/entries/a-6.8.conf", "title A\noptions root=/dev/vda1 quiet\n",
       "title A\noptions root=/dev/vda1 quiet crashkernel=512M\n"},
      {"/boot/loader/entries/b-6.9.conf", "title B\noptions root=/dev/vda1\n",
       "title B\noptions root=/dev/vda1 crashkernel=512M\n"},
      {"/boot/grub2/grubenv", "# GRUB Environment Block\nkernelopts=root=/dev/vda1\n" + std::string(40, '#'),
       "# GRUB Environment Block\nkernelopts=root=/dev/vda1 crashkernel=512M\n" + std::string(23, '#')},
      {"/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n",
       "GRUB_CMDLINE_LINUX=\"quiet crashkernel=512M\"\n"},
      {"/etc/kernel/cmdline", std::nullopt, "root=/dev/vda1 crashkernel=512M\n"},
  };
};

class ApplyFaultTest : public ApplyTest {
protected:
  std::string temp_base() const override {
    return ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  }
  void build() {
    std::error_code ec;
    fs::remove_all(m_root, ec);
    fs::create_directories(m_root / "etc");
    for (const auto& [path, before, after] : m_s.files) {
      if (!before) continue;
      std::string real = path == "/boot/grub2/grubenv" ? "/boot/efi/EFI/fedora/grubenv" : path;
      put(real, *before);
    }
    fs::create_directories(host("/boot/grub2"));
    fs::create_symlink("../efi/EFI/fedora/grubenv", host("/boot/grub2/grubenv"));
    ASSERT_EQ(::chmod(host("/etc/default/grub").c_str(), 0600), 0);
    m_xattr = ::setxattr(host("/etc/default/grub").c_str(), "user.kdump-test", "keep", 4, 0) == 0;
    open_root();
  }
  Plan plan() {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& [path, before, after] : m_s.files) v.emplace_back(path, after);
    return plan_for(v);
  }
  // Each file is byte-identical to its old or its new content; returns how many are new.
  int check_each_old_or_new(const std::string& ctx) {
    int fresh = 0;
    for (const auto& [path, before, after] : m_s.files) {
      if (!present(path)) {
        EXPECT_FALSE(before) << ctx << ": " << path << " vanished";
        continue;
      }
      std::string now = get(path);
      if (now == after) ++fresh;
      else EXPECT_EQ(std::optional<std::string>(now), before) << ctx << ": " << path << " is mixed";
    }
    EXPECT_EQ(lstat_of(host("/etc/default/grub")).st_mode & 07777, 0600u) << ctx;
    if (m_xattr) {
      char buf[8] = {};
      EXPECT_EQ(::getxattr(host("/etc/default/grub").c_str(), "user.kdump-test", buf, sizeof buf), 4)
          << ctx;
    }
    EXPECT_TRUE(S_ISLNK(lstat_of(host("/boot/grub2/grubenv")).st_mode)) << ctx;
    return fresh;
  }
  void check_all(bool fresh, const std::string& ctx) {
    int n = check_each_old_or_new(ctx);
    EXPECT_EQ(n, fresh ? static_cast<int>(m_s.files.size()) : 0) << ctx;
    if (!fresh) { EXPECT_FALSE(fs::exists(host("/etc/kernel"))) << ctx << ": created dir left"; }
  }
  // No leftover a boot loader could read: every one is a dot-file ending .tmp/.bak.
  void check_leftovers_harmless(const std::string& ctx) {
    for (const auto& l : leftovers())
      EXPECT_TRUE(AtomicFile::is_leftover_name(fs::path(l).filename().string())) << ctx << ": " << l;
  }
  // A second run, planned on what is there now, completes the change and cleans up.
  void rerun_completes(const std::string& ctx) {
    open_root();
    auto r = apply(plan());
    ASSERT_TRUE(r) << ctx << ": rerun: " << r.error().message;
    check_all(true, ctx + " (rerun)");
    EXPECT_TRUE(leftovers().empty()) << ctx << " (rerun)";
  }

  enum class Strategy { exchange, link, copy };
  void configure(FaultSysOps& f, Strategy s) {
    if (s != Strategy::exchange) f.always_fail(SysOp::exchange, EINVAL);
    if (s == Strategy::copy) f.always_fail(SysOp::link, EPERM);
  }

  Scenario m_s;
  bool m_xattr = false;
};

TEST_F(ApplyFaultTest, AllFilesWithEveryStrategyAndResolver) {
  for (Resolver how : {Resolver::kernel, Resolver::userspace}) {
    for (Strategy s : {Strategy::exchange, Strategy::link, Strategy::copy}) {
      build();
      open_root(how);
      FaultSysOps f;
      configure(f, s);
      ApplyOptions o;
      o.sys = &f;
      auto r = apply(plan(), o);
      ASSERT_TRUE(r) << r.error().message;
      check_all(true, "clean run");
      EXPECT_TRUE(leftovers().empty());
      EXPECT_TRUE(r->warnings.empty());
    }
  }
}

TEST_F(ApplyFaultTest, EveryFailingCallLeavesOldOrNewNeverMixed) {
  unsigned points = 0;
  for (Strategy s : {Strategy::exchange, Strategy::link, Strategy::copy}) {
    for (int err : {EIO, ENOSPC, EROFS, EACCES}) {
      for (unsigned n = 1;; ++n) {
        std::string ctx = "strategy " + std::to_string(static_cast<int>(s)) + " errno " +
                          std::to_string(err) + " call " + std::to_string(n);
        build();
        FaultSysOps f;
        configure(f, s);
        f.fail_nth(n, err);
        ApplyOptions o;
        o.sys = &f;
        auto r = apply(plan(), o);
        if (!f.fault_fired()) {
          ASSERT_TRUE(r) << ctx << ": " << r.error().message;
          check_all(true, ctx);
          break;
        }
        ++points;
        if (r) {
          check_all(true, ctx);  // the fault hit after the commit point (a backup removal)
          if (!leftovers().empty()) { EXPECT_FALSE(r->warnings.empty()) << ctx; }
        } else {
          check_all(false, ctx);
          EXPECT_TRUE(r.error().kind == ErrorKind::io || r.error().kind == ErrorKind::unsafe_path)
              << ctx << ": " << r.error().message;
          EXPECT_NE(r.error().message.find("no file was changed"), std::string::npos)
              << ctx << ": " << r.error().message;
          if (f.fired_op() != SysOp::unlink) { EXPECT_TRUE(leftovers().empty()) << ctx; }
        }
        check_leftovers_harmless(ctx);
        rerun_completes(ctx);
        if (HasFatalFailure()) return;
      }
    }
  }
  std::printf("[ fault sweep ] %u fault points, 0 corrupted\n", points);
  EXPECT_GT(points, 100u);
}

TEST_F(ApplyFaultTest, KilledAtEveryCallLeavesEachFileOldOrNew) {
  unsigned points = 0;
  for (Strategy s : {Strategy::exchange, Strategy::link, Strategy::copy}) {
    for (unsigned n = 1;; ++n) {
      std::string ctx = "strategy " + std::to_string(static_cast<int>(s)) + " kill at call " +
                        std::to_string(n);
      build();
      Plan p = plan();
      std::fflush(nullptr);
      pid_t child = ::fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        FaultSysOps f;
        configure(f, s);
        f.kill_nth(n);
        ApplyOptions o;
        o.sys = &f;
        auto r = apply(p, o);
        ::_exit(r ? 0 : 1);
      }
      int st = 0;
      ASSERT_EQ(::waitpid(child, &st, 0), child);
      if (WIFEXITED(st)) {
        EXPECT_EQ(WEXITSTATUS(st), 0) << ctx;
        check_all(true, ctx);
        break;
      }
      ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << ctx;
      ++points;
      check_each_old_or_new(ctx);
      check_leftovers_harmless(ctx);
      rerun_completes(ctx);
      if (HasFatalFailure()) return;
    }
  }
  std::printf("[ kill sweep ] %u kill points, 0 corrupted\n", points);
  EXPECT_GT(points, 30u);
}

}  // namespace
}  // namespace kdump
