// The GRUB2 backend: golden trees (golden/grub2/, layout in golden/README.md), backend
// details, and Debian's real grub-mkconfig run on the edited trees.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "backends/common/grub_files.hpp"
#include "backends/grub2/grub2_backend.hpp"
#include "backends/common/grub_defaults.hpp"
#include "core/render_plan.hpp"
#include "golden_support.hpp"
#include "grammar/cmdline_edit.hpp"

#ifndef KDUMP_SOURCE_DIR
#define KDUMP_SOURCE_DIR "."
#endif

extern char** environ;

namespace kdump {
namespace {

namespace fs = std::filesystem;
using namespace golden;  // NOLINT: the shared golden-test helpers

const fs::path kGolden = fs::path(KDUMP_SOURCE_DIR) / "golden" / "grub2";

// The final command-line variables of a tree, as grub-mkconfig would see them.
std::string effective_values(const RootDir& root) {
  auto d = grub2::load_defaults(BootFiles(root));
  if (!d) return error_line(d.error());
  const auto ev = grub2::evaluate(*d);
  std::string s;
  for (const auto& var : grub2::cmdline_variables()) {
    const auto& v = ev.get(var);
    if (v.set) s += "after " + var + "=" + v.text() + "\n";
  }
  return s;
}

class GrubGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(GrubGolden, PlanDiffIdempotenceRoundTrip) {
  const fs::path dir = GetParam();
  const ReserveRequest req = request_from_args(read_file(dir / "args"));
  Scratch s(dir / "root");
  const auto original = tree(s.dir);
  RootDir root = open_root(s.dir);
  Grub2Backend be;
  SystemFacts facts;

  auto before_values = be.configured(golden::model_of(root, facts));
  auto p = be.plan(golden::model_of(root, facts), req);
  if (!p) {
    golden::check(dir / "expected.txt", error_line(p.error()));
    golden::check(dir / "expected.diff", "");
    EXPECT_EQ(tree(s.dir), original);
    return;
  }
  EXPECT_EQ(p->backend, "grub2");
  EXPECT_EQ(p->commands.empty(), !p->changes_anything());
  const std::string diff = render_plan_diff(*p);
  apply_edits(s.dir, *p);
  std::string text = summary(*p, root.path()) + effective_values(root);
  auto after_values = be.configured(golden::model_of(root, facts));
  ASSERT_TRUE(after_values);
  for (const auto& c : *after_values)
    text += "configured " + c.where + " in " + c.file + ": crashkernel=" + c.value + "\n";
  golden::check(dir / "expected.txt", text);
  golden::check(dir / "expected.diff", diff);

  // The same run again changes nothing.
  auto again = be.plan(golden::model_of(root, facts), req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changes_anything()) << render_plan_diff(*again);
  for (const auto& e : again->edits) EXPECT_FALSE(e.changes()) << e.path;

  (void)before_values;
  check_round_trip(dir, be, facts);
}

INSTANTIATE_TEST_SUITE_P(Cases, GrubGolden, ::testing::ValuesIn(golden::cases(kGolden)),
                         [](const auto& info) { return case_name(info.param); });

TEST(GrubGoldenSet, EveryCorpusFileHasACase) {
  const fs::path corpus = KDUMP_CORPUS_DIR;
  expect_corpus_covered(kGolden, corpus, {"grub-default", "grub-d"});
}

// --- details ---------------------------------------------------------------------------

struct Tree {
  Scratch s;
  void file(const std::string& rel, const std::string& text) { write_file(s.dir / rel, text); }
  RootDir root() { return open_root(s.dir); }
};

Tree debian_tree(const std::string& grub) {
  Tree t;
  t.file("etc/default/grub", grub);
  t.file("boot/grub/grub.cfg", "# generated\n# generated\n# generated\n# generated\n# generated\n"
                               "# generated\n# generated\n# generated\n# generated\n# generated\n");
  t.file("usr/sbin/grub-mkconfig", "for x in ${sysconfdir}/default/grub.d/*.cfg ; do\n");
  t.file("usr/sbin/update-grub", "#!/bin/sh\n");
  return t;
}

TEST(Grub2Detect, DebianTreeApplies) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX=\"\"\n");
  auto d = Grub2Backend().detect(golden::model_of(t.root(), SystemFacts{}));
  EXPECT_TRUE(d.applies) << d.reason;
  EXPECT_NE(d.reason.find("/boot/grub/grub.cfg"), std::string::npos);
}

TEST(Grub2Detect, NeedsGrubCfgAndNotOstreeNorBls) {
  {
    Tree t;
    t.file("etc/default/grub", "A=1\n");
    EXPECT_FALSE(Grub2Backend().detect(golden::model_of(t.root(), SystemFacts{})).applies);
  }
  {
    Tree t = debian_tree("A=1\n");
    t.file("run/ostree-booted", "");
    EXPECT_FALSE(Grub2Backend().detect(golden::model_of(t.root(), SystemFacts{})).applies);
  }
  {
    Tree t = debian_tree("GRUB_ENABLE_BLSCFG=true\n");
    t.file("boot/loader/entries/x.conf", "title x\n");
    auto d = Grub2Backend().detect(golden::model_of(t.root(), SystemFacts{}));
    EXPECT_FALSE(d.applies);
    EXPECT_NE(d.reason.find("bls"), std::string::npos);
  }
  {
    Tree t;  // only an ESP stub
    t.file("etc/default/grub", "A=1\n");
    t.file("boot/efi/EFI/debian/grub.cfg", "search.fs_uuid x root\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n");
    EXPECT_FALSE(Grub2Backend().detect(golden::model_of(t.root(), SystemFacts{})).applies);
  }
}

TEST(Grub2Regenerate, PicksToolAndConfig) {
  SystemFacts uefi;
  uefi.firmware = Fact<Firmware>{Firmware::uefi, "test"};
  {
    Tree t = debian_tree("A=1\n");
    auto c = grub_regeneration_command(golden::model_of(t.root()).files(), SystemFacts{});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->argv, std::vector<std::string>{"/usr/sbin/update-grub"});
  }
  {
    Tree t;  // Fedora >= 34: /boot/grub2 is the real file, the ESP one a stub
    t.file("etc/default/grub", "A=1\n");
    t.file("usr/sbin/grub2-mkconfig", "#\n");
    t.file("boot/grub2/grub.cfg", std::string(400, '#'));
    t.file("boot/efi/EFI/fedora/grub.cfg", "search --no-floppy --fs-uuid --set=dev x\nset prefix=($dev)/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n");
    auto c = grub_regeneration_command(golden::model_of(t.root()).files(), uefi);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->argv, (std::vector<std::string>{"/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"}));
  }
  {
    Tree t;  // RHEL 8 on EFI: the ESP file is the real one
    t.file("etc/default/grub", "A=1\n");
    t.file("usr/sbin/grub2-mkconfig", "#\n");
    t.file("boot/efi/EFI/redhat/grub.cfg", std::string(400, '#'));
    auto c = grub_regeneration_command(golden::model_of(t.root()).files(), uefi);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->argv, (std::vector<std::string>{"/usr/sbin/grub2-mkconfig", "-o", "/boot/efi/EFI/redhat/grub.cfg"}));
  }
  {
    Tree t;  // Arch: grub-mkconfig, no update-grub
    t.file("etc/default/grub", "A=1\n");
    t.file("usr/bin/grub-mkconfig", "#\n");
    t.file("boot/grub/grub.cfg", std::string(400, '#'));
    auto c = grub_regeneration_command(golden::model_of(t.root()).files(), SystemFacts{});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->argv, (std::vector<std::string>{"/usr/bin/grub-mkconfig", "-o", "/boot/grub/grub.cfg"}));
  }
}

TEST(Grub2Configured, ReportsWhereEachValueIsWritten) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n");
  t.file("etc/default/grub.d/kdump-tools.cfg",
         "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M\"\n");
  auto c = Grub2Backend().configured(golden::model_of(t.root(), SystemFacts{}));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].where, "GRUB_CMDLINE_LINUX");
  EXPECT_EQ((*c)[0].file, "/etc/default/grub");
  EXPECT_EQ((*c)[0].value, "1G");
  EXPECT_EQ((*c)[1].where, "GRUB_CMDLINE_LINUX_DEFAULT");
  EXPECT_EQ((*c)[1].file, "/etc/default/grub.d/kdump-tools.cfg");
  EXPECT_EQ((*c)[1].value, "384M-:128M");
}

TEST(Grub2Configured, DropInsIgnoredWhereNotSourced) {
  Tree t;
  t.file("etc/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n");
  t.file("boot/grub/grub.cfg", std::string(400, '#'));
  t.file("usr/bin/grub-mkconfig", ". ${sysconfdir}/default/grub\n");
  t.file("etc/default/grub.d/x.cfg", "GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n");
  auto c = Grub2Backend().configured(golden::model_of(t.root(), SystemFacts{}));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_TRUE(p);
  bool noted = false;
  for (const auto& n : p->notes) noted |= n.find("x.cfg mentions crashkernel, but is not read") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Grub2Plan, KernelReleaseSelectionIsAUsageError) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX=\"\"\n");
  ReserveRequest r;
  r.value = "256M";
  r.kernel.kind = KernelSelection::Kind::release;
  r.kernel.release = "6.1.0-9-amd64";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::usage);
}

TEST(Grub2Plan, MissingMainFileIsUnsupported) {
  Tree t;
  t.file("boot/grub/grub.cfg", "x\n");
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::unsupported);
}

// /etc/default/grub linked into /usr (a package's template) where grub.d is not read:
// nothing can carry the value without writing through the link, so exit 3 naming it.
TEST(Grub2Plan, SymlinkIntoUsrWithoutDropInsIsRefused) {
  Tree t;
  t.file("usr/share/grub/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n");
  fs::create_directories(t.s.dir / "etc/default");
  fs::create_symlink("/usr/share/grub/default/grub", t.s.dir / "etc/default/grub");
  t.file("boot/grub2/grub.cfg", "x\n");
  t.file("etc/os-release", "ID=arch\n");
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(p.error().file, "/etc/default/grub");
  EXPECT_NE(p.error().message.find("symlink to /usr/share/grub/default/grub"), std::string::npos) << p.error().message;
}

// A package's value in GRUB_CMDLINE_LINUX (not _DEFAULT): ours is appended to the same
// variable in our drop-in, after it; remove gives back every byte.
TEST(Grub2Plan, PackageValueInLinuxIsFollowedNotEdited) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n");
  const std::string pkg = "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX crashkernel=128M\"\n";
  t.file("etc/default/grub.d/50-vendor.cfg", pkg);
  t.file("var/lib/dpkg/info/vendor-kdump.conffiles", "/etc/default/grub.d/50-vendor.cfg\n");
  const auto original = tree(t.s.dir);
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].path, "/etc/default/grub.d/zz-kdump-setup.cfg");
  EXPECT_NE(p->edits[0].after.find("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX crashkernel=256M\""), std::string::npos);
  apply_edits(t.s.dir, *p);
  ReserveRequest rm;
  rm.action = ReserveRequest::Action::remove;
  auto back = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), rm);
  ASSERT_TRUE(back) << back.error().message;
  apply_edits(t.s.dir, *back);
  EXPECT_EQ(tree(t.s.dir), original);
}

TEST(Grub2Plan, HighValueKeepsLowAndEditsDefaultOnlyForConflicts) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=72M,low quiet crashkernel=1G\"\nGRUB_CMDLINE_LINUX=\"ro\"\n");
  ReserveRequest r;
  r.value = "512M,high";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].after,
            "GRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=72M,low quiet\"\nGRUB_CMDLINE_LINUX=\"ro crashkernel=512M,high\"\n");
}

TEST(Grub2Plan, StaleStampIsCarried) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX=\"\"\n");
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_TRUE(p->edits[0].stamp.has_value());
  EXPECT_EQ(p->edits[0].path, "/etc/default/grub");
}

TEST(Grub2Plan, RefusesCrashkernelInsideAnExpansion) {
  Tree t = debian_tree("GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX:+$GRUB_CMDLINE_LINUX crashkernel=1G}\"\n");
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  // GRUB_CMDLINE_LINUX is unset before: the word never reaches the kernel, the new one
  // goes after the expansion.
  Tree t2 = debian_tree("X=\"a\"\nGRUB_CMDLINE_LINUX=\"${X:+$X crashkernel=1G}\"\n");
  auto p2 = Grub2Backend().plan(golden::model_of(t2.root(), SystemFacts{}), r);
  ASSERT_FALSE(p2);
  EXPECT_EQ(p2.error().kind, ErrorKind::parse);
  EXPECT_EQ(p2.error().line, 2u);
  EXPECT_NE(p2.error().message.find("inside the expansion"), std::string::npos) << p2.error().message;
}

TEST(Grub2Plan, RefusesCrashkernelBuiltFromVariables) {
  Tree t = debian_tree("SIZE=256M\nGRUB_CMDLINE_LINUX=\"crashkernel=$SIZE\"\n");
  ReserveRequest r;
  r.value = "512M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("several places"), std::string::npos) << p.error().message;
}

TEST(Grub2Plan, ValueReferencingLinuxTwiceIsRefused) {
  // _DEFAULT repeats GRUB_CMDLINE_LINUX: the value would reach the kernel twice.
  Tree t = debian_tree("GRUB_CMDLINE_LINUX=\"ro\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX quiet\"\n");
  ReserveRequest r;
  r.value = "256M";
  auto p = Grub2Backend().plan(golden::model_of(t.root(), SystemFacts{}), r);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::unsupported);
  EXPECT_NE(p.error().message.find("exactly once"), std::string::npos) << p.error().message;
}

// Corpus files with random insertions: plan() either refuses, or its plan is idempotent,
// puts the value exactly once into GRUB_CMDLINE_LINUX, and `remove` after it restores
// the original bytes when nothing was configured before.
TEST(Grub2Plan, MutatedCorpusProperties) {
  const fs::path corpus = KDUMP_CORPUS_DIR;
  std::vector<std::string> mains;
  for (const auto& e : fs::directory_iterator(corpus / "grub-default")) mains.push_back(read_file(e.path()));
  std::sort(mains.begin(), mains.end());
  const std::vector<std::string> snippets = {
      " crashkernel=1G", " crashkernel=64M,low", " crashkernel=1G,high", " -- single", "\"", "'",
      "\\\n", " mycrashkernel=2", "\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX ro\"\n",
      "\nGRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=2G quiet\"\n", "\nexport GRUB_CMDLINE_LINUX='a b'\n",
      "\nGRUB_CMDLINE_LINUX=\n", " $X", "\n# c\n", " \t "};
  std::mt19937 rng(11);
  int planned = 0, refused = 0, requoted = 0;
  Grub2Backend be;
  // KDUMP_GRUB_MUTATIONS=N runs more (the counts below scale).
  const char* env = std::getenv("KDUMP_GRUB_MUTATIONS");
  const int runs = env ? std::max(400, std::atoi(env)) : 400;
  for (int n = 0; n < runs; ++n) {
    std::string text = mains[rng() % mains.size()];
    const int k = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < k; ++i) {
      // Insert inside or after a GRUB_CMDLINE_ line most of the time.
      std::size_t at = text.find("GRUB_CMDLINE_LINUX");
      if (at == std::string::npos || rng() % 4 == 0) at = rng() % (text.size() + 1);
      else at = std::min(text.size(), at + 19 + rng() % 30);
      text.insert(at, snippets[rng() % snippets.size()]);
    }
    Tree t = debian_tree(text);
    RootDir root = t.root();
    auto before = be.configured(golden::model_of(root, SystemFacts{}));
    ReserveRequest r;
    r.value = "256M";
    auto p = be.plan(golden::model_of(root, SystemFacts{}), r);
    if (!p) {
      ++refused;
      EXPECT_EQ(read_file(t.s.dir / "etc/default/grub"), text);
      continue;
    }
    ++planned;
    apply_edits(t.s.dir, *p);
    auto again = be.plan(golden::model_of(root, SystemFacts{}), r);
    ASSERT_TRUE(again) << text;
    EXPECT_FALSE(again->changes_anything()) << text;
    auto d = grub2::load_defaults(BootFiles(root));
    ASSERT_TRUE(d);
    const auto ev = grub2::evaluate(*d);
    std::size_t ours = 0;
    for (const auto& w : cmdline::crashkernel_words(ev.get(grub2::kLinux).text(), cmdline::Dialect::grub))
      ours += w.value == "256M";
    EXPECT_EQ(ours, 1u) << text;
    if (before && before->empty()) {
      ReserveRequest rm;
      rm.action = ReserveRequest::Action::remove;
      auto back = be.plan(golden::model_of(root, SystemFacts{}), rm);
      ASSERT_TRUE(back) << text;
      apply_edits(t.s.dir, *back);
      const std::string now = read_file(t.s.dir / "etc/default/grub");
      // Double quotes added around a formerly unquoted value stay (documented).
      if (now != text) {
        // Only quotes may differ: the value was unquoted and got a space.
        std::string a = now, b = text;
        std::erase(a, '"');
        std::erase(b, '"');
        EXPECT_EQ(a, b) << text << "\n---\n" << now;
        ++requoted;
      }
    }
  }
  EXPECT_GT(planned, runs / 4);
  EXPECT_GT(refused, runs / 40);
  EXPECT_LT(requoted, planned / 10);
}

// --- Debian's real grub-mkconfig -------------------------------------------------------

TEST(Grub2RealMkconfig, LinuxLinesCarryTheValueExactlyOnce) {
  std::string why;
  if (!can_run_real_mkconfig(why)) GTEST_SKIP() << why;
  int checked = 0;
  for (const auto& dir : golden::cases(kGolden)) {
    if (fs::exists(dir / "no-mkconfig")) continue;
    const ReserveRequest req = request_from_args(read_file(dir / "args"));
    Scratch s(dir / "root");
    RootDir root = open_root(s.dir);
    auto p = Grub2Backend().plan(golden::model_of(root, SystemFacts{}), req);
    if (!p) continue;  // refusal cases
    apply_edits(s.dir, *p);
    const auto said = [&](const std::string& start) {
      return std::any_of(p->notes.begin(), p->notes.end(), [&](const std::string& n) {
        return n.starts_with(start) || n.find(" " + start) != std::string::npos;
      });
    };
    const bool follows_package = said("that file stays as the package installed it") || said("is already configured: ");
    std::string log;
    auto cfg = real_mkconfig(s.dir, log);
    ASSERT_TRUE(cfg) << dir.filename() << ": grub-mkconfig failed:\n" << log;
    std::istringstream in(*cfg);
    std::string line;
    int linux_lines = 0;
    while (std::getline(in, line)) {
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line.compare(first, 6, "linux\t") != 0) continue;
      ++linux_lines;
      // The words after the kernel path, as the kernel gets them (GRUB dequotes).
      const auto words = cmdline::crashkernel_words(line.substr(first + 6), cmdline::Dialect::grub);
      if (req.action == ReserveRequest::Action::remove) {
        // Only a package's value stays, and the plan said so (docs/contract.md).
        for (const auto& w : words) EXPECT_TRUE(said("crashkernel=" + w.value + " stays in ")) << line;
        continue;
      }
      std::size_t plain = 0, ours = 0;
      std::string last;
      for (const auto& w : words) {
        if (w.kind == cmdline::Kind::cma) continue;
        ++plain;
        last = w.value;
        if (w.value == req.value) ++ours;
      }
      if (follows_package) {
        // The package's placement: entries it reserves on end with our value (the kernel
        // takes the last one); the others (kdump-tools: recovery) reserve nothing.
        if (plain) EXPECT_EQ(last, req.value) << dir.filename() << ": " << line;
        EXPECT_LE(ours, 1u) << dir.filename() << ": " << line;
        continue;
      }
      EXPECT_EQ(plain, 1u) << dir.filename() << ": " << line;
      EXPECT_EQ(last, req.value) << dir.filename() << ": " << line;
    }
    EXPECT_GE(linux_lines, 2) << dir.filename() << ": no menu entries generated\n" << log;
    ++checked;
  }
  EXPECT_GE(checked, 25);
}

}  // namespace
}  // namespace kdump
