// grubenv::Block against GRUB's own writer: Debian's grub-editenv (grub-common) runs the
// same grub-core/lib/envblk.c that grub2-editenv runs on Fedora/RHEL. Every edit our
// writer makes must give the bytes grub-editenv gives, and what grub-editenv lists must
// be what we read. Skipped when grub-editenv is not installed.
#include <gtest/gtest.h>

#include "support/files.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "grammar/grubenv.hpp"

extern char** environ;

namespace kdump {
namespace {

namespace fs = std::filesystem;
using kdump::test::slurp;

const char* kEditenv = "/usr/bin/grub-editenv";

// Runs grub-editenv with `args`; stdout into `out`.
int editenv(const std::vector<std::string>& args, std::string* out = nullptr) {
  char tmpl[] = "/tmp/kdump-editenv-out-XXXXXX";
  int fd = mkstemp(tmpl);
  std::vector<char*> argv;
  std::vector<std::string> all = {kEditenv};
  all.insert(all.end(), args.begin(), args.end());
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd, 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, kEditenv, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  int status = -1;
  if (rc == 0) waitpid(pid, &status, 0);
  close(fd);
  if (out) *out = slurp(tmpl);
  unlink(tmpl);
  return rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class GrubenvReal : public ::testing::Test {
protected:
  fs::path dir;
  fs::path file;
  void SetUp() override {
    if (access(kEditenv, X_OK) != 0) GTEST_SKIP() << "grub-editenv not installed (grub-common)";
    char tmpl[] = "/tmp/kdump-grubenv-XXXXXX";
    dir = mkdtemp(tmpl);
    file = dir / "grubenv";
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
  grubenv::Block ours() {
    auto b = grubenv::Block::parse(slurp(file));
    EXPECT_TRUE(b) << (b ? "" : b.error().message);
    return b ? *b : *grubenv::Block::parse(std::string(grubenv::kHeader) + std::string(1024 - 25, '#'));
  }
};

TEST_F(GrubenvReal, EverySetAndUnsetGivesGrubsBytes) {
  ASSERT_EQ(editenv({file.string(), "create"}), 0);
  grubenv::Block b = ours();
  // name, value (nullopt: unset), in order; values exercise in-place growth and
  // shrinking, escapes of backslash and newline, '=' and spaces in values.
  const std::vector<std::pair<std::string, std::optional<std::string>>> steps = {
      {"saved_entry", "b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64"},
      {"kernelopts", "root=UUID=949779ce ro console=ttyS0,115200n8 crashkernel=auto "},
      {"boot_success", "1"},
      {"kernelopts", "root=UUID=949779ce ro console=ttyS0,115200n8 crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M "},
      {"tuned_params", "a\\b=c"},
      {"kernelopts", "root=UUID=949779ce ro"},
      {"odd", "line1\nline2\\"},
      {"boot_success", std::nullopt},
      {"kernelopts", "root=UUID=949779ce ro crashkernel=256M"},
  };
  for (const auto& [name, value] : steps) {
    if (value) {
      ASSERT_EQ(editenv({file.string(), "set", name + "=" + *value}), 0);
      ASSERT_TRUE(b.set(name, *value));
    } else {
      ASSERT_EQ(editenv({file.string(), "unset", name}), 0);
      EXPECT_TRUE(b.unset(name));
    }
    ASSERT_EQ(b.text(), slurp(file)) << "after " << name;
    const auto reread = ours();
    if (value) EXPECT_EQ(reread.get(name), *value);
  }
}

TEST_F(GrubenvReal, ReadsTheCorpusAsGrubLists) {
  const fs::path c = fs::path(KDUMP_CORPUS_DIR) / "grubenv";
  for (const auto* n : {"rhel83-aws-kernelopts-crashkernel-auto", "fedora35-legion-warning-line",
                        "kdump-utils-empty-grubenv", "grubby-test-saved_entry-with-comma"}) {
    fs::remove(file);
    fs::copy_file(c / n, file);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    std::string listed;
    ASSERT_EQ(editenv({file.string(), "list"}, &listed), 0);
    std::string mine;
    const grubenv::Block read = ours();
    for (const auto& v : read.variables()) mine += v.name + "=" + v.value + "\n";
    EXPECT_EQ(mine, listed) << n;
    // An edit of kernelopts (or a new variable) matches grub-editenv's too.
    auto b = ours();
    ASSERT_TRUE(b.set("kernelopts", "root=/dev/sda ro crashkernel=256M"));
    ASSERT_EQ(editenv({file.string(), "set", "kernelopts=root=/dev/sda ro crashkernel=256M"}), 0);
    EXPECT_EQ(b.text(), slurp(file)) << n;
  }
}

TEST_F(GrubenvReal, GrowthPastTheBlockIsRefusedLikeGrub) {
  ASSERT_EQ(editenv({file.string(), "create"}), 0);
  const std::string big(1000, 'x');
  auto b = ours();
  EXPECT_FALSE(b.set("kernelopts", big));
  // grub-editenv fails too ("environment block too small") and leaves the file alone.
  const std::string before = slurp(file);
  EXPECT_NE(editenv({file.string(), "set", "kernelopts=" + big}), 0);
  EXPECT_EQ(slurp(file), before);
}

}  // namespace
}  // namespace kdump
