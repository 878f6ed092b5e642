// The `estimate` sizing policy (core/estimate_policy.hpp): its figure is the measured
// base + capture initramfs term + per-TiB term (+ LUKS, headroom), the expression covers
// that figure at every RAM, and the rationale names each term.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "cli/app.hpp"
#include "core/estimate_policy.hpp"
#include "core/policy.hpp"
#include "core/sizing.hpp"
#include "grammar/crashkernel.hpp"
#include "grammar/kernel.hpp"

using namespace kdump;

namespace {

SizingInput input(std::uint64_t ram) {
  SizingInput in;
  in.arch = Arch::x86_64;
  in.arch_source = "--arch";
  in.memory_bytes = ram;
  in.memory_source = "--memory";
  for (auto c : {Condition::memory_encryption, Condition::mlx5, Condition::page_64k,
                 Condition::arm_smmu, Condition::fadump, Condition::luks})
    in.conditions[c] = ConditionState{false, "test"};
  in.model = KernelModel{Arch::x86_64, 6, 1};
  return in;
}

const Policy& estimate_policy() {
  const Policy* p = find_builtin_policy("estimate");
  if (!p) throw std::runtime_error("no estimate policy");
  return *p;
}

std::uint64_t mib_up(std::uint64_t b) { return (b + MiB - 1) / MiB * MiB; }

bool mentions(const Recommendation& r, std::string_view text) {
  for (const auto& line : r.rationale)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(EstimatePolicy, IsABuiltinFormulaWithTheMeasuredConstants) {
  const Policy& p = estimate_policy();
  EXPECT_EQ(p.kind, RuleKind::formula);
  EXPECT_EQ(p.per_tib, estimate::per_tib);
  EXPECT_EQ(p.min_memory, estimate::min_memory);
  EXPECT_EQ(p.initramfs_per_mille, estimate::initramfs_per_mille);
  // The base is the measured minimum minus the minimal image's share, plus the margin:
  // with the minimal image the policy gives back measured minimum + margin.
  const std::uint64_t minimal_share =
      estimate::measured_minimal_initramfs_bytes * estimate::initramfs_per_mille / 1000;
  EXPECT_EQ(p.base, mib_up(estimate::measured_min_minimal_initramfs - minimal_share + estimate::safety_margin));
  // The margin is real: never below the measured minimum.
  EXPECT_GT(p.base + minimal_share, estimate::measured_min_minimal_initramfs);
}

TEST(EstimatePolicy, MinimalInitramfsGivesMeasuredMinimumPlusMargin) {
  auto in = input(4 * GiB);
  in.capture_initramfs_bytes = estimate::measured_minimal_initramfs_bytes;
  in.capture_initramfs_source = "test image";
  auto r = recommend(estimate_policy(), in);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const std::uint64_t want = estimate::measured_min_minimal_initramfs + estimate::safety_margin;
  // Rounding to MiB on each term may add up to 2 MiB; the tier's upper end adds the
  // per-TiB term of 128 GiB (8 MiB).
  EXPECT_GE(r->bytes_for_this_machine, want);
  EXPECT_LE(r->bytes_for_this_machine, want + 12 * MiB);
  EXPECT_TRUE(mentions(*r, "capture initramfs of"));
  EXPECT_TRUE(mentions(*r, "test image"));
}

TEST(EstimatePolicy, InitramfsTermScalesWithTheImage) {
  auto small = input(4 * GiB), big = input(4 * GiB);
  small.capture_initramfs_bytes = 10 * MiB;
  big.capture_initramfs_bytes = 70 * MiB;
  auto a = recommend(estimate_policy(), small), b = recommend(estimate_policy(), big);
  ASSERT_TRUE(a && b);
  const std::uint64_t diff = b->bytes_for_this_machine - a->bytes_for_this_machine;
  EXPECT_EQ(diff, 60 * MiB * estimate::initramfs_per_mille / 1000);
}

TEST(EstimatePolicy, UnknownInitramfsIsAssumedAndSaid) {
  auto r = recommend(estimate_policy(), input(8 * GiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(mentions(*r, "not known, assumed"));
  auto known = input(8 * GiB);
  known.capture_initramfs_bytes = estimate::assumed_initramfs_bytes;
  known.capture_initramfs_source = "x";
  EXPECT_EQ(recommend(estimate_policy(), known)->bytes_for_this_machine, r->bytes_for_this_machine);
}

TEST(EstimatePolicy, GrowsWithRamAndCoversTheFigureEverywhere) {
  std::uint64_t last = 0;
  for (std::uint64_t ram : {1 * GiB, 2 * GiB, 16 * GiB, 256 * GiB, 1 * TiB, 4 * TiB, 64 * TiB}) {
    auto r = recommend(estimate_policy(), input(ram));
    ASSERT_TRUE(r.has_value()) << ram;
    EXPECT_TRUE(r->recommended) << ram;
    EXPECT_GE(r->bytes_for_this_machine, last) << ram;
    last = r->bytes_for_this_machine;
    // The figure: base + initramfs term + per-TiB × RAM, at least.
    const std::uint64_t figure = estimate::base +
                                 estimate::assumed_initramfs_bytes * estimate::initramfs_per_mille / 1000 +
                                 ram / TiB * estimate::per_tib;
    EXPECT_GE(r->bytes_for_this_machine, figure) << ram;
    // And the kernel, by our model, reserves it from the expression.
    auto out = evaluate_cmdline("crashkernel=" + r->expression, ram, KernelModel{Arch::x86_64, 6, 1});
    EXPECT_EQ(out.crash_bytes, r->bytes_for_this_machine) << r->expression;
  }
}

TEST(EstimatePolicy, BelowTheSmallestMeasuredGuestIsNotRecommended) {
  auto r = recommend(estimate_policy(), input(512 * MiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->recommended);
  EXPECT_FALSE(r->warnings.empty());
}

TEST(EstimatePolicy, LuksAdditionApplies) {
  auto in = input(4 * GiB);
  in.conditions[Condition::luks] = ConditionState{true, "/etc/crypttab"};
  in.luks_kdf_memory = 1 * GiB;
  in.luks_kdf_source = "keyslot 0";
  auto with = recommend(estimate_policy(), in);
  auto without = recommend(estimate_policy(), input(4 * GiB));
  ASSERT_TRUE(with && without);
  EXPECT_EQ(with->bytes_for_this_machine - without->bytes_for_this_machine, 1 * GiB + 20 * MiB);
}

TEST(EstimatePolicy, RecommendCliSaysItsRationale) {
  std::vector<std::string> args{"kdump-setup", "recommend", "--policy", "estimate", "--memory", "4G",
                                "--arch", "x86_64", "--json"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  ASSERT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), out, err), 0) << err.str();
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["policy"], "estimate");
  EXPECT_GT(j["bytes_for_this_machine"].get<std::uint64_t>(), estimate::measured_min_minimal_initramfs);
  std::string all;
  for (auto& line : j["rationale"]) all += line.get<std::string>() + "\n";
  EXPECT_NE(all.find("calibration.md"), std::string::npos) << all;
  EXPECT_NE(all.find("capture initramfs"), std::string::npos) << all;
  EXPECT_NE(all.find("per TiB"), std::string::npos) << all;
}
