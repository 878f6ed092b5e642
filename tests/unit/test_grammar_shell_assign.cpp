// The /etc/default/grub shell-subset parser (grammar/shell_assign.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "grammar/shell_assign.hpp"


namespace kdump::shell {
namespace {

Document must_parse(std::string_view text) {
  auto r = parse(text, "test");
  if (!r) {
    ADD_FAILURE() << r.error().message << " at " << r.error().line.value_or(0) << ":"
                  << r.error().column.value_or(0);
    return *parse("", "test");
  }
  return std::move(*r);
}

std::vector<const Assignment*> assignments(const Document& d) {
  std::vector<const Assignment*> out;
  for (const auto& s : d.statements())
    if (auto* a = std::get_if<Assignment>(&s)) out.push_back(a);
  return out;
}

const Assignment* last(const Document& d, std::string_view name) {
  const Assignment* found = nullptr;
  for (auto* a : assignments(d))
    if (a->name == name) found = a;
  return found;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ShellAssign, QuotingStylesAndSpans) {
  const std::string t = "A=plain\nB='single q'\nC=\"double $X\"\nD=\"a\"'b'c\nE=\n";
  auto d = must_parse(t);
  auto as = assignments(d);
  ASSERT_EQ(as.size(), 5u);
  EXPECT_EQ(as[0]->quoting(), Quote::none);
  EXPECT_EQ(d.slice(as[0]->value), "plain");
  EXPECT_EQ(as[1]->quoting(), Quote::single);
  EXPECT_EQ(d.slice(as[1]->segments[0].inner), "single q");
  EXPECT_EQ(as[2]->quoting(), Quote::dbl);
  EXPECT_EQ(d.slice(as[2]->segments[0].inner), "double $X");
  ASSERT_EQ(as[2]->pieces.size(), 2u);
  EXPECT_EQ(as[2]->pieces[1].kind, Piece::Kind::variable);
  EXPECT_EQ(as[2]->pieces[1].name, "X");
  EXPECT_TRUE(as[3]->mixed_quoting());
  EXPECT_EQ(as[3]->segments.size(), 3u);
  EXPECT_EQ(literal_text(as[3]->pieces), "abc");
  EXPECT_TRUE(as[4]->segments.empty());
  EXPECT_TRUE(as[4]->value.empty());
  EXPECT_EQ(as[4]->line, 5u);
}

TEST(ShellAssign, ExportAndSeveralOnOneLine) {
  auto d = must_parse("export GRUB_CMDLINE_LINUX=\"a b\" X=1\nexport Y\nA=1 B=2 # both\n");
  auto as = assignments(d);
  ASSERT_EQ(as.size(), 4u);
  EXPECT_TRUE(as[0]->exported);
  EXPECT_EQ(as[0]->name, "GRUB_CMDLINE_LINUX");
  EXPECT_EQ(d.slice(as[0]->statement), "export GRUB_CMDLINE_LINUX=\"a b\"");
  EXPECT_TRUE(as[1]->exported);
  EXPECT_EQ(as[3]->name, "B");
  ASSERT_TRUE(as[3]->comment);
  EXPECT_EQ(d.slice(*as[3]->comment), "# both");
}

TEST(ShellAssign, CommentAfterClosingQuoteWithQuotes) {
  const std::string t =
      "GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=1 acpi_osi='Windows 2012' sysrq_always_enabled=244\" "
      "#video=1920x1080\" #intel_iommu=on\"\nGRUB_CMDLINE_LINUX=\"\"\n";
  auto d = must_parse(t);
  auto as = assignments(d);
  ASSERT_EQ(as.size(), 2u);
  EXPECT_EQ(literal_text(as[0]->pieces), "loglevel=1 acpi_osi='Windows 2012' sysrq_always_enabled=244");
  ASSERT_TRUE(as[0]->comment);
  EXPECT_EQ(d.slice(*as[0]->comment), "#video=1920x1080\" #intel_iommu=on\"");
}

TEST(ShellAssign, HashInsideWordIsNotAComment) {
  auto d = must_parse("A=x#y\nB=\"p\"#q\n");
  auto as = assignments(d);
  ASSERT_EQ(as.size(), 2u);
  EXPECT_EQ(literal_text(as[0]->pieces), "x#y");
  EXPECT_EQ(literal_text(as[1]->pieces), "p#q");
  EXPECT_FALSE(as[1]->comment);
}

TEST(ShellAssign, ContinuationsInsideAndOutsideQuotes) {
  auto d = must_parse("GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} \\\na=1 \\\nb=2 \\\n\"\nX=ab\\\ncd\n");
  auto as = assignments(d);
  ASSERT_EQ(as.size(), 2u);
  ASSERT_EQ(as[0]->pieces.size(), 2u);
  EXPECT_EQ(as[0]->pieces[0].kind, Piece::Kind::variable);
  EXPECT_EQ(as[0]->pieces[1].text, " a=1 b=2 ");
  EXPECT_EQ(literal_text(as[1]->pieces), "abcd");
  EXPECT_EQ(as[1]->line, 5u);
}

TEST(ShellAssign, DuplicateAssignmentsInOrder) {
  auto d = must_parse("GRUB_TIMEOUT=5\nGRUB_TIMEOUT=menu\n");
  auto* a = last(d, "GRUB_TIMEOUT");
  ASSERT_TRUE(a);
  EXPECT_EQ(literal_text(a->pieces), "menu");
  EXPECT_EQ(a->line, 2u);
}

TEST(ShellAssign, ParameterExpansions) {
  auto d = must_parse(
      "D=\"${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }\\$tuned_params\"\n"
      "E=${#X} F=${X%%.*} G=$1 H=\"$(sed 's, release .*$,,g' /etc/system-release)\" I=`echo a`\n");
  auto* dd = last(d, "D");
  ASSERT_TRUE(dd);
  ASSERT_EQ(dd->pieces.size(), 2u);
  EXPECT_EQ(dd->pieces[0].kind, Piece::Kind::parameter);
  EXPECT_EQ(dd->pieces[0].op, ":+");
  ASSERT_EQ(dd->pieces[0].word.size(), 2u);
  EXPECT_EQ(dd->pieces[0].word[0].name, "GRUB_CMDLINE_LINUX_DEFAULT");
  EXPECT_EQ(dd->pieces[0].word[1].text, " ");
  EXPECT_EQ(dd->pieces[1].text, "$tuned_params");
  EXPECT_FALSE(dd->has_complex_expansion());
  EXPECT_EQ(last(d, "E")->pieces[0].op, "length");
  EXPECT_TRUE(last(d, "F")->has_complex_expansion());
  EXPECT_EQ(last(d, "G")->pieces[0].kind, Piece::Kind::special);
  EXPECT_TRUE(last(d, "H")->has_command_substitution());
  EXPECT_TRUE(last(d, "I")->has_command_substitution());
}

TEST(ShellAssign, ConstructsAndDepth) {
  auto d = must_parse(
      "f() {\n  GRUB_CMDLINE_LINUX=x\n}\nif [ -n \"$A\" ]; then GRUB_CMDLINE_LINUX=y; fi\n"
      "[ -f /x ] && GRUB_CMDLINE_LINUX=z\nA=1 || B=2\nC=3 | cat\nD=4 some_command arg\n"
      "GRUB_CMDLINE_LINUX+=\" w\"\ncase $x in a) E=1 ;; esac\nF=5\n");
  auto as = assignments(d);
  auto* x = as[0];
  EXPECT_EQ(x->depth, 1u);
  EXPECT_FALSE(x->unconditional());
  EXPECT_EQ(as[1]->depth, 1u);                  // inside if
  EXPECT_TRUE(as[2]->conditional);              // after &&
  EXPECT_EQ(as[3]->name, "A");
  EXPECT_TRUE(as[3]->unconditional());          // first of an and-or list runs
  EXPECT_TRUE(as[4]->conditional);              // B after ||
  EXPECT_TRUE(as[5]->conditional);              // C in a pipeline
  EXPECT_EQ(as.back()->name, "F");              // D=4 prefix, += and case are constructs
  EXPECT_TRUE(as.back()->unconditional());
  EXPECT_EQ(as.size(), 7u);
  bool saw_case = false, saw_prefix = false, saw_append = false;
  for (const auto& s : d.statements())
    if (auto* c = std::get_if<Construct>(&s)) {
      saw_case |= c->kind == Construct::Kind::case_statement;
      saw_prefix |= c->first_word == "some_command";
      saw_append |= d.slice(c->span).starts_with("GRUB_CMDLINE_LINUX+=");
    }
  EXPECT_TRUE(saw_case);
  EXPECT_TRUE(saw_prefix);
  EXPECT_TRUE(saw_append);
}

void expect_error(std::string_view text, unsigned line, unsigned column, std::string_view needle) {
  auto r = parse(text, "/etc/default/grub");
  ASSERT_FALSE(r) << text;
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().file, "/etc/default/grub");
  EXPECT_EQ(r.error().line, line) << r.error().message;
  EXPECT_EQ(r.error().column, column) << r.error().message;
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(ShellAssign, Refusals) {
  expect_error("A=1\nGRUB_CMDLINE_LINUX=\"quiet\n", 2, 20, "unterminated double quote");
  expect_error("X='abc\n", 1, 3, "unterminated single quote");
  expect_error("X=${A\n", 1, 3, "");
  expect_error("X=$(echo\n", 1, 3, "unterminated $(...)");
  expect_error("X=`echo\n", 1, 3, "backquote");
  expect_error("cat <<EOF\nA=1\nEOF\n", 1, 5, "here-document");
  expect_error("fi\n", 1, 1, "unexpected 'fi'");
  expect_error("\nif true; then\nA=1\n", 2, 1, "'if' is never closed");
}

TEST(ShellAssign, EveryCorpusFileParses) {
  const std::filesystem::path corpus = std::filesystem::path(KDUMP_CORPUS_DIR);
  int n = 0;
  for (const char* dir : {"grub-default", "grub-d"}) {
    for (const auto& e : std::filesystem::directory_iterator(corpus / dir)) {
      auto r = parse(read(e.path()), e.path().string());
      EXPECT_TRUE(r) << e.path() << ": " << (r ? "" : r.error().message);
      ++n;
    }
  }
  EXPECT_EQ(n, 19);
}

TEST(ShellAssign, CorpusDetails) {
  const std::filesystem::path c = std::filesystem::path(KDUMP_CORPUS_DIR);
  {
    auto d = must_parse(read(c / "grub-default/proxmox-commented-alternatives"));
    int n = 0;
    for (auto* a : assignments(d)) n += a->name == "GRUB_CMDLINE_LINUX";
    EXPECT_EQ(n, 1);  // the two commented-out ones are comments
    EXPECT_EQ(literal_text(last(d, "GRUB_CMDLINE_LINUX")->pieces),
              "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on");
  }
  {
    auto d = must_parse(read(c / "grub-default/debian12-grub2-common-default"));
    EXPECT_TRUE(last(d, "GRUB_DISTRIBUTOR")->has_command_substitution());
    EXPECT_EQ(literal_text(last(d, "GRUB_CMDLINE_LINUX_DEFAULT")->pieces), "quiet");
  }
  {
    auto d = must_parse(read(c / "grub-d/arch-4ndr0666-bash-function-00-kernel-params.cfg"));
    auto* a = last(d, "GRUB_CMDLINE_LINUX_DEFAULT");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->depth, 2u);  // function body, then if
  }
  {
    auto d = must_parse(read(c / "grub-default/ubuntu-joonaha-unquoted-variable-reference"));
    auto* a = last(d, "GRUB_RECORDFAIL_TIMEOUT");
    ASSERT_EQ(a->pieces.size(), 1u);
    EXPECT_EQ(a->pieces[0].kind, Piece::Kind::variable);
    EXPECT_EQ(a->quoting(), Quote::none);
  }
}

TEST(ShellAssign, DeepNestingIsRefusedNotACrash) {
  std::string deep;
  for (int k = 0; k < 100000; ++k) deep += "${a:-";
  EXPECT_FALSE(parse("X=" + deep + "\n", "f"));
  std::string bangs = "!";
  for (int k = 0; k < 100000; ++k) bangs += " !";
  EXPECT_FALSE(parse(bangs + " true\n", "f"));
}

// Random shell-ish bytes: the parser never crashes or loops, and every span it reports
// lies inside the text, with segments inside their value.
TEST(ShellAssign, RandomInputIsSafe) {
  std::mt19937 rng(7);
  const std::vector<std::string> atoms = {"A=", "GRUB_CMDLINE_LINUX=", "\"", "'", "\\", "\\\n", "$", "${",
                                          "}", "$(", ")", "(", "`", " ", "\t", "\n", "#", ";", "&&",
                                          "|", "if", "fi", "then", "{", "x", "crashkernel=1G", "export ",
                                          "case", "esac", "<<", ">", ":-", "=", "f()"};
  int parsed = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string t;
    const int k = static_cast<int>(rng() % 12);
    for (int i = 0; i < k; ++i) t += atoms[rng() % atoms.size()];
    auto r = parse(t, "f");
    if (!r) {
      ASSERT_TRUE(r.error().line.has_value());
      continue;
    }
    ++parsed;
    for (const auto& st : r->statements()) {
      if (const auto* a = std::get_if<Assignment>(&st)) {
        ASSERT_LE(a->value.end, t.size());
        ASSERT_LE(a->statement.begin, a->value.begin);
        for (const auto& sg : a->segments) {
          ASSERT_GE(sg.outer.begin, a->value.begin);
          ASSERT_LE(sg.outer.end, a->value.end);
          ASSERT_LE(sg.inner.begin, sg.inner.end);
        }
        if (a->segments.size() <= 1) {
          // Rewriting the value with its own text gives the file back.
          auto inner = editable_inner(*r, *a);
          ASSERT_TRUE(inner);
          auto same = replace_value(*r, *a, *inner);
          if (same) EXPECT_EQ(*same, t);
        }
      } else {
        const auto& c = std::get<Construct>(st);
        ASSERT_LE(c.span.end, t.size());
      }
    }
  }
  EXPECT_GT(parsed, 1000);
}

TEST(ShellReplace, KeepsQuotingStyle) {
  auto d = must_parse("A=\"x\" # c\nB='y'\nC=z\nD=\nE=\"a\"'b'\n");
  auto as = assignments(d);
  EXPECT_EQ(*replace_value(d, *as[0], "x crashkernel=1G"), "A=\"x crashkernel=1G\" # c\nB='y'\nC=z\nD=\nE=\"a\"'b'\n");
  EXPECT_EQ(*replace_value(d, *as[1], "y crashkernel=1G"), "A=\"x\" # c\nB='y crashkernel=1G'\nC=z\nD=\nE=\"a\"'b'\n");
  // An unquoted word keeps its bytes; what is added follows in double quotes.
  EXPECT_EQ(*replace_value(d, *as[2], "z crashkernel=1G"), "A=\"x\" # c\nB='y'\nC=z\" crashkernel=1G\"\nD=\nE=\"a\"'b'\n");
  // Changed elsewhere than at its end: the whole value goes into double quotes.
  EXPECT_EQ(*replace_value(d, *as[2], "crashkernel=1G z"), "A=\"x\" # c\nB='y'\nC=\"crashkernel=1G z\"\nD=\nE=\"a\"'b'\n");
  EXPECT_EQ(*replace_value(d, *as[2], "crashkernel=1G"), "A=\"x\" # c\nB='y'\nC=crashkernel=1G\nD=\nE=\"a\"'b'\n");
  EXPECT_EQ(*replace_value(d, *as[3], "crashkernel=1G"), "A=\"x\" # c\nB='y'\nC=z\nD=crashkernel=1G\nE=\"a\"'b'\n");
  auto mixed = replace_value(d, *as[4], "q");
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().line, 5u);
  EXPECT_EQ(mixed.error().column, 3u);
  EXPECT_FALSE(replace_value(d, *as[1], "it's"));
  EXPECT_FALSE(replace_value(d, *as[0], "a\"b"));
}

TEST(ShellReplace, AppendedSegmentIsTheDoubleQuotedTailOfAnUnquotedWord) {
  auto d = must_parse("A=quiet\" crashkernel=1G\"\nB=\"x\"y\nC=quiet\nD=a'b'\n");
  auto as = assignments(d);
  auto seg = appended_segment(*as[0]);
  ASSERT_TRUE(seg);
  EXPECT_EQ(d.slice(seg->inner), " crashkernel=1G");
  EXPECT_EQ(d.slice(seg->outer), "\" crashkernel=1G\"");
  EXPECT_FALSE(appended_segment(*as[1]));  // quoted, then unquoted
  EXPECT_FALSE(appended_segment(*as[2]));  // one segment
  EXPECT_FALSE(appended_segment(*as[3]));  // single quotes
  // What value_splice writes is read back as that shape, and the shell value is the same.
  auto c = must_parse("C=quiet\n");
  auto grown = replace_value(c, *assignments(c)[0], "quiet crashkernel=1G");
  ASSERT_TRUE(grown);
  auto back = must_parse(*grown);
  ASSERT_TRUE(appended_segment(*assignments(back)[0]));
  EXPECT_EQ(literal_text(assignments(back)[0]->pieces), "quiet crashkernel=1G");
}

TEST(ShellReplace, RefusesUnquotedTextThatChangesMeaningInQuotes) {
  auto d = must_parse("A=a\\ b\n");
  auto as = assignments(d);
  EXPECT_FALSE(replace_value(d, *as[0], "a\\ b crashkernel=1G"));
}

}  // namespace
}  // namespace kdump::shell
