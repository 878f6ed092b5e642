// unified_diff: the exact text `diff -u` prints for unambiguous cases, and a round trip
// through `patch -p1` for many generated ones (including missing final newlines).
#include "util/unified_diff.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "support/files.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using kdump::test::slurp;
using kdump::test::spit;

std::string numbered(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/kdump-diff-XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

// Runs a command line (test helper only; the product never uses a shell).
int sh(const std::string& cmd) {
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// GNU diff's own output, for comparison.
std::string gnu_diff(const std::string& a, const std::string& b) {
  TempDir t;
  spit(t.path() / "a", a);
  spit(t.path() / "b", b);
  std::string cmd = "cd " + t.path().string() +
                    " && diff -u --label a/etc/f --label b/etc/f a b > out; true";
  sh(cmd);
  return slurp(t.path() / "out");
}

// Applies `diff` with patch -p1 in a root that has `before` at etc/f; returns the result.
std::string patched(const std::optional<std::string>& before, const std::string& diff) {
  TempDir t;
  fs::create_directories(t.path() / "etc");
  if (before) spit(t.path() / "etc/f", *before);
  spit(t.path() / "d.patch", diff);
  int rc = sh("cd " + t.path().string() + " && patch -p1 -s --no-backup-if-mismatch < d.patch");
  EXPECT_EQ(rc, 0) << diff;
  return slurp(t.path() / "etc/f");
}

TEST(UnifiedDiff, EqualTextsGiveNothing) {
  EXPECT_EQ(unified_diff("/etc/f", std::string("a\n"), "a\n"), "");
}

TEST(UnifiedDiff, OneLineChangeIsOneHunk) {
  std::string a = "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet\"\n";
  std::string b = "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"quiet crashkernel=256M\"\n";
  EXPECT_EQ(unified_diff("/etc/default/grub", a, b),
            "--- a/etc/default/grub\n"
            "+++ b/etc/default/grub\n"
            "@@ -1,3 +1,3 @@\n"
            " GRUB_DEFAULT=0\n"
            " GRUB_TIMEOUT=5\n"
            "-GRUB_CMDLINE_LINUX=\"quiet\"\n"
            "+GRUB_CMDLINE_LINUX=\"quiet crashkernel=256M\"\n");
}

TEST(UnifiedDiff, MatchesGnuDiffOnUnambiguousCases) {
  std::string base = numbered(1, 40);
  auto change = [&](std::initializer_list<int> lines) {
    std::string s;
    for (int i = 1; i <= 40; ++i) {
      bool hit = std::find(lines.begin(), lines.end(), i) != lines.end();
      s += (hit ? "CHANGED " : "line ") + std::to_string(i) + "\n";
    }
    return s;
  };
  for (const std::string& b : {change({1}), change({40}), change({10, 17}) /* 6 apart: one hunk */,
                               change({10, 18}) /* 7 apart: two hunks */, change({2, 3, 30})}) {
    EXPECT_EQ(unified_diff("/etc/f", base, b), gnu_diff(base, b));
  }
  // Pure insertions and deletions (empty side ranges: "-l,0").
  std::string ins = numbered(1, 5) + "new\n" + numbered(6, 40);
  EXPECT_EQ(unified_diff("/etc/f", base, ins), gnu_diff(base, ins));
  EXPECT_EQ(unified_diff("/etc/f", ins, base), gnu_diff(ins, base));
  EXPECT_EQ(unified_diff("/etc/f", std::string("a\n"), ""), gnu_diff("a\n", ""));
  EXPECT_EQ(unified_diff("/etc/f", std::string(""), "a\n"), gnu_diff("", "a\n"));
}

TEST(UnifiedDiff, NoNewlineAtEndOfFile) {
  std::string a = "one\ntwo";
  std::string b = "one\ntwo\n";
  std::string d = unified_diff("/etc/f", a, b);
  EXPECT_EQ(d, gnu_diff(a, b));
  EXPECT_NE(d.find("\\ No newline at end of file\n"), std::string::npos);
  EXPECT_EQ(patched(a, d), b);
  EXPECT_EQ(unified_diff("/etc/f", b, a), gnu_diff(b, a));
  EXPECT_EQ(patched(b, unified_diff("/etc/f", b, a)), a);
  std::string c = "zero\none\ntwo";  // change at the top, unterminated last line as context
  EXPECT_EQ(unified_diff("/etc/f", a, c), gnu_diff(a, c));
  EXPECT_EQ(patched(a, unified_diff("/etc/f", a, c)), c);
}

TEST(UnifiedDiff, NewFileIsFromDevNull) {
  std::string d = unified_diff("/etc/kernel/cmdline", std::nullopt, "root=/dev/sda1 crashkernel=1G\n");
  EXPECT_EQ(d,
            "--- /dev/null\n"
            "+++ b/etc/kernel/cmdline\n"
            "@@ -0,0 +1 @@\n"
            "+root=/dev/sda1 crashkernel=1G\n");
  TempDir t;
  spit(t.path() / "d.patch", d);
  ASSERT_EQ(sh("cd " + t.path().string() + " && patch -p1 -s < d.patch"), 0);
  EXPECT_EQ(slurp(t.path() / "etc/kernel/cmdline"), "root=/dev/sda1 crashkernel=1G\n");
}

TEST(UnifiedDiff, RoundTripsThroughPatchOnGeneratedEdits) {
  // Many generated cases, one file each, all applied by a single `patch -p1` run.
  std::mt19937 rng(20261122);
  const char* words[] = {"a", "b", "c", "GRUB_CMDLINE_LINUX=\"\"", "", "# comment", "x y z"};
  TempDir t;
  std::string all;
  std::vector<std::pair<std::string, std::string>> expected;  // path -> after
  for (int round = 0; round < 400; ++round) {
    std::vector<std::string> lines;
    int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) lines.push_back(words[rng() % 7]);
    std::vector<std::string> edited = lines;
    int edits = 1 + static_cast<int>(rng() % 5);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = edited.empty() ? 0 : rng() % (edited.size() + 1);
      switch (rng() % 3) {
        case 0: edited.insert(edited.begin() + static_cast<long>(at), "inserted " + std::to_string(e)); break;
        case 1: if (at < edited.size()) edited.erase(edited.begin() + static_cast<long>(at)); break;
        default: if (at < edited.size()) edited[at] += " crashkernel=256M"; break;
      }
    }
    auto join = [&](const std::vector<std::string>& v, bool final_newline) {
      std::string s;
      for (std::size_t i = 0; i < v.size(); ++i) s += v[i] + (i + 1 < v.size() || final_newline ? "\n" : "");
      return s;
    };
    std::string a = join(lines, rng() % 4 != 0);
    std::string b = join(edited, rng() % 4 != 0);
    if (a == b) continue;
    std::string path = "/etc/case" + std::to_string(round);
    spit(t.path() / path.substr(1), a);
    all += unified_diff(path, a, b);
    expected.emplace_back(path, b);
  }
  spit(t.path() / "all.patch", all);
  ASSERT_EQ(sh("cd " + t.path().string() + " && patch -p1 -s --no-backup-if-mismatch < all.patch"), 0);
  for (const auto& [path, b] : expected)
    EXPECT_EQ(slurp(t.path() / path.substr(1)), b) << path;
  EXPECT_GT(expected.size(), 300u);
}

TEST(UnifiedDiff, ContextWidthIsAParameter) {
  std::string a = numbered(1, 20);
  std::string b = numbered(1, 9) + "ten\n" + numbered(11, 20);
  std::string d = unified_diff("/etc/f", a, b, 1);
  EXPECT_NE(d.find("@@ -9,3 +9,3 @@\n line 9\n-line 10\n+ten\n line 11\n"), std::string::npos) << d;
}

}  // namespace
}  // namespace kdump
