// The BLS backend: golden trees (golden/bls/, layout in golden/README.md) and details.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backends/bls/bls_backend.hpp"
#include "backends/common/boot_model.hpp"
#include "backends/registry.hpp"
#include "core/render_plan.hpp"
#include "golden_support.hpp"
#include "grammar/cmdline_edit.hpp"
#include "grammar/grubenv.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using namespace golden;  // NOLINT: the shared golden-test helpers

const fs::path kGolden = fs::path(KDUMP_SOURCE_DIR) / "golden" / "bls";

class BlsGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(BlsGolden, PlanDiffIdempotenceRoundTrip) {
  const fs::path dir = GetParam();
  const ReserveRequest req = request_from_args(read_file(dir / "args"));
  Scratch s(dir / "root");
  const auto original = tree(s.dir);
  RootDir root = open_root(s.dir);
  BlsBackend be;
  SystemFacts facts;
  ASSERT_TRUE(be.detect(golden::model_of(root, facts)).applies) << be.detect(golden::model_of(root, facts)).reason;

  auto before_values = be.configured(golden::model_of(root, facts));
  auto p = be.plan(golden::model_of(root, facts), req);
  if (!p) {
    golden::check(dir / "expected.txt", error_line(p.error()));
    golden::check(dir / "expected.diff", "");
    EXPECT_EQ(tree(s.dir), original);
    return;
  }
  EXPECT_EQ(p->backend, "bls");
  EXPECT_TRUE(p->commands.empty());
  const std::string diff = render_plan_diff(*p);
  apply_edits(s.dir, *p);
  std::string text = summary(*p);
  // No entry may be left with an empty options line (GRUB's blscfg stops reading there).
  for (const auto& [path, bytes] : tree(s.dir)) {
    if (!path.starts_with("boot/loader/entries/")) continue;
    auto e = bls::Entry::parse(bytes);
    ASSERT_TRUE(e) << path;
    for (auto k : e->options_lines()) EXPECT_EQ(e->lines()[k].kind, bls::Line::Kind::key_value) << path;
  }
  if (fs::exists(s.dir / "boot/grub2/grubenv") && original.count("boot/grub2/grubenv") &&
      original.at("boot/grub2/grubenv").size() == grubenv::kBlockSize)
    EXPECT_EQ(fs::file_size(s.dir / "boot/grub2/grubenv"), grubenv::kBlockSize);
  auto after_values = be.configured(golden::model_of(root, facts));
  ASSERT_TRUE(after_values);
  for (const auto& c : *after_values)
    text += std::string(c.next_boot ? "configured " : "also configured ") + c.where + " in " + c.file + ": crashkernel=" + c.value + "\n";
  golden::check(dir / "expected.txt", text);
  golden::check(dir / "expected.diff", diff);

  // The same run again changes nothing.
  auto again = be.plan(golden::model_of(root, facts), req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changes_anything()) << render_plan_diff(*again);

  (void)before_values;
  check_round_trip(dir, be, facts);
}

INSTANTIATE_TEST_SUITE_P(Cases, BlsGolden, ::testing::ValuesIn(golden::cases(kGolden)),
                         [](const auto& info) { return case_name(info.param); });

TEST(BlsGoldenSet, EveryCorpusFileHasACase) {
  expect_corpus_covered(kGolden, fs::path(KDUMP_CORPUS_DIR), {"bls", "grubenv", "kernel-cmdline"});
}

TEST(BlsNames, EntryIdDropsConfAndBootCounter) {
  EXPECT_EQ(bls::entry_id("abc-6.5.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+3.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+0-2.conf"), "abc-6.5");
  EXPECT_EQ(bls::entry_id("abc-6.5+x.conf"), "abc-6.5+x");
}

TEST(BlsNames, VercmpLikeRpm) {
  EXPECT_GT(bls::vercmp("6.5.6-300.fc39", "6.0.12-100.fc35"), 0);
  EXPECT_LT(bls::vercmp("5.14.14-200.fc34.x86_64.0~custom", "5.14.14-200.fc34.x86_64.0"), 0);
  EXPECT_EQ(bls::vercmp("1.0", "1.0"), 0);
  EXPECT_GT(bls::vercmp("1.10", "1.9"), 0);
  EXPECT_GT(bls::vercmp("1.0a", "1.0"), 0);
}

TEST(BlsDetect, NeedsGrubWithBlsSupport) {
  Scratch s(fs::path{});
  write_file(s.dir / "boot/loader/entries/a.conf", "title a\nlinux /v\noptions ro\n");
  RootDir root = open_root(s.dir);
  BlsBackend be;
  EXPECT_FALSE(be.detect(golden::model_of(root, {})).applies);
  write_file(s.dir / "etc/default/grub", "GRUB_ENABLE_BLSCFG=\"false\"\n");
  EXPECT_FALSE(be.detect(golden::model_of(root, {})).applies);
  write_file(s.dir / "etc/default/grub", "GRUB_ENABLE_BLSCFG=true\n");
  EXPECT_TRUE(be.detect(golden::model_of(root, {})).applies);
  fs::remove(s.dir / "etc/default/grub");
  write_file(s.dir / "boot/grub2/grub.cfg", "insmod blscfg\nblscfg\n");
  EXPECT_TRUE(be.detect(golden::model_of(root, {})).applies);
}

TEST(BlsDetect, ChosenBeforeGrub2OnFedora) {
  RootDir root = open_root(kGolden / "fedora39" / "root");
  auto all = all_backends();
  auto m = golden::model_of(root);
  auto b = choose_backend(all, "auto", m);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->name(), "bls");
}

TEST(BlsConfigured, DefaultEntryWithKernelopts) {
  RootDir root = open_root(kGolden / "rhel83-aws-kernelopts" / "root");
  auto c = BlsBackend{}.configured(golden::model_of(root, {}));
  ASSERT_TRUE(c);
  ASSERT_GE(c->size(), 1u);
  EXPECT_EQ((*c)[0].value, "auto");
  EXPECT_EQ((*c)[0].file, "/boot/grub2/grubenv");
  EXPECT_TRUE((*c)[0].next_boot);
  // What the default entry boots comes first; the rest is configured elsewhere.
  for (std::size_t i = 1; i < c->size(); ++i) EXPECT_FALSE((*c)[i].next_boot) << (*c)[i].file;
}

TEST(BlsPlan, EditedEntryChangedMeanwhileIsStale) {
  // The plan carries the stamps the apply step checks.
  RootDir root = open_root(kGolden / "fedora39" / "root");
  ReserveRequest r;
  r.value = "256M";
  auto p = BlsBackend{}.plan(golden::model_of(root, {}), r);
  ASSERT_TRUE(p);
  for (const auto& e : p->edits) {
    ASSERT_TRUE(e.stamp) << e.path;
    EXPECT_EQ(e.stamp->size, e.before->size()) << e.path;
  }
}

}  // namespace
}  // namespace kdump
