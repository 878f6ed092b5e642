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
  // The kernel of bench/results/calibration.md's 6.1 grid.
  in.capture_kernel_release = "6.1.0-57-amd64";
  in.capture_kernel_source = "test";
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
  EXPECT_EQ(p.initramfs_per_mille, 1000u);
  EXPECT_EQ(p.initramfs_unpacked_per_mille, 2000u);
  EXPECT_EQ(p.base, estimate::fitted_need + estimate::safety_margin);
  EXPECT_GT(estimate::safety_margin, 0u);
  EXPECT_EQ(p.assumed_initramfs, estimate::assumed_initramfs_bytes);
  EXPECT_EQ(p.assumed_initramfs_unpacked, estimate::assumed_initramfs_unpacked_bytes);
}

// Every settled point of bench/results/calibration.md: guest RAM, capture initramfs file
// and unpacked size, smallest crashkernel= that captured, the failing value 16 MiB below.
struct Measured {
  std::uint64_t ram_gib, file, unpacked, min_mib;
};
constexpr Measured k_measured[] = {
    {1, 2'983'283, 6'636'032, 96},      {2, 2'983'283, 6'636'032, 96},
    {4, 2'983'283, 6'636'032, 96},      {8, 2'983'283, 6'636'032, 96},
    {16, 2'983'283, 6'636'032, 96},     {1, 34'448'863, 38'093'312, 176},
    {2, 34'448'863, 38'093'312, 176},   {4, 34'448'863, 38'093'312, 176},
    {8, 34'448'863, 38'093'312, 176},   {16, 34'448'863, 38'093'312, 176},
    {1, 65'908'654, 69'550'592, 272},   {2, 65'908'654, 69'550'592, 272},
    {4, 65'908'654, 69'550'592, 272},   {8, 65'908'654, 69'550'592, 272},
    {16, 65'908'654, 69'550'592, 272},  {1, 9'983'868, 25'485'824, 128},
    {2, 9'983'868, 25'485'824, 128},    {4, 9'983'868, 25'485'824, 128},
    {8, 9'983'868, 25'485'824, 128},    {16, 9'983'868, 25'485'824, 128},
    {1, 34'160'241, 138'984'960, 368},  {2, 34'160'241, 138'984'960, 368},
    {4, 34'160'241, 138'984'960, 368},  {8, 34'160'241, 138'984'960, 368},
    {16, 34'160'241, 138'984'960, 384},
};

TEST(EstimatePolicy, EveryMeasuredPointCapturesWithin130Percent) {
  for (const auto& m : k_measured) {
    // The guest's System RAM is a little below its -m size; the tier is the same.
    auto in = input(m.ram_gib * GiB - 512 * KiB);
    in.capture_initramfs_bytes = m.file;
    in.capture_initramfs_unpacked_bytes = m.unpacked;
    in.capture_initramfs_source = "test image";
    auto r = recommend(estimate_policy(), in);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const std::uint64_t min = m.min_mib * MiB;
    EXPECT_GE(r->bytes_for_this_machine, min) << m.ram_gib << " GiB, " << m.file;
    EXPECT_LE(r->bytes_for_this_machine * 10, min * 13) << m.ram_gib << " GiB, " << m.file << ": "
                                                        << r->bytes_for_this_machine / MiB << " MiB";
    // And at least the margin over the value that failed.
    EXPECT_GE(r->bytes_for_this_machine, min - 16 * MiB + estimate::safety_margin) << m.ram_gib;
  }
}

TEST(EstimatePolicy, InitramfsTermIsFilePlusTwiceUnpacked) {
  auto in = input(4 * GiB);
  in.capture_initramfs_bytes = 10 * MiB;
  in.capture_initramfs_unpacked_bytes = 30 * MiB;
  in.capture_initramfs_source = "test image";
  auto r = recommend(estimate_policy(), in);
  ASSERT_TRUE(r.has_value());
  auto more = in;
  more.capture_initramfs_unpacked_bytes = 40 * MiB;
  auto r2 = recommend(estimate_policy(), more);
  auto bigger_file = in;
  bigger_file.capture_initramfs_bytes = 20 * MiB;
  auto r3 = recommend(estimate_policy(), bigger_file);
  ASSERT_TRUE(r2 && r3);
  EXPECT_EQ(r2->bytes_for_this_machine - r->bytes_for_this_machine, 20 * MiB);
  EXPECT_EQ(r3->bytes_for_this_machine - r->bytes_for_this_machine, 10 * MiB);
  EXPECT_TRUE(mentions(*r, "test image"));
  EXPECT_TRUE(mentions(*r, "10485760 bytes"));
  EXPECT_TRUE(mentions(*r, "31457280 bytes) unpacked"));
}

TEST(EstimatePolicy, UnknownUnpackedSizeIsAssumedFromTheLargestExpansion) {
  auto in = input(4 * GiB);
  in.capture_initramfs_bytes = 10'000'000;
  in.capture_initramfs_source = "--initramfs-size";
  in.capture_initramfs_unpacked_unknown = "a lz4 segment at byte 0";
  auto r = recommend(estimate_policy(), in);
  ASSERT_TRUE(r.has_value());
  auto exact = in;
  exact.capture_initramfs_unpacked_bytes = 10'000'000ull * estimate::assumed_expansion_per_mille / 1000;
  EXPECT_EQ(recommend(estimate_policy(), exact)->bytes_for_this_machine, r->bytes_for_this_machine);
  EXPECT_TRUE(mentions(*r, "unpacked size assumed 4.246 × the file: a lz4 segment at byte 0"));
}

TEST(EstimatePolicy, UnknownInitramfsIsAssumedAndSaid) {
  auto r = recommend(estimate_policy(), input(8 * GiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(mentions(*r, "not known, assumed"));
  EXPECT_TRUE(mentions(*r, "capture_initramfs"));
  auto known = input(8 * GiB);
  known.capture_initramfs_bytes = estimate::assumed_initramfs_bytes;
  known.capture_initramfs_unpacked_bytes = estimate::assumed_initramfs_unpacked_bytes;
  known.capture_initramfs_source = "x";
  EXPECT_EQ(recommend(estimate_policy(), known)->bytes_for_this_machine, r->bytes_for_this_machine);
  // The assumed image is Debian's MODULES=most one: at 8 GiB it needed 368 MiB.
  EXPECT_GE(r->bytes_for_this_machine, 368 * MiB);
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
    const std::uint64_t figure = estimate::base + estimate::assumed_initramfs_bytes +
                                 2 * estimate::assumed_initramfs_unpacked_bytes + ram / TiB * estimate::per_tib;
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
  EXPECT_GT(j["bytes_for_this_machine"].get<std::uint64_t>(), estimate::base);
  std::string all;
  for (auto& line : j["rationale"]) all += line.get<std::string>() + "\n";
  EXPECT_NE(all.find("calibration.md"), std::string::npos) << all;
  EXPECT_NE(all.find("capture initramfs"), std::string::npos) << all;
  EXPECT_NE(all.find("per TiB"), std::string::npos) << all;
}
