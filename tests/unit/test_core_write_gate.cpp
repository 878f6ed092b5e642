// The write gate (core/write_gate.hpp): what the kernel model refuses, what reserves
// nothing or less than the floor, the policy warning, --force, and RAM not known.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/write_gate.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t GiB_ = 1ull << 30;
constexpr std::uint64_t MiB_ = 1ull << 20;

GateInput input(std::string value, std::vector<std::string> releases = {"6.1.0-56-amd64"},
                std::optional<std::uint64_t> ram = 32 * GiB_) {
  GateInput in;
  in.value = std::move(value);
  in.arch = Arch::x86_64;
  for (auto& r : releases) in.kernels.push_back({r, "installed"});
  in.memory = ram;
  return in;
}

TEST(CoreWriteGate, AcceptsAPlainValue) {
  auto v = evaluate_write_gate(input("256M"));
  EXPECT_EQ(v.verdict, "ok");
  ASSERT_EQ(v.kernels.size(), 1u);
  EXPECT_EQ(v.kernels[0].crash_bytes, 256 * MiB_);
  EXPECT_EQ(v.kernels[0].model, "6.1 x86_64");
  EXPECT_TRUE(v.memory_checked);
}

TEST(CoreWriteGate, RefusesWhatReservesNothing) {
  for (const char* value : {"0M", "16E", "512M-2G:64M"}) {
    auto v = evaluate_write_gate(input(value));
    EXPECT_TRUE(v.refused()) << value;
    ASSERT_EQ(v.refusals.size(), 1u) << value;
    EXPECT_NE(v.refusals[0].find("reserves nothing"), std::string::npos) << v.refusals[0];
  }
}

TEST(CoreWriteGate, RefusesWithTheKernelsMessage) {
  auto v = evaluate_write_gate(input("256M,cma"));  // 6.1 has no ",cma"
  ASSERT_TRUE(v.refused());
  EXPECT_NE(v.refusals[0].find("\"crashkernel: unrecognized char: ,\""), std::string::npos) << v.refusals[0];
  // 6.16 knows ",cma": the plain token is then missing, no crash region is reserved.
  auto v616 = evaluate_write_gate(input("256M,cma", {"6.16.1-amd64"}));
  ASSERT_TRUE(v616.refused());
  EXPECT_NE(v616.refusals[0].find("no usable crashkernel=X,high"), std::string::npos) << v616.refusals[0];
}

TEST(CoreWriteGate, RefusesASizeThatDoesNotFitTheRam) {
  auto v = evaluate_write_gate(input("40G"));  // 32 GiB machine
  ASSERT_TRUE(v.refused());
  EXPECT_NE(v.refusals[0].find("No suitable area found"), std::string::npos) << v.refusals[0];
  auto generic = evaluate_write_gate(input("32G", {"6.12.9-amd64"}));
  ASSERT_TRUE(generic.refused());
  EXPECT_NE(generic.refusals[0].find("not below the system RAM"), std::string::npos);
}

TEST(CoreWriteGate, RefusesBelowTheFloor) {
  auto bytes = evaluate_write_gate(input("256"));
  ASSERT_TRUE(bytes.refused());
  EXPECT_NE(bytes.refusals[0].find("only 256 bytes"), std::string::npos) << bytes.refusals[0];
  EXPECT_NE(bytes.refusals[0].find("no unit suffix"), std::string::npos) << bytes.refusals[0];
  EXPECT_TRUE(evaluate_write_gate(input("31M")).refused());
  EXPECT_FALSE(evaluate_write_gate(input("32M")).refused());
}

TEST(CoreWriteGate, EveryKernelIsChecked) {
  // 6.1 does not know ",cma" in a pair; 6.16 does: only the old kernel refuses.
  auto v = evaluate_write_gate(input("256M crashkernel=64M,cma", {"6.16.2-amd64", "6.1.0-56-amd64"}));
  ASSERT_EQ(v.kernels.size(), 2u);
  EXPECT_FALSE(v.kernels[0].refusal.has_value());
  EXPECT_TRUE(v.kernels[1].refusal.has_value());
  EXPECT_TRUE(v.refused());
  EXPECT_NE(v.refusals[0].find("kernel 6.1.0-56-amd64"), std::string::npos);
}

TEST(CoreWriteGate, WarnsBelowThePolicyFigure) {
  GateInput in = input("128M");
  in.policy_bytes = 384 * MiB_;
  in.policy = "estimate";
  auto v = evaluate_write_gate(in);
  EXPECT_EQ(v.verdict, "warn");
  ASSERT_EQ(v.warnings.size(), 1u);
  EXPECT_NE(v.warnings[0].find("less than the 384 MiB the estimate policy"), std::string::npos) << v.warnings[0];
  in.value = "512M";
  EXPECT_EQ(evaluate_write_gate(in).verdict, "ok");
}

TEST(CoreWriteGate, ForceOverridesAndSaysWhat) {
  GateInput in = input("0M");
  in.force = true;
  auto v = evaluate_write_gate(in);
  EXPECT_EQ(v.verdict, "forced");
  EXPECT_FALSE(v.refused());
  ASSERT_EQ(v.overridden.size(), 1u);
  EXPECT_EQ(v.overridden, v.refusals);
}

TEST(CoreWriteGate, WithoutRamSaysSoAndChecksWhatItCan) {
  auto big = evaluate_write_gate(input("40G", {"6.1.0-56-amd64"}, std::nullopt));
  EXPECT_FALSE(big.refused());  // fits or not: the RAM's question
  EXPECT_FALSE(big.memory_checked);
  ASSERT_FALSE(big.warnings.empty());
  EXPECT_EQ(big.warnings[0].rfind("RAM was not checked", 0), 0u);
  EXPECT_TRUE(evaluate_write_gate(input("0M", {"6.1.0-56-amd64"}, std::nullopt)).refused());
  EXPECT_TRUE(evaluate_write_gate(input("256", {"6.1.0-56-amd64"}, std::nullopt)).refused());
  EXPECT_FALSE(evaluate_write_gate(input("512M-2G:64M", {"6.1.0-56-amd64"}, std::nullopt)).refused());
}

TEST(CoreWriteGate, StandInsWhenNoReleaseIsKnown) {
  auto v = evaluate_write_gate(input("256M,cma", {}));
  ASSERT_EQ(v.kernels.size(), 2u);
  EXPECT_EQ(v.kernels[0].kernel.release, "6.1");
  EXPECT_TRUE(v.refused());
}

TEST(CoreWriteGate, ErrorIsUsageWithHints) {
  auto v = evaluate_write_gate(input("0M"));
  Error e = write_gate_error(v, "0M");
  EXPECT_EQ(e.kind, ErrorKind::usage);
  EXPECT_NE(e.message.find("refusing to write crashkernel=0M"), std::string::npos);
  ASSERT_EQ(e.hints.size(), 2u);
  EXPECT_EQ(e.hints[1], "to write it anyway: kdump-setup reserve --force '0M'");
}

TEST(CoreWriteGate, ReleasesFromTheTree) {
  std::string dir = (std::filesystem::temp_directory_path() / "kdump-gate-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/lib/modules/6.1.0-56-amd64");
  fs::create_directories(dir + "/usr/lib/modules/6.12.9-amd64");
  fs::create_directories(dir + "/boot/loader/entries");
  std::ofstream(dir + "/boot/vmlinuz-6.1.0-56-amd64") << "";
  std::ofstream(dir + "/boot/loader/entries/a-6.5.6-300.fc39.x86_64.conf")
      << "title Fedora\nversion 6.5.6-300.fc39.x86_64\nlinux /vmlinuz-6.5.6-300.fc39.x86_64\n";
  std::ofstream(dir + "/boot/loader/entries/a-0-rescue.conf") << "version 0-rescue-abc\n";
  auto root = RootDir::open(dir);
  ASSERT_TRUE(root);
  EXPECT_EQ(installed_kernel_releases(*root), (std::vector<std::string>{"6.1.0-56-amd64", "6.12.9-amd64"}));
  EXPECT_EQ(entry_kernel_releases(*root), (std::vector<std::string>{"6.5.6-300.fc39.x86_64"}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kdump
