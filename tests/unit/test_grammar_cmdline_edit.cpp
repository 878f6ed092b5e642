// The crashkernel= token editor (grammar/cmdline_edit.hpp).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "grammar/cmdline_edit.hpp"

namespace kdump::cmdline {
namespace {

std::string set(std::string_view line, std::string_view v, Dialect d = Dialect::kernel) {
  auto r = set_crashkernel(line, v, d);
  EXPECT_TRUE(r.has_value()) << line;
  return r ? r->text : std::string("<error>");
}

std::string rm(std::string_view line, Dialect d = Dialect::kernel) {
  auto r = remove_crashkernel(line, d);
  EXPECT_TRUE(r.has_value()) << line;
  return r ? r->text : std::string("<error>");
}

TEST(CmdlineWords, KernelQuotesGroupOneWord) {
  const auto w = split_words(R"(ro foo="a b"  quiet)", Dialect::kernel);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].text, R"(foo="a b")");
  EXPECT_EQ(w[2].begin, 14u);
}

TEST(CmdlineWords, KernelDoesNotGroupSingleQuotes) {
  EXPECT_EQ(split_words("acpi_osi='Windows 2012' x", Dialect::kernel).size(), 3u);
}

TEST(CmdlineWords, GrubGroupsSingleQuotesAndEscapedDoubleQuotes) {
  auto w = split_words("loglevel=1 acpi_osi='Windows 2012' sysrq=244", Dialect::grub);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].text, "acpi_osi='Windows 2012'");
  w = split_words(R"(a foo=\"x y\" b)", Dialect::grub);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].text, R"(foo=\"x y\")");
}

TEST(CmdlineWords, GrubContinuationSeparatesOrJoins) {
  auto w = split_words("${X} \\\nlog_buf_len=4M \\\naudit=0 \\\n", Dialect::grub);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[2].text, "audit=0");
  w = split_words("au\\\ndit=0 x", Dialect::grub);  // the shell deletes it: one word
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].text, "au\\\ndit=0");
}

TEST(CmdlineWords, FindsOursAndKinds) {
  const auto c = crashkernel_words("ro crashkernel=128M,low crashkernel=512M,high "
                                   "crashkernel=1G crashkernel=64M,cma",
                                   Dialect::kernel);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].kind, Kind::low);
  EXPECT_EQ(c[1].kind, Kind::high);
  EXPECT_EQ(c[2].kind, Kind::plain);
  EXPECT_EQ(c[2].value, "1G");
  EXPECT_EQ(c[3].kind, Kind::cma);
}

TEST(CmdlineWords, QuotedCrashkernelWordIsOurs) {
  auto c = crashkernel_words(R"(ro "crashkernel=1G" q)", Dialect::kernel);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value, "1G");
  EXPECT_TRUE(c[0].quoted);
  c = crashkernel_words("ro 'crashkernel=1G' q", Dialect::grub);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value, "1G");
}

TEST(CmdlineWords, LookAlikesAreNotOursButReported) {
  const std::string line = R"(mycrashkernel=1 foo.crashkernel=2 bar="x crashkernel=3" crashkernel=4)";
  const auto c = crashkernel_words(line, Dialect::kernel);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value, "4");
  const auto l = look_alikes(line, Dialect::kernel);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].word, "mycrashkernel=1");
  EXPECT_EQ(l[1].word, "foo.crashkernel=2");
  EXPECT_EQ(l[2].word, R"(bar="x crashkernel=3")");
}

TEST(CmdlineSet, ReplacesInPlaceKeepingEverythingElse) {
  EXPECT_EQ(set("ro  crashkernel=auto\trhgb quiet", "256M"), "ro  crashkernel=256M\trhgb quiet");
}

TEST(CmdlineSet, AppendsWithOneSpace) {
  EXPECT_EQ(set("ro quiet", "256M"), "ro quiet crashkernel=256M");
  EXPECT_EQ(set("ro quiet  \t", "256M"), "ro quiet crashkernel=256M  \t");
  EXPECT_EQ(set("", "256M"), "crashkernel=256M");
  EXPECT_EQ(set("   ", "256M"), "crashkernel=256M   ");
}

TEST(CmdlineSet, InsertsBeforeInitArguments) {
  // grubby-bls and perl-bootloader append after `--`.
  EXPECT_EQ(set("ro quiet -- single", "256M"), "ro quiet crashkernel=256M -- single");
  EXPECT_EQ(set("-- single", "256M"), "crashkernel=256M -- single");
  EXPECT_EQ(set("ro\t-- single", "256M"), "ro\tcrashkernel=256M -- single");
}

TEST(CmdlineSet, DropsOurWordsAfterInitSeparator) {
  auto r = set_crashkernel("ro -- crashkernel=1G x", "256M");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "ro crashkernel=256M -- x");
  EXPECT_FALSE(r->warnings.empty());
}

TEST(CmdlineSet, PlainDropsHighAndLowAndDuplicates) {
  // grubby-bls, observed
  EXPECT_EQ(set("ro crashkernel=auto rhgb quiet", "2G-64G:256M,64G-:512M"),
            "ro crashkernel=2G-64G:256M,64G-:512M rhgb quiet");
  EXPECT_EQ(set("ro crashkernel=256M,high crashkernel=72M,low quiet", "512M"),
            "ro crashkernel=512M quiet");
  EXPECT_EQ(set("ro crashkernel=128M quiet crashkernel=256M", "1G"), "ro crashkernel=1G quiet");
}

TEST(CmdlineSet, PlainKeepsCmaAndStaysAfterIt) {
  EXPECT_EQ(set("ro crashkernel=64M,cma crashkernel=1G q", "2G"), "ro crashkernel=64M,cma crashkernel=2G q");
  auto r = set_crashkernel("ro crashkernel=1G crashkernel=64M,cma q", "2G");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "ro crashkernel=64M,cma crashkernel=2G q");
  EXPECT_EQ(set("ro crashkernel=64M,cma q", "2G"), "ro crashkernel=64M,cma crashkernel=2G q");
}

TEST(CmdlineSet, HighReplacesHighAndDropsPlainKeepsLow) {
  EXPECT_EQ(set("a crashkernel=1G crashkernel=64M,low b", "512M,high"),
            "a crashkernel=512M,high crashkernel=64M,low b");
  EXPECT_EQ(set("a crashkernel=64M,low crashkernel=1G,high b", "512M,high"),
            "a crashkernel=64M,low crashkernel=512M,high b");
}

TEST(CmdlineSet, LowWarnsWhenPlainPresent) {
  auto r = set_crashkernel("a crashkernel=1G", "64M,low");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "a crashkernel=1G crashkernel=64M,low");
  EXPECT_FALSE(r->warnings.empty());
}

TEST(CmdlineSet, CmaGoesBeforePlain) {
  EXPECT_EQ(set("a crashkernel=1G b", "64M,cma"), "a crashkernel=64M,cma crashkernel=1G b");
}

TEST(CmdlineSet, LookAlikesUntouchedButWarned) {
  auto r = set_crashkernel("mycrashkernel=1 foo.crashkernel=2 quiet", "256M");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "mycrashkernel=1 foo.crashkernel=2 quiet crashkernel=256M");
  EXPECT_TRUE(r->warnings.empty());
  ASSERT_EQ(r->look_alikes.size(), 2u);
  EXPECT_EQ(r->look_alikes[1].word, "foo.crashkernel=2");
  EXPECT_NE(describe(r->look_alikes[0]).find("substring search"), std::string::npos);
}

TEST(CmdlineSet, KeepsQuotedValuesByteForByte) {
  // perl-bootloader's test suite starting line
  EXPECT_EQ(set(R"(mitigations=off quiet foo="foo  bar" quiet nosimplefb=1)", "1G"),
            R"(mitigations=off quiet foo="foo  bar" quiet nosimplefb=1 crashkernel=1G)");
  // kdump-utils' prepare_cmdline (spec/kdump-lib_spec.sh) with quotes
  EXPECT_EQ(set("a b='x y' c", "1G", Dialect::grub), "a b='x y' c crashkernel=1G");
}

TEST(CmdlineSet, QuoteContainingCrashkernelIsNotSplit) {
  EXPECT_EQ(set(R"(a foo="crashkernel=1 b" c)", "2G"), R"(a foo="crashkernel=1 b" c crashkernel=2G)");
}

TEST(CmdlineSet, ReplacesQuotedWordUnquoted) {
  EXPECT_EQ(set(R"(a "crashkernel=1G" b)", "2G"), "a crashkernel=2G b");
}

TEST(CmdlineSet, IdempotentSecondRun) {
  auto once = set_crashkernel("ro crashkernel=128M,low crashkernel=512M,high quiet", "256M");
  ASSERT_TRUE(once);
  auto twice = set_crashkernel(once->text, "256M");
  ASSERT_TRUE(twice);
  EXPECT_FALSE(twice->changed);
  EXPECT_EQ(twice->text, once->text);
}

TEST(CmdlineSet, RefusesBadValueAndUnterminatedQuote) {
  auto r = set_crashkernel("a b", "256M quiet");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  r = set_crashkernel(R"(a foo="b c)", "256M");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().column, 7u);
}

TEST(CmdlineSet, GrubContinuationLines) {
  const std::string steam = "${GRUB_CMDLINE_LINUX} \\\nlog_buf_len=4M \\\nfsck.repair=preen \\\n";
  const std::string s = set(steam, "256M", Dialect::grub);
  EXPECT_EQ(s, "${GRUB_CMDLINE_LINUX} \\\nlog_buf_len=4M \\\nfsck.repair=preen crashkernel=256M \\\n");
  EXPECT_EQ(rm(s, Dialect::grub), steam);
  // A parameter alone on its continued line goes with its line.
  EXPECT_EQ(rm("${X} \\\ncrashkernel=1G \\\naudit=0 \\\n", Dialect::grub), "${X} \\\naudit=0 \\\n");
  EXPECT_EQ(rm("${X} \\\naudit=0 \\\ncrashkernel=1G \\\n", Dialect::grub), "${X} \\\naudit=0 \\\n");
}

// A trailing backslash would escape the space put before a new word: GRUB would read
// "quiet\ crashkernel=256M" as one word. Refused, with the column; an in-place
// replacement and the kernel dialect (no escapes) are fine.
TEST(CmdlineSet, GrubRefusesToAppendAfterATrailingBackslash) {
  auto r = set_crashkernel("ro quiet\\", "256M", Dialect::grub);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().column, 9u);
  EXPECT_NE(r.error().message.find("backslash"), std::string::npos);
  EXPECT_EQ(set("crashkernel=1G quiet\\", "256M", Dialect::grub), "crashkernel=256M quiet\\");
  EXPECT_EQ(set("ro quiet\\\\", "256M", Dialect::grub), "ro quiet\\\\ crashkernel=256M");
  EXPECT_EQ(set("ro quiet\\", "256M", Dialect::kernel), "ro quiet\\ crashkernel=256M");
}

// Many words of ours: one pass, and the same result as editing word by word.
TEST(CmdlineSet, ManyOfOurWordsAreAllReplacedOrRemoved) {
  std::string line, expect_set = "crashkernel=256M", expect_rm;
  for (int i = 0; i < 500; ++i) {
    line += (i ? " " : "") + std::string("crashkernel=") + std::to_string(i + 1) + "M x" + std::to_string(i);
    expect_set += " x" + std::to_string(i);
    expect_rm += (i ? " x" : "x") + std::to_string(i);
  }
  EXPECT_EQ(set(line, "256M"), expect_set);
  EXPECT_EQ(rm(line), expect_rm);
}

TEST(CmdlineRemove, RemovesAllOursAndOneSeparator) {
  EXPECT_EQ(rm("ro crashkernel=128M quiet crashkernel=256M"), "ro quiet");
  EXPECT_EQ(rm("crashkernel=1G ro"), "ro");
  EXPECT_EQ(rm("ro\tcrashkernel=1G"), "ro");
  EXPECT_EQ(rm("crashkernel=1G"), "");
  EXPECT_EQ(rm("  crashkernel=1G  "), "    ");
  EXPECT_EQ(rm("a crashkernel=1G,high crashkernel=1G,low crashkernel=1G,cma b"), "a b");
  EXPECT_EQ(rm("mycrashkernel=1 quiet"), "mycrashkernel=1 quiet");
  // Debian kdump-tools' removal regex breaks the next word; ours does not.
  EXPECT_EQ(rm("root=/dev/dasda1 crashkernel=384M-:128M cio_ignore=all,!condev TERM=dumb"),
            "root=/dev/dasda1 cio_ignore=all,!condev TERM=dumb");
}

TEST(CmdlineRemove, UnchangedWithoutOurWords) {
  auto r = remove_crashkernel(R"(zap="xxx  123" nosimplefb=1)");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed);
}

// remove(set(x)) gives the original bytes back for every line without a word of ours.
TEST(CmdlineRoundTrip, ManyShapes) {
  const std::vector<std::string> lines = {
      "", " ", "\t", "  \t ", "ro", "ro quiet", " ro quiet ", "ro  quiet\t\t",
      "ro quiet -- single", "-- single", "  -- single", "ro\t-- single", "ro --", "ro \t--",
      R"(a foo="x  y" b)", R"(foo="a b")", "mycrashkernel=1G", "x foo.crashkernel=2",
      "a\nb", "a \n", "a -- b -- c", "BOOT_IMAGE=/vmlinuz root=UUID=x ro",
  };
  for (const auto& l : lines) {
    for (Dialect d : {Dialect::kernel, Dialect::grub}) {
      for (std::string_view v : {"256M", "1G,high", "128M,low", "64M,cma"}) {
        auto s = set_crashkernel(l, v, d);
        ASSERT_TRUE(s) << "[" << l << "]";
        auto back = remove_crashkernel(s->text, d);
        ASSERT_TRUE(back);
        EXPECT_EQ(back->text, l) << "set [" << l << "] -> [" << s->text << "]";
      }
    }
  }
}

TEST(CmdlineRoundTrip, RandomLines) {
  std::mt19937 rng(42);
  const std::vector<std::string> atoms = {"a", "ro", "--", "x=1", R"(q="a b")", "'s t'", " ", "  ",
                                          "\t", "\\\n", "mycrashkernel=1", "z.crashkernel=2"};
  for (int n = 0; n < 3000; ++n) {
    std::string l;
    const int k = static_cast<int>(rng() % 7);
    for (int i = 0; i < k; ++i) {
      l += atoms[rng() % atoms.size()];
      if (rng() % 2) l += ' ';
    }
    for (Dialect d : {Dialect::kernel, Dialect::grub}) {
      if (unterminated_quote(l, d)) continue;
      auto s = set_crashkernel(l, "512M", d);
      ASSERT_TRUE(s) << l;
      const auto ck = crashkernel_words(s->text, d);
      ASSERT_EQ(ck.size(), 1u) << "[" << s->text << "]";
      EXPECT_EQ(ck[0].value, "512M");
      auto again = set_crashkernel(s->text, "512M", d);
      ASSERT_TRUE(again);
      EXPECT_FALSE(again->changed) << "[" << s->text << "]";
      auto back = remove_crashkernel(s->text, d);
      ASSERT_TRUE(back);
      EXPECT_EQ(back->text, l) << "set [" << l << "] -> [" << s->text << "]";
    }
  }
}

}  // namespace
}  // namespace kdump::cmdline
