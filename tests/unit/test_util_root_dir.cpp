// RootDir: every path resolves inside the root, with the kernel resolver (openat2
// RESOLVE_IN_ROOT) and the userspace fallback, on the same table of cases.
#include "util/root_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/files.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using kdump::test::slurp;
using kdump::test::spit;

class RootDirTest : public ::testing::TestWithParam<Resolver> {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kdump-rootdir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_base = tmpl;
    m_root = m_base / "root";
    m_outside = m_base / "outside";
    fs::create_directories(m_root / "etc");
    spit(m_outside / "canary", "CANARY outside the root\n");
    spit(m_root / "etc/passwd", "inside the root\n");
    auto r = RootDir::open(m_root, GetParam());
    ASSERT_TRUE(r) << r.error().message;
    m_dir.emplace(std::move(*r));
  }
  void TearDown() override {
    EXPECT_EQ(slurp(m_outside / "canary"), "CANARY outside the root\n");
    std::error_code ec;
    fs::remove_all(m_base, ec);
  }
  void link(const std::string& target, const std::string& at) {
    fs::create_directories((m_root / at.substr(1)).parent_path());
    fs::create_symlink(target, m_root / at.substr(1));
  }
  const RootDir& dir() const { return *m_dir; }

  fs::path m_base, m_root, m_outside;
  std::optional<RootDir> m_dir;
};

TEST_P(RootDirTest, ReportsTheResolverInUse) {
  EXPECT_EQ(dir().resolver(), GetParam());
}

TEST_P(RootDirTest, ReadsAPlainFile) {
  auto r = dir().read_text("/etc/passwd");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "inside the root\n");
}

TEST_P(RootDirTest, AbsoluteSymlinkResolvesInsideTheRoot) {
  link("/etc/passwd", "/etc/link");
  auto r = dir().read_text("/etc/link");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "inside the root\n");
}

TEST_P(RootDirTest, AbsoluteSymlinkToTheHostCanaryDoesNotLeave) {
  link((m_outside / "canary").string(), "/boot/entry.conf");
  auto r = dir().read_text("/boot/entry.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno, ENOENT);
  // The same path inside the root is what the link means there.
  spit(m_root / (m_outside / "canary").relative_path(), "inside copy\n");
  auto r2 = dir().read_text("/boot/entry.conf");
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(*r2, "inside copy\n");
}

TEST_P(RootDirTest, DotDotAtTheTopStaysAtTheRoot) {
  auto r = dir().read_text("/../../../../etc/passwd");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "inside the root\n");
  link("../../../../../../outside/canary", "/etc/up");
  auto r2 = dir().read_text("/etc/up");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().sys_errno, ENOENT);
  link("../../../../../../etc/passwd", "/etc/up2");
  auto r3 = dir().read_text("/etc/up2");
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_EQ(*r3, "inside the root\n");
}

TEST_P(RootDirTest, DirectorySymlinkToTheTopStaysInside) {
  link("/", "/boot/efi");        // absolute link to the top
  link("../..", "/boot/grub2");  // relative link above it
  EXPECT_EQ(*dir().read_text("/boot/efi/etc/passwd"), "inside the root\n");
  EXPECT_EQ(*dir().read_text("/boot/grub2/../../../etc/passwd"), "inside the root\n");
  EXPECT_FALSE(dir().exists("/boot/efi/../outside/canary"));
}

TEST_P(RootDirTest, SymlinkLoopIsAClearError) {
  link("/etc/b", "/etc/a");
  link("/etc/a", "/etc/b");
  auto r = dir().read_text("/etc/a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsafe_path);
  EXPECT_EQ(r.error().sys_errno, ELOOP);
  EXPECT_EQ(r.error().file.value_or(""), "/etc/a");
  EXPECT_NE(r.error().message.find("symbolic links"), std::string::npos) << r.error().message;
}

TEST_P(RootDirTest, SelfLoopInADirectoryComponent) {
  link("loop", "/etc/loop");
  auto r = dir().read_text("/etc/loop/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno, ELOOP);
  auto l = dir().locate("/etc/loop");
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().sys_errno, ELOOP);
}

TEST_P(RootDirTest, DirectoryWhereAFileIsExpected) {
  fs::create_directories(m_root / "etc/default/grub");
  auto r = dir().read_text("/etc/default/grub");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsafe_path);
  EXPECT_NE(r.error().message.find("directory"), std::string::npos);
}

TEST_P(RootDirTest, FifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((m_root / "etc/fifo").c_str(), 0600), 0);
  auto r = dir().read_text("/etc/fifo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsafe_path);
}

TEST_P(RootDirTest, FileAsADirectoryComponent) {
  auto r = dir().read_text("/etc/passwd/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno, ENOTDIR);
}

TEST_P(RootDirTest, MissingFileIsIoEnoent) {
  auto r = dir().read_text("/etc/nothing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_EQ(r.error().sys_errno, ENOENT);
  EXPECT_FALSE(dir().exists("/etc/nothing"));
  EXPECT_TRUE(dir().exists("/etc/passwd"));
  EXPECT_TRUE(dir().is_directory("/etc"));
  EXPECT_FALSE(dir().is_directory("/etc/passwd"));
}

TEST_P(RootDirTest, SizeLimit) {
  spit(m_root / "etc/big", std::string(1000, 'x'));
  auto r = dir().read_text("/etc/big", 999);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno, EFBIG);
  EXPECT_TRUE(dir().read_text("/etc/big", 1000));
}

TEST_P(RootDirTest, SnapshotStampMatchesTheFile) {
  auto s = dir().read_snapshot("/etc/passwd");
  ASSERT_TRUE(s) << s.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((m_root / "etc/passwd").c_str(), &st), 0);
  EXPECT_EQ(s->text, "inside the root\n");
  EXPECT_EQ(s->stamp.ino, st.st_ino);
  EXPECT_EQ(s->stamp.dev, st.st_dev);
  EXPECT_EQ(s->stamp.size, 16u);
  EXPECT_EQ(s->stamp.mtime_ns, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  EXPECT_EQ(s->stamp.content_hash, content_hash("inside the root\n"));
  EXPECT_NE(content_hash("a"), content_hash("b"));
}

TEST_P(RootDirTest, ListIsSortedAndEmptyWhenAbsent) {
  spit(m_root / "boot/loader/entries/b.conf", "");
  spit(m_root / "boot/loader/entries/a.conf", "");
  fs::create_directories(m_root / "boot/loader/entries/c.d");
  auto l = dir().list("/boot/loader/entries");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(*l, (std::vector<std::string>{"a.conf", "b.conf", "c.d"}));
  auto none = dir().list("/boot/nothing");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto file = dir().list("/etc/passwd");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().kind, ErrorKind::unsafe_path);
  // A directory symlink to the outside lists the inside.
  link((m_outside).string(), "/boot/out");
  auto out = dir().list("/boot/out");
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->empty());
}

TEST_P(RootDirTest, LocateFollowsTheLastSymlinkInsideTheRoot) {
  spit(m_root / "boot/efi/EFI/fedora/grubenv", "env");
  link("../efi/EFI/fedora/grubenv", "/boot/grub2/grubenv");
  auto l = dir().locate("/boot/grub2/grubenv");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->name, "grubenv");
  EXPECT_TRUE(l->st.has_value());
  struct stat want {}, got {};
  ASSERT_EQ(::stat((m_root / "boot/efi/EFI/fedora").c_str(), &want), 0);
  ASSERT_EQ(::fstat(l->dir.get(), &got), 0);
  EXPECT_EQ(want.st_ino, got.st_ino);

  // Absolute link to the host canary: located inside the root, and absent there.
  link((m_outside / "canary").string(), "/etc/kernel/cmdline");
  auto c = dir().locate("/etc/kernel/cmdline");
  ASSERT_FALSE(c);  // its directory does not exist inside the root
  EXPECT_EQ(c.error().sys_errno, ENOENT);
}

TEST_P(RootDirTest, LocateMissingFileAndBadNames) {
  auto l = dir().locate("/etc/newfile");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->st);
  EXPECT_EQ(l->abs, "/etc/newfile");
  for (const char* bad : {"/", "/etc/.", "/etc/.."}) {
    auto b = dir().locate(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().kind, ErrorKind::unsafe_path) << bad;
  }
}

TEST_P(RootDirTest, DisplayShowsTheHostPath) {
  EXPECT_EQ(dir().display("/etc/default/grub"), m_root.string() + "/etc/default/grub");
}

TEST_P(RootDirTest, OpenDirFdIsUsable) {
  auto fd = dir().open_dir_fd("/etc");
  ASSERT_TRUE(fd) << fd.error().message;
  UniqueFd owned(*fd);
  EXPECT_EQ(::fsync(owned.get()), 0);
  auto bad = dir().open_fd("/etc/x", O_CREAT | O_WRONLY);
  EXPECT_FALSE(bad);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, RootDirTest,
                         ::testing::Values(Resolver::kernel, Resolver::userspace),
                         [](const auto& info) {
                           return info.param == Resolver::kernel ? std::string("openat2")
                                                                 : std::string("userspace");
                         });

TEST(RootDir, MagicLinksAreRefusedByTheKernelResolver) {
  auto r = RootDir::open("/", Resolver::kernel);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_host_root());
  EXPECT_EQ(r->display("/etc/x"), "/etc/x");
  auto m = r->read_text("/proc/self/root/etc/hostname");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().sys_errno, ELOOP);
}

TEST(RootDir, AutomaticPicksAResolver) {
  auto r = RootDir::open("/tmp");
  ASSERT_TRUE(r);
  EXPECT_NE(r->resolver(), Resolver::automatic);
}

TEST(RootDir, MissingRootIsAnError) {
  auto r = RootDir::open("/nonexistent/kdump-setup-test-root");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_EQ(r.error().sys_errno, ENOENT);
}

}  // namespace
}  // namespace kdump
