// Sizing engine and built-in policies: tables per policy, arch and RAM point,
// additions, and the property that the expression, evaluated by our own kernel model at
// any RAM, reserves at least the policy's figure.
#include <gtest/gtest.h>

#include "core/policy.hpp"
#include "core/sizing.hpp"
#include "grammar/crashkernel.hpp"
#include "grammar/kernel.hpp"

using namespace kdump;

namespace {

SizingInput input(Arch arch, std::uint64_t ram, std::map<Condition, bool> set = {}) {
  SizingInput in;
  in.arch = arch;
  in.arch_source = "--arch";
  in.memory_bytes = ram;
  in.memory_source = "--memory";
  for (auto c : {Condition::memory_encryption, Condition::mlx5, Condition::page_64k,
                 Condition::arm_smmu, Condition::fadump, Condition::luks})
    in.conditions[c] = ConditionState{false, "test"};
  for (auto [c, v] : set) in.conditions[c] = ConditionState{v, "test"};
  in.model = KernelModel{arch, 6, 1};
  return in;
}

Recommendation rec(std::string_view policy, Arch arch, std::uint64_t ram,
                   std::map<Condition, bool> set = {}) {
  const Policy* p = find_builtin_policy(policy);
  EXPECT_NE(p, nullptr) << policy;
  auto r = recommend(*p, input(arch, ram, std::move(set)));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : Recommendation{};
}

std::string expr(std::string_view policy, Arch arch, std::uint64_t ram,
                 std::map<Condition, bool> set = {}) {
  return rec(policy, arch, ram, std::move(set)).expression;
}

std::uint64_t reserve_at(const std::string& expression, std::uint64_t ram, Arch arch, int minor = 1) {
  return evaluate_cmdline("crashkernel=" + expression, ram, KernelModel{arch, 6, minor}).crash_bytes;
}

}  // namespace

TEST(SizingPolicies, BuiltinsExistAndTablesParse) {
  for (auto name : {"rhel7", "kdump-utils", "debian", "ubuntu", "table"})
    EXPECT_NE(find_builtin_policy(name), nullptr) << name;
  EXPECT_EQ(find_builtin_policy("nope"), nullptr);
  EXPECT_EQ(default_policy_name, "estimate");
  for (const auto& p : builtin_policies())
    for (const auto& [k, t] : p.tables) {
      auto again = parse_policy_table(t.text);
      ASSERT_TRUE(again.has_value()) << p.name << " " << table_key_name(k);
      EXPECT_EQ(*again, t.tiers);
    }
}

TEST(SizingPolicies, TableValidation) {
  EXPECT_TRUE(parse_policy_table("2G-64G:256M,64G-:512M").has_value());
  EXPECT_FALSE(parse_policy_table("256M").has_value());
  EXPECT_FALSE(parse_policy_table("2G-:256M@16M").has_value());
  EXPECT_FALSE(parse_policy_table("2G-4G:256M,3G-:512M").has_value());
  EXPECT_FALSE(parse_policy_table("2G-:256M,4G-:512M").has_value());
  EXPECT_FALSE(parse_policy_table("2G-4G:0").has_value());
  EXPECT_FALSE(parse_policy_table("4G-2G:1M").has_value());
  EXPECT_FALSE(parse_policy_table("").has_value());
}

TEST(SizingPolicies, TableKeys) {
  EXPECT_EQ(table_key_name(*parse_table_key("ppc64le-fadump")), "ppc64le-fadump");
  EXPECT_EQ(table_key_name(*parse_table_key("amd64")), "x86_64");
  EXPECT_EQ(table_key_name(*parse_table_key("default")), "default");
  EXPECT_FALSE(parse_table_key("vax").has_value());
  for (auto n : condition_names()) EXPECT_EQ(condition_name(*parse_condition(n)), n);
}

TEST(SizingFormula, Rhel7Figures) {
  const Policy& p = *find_builtin_policy("rhel7");
  EXPECT_EQ(formula_bytes(p, 16 * GiB), 161 * MiB);
  EXPECT_EQ(formula_bytes(p, 1 * TiB), 224 * MiB);
  EXPECT_EQ(formula_bytes(p, 2 * GiB), 161 * MiB);  // 160.125 MiB rounded up
  EXPECT_EQ(formula_bytes(p, 4 * TiB), 416 * MiB);
}

TEST(SizingFormula, Rhel7Expression) {
  auto r = rec("rhel7", Arch::x86_64, 16 * GiB);
  EXPECT_EQ(r.expression,
            "2G-128G:168M,128G-256G:176M,256G-512G:192M,512G-1T:224M,1T-2T:288M,2T-4T:416M,"
            "4T-8T:672M,8T-16T:1184M,16T-:2208M");
  EXPECT_EQ(r.bytes_for_this_machine, 168 * MiB);
  EXPECT_EQ(r.policy_bytes, 161 * MiB);
  EXPECT_GE(r.bytes_for_this_machine, 161 * MiB);
  EXPECT_TRUE(r.recommended);
  // The expression is the same for every machine below the cap: images move.
  EXPECT_EQ(rec("rhel7", Arch::x86_64, 3 * GiB).expression, r.expression);
  EXPECT_EQ(rec("rhel7", Arch::x86_64, 9 * TiB).expression, r.expression);
  // The rationale names the rule.
  ASSERT_FALSE(r.rationale.empty());
  EXPECT_NE(r.rationale[0].find("rhel7"), std::string::npos);
  EXPECT_NE(r.rationale[0].find("160 MiB"), std::string::npos);
}

TEST(SizingFormula, HugeMachineMovesTheCap) {
  auto r = rec("rhel7", Arch::x86_64, 40 * TiB);
  auto spec = parse_crashkernel(r.expression);
  ASSERT_TRUE(spec.has_value());
  auto& tiers = std::get<std::vector<RangeSize>>(spec->amount);
  EXPECT_EQ(tiers.back().range.start, 64 * TiB);
  EXPECT_GE(r.bytes_for_this_machine, formula_bytes(*find_builtin_policy("rhel7"), 40 * TiB));
}

TEST(SizingFormula, BelowMinimum) {
  auto r = rec("rhel7", Arch::x86_64, 1 * GiB);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(r.bytes_for_this_machine, 0u);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("not recommended"), std::string::npos);
  EXPECT_NE(r.warnings[0].find("reserves nothing"), std::string::npos);
  // 2 GiB minus what the firmware keeps: the kernel rounds it up to 2 GiB.
  auto r2 = rec("rhel7", Arch::x86_64, 2 * GiB - 400 * KiB);
  EXPECT_TRUE(r2.recommended);
  EXPECT_EQ(r2.memory_for_ranges, 2 * GiB);
  EXPECT_EQ(r2.bytes_for_this_machine, 168 * MiB);
}

TEST(SizingTables, KdumpUtils) {
  EXPECT_EQ(expr("kdump-utils", Arch::x86_64, 4 * GiB), "2G-64G:256M,64G-:512M");
  EXPECT_EQ(rec("kdump-utils", Arch::x86_64, 4 * GiB).bytes_for_this_machine, 256 * MiB);
  EXPECT_EQ(rec("kdump-utils", Arch::x86_64, 64 * GiB).bytes_for_this_machine, 512 * MiB);
  EXPECT_EQ(rec("kdump-utils", Arch::x86_64, 63 * GiB).bytes_for_this_machine, 256 * MiB);
  EXPECT_EQ(expr("kdump-utils", Arch::s390x, 4 * GiB), "2G-64G:256M,64G-:512M");
  EXPECT_EQ(expr("kdump-utils", Arch::aarch64, 4 * GiB), "2G-4G:256M,4G-64G:320M,64G-:576M");
  EXPECT_EQ(expr("kdump-utils", Arch::ppc64le, 4 * GiB),
            "2G-4G:400M,4G-16G:528M,16G-64G:1040M,64G-128G:2064M,128G-:4112M");
}

// The combined values observed from kdump-utils' own _crashkernel_add.
TEST(SizingTables, KdumpUtilsAdditionsMatchThePeer) {
  EXPECT_EQ(expr("kdump-utils", Arch::x86_64, 4 * GiB, {{Condition::memory_encryption, true}}),
            "2G-64G:320M,64G-:576M");
  EXPECT_EQ(expr("kdump-utils", Arch::aarch64, 4 * GiB, {{Condition::mlx5, true}}),
            "2G-4G:406M,4G-64G:470M,64G-:726M");
  EXPECT_EQ(expr("kdump-utils", Arch::aarch64, 4 * GiB, {{Condition::page_64k, true}}),
            "2G-4G:356M,4G-64G:420M,64G-:676M");
  EXPECT_EQ(expr("kdump-utils", Arch::aarch64, 4 * GiB,
                 {{Condition::page_64k, true}, {Condition::arm_smmu, true}, {Condition::mlx5, true}}),
            "2G-4G:940M,4G-64G:1004M,64G-:1260M");
  auto in = input(Arch::ppc64le, 8 * GiB);
  in.capture_cpus = 1;
  in.capture_cpus_source = "/etc/sysconfig/kdump";
  auto r = recommend(*find_builtin_policy("kdump-utils"), in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->expression, "2G-4G:385M,4G-16G:513M,16G-64G:1025M,64G-128G:2049M,128G-:4097M");
  EXPECT_EQ(expr("kdump-utils", Arch::ppc64le, 8 * GiB, {{Condition::fadump, true}}),
            "4G-16G:784M,16G-64G:1040M,64G-128G:2064M,128G-1T:4112M,1T-2T:6160M,2T-4T:12304M,"
            "4T-8T:20496M,8T-16T:36880M,16T-32T:65552M,32T-64T:131088M,64T-:184336M");
  // SME/SEV is not an aarch64 thing but the peer adds it everywhere it is seen.
  EXPECT_EQ(expr("kdump-utils", Arch::x86_64, 4 * GiB, {{Condition::mlx5, true}}),
            "2G-64G:256M,64G-:512M");
}

// The RAM points across tiers, per policy and arch: what the kernel (6.1 model)
// reserves with the recommended expression, in MiB (0: nothing, below the minimum).
TEST(SizingTables, RamPointsPerPolicyAndArch) {
  struct Row {
    const char* policy;
    Arch arch;
    std::vector<std::uint64_t> mib;  // at 1, 2, 4, 63, 64, 1024 GiB
  };
  const std::vector<std::uint64_t> gib{1, 2, 4, 63, 64, 1024};
  const std::vector<Row> rows{
      {"rhel7", Arch::x86_64, {0, 168, 168, 168, 168, 288}},
      {"rhel7", Arch::aarch64, {0, 168, 168, 168, 168, 288}},
      {"kdump-utils", Arch::x86_64, {0, 256, 256, 256, 512, 512}},
      {"kdump-utils", Arch::s390x, {0, 256, 256, 256, 512, 512}},
      {"kdump-utils", Arch::aarch64, {0, 256, 320, 320, 576, 576}},
      {"kdump-utils", Arch::ppc64le, {0, 400, 528, 1040, 2064, 4112}},
      {"debian", Arch::x86_64, {128, 128, 128, 128, 128, 128}},
      {"debian", Arch::s390x, {128, 128, 128, 128, 128, 128}},
      {"debian", Arch::aarch64, {0, 320, 512, 1024, 2048, 4096}},
      {"debian", Arch::ppc64le, {0, 320, 512, 1024, 2048, 4096}},
      {"ubuntu", Arch::x86_64, {0, 320, 512, 1024, 2048, 4096}},
      {"ubuntu", Arch::riscv64, {0, 320, 512, 1024, 2048, 4096}},
  };
  for (const auto& row : rows)
    for (std::size_t i = 0; i < gib.size(); ++i) {
      SCOPED_TRACE(std::string(row.policy) + " " + std::string(arch_name(row.arch)) + " " +
                   std::to_string(gib[i]) + "G");
      auto r = rec(row.policy, row.arch, gib[i] * GiB);
      EXPECT_EQ(r.bytes_for_this_machine, row.mib[i] * MiB);
      EXPECT_EQ(r.recommended, row.mib[i] != 0);
    }
}

TEST(SizingTables, UnknownConditionIsSaidNotGuessed) {
  auto in = input(Arch::x86_64, 8 * GiB);
  in.conditions[Condition::memory_encryption] = ConditionState{std::nullopt, "no log"};
  auto r = recommend(*find_builtin_policy("kdump-utils"), in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->expression, "2G-64G:256M,64G-:512M");
  bool said = false;
  for (auto& l : r->rationale) said |= l.find("not added: +64 MiB") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(SizingTables, DebianUbuntu) {
  EXPECT_EQ(expr("debian", Arch::x86_64, 4 * GiB), "384M-:128M");
  EXPECT_EQ(expr("debian", Arch::s390x, 4 * GiB), "384M-:128M");
  EXPECT_EQ(expr("debian", Arch::aarch64, 4 * GiB),
            "2G-4G:320M,4G-32G:512M,32G-64G:1G,64G-128G:2G,128G-:4G");
  EXPECT_EQ(expr("ubuntu", Arch::x86_64, 4 * GiB),
            "2G-4G:320M,4G-32G:512M,32G-64G:1G,64G-128G:2G,128G-:4G");
  auto small = rec("debian", Arch::x86_64, 256 * MiB);
  EXPECT_FALSE(small.recommended);
  EXPECT_EQ(small.bytes_for_this_machine, 0u);
  EXPECT_TRUE(rec("debian", Arch::x86_64, 512 * MiB).recommended);
}

TEST(SizingTables, MissingTableIsAConfigError) {
  auto r = recommend(*find_builtin_policy("debian"), input(Arch::riscv64, 8 * GiB));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  auto t = recommend(*find_builtin_policy("table"), input(Arch::x86_64, 8 * GiB));
  ASSERT_FALSE(t.has_value());
  ASSERT_FALSE(t.error().hints.empty());
  EXPECT_NE(t.error().hints[0].find("[table]"), std::string::npos);
}

TEST(SizingHeadroom, ExtraAndLuks) {
  auto in = input(Arch::x86_64, 8 * GiB, {{Condition::luks, true}});
  in.settings.extra = SizeSetting{32 * MiB, "/etc/kdump-setup.toml:2"};
  in.settings.arch_extra[Arch::x86_64] = SizeSetting{16 * MiB, "/etc/kdump-setup.toml:4"};
  in.luks_kdf_memory = 1000 * MiB + 5;
  in.luks_kdf_source = "/dev/vda3 keyslot 0";
  auto r = recommend(*find_builtin_policy("kdump-utils"), in);
  ASSERT_TRUE(r.has_value());
  // 256 + 32 + 16 + (1001 + 20)
  EXPECT_EQ(r->bytes_for_this_machine, (256 + 32 + 16 + 1021) * MiB);
  EXPECT_EQ(r->additions_bytes, (32 + 16 + 1021) * MiB);

  in.settings.luks = LuksSetting{LuksMode::fixed, 100 * MiB, "x:1"};
  EXPECT_EQ(recommend(*find_builtin_policy("kdump-utils"), in)->bytes_for_this_machine,
            (256 + 48 + 100) * MiB);
  in.settings.luks = LuksSetting{LuksMode::off, 0, "x:1"};
  EXPECT_EQ(recommend(*find_builtin_policy("kdump-utils"), in)->bytes_for_this_machine,
            (256 + 48) * MiB);
  in.settings.luks = LuksSetting{};
  in.luks_kdf_memory.reset();
  auto w = recommend(*find_builtin_policy("kdump-utils"), in);
  EXPECT_EQ(w->bytes_for_this_machine, (256 + 48) * MiB);
  ASSERT_FALSE(w->warnings.empty());
  EXPECT_NE(w->warnings[0].find("luks = SIZE"), std::string::npos);
}

// The property: at every RAM size, on every arch and policy, the expression
// parses with our grammar and the kernel (6.1 and a current model) reserves at least the
// policy's figure whenever RAM is at or above the policy's minimum.
TEST(SizingProperty, ExpressionCoversThePolicyEverywhere) {
  std::vector<std::uint64_t> points;
  for (std::uint64_t g : {1ull, 2ull, 3ull, 4ull, 8ull, 15ull, 16ull, 31ull, 32ull, 63ull, 64ull,
                          100ull, 127ull, 128ull, 255ull, 256ull, 512ull, 1000ull, 1024ull, 2048ull,
                          4096ull, 8192ull, 16384ull, 30000ull, 65536ull})
    for (std::int64_t delta : std::initializer_list<std::int64_t>{
             -static_cast<std::int64_t>(4 * MiB), -4096, 0, 4096, static_cast<std::int64_t>(200 * MiB)})
      points.push_back(g * GiB + static_cast<std::uint64_t>(delta));
  for (std::uint64_t m = 256 * MiB; m < 3 * GiB; m += 96 * MiB + 4096) points.push_back(m);

  for (const auto& p : builtin_policies()) {
    if (p.name == "table") continue;
    for (auto arch : {Arch::x86_64, Arch::aarch64, Arch::ppc64le, Arch::s390x, Arch::riscv64})
      for (bool sev : {false, true})
        for (auto ram : points) {
          auto in = input(arch, ram, {{Condition::memory_encryption, sev}});
          auto r = recommend(p, in);
          if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::config);
            continue;
          }
          SCOPED_TRACE(p.name + " " + std::string(arch_name(arch)) + " " + human_size(ram));
          auto spec = parse_crashkernel(r->expression);
          ASSERT_TRUE(spec.has_value()) << r->expression;
          EXPECT_EQ(format_crashkernel(*spec), r->expression);
          EXPECT_TRUE(spec->is_range_table());
          if (!r->recommended) continue;
          std::uint64_t want = r->policy_bytes;
          if (p.kind == RuleKind::formula)
            want = formula_bytes(p, round_for_ranges(ram)) + r->additions_bytes;
          EXPECT_GE(r->bytes_for_this_machine, want);
          EXPECT_GE(reserve_at(r->expression, ram, arch, 1), want);
          EXPECT_GE(reserve_at(r->expression, ram, arch, 12), want);
        }
  }
}

// The same expression must stay right at any other RAM size (an image moving machines).
TEST(SizingProperty, FormulaTiersCoverEveryRamBelowTwiceTheCap) {
  const Policy& p = *find_builtin_policy("rhel7");
  auto tiers = formula_tiers(p, 16 * GiB);
  CrashkernelSpec spec;
  spec.amount = tiers;
  std::string e = format_crashkernel(spec);
  for (std::uint64_t ram = 2 * GiB; ram < 32 * TiB; ram = ram + ram / 7 + 4096) {
    SCOPED_TRACE(human_size(ram));
    EXPECT_GE(reserve_at(e, ram, Arch::x86_64, 1), formula_bytes(p, round_for_ranges(ram)));
    EXPECT_GE(reserve_at(e, ram, Arch::aarch64, 12), formula_bytes(p, round_for_ranges(ram)));
  }
  // Tiers are ascending, contiguous, and never cost more than the tolerance at their start.
  for (std::size_t i = 0; i + 1 < tiers.size(); ++i) {
    EXPECT_EQ(*tiers[i].range.end, tiers[i + 1].range.start);
    EXPECT_LT(tiers[i].size, tiers[i + 1].size);
  }
}

// ---------------------------------------------------------------------------------------
// The recommend verb end to end (in-process CLI): the "done when" commands.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"

namespace {

using kdump::testing::CliRun;
using kdump::testing::run_cli;

struct FakeRoot {
  std::filesystem::path path;
  FakeRoot() {
    std::string t = (std::filesystem::temp_directory_path() / "kdump-rec-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~FakeRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
};

}  // namespace

// The default policy is estimate; in a tree with kdump-tools installed, MODULES=most and
// no KDUMP_KERNEL, and no capture initramfs yet, it sizes for Debian's MODULES=most boot
// initramfs, which needed 384 MiB at 16 GiB (bench/results/calibration.md).
TEST(RecommendCli, JsonForSixteenGigabytesExplainsToAtLeast384M) {
  FakeRoot root;
  root.write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
  root.write("var/lib/dpkg/info/kdump-tools.list", "/usr/sbin/kdump-config\n");
  root.write("etc/default/kdump-tools", "USE_KDUMP=1\n");
  root.write("etc/initramfs-tools/initramfs.conf", "MODULES=most\n");
  auto r = run_cli({"--root", root.path.string(), "recommend", "--memory", "16G", "--arch", "x86_64", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"policy", "expression", "bytes_for_this_machine", "memory_bytes", "arch", "rationale"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["policy"], "estimate");
  EXPECT_EQ(j["arch"], "x86_64");
  EXPECT_EQ(j["memory_bytes"], 16 * GiB);
  EXPECT_GE(j["bytes_for_this_machine"].get<std::uint64_t>(), 384 * MiB);
  ASSERT_TRUE(j["rationale"].is_array());
  EXPECT_NE(j["rationale"][0].get<std::string>().find("estimate"), std::string::npos);
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_NE(j["notes"][0].get<std::string>().find("MODULES=most"), std::string::npos) << r.out;
  // explain, through the same CLI, agrees.
  auto x = run_cli({"explain", j["expression"].get<std::string>(), "--memory", "16G", "--arch", "x86_64",
                    "--kernel-release", "6.1.0-28-amd64", "--json"});
  ASSERT_EQ(x.code, 0) << x.err;
  auto xj = nlohmann::json::parse(x.out);
  EXPECT_GE(xj["crash"]["bytes"].get<std::uint64_t>(), 384 * MiB);
}

TEST(RecommendCli, KdumpUtilsAndDebian) {
  auto k = run_cli({"recommend", "--policy", "kdump-utils", "--memory", "4G", "--arch", "x86_64"});
  ASSERT_EQ(k.code, 0) << k.err;
  EXPECT_EQ(k.out.substr(0, k.out.find('\n')), "crashkernel=2G-64G:256M,64G-:512M");
  EXPECT_NE(k.out.find("reserves 256 MiB"), std::string::npos);
  auto d = run_cli({"recommend", "--policy", "debian", "--memory", "4G", "--arch", "x86_64"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(d.out.substr(0, d.out.find('\n')), "crashkernel=384M-:128M");
}

TEST(RecommendCli, ExitCodes) {
  FakeRoot root;
  // A fact missing under --root: exit 3, naming the option.
  auto m = run_cli({"--root", root.path.string(), "recommend"});
  EXPECT_EQ(m.code, 3);
  EXPECT_NE(m.err.find("--memory"), std::string::npos);
  auto a = run_cli({"--root", root.path.string(), "recommend", "--memory", "8G"});
  EXPECT_EQ(a.code, 3);
  EXPECT_NE(a.err.find("--arch"), std::string::npos);
  // Bad option values and config: exit 2.
  EXPECT_EQ(run_cli({"recommend", "--memory", "8X", "--arch", "x86_64"}).code, 2);
  EXPECT_EQ(run_cli({"recommend", "--memory", "8G", "--arch", "vax"}).code, 2);
  EXPECT_EQ(run_cli({"recommend", "--memory", "8G", "--arch", "x86_64", "--policy", "suse"}).code, 2);
  root.write("etc/kdump-setup.toml", "policy = \"debian\"\nextra = \"lots\"\n");
  auto c = run_cli({"--root", root.path.string(), "recommend", "--memory", "8G", "--arch", "x86_64"});
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("kdump-setup.toml:2:9"), std::string::npos) << c.err;
  // Below the minimum (the default estimate policy's: 1 GiB, its smallest measured
  // guest): said, exit 0.
  auto s = run_cli({"recommend", "--memory", "512M", "--arch", "x86_64", "--json"});
  ASSERT_EQ(s.code, 0);
  auto sj = nlohmann::json::parse(s.out);
  EXPECT_FALSE(sj["recommended"].get<bool>());
  EXPECT_EQ(sj["bytes_for_this_machine"], 0);
}

TEST(RecommendCli, FakeRootWithConfigVerboseShowsOrigins) {
  FakeRoot root;
  root.write("proc/sys/kernel/arch", "x86_64\n");
  root.write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
  root.write("proc/iomem", "00001000-0009ffff : System RAM\n00100000-7ffdffff : System RAM\n"
                           "100000000-27fffffff : System RAM\n");
  root.write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sme\n");
  root.write("etc/kdump-setup.toml", "policy = \"kdump-utils\"\n\nextra = \"16M\"\n");
  auto r = run_cli({"--root", root.path.string(), "-v", "recommend"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "crashkernel=2G-64G:336M,64G-:592M");
  EXPECT_NE(r.out.find("+64 MiB: AMD SME/SEV memory encryption is active"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("policy = kdump-utils  [" + (root.path / "etc/kdump-setup.toml").string() + ":1]"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("extra = 16M  [" + (root.path / "etc/kdump-setup.toml").string() + ":3]"),
            std::string::npos);
  EXPECT_NE(r.out.find("memory_bytes = 8191.5 MiB  [" + (root.path / "proc/iomem").string()), std::string::npos)
      << r.out;
  auto j = run_cli({"--root", root.path.string(), "--json", "recommend"});
  auto jj = nlohmann::json::parse(j.out);
  EXPECT_EQ(jj["facts"]["arch"]["source"], (root.path / "proc/sys/kernel/arch").string());
  EXPECT_EQ(jj["kernel_model"], "6.1 x86_64");
  EXPECT_EQ(jj["bytes_for_this_machine"], 336 * MiB);
}

TEST(RecommendCli, LiveMachineSaysWhereFactsCameFrom) {
  auto r = run_cli({"--json", "recommend"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["facts"]["arch"]["source"], "uname(2)");
  EXPECT_FALSE(j["facts"]["memory_bytes"]["source"].get<std::string>().empty());
  EXPECT_GT(j["bytes_for_this_machine"].get<std::uint64_t>(), 0u);
}
