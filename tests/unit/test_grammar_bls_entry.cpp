// BLS Type #1 entries and GRUB environment blocks (grammar/bls_entry.hpp, grubenv.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "grammar/bls_entry.hpp"
#include "grammar/grubenv.hpp"

namespace kdump {
namespace {

using cmdline::Dialect;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bls::Entry parse(std::string t) {
  auto r = bls::Entry::parse(std::move(t), "x.conf");
  EXPECT_TRUE(r.has_value());
  return r ? *r : bls::Entry{};
}

TEST(BlsEntry, KeysSeparatorsAndValues) {
  const auto e = parse("# comment\ntitle  Fedora Linux (6.5)\n\toptions\troot=/dev/vda1 ro  \n\nlinux /vmlinuz");
  ASSERT_EQ(e.lines().size(), 5u);
  EXPECT_EQ(e.lines()[0].kind, bls::Line::Kind::comment);
  EXPECT_EQ(e.key(e.lines()[1]), "title");
  EXPECT_EQ(e.value(e.lines()[1]), "Fedora Linux (6.5)");
  EXPECT_EQ(e.value(e.lines()[2]), "root=/dev/vda1 ro");
  EXPECT_EQ(e.lines()[3].kind, bls::Line::Kind::blank);
  EXPECT_EQ(e.value(e.lines()[4]), "/vmlinuz");
  EXPECT_EQ(e.options_lines(), std::vector<std::size_t>{2});
  EXPECT_EQ(e.first("linux"), "/vmlinuz");
}

TEST(BlsEntry, KeyWithoutValueIsKeyOnly) {
  const auto e = parse("options   \nlinux /v\n");
  EXPECT_EQ(e.lines()[0].kind, bls::Line::Kind::key_only);
  EXPECT_FALSE(e.first("options"));
}

TEST(BlsEntry, LoneCarriageReturnIsRefusedWithColumn) {
  auto r = bls::Entry::parse("title a\noptions a\rb\n", "e.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().line, 2u);
  EXPECT_EQ(r.error().column, 10u);
  EXPECT_EQ(r.error().file, "e.conf");
}

TEST(BlsEntry, CrlfIsKeptAndNotPartOfTheValue) {
  const auto e = parse("title x\r\noptions ro quiet\r\n");
  EXPECT_EQ(e.value(e.lines()[1]), "ro quiet");
  auto r = bls::set_crashkernel(e, 1, "256M", Dialect::grub);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "title x\r\noptions ro quiet crashkernel=256M\r\n");
}

TEST(BlsEntry, SetKeepsTabsTrailingBlanksAndNoFinalNewline) {
  const auto e = parse("options\t\troot=UUID=1 ro \t");
  auto r = bls::set_crashkernel(e, 0, "512M", Dialect::grub);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "options\t\troot=UUID=1 ro crashkernel=512M \t");
  auto back = bls::remove_crashkernel(parse(r->text), 0, Dialect::grub);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, e.text());
}

TEST(BlsEntry, ReplacesInPlace) {
  const auto e = parse("options root=/dev/sda crashkernel=auto quiet\n");
  auto r = bls::set_crashkernel(e, 0, "1G-4G:192M,4G-:256M", Dialect::grub);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "options root=/dev/sda crashkernel=1G-4G:192M,4G-:256M quiet\n");
  EXPECT_TRUE(r->edit.replaced);
}

TEST(BlsEntry, RemovingTheLastWordRemovesTheLine) {
  // An empty `options` line would stop GRUB's blscfg from reading the rest of the file.
  const auto e = parse("title t\noptions crashkernel=256M\nlinux /v\n");
  auto r = bls::remove_crashkernel(e, 1, Dialect::grub);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->line_removed);
  EXPECT_EQ(r->text, "title t\nlinux /v\n");
}

TEST(BlsEntry, WithValueRefusesEmptyValue) {
  const auto e = parse("options a\n");
  EXPECT_FALSE(e.with_value(0, "  "));
  EXPECT_FALSE(e.with_value(0, "a\nb"));
}

TEST(BlsEntry, SecondOptionsLineIsSeparate) {
  const auto e = parse("options root=/dev/vda\noptions crashkernel=128M\n");
  EXPECT_EQ(e.options_lines().size(), 2u);
  auto r = bls::set_crashkernel(e, 0, "256M", Dialect::grub);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "options root=/dev/vda crashkernel=256M\noptions crashkernel=128M\n");
}

TEST(BlsEntry, InsertLine) {
  EXPECT_EQ(parse("title t\nlinux /v").with_line_after(std::nullopt, "options", "x"),
            "title t\nlinux /v\noptions x\n");
  EXPECT_EQ(parse("title t\r\nlinux /v\r\n").with_line_after(0, "options", "x"),
            "title t\r\noptions x\r\nlinux /v\r\n");
}

TEST(BlsEntry, EveryCorpusEntryRoundTripsAndEditsOnlyItsOptions) {
  const std::filesystem::path corpus = KDUMP_CORPUS_DIR;
  std::size_t n = 0;
  for (const auto* dir : {"bls", "sdboot"}) {
    for (const auto& f : std::filesystem::directory_iterator(corpus / dir)) {
      const std::string text = slurp(f.path());
      auto e = bls::Entry::parse(text, f.path().string());
      ASSERT_TRUE(e) << f.path();
      EXPECT_EQ(e->text(), text);
      // Reassemble from the lines: every byte belongs to exactly one line.
      std::string joined;
      for (const auto& l : e->lines()) joined += text.substr(l.begin, l.next - l.begin);
      EXPECT_EQ(joined, text) << f.path();
      const auto opts = e->options_lines();
      ASSERT_FALSE(opts.empty()) << f.path();
      auto r = bls::set_crashkernel(*e, opts.front(), "256M", Dialect::grub);
      ASSERT_TRUE(r) << f.path();
      const auto& before = e->lines()[opts.front()];
      EXPECT_EQ(r->text.substr(0, before.value_begin), text.substr(0, before.value_begin));
      EXPECT_EQ(r->text.substr(r->text.size() - (text.size() - before.value_end)), text.substr(before.value_end));
      ++n;
    }
  }
  EXPECT_GE(n, 14u);
}

TEST(BlsEntry, CorpusReserveThenRemoveUnderWhitespaceMutations) {
  // Each corpus entry, also with CRLF line ends, tabs for the separators, trailing blanks
  // and no final newline: set then remove equals remove alone, and the original bytes
  // when it had no crashkernel=.
  const std::filesystem::path corpus = KDUMP_CORPUS_DIR;
  const auto variants = [](const std::string& t) {
    std::vector<std::string> v{t};
    std::string crlf, tabs, trail;
    for (char c : t) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    v.push_back(crlf);
    bool first_space = true;
    for (char c : t) {
      if (c == ' ' && first_space) {
        tabs += "\t\t";
        first_space = false;
      } else {
        tabs += c;
        if (c == '\n') first_space = true;
      }
    }
    v.push_back(tabs);
    for (char c : t) trail += c == '\n' ? std::string(" \t\n") : std::string(1, c);
    v.push_back(trail);
    if (!t.empty() && t.back() == '\n') v.push_back(t.substr(0, t.size() - 1));
    return v;
  };
  std::size_t n = 0;
  for (const auto* dir : {"bls", "sdboot"})
    for (const auto& f : std::filesystem::directory_iterator(corpus / dir))
      for (const auto& text : variants(slurp(f.path()))) {
        const auto e = parse(text);
        const auto opts = e.options_lines();
        ASSERT_FALSE(opts.empty());
        for (const auto* value : {"256M", "1G,high", "512M-2G:64M,2G-:128M"}) {
          auto set = bls::set_crashkernel(e, opts.front(), value, Dialect::grub);
          ASSERT_TRUE(set) << f.path();
          const auto after = parse(set->text);
          EXPECT_EQ(after.lines().size(), e.lines().size());
          auto back = bls::remove_crashkernel(after, opts.front(), Dialect::grub);
          auto direct = bls::remove_crashkernel(e, opts.front(), Dialect::grub);
          ASSERT_TRUE(back && direct);
          EXPECT_EQ(back->text, direct->text) << f.path() << " " << value;
          if (cmdline::crashkernel_words(e.value(e.lines()[opts.front()]), Dialect::grub).empty())
            EXPECT_EQ(back->text, text) << f.path() << " " << value;
          ++n;
        }
      }
  EXPECT_GE(n, 14u * 4 * 3);
}

// --- grubenv

std::string block(std::string_view data) {
  std::string t(data);
  t.append(grubenv::kBlockSize - t.size(), '#');
  return t;
}

TEST(Grubenv, ReadsVariablesAndSkipsComments) {
  auto b = grubenv::Block::parse(block("# GRUB Environment Block\n# WARNING: x\nsaved_entry=a, b=c\nk=v\n"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->get("saved_entry"), "a, b=c");
  EXPECT_EQ(b->get("k"), "v");
  EXPECT_FALSE(b->get("WARNING: x"));
}

TEST(Grubenv, EscapesBackslashAndNewlineLikeEnvblk) {
  auto b = grubenv::Block::parse(block("# GRUB Environment Block\n"));
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->set("v", "a\\b\nc"));
  EXPECT_EQ(b->text().substr(0, 35), "# GRUB Environment Block\nv=a\\\\b\\\nc\n");
  auto again = grubenv::Block::parse(b->text());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get("v"), "a\\b\nc");
  EXPECT_EQ(again->text().size(), 1024u);
}

TEST(Grubenv, SetInPlaceKeepsOtherBytesAndSize) {
  const std::string orig = block("# GRUB Environment Block\na=1\nkernelopts=root=/dev/sda ro \nz=2\n");
  auto b = grubenv::Block::parse(orig);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->set("kernelopts", "root=/dev/sda ro crashkernel=256M "));
  EXPECT_EQ(b->text(), block("# GRUB Environment Block\na=1\nkernelopts=root=/dev/sda ro crashkernel=256M \nz=2\n"));
  ASSERT_TRUE(b->set("kernelopts", "root=/dev/sda ro "));
  EXPECT_EQ(b->text(), orig);
  ASSERT_TRUE(b->set("new", "x"));
  EXPECT_EQ(b->get("new"), "x");
  EXPECT_TRUE(b->unset("new"));
  EXPECT_EQ(b->text(), orig);
}

TEST(Grubenv, RefusesGrowthPast1024) {
  auto b = grubenv::Block::parse(block("# GRUB Environment Block\nk=v\n"));
  ASSERT_TRUE(b);
  const std::string before = b->text();
  auto r = b->set("k", std::string(1000, 'x'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(b->text(), before);
  // Exactly full is fine: 25 header + "k=" + value + "\n" == 1024.
  EXPECT_TRUE(b->set("k", std::string(1024 - 25 - 3, 'y')));
  EXPECT_EQ(b->free_bytes(), 0u);
}

TEST(Grubenv, RefusesWrongSizeHeaderAndBrokenPadding) {
  auto r = grubenv::Block::parse(block("# GRUB Environment Block\n") + "\n", "grubenv");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exactly 1024 bytes; this file has 1025"), std::string::npos);
  EXPECT_EQ(r.error().file, "grubenv");
  EXPECT_FALSE(grubenv::Block::parse(block("# GRUB Env Block\n")));
  std::string broken = block("# GRUB Environment Block\nk=v");
  EXPECT_FALSE(grubenv::Block::parse(broken));
  EXPECT_FALSE(grubenv::Block::parse(block("# GRUB Environment Block\nnoequals\n")));
}

TEST(Grubenv, Corpus) {
  const std::filesystem::path c = std::filesystem::path(KDUMP_CORPUS_DIR) / "grubenv";
  auto rhel = grubenv::Block::parse(slurp(c / "rhel83-aws-kernelopts-crashkernel-auto"));
  ASSERT_TRUE(rhel);
  ASSERT_TRUE(rhel->get("kernelopts"));
  EXPECT_NE(rhel->get("kernelopts")->find("crashkernel=auto"), std::string::npos);
  EXPECT_TRUE(grubenv::Block::parse(slurp(c / "fedora35-legion-warning-line")));
  EXPECT_TRUE(grubenv::Block::parse(slurp(c / "kdump-utils-empty-grubenv")));
  auto comma = grubenv::Block::parse(slurp(c / "grubby-test-saved_entry-with-comma"));
  ASSERT_TRUE(comma);
  EXPECT_NE(comma->get("saved_entry")->find(','), std::string::npos);
  auto big = grubenv::Block::parse(slurp(c / "grubby-test-1025-bytes-trailing-newline"));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::parse);
}

}  // namespace
}  // namespace kdump
