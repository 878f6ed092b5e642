// The configuration file: every key, origins "FILE:LINE", policies defined
// and modified, and errors with file:line:column for unknown keys and bad values.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "core/sizing.hpp"

using namespace kdump;
namespace fs = std::filesystem;

namespace {

Config ok(std::string_view text) {
  auto c = parse_config(text, "k.toml");
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message + " at " + std::to_string(c.error().line.value_or(0)) +
                                              ":" + std::to_string(c.error().column.value_or(0)));
  return c ? *c : Config{};
}

Error bad(std::string_view text) {
  auto c = parse_config(text, "k.toml");
  EXPECT_FALSE(c.has_value()) << text;
  return c ? Error{} : c.error();
}

std::string where(const Error& e) {
  return e.file.value_or("?") + ":" + std::to_string(e.line.value_or(0)) + ":" +
         std::to_string(e.column.value_or(0));
}

SizingInput plain_input(Arch arch, std::uint64_t ram) {
  SizingInput in;
  in.arch = arch;
  in.memory_bytes = ram;
  in.memory_source = "--memory";
  for (auto c : {Condition::memory_encryption, Condition::mlx5, Condition::page_64k,
                 Condition::arm_smmu, Condition::fadump, Condition::luks})
    in.conditions[c] = ConditionState{false, "test"};
  in.model = KernelModel{arch, 6, 1};
  return in;
}

}  // namespace

TEST(Config, DefaultsWithoutFile) {
  Config c;
  EXPECT_EQ(c.policy.value, "estimate");
  EXPECT_EQ(c.policy.origin, "built-in default");
  EXPECT_EQ(c.backend.value, "auto");
  EXPECT_EQ(c.kernel.value, "all");
  EXPECT_TRUE(c.update.value);
  EXPECT_EQ(c.sizing.luks.mode, LuksMode::automatic);
  EXPECT_EQ(c.sizing.extra.bytes, 0u);
  EXPECT_NE(c.find_policy("kdump-utils"), nullptr);
  auto empty = ok("");
  EXPECT_EQ(empty.file, "k.toml");
  EXPECT_EQ(empty.policy.value, "estimate");
}

TEST(Config, EverySettingWithItsOrigin) {
  auto c = ok("policy = \"debian\"\n"
              "extra = \"32M\"\n"
              "luks = \"1G\"\n"
              "backend = \"grub2\"\n"
              "kernel = \"6.1.0-28-amd64\"\n"
              "update = false\n");
  EXPECT_EQ(c.policy.value, "debian");
  EXPECT_EQ(c.policy.origin, "k.toml:1");
  EXPECT_EQ(c.sizing.extra.bytes, 32 * MiB);
  EXPECT_EQ(c.sizing.extra.origin, "k.toml:2");
  EXPECT_EQ(c.sizing.luks.mode, LuksMode::fixed);
  EXPECT_EQ(c.sizing.luks.bytes, 1 * GiB);
  EXPECT_EQ(c.sizing.luks.origin, "k.toml:3");
  EXPECT_EQ(c.backend.value, "grub2");
  EXPECT_EQ(c.kernel.value, "6.1.0-28-amd64");
  EXPECT_FALSE(c.update.value);
  EXPECT_EQ(c.update.origin, "k.toml:6");
}

TEST(Config, ExtraPerArchAndLuksModes) {
  auto c = ok("[extra]\ndefault = 16777216\naarch64 = \"64M\"\n");
  EXPECT_EQ(c.sizing.extra.bytes, 16 * MiB);
  EXPECT_EQ(c.sizing.arch_extra.at(Arch::aarch64).bytes, 64 * MiB);
  EXPECT_EQ(c.sizing.arch_extra.at(Arch::aarch64).origin, "k.toml:3");
  EXPECT_EQ(ok("luks = \"off\"").sizing.luks.mode, LuksMode::off);
  EXPECT_EQ(ok("luks = \"auto\"").sizing.luks.mode, LuksMode::automatic);
}

TEST(Config, ErrorsCarryFileLineColumn) {
  auto e = bad("policy = \"rhel7\"\n  colour = \"blue\"\n");
  EXPECT_EQ(e.kind, ErrorKind::config);
  EXPECT_EQ(where(e), "k.toml:2:3");
  EXPECT_NE(e.message.find("unknown key 'colour'"), std::string::npos);
  ASSERT_FALSE(e.hints.empty());

  e = bad("extra = \"32X\"\n");
  EXPECT_EQ(where(e), "k.toml:1:9");
  EXPECT_NE(e.message.find("not a size"), std::string::npos);

  e = bad("\nbackend = \"lilo\"\n");
  EXPECT_EQ(where(e), "k.toml:2:11");

  e = bad("update = \"yes\"\n");
  EXPECT_EQ(where(e), "k.toml:1:10");

  e = bad("policy = \"nosuch\"\n");
  EXPECT_EQ(where(e), "k.toml:1:10");
  EXPECT_NE(e.hints.at(0).find("kdump-utils"), std::string::npos);

  e = bad("extra = -5\n");
  EXPECT_EQ(e.line, 1u);

  e = bad("luks = true\n");
  EXPECT_NE(e.message.find("\"auto\", \"off\""), std::string::npos);

  // A TOML syntax error: toml++'s own message and position.
  e = bad("policy = \"rhel7\"\nextra = \n");
  EXPECT_EQ(e.kind, ErrorKind::config);
  EXPECT_EQ(e.line, 2u);
  EXPECT_TRUE(e.column.has_value());

  e = bad("[table]\nx86_64 = \"2G-:256M,4G-:1G\"\n");
  EXPECT_EQ(where(e), "k.toml:2:10");
  EXPECT_NE(e.message.find("open-ended"), std::string::npos);

  e = bad("[table]\nvax = \"2G-:256M\"\n");
  EXPECT_EQ(where(e), "k.toml:2:1");

  e = bad("[policies.x]\nbase = \"1G\"\ntables = { x86_64 = \"1G-:1G\" }\n");
  EXPECT_NE(e.message.find("not both"), std::string::npos);

  e = bad("[policies.x]\nfoo = 1\n");
  EXPECT_EQ(where(e), "k.toml:2:1");
  EXPECT_NE(e.message.find("[policies.x]"), std::string::npos);

  e = bad("[[policies.x.additions]]\nsize = \"1M\"\nwhen = [\"sun\"]\n");
  EXPECT_EQ(where(e), "k.toml:3:9");

  e = bad("[policies.a]\ninherits = \"b\"\n[policies.b]\ninherits = \"a\"\n");
  EXPECT_NE(e.message.find("inherits from itself"), std::string::npos);

  e = bad("[policies.a]\ninherits = \"zz\"\n");
  EXPECT_EQ(where(e), "k.toml:2:12");
}

TEST(Config, AdminTableDrivesTheTablePolicy) {
  auto c = ok("policy = \"table\"\n[table]\nx86_64 = \"1G-4G:192M,4G-:384M\"\n");
  auto p = select_policy(c, std::nullopt);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ((*p)->name, "table");
  auto r = recommend(**p, plain_input(Arch::x86_64, 8 * GiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->expression, "1G-4G:192M,4G-:384M");
  EXPECT_EQ(r->bytes_for_this_machine, 384 * MiB);
  bool names_origin = false;
  for (auto& l : r->rationale) names_origin |= l.find("k.toml:3") != std::string::npos;
  EXPECT_TRUE(names_origin);
  EXPECT_FALSE(recommend(**p, plain_input(Arch::aarch64, 8 * GiB)).has_value());
}

TEST(Config, PoliciesInheritModifyAndFormula) {
  auto c = ok("[policies.site]\n"
              "inherits = \"kdump-utils\"\n"
              "[policies.site.tables]\n"
              "aarch64 = \"2G-:512M\"\n"
              "[[policies.site.additions]]\n"
              "when = [\"mlx5\", \"!page_64k\"]\n"
              "arch = \"aarch64\"\n"
              "size = \"100M\"\n"
              "[policies.big]\n"
              "base = \"256M\"\n"
              "per_tib = \"128M\"\n"
              "[policies.debian.tables]\n"
              "riscv64 = \"1G-:256M\"\n");
  const Policy* site = c.find_policy("site");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->origin, "k.toml:1");
  auto in = plain_input(Arch::aarch64, 8 * GiB);
  EXPECT_EQ(recommend(*site, in)->expression, "2G-:512M");
  in.conditions[Condition::mlx5] = ConditionState{true, "test"};
  EXPECT_EQ(recommend(*site, in)->expression, "2G-:612M");
  // The x86_64 table still comes from kdump-utils.
  EXPECT_EQ(recommend(*site, plain_input(Arch::x86_64, 8 * GiB))->expression, "2G-64G:256M,64G-:512M");

  const Policy* big = c.find_policy("big");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->kind, RuleKind::formula);
  EXPECT_EQ(big->min_memory, 2 * GiB);
  auto r = recommend(*big, plain_input(Arch::x86_64, 16 * GiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->bytes_for_this_machine, 258 * MiB);

  // Modifying a built-in keeps its other tables.
  const Policy* deb = c.find_policy("debian");
  EXPECT_EQ(recommend(*deb, plain_input(Arch::riscv64, 8 * GiB))->expression, "1G-:256M");
  EXPECT_EQ(recommend(*deb, plain_input(Arch::x86_64, 8 * GiB))->expression, "384M-:128M");
  EXPECT_EQ(c.find_policy("site")->origin, "k.toml:1");
}

TEST(Config, SelectPolicy) {
  Config c;
  EXPECT_EQ((*select_policy(c, std::nullopt))->name, "estimate");
  EXPECT_EQ((*select_policy(c, std::string("ubuntu")))->name, "ubuntu");
  auto e = select_policy(c, std::string("suse"));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().kind, ErrorKind::usage);
}

TEST(Config, LoadFromRootAndExplicitFile) {
  std::string t = (fs::temp_directory_path() / "kdump-config-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  fs::path root = t;
  auto none = load_config(root, std::nullopt);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->file);
  fs::create_directories(root / "etc");
  std::ofstream(root / "etc/kdump-setup.toml") << "# site\npolicy = \"ubuntu\"\n";
  auto c = load_config(root, std::nullopt);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->policy.value, "ubuntu");
  EXPECT_EQ(c->policy.origin, (root / "etc/kdump-setup.toml").string() + ":2");
  std::ofstream(root / "other.toml") << "policy = \"debian\"\n";
  auto x = load_config(root, (root / "other.toml").string());
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->policy.value, "debian");
  auto missing = load_config(root, (root / "absent.toml").string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::config);
  EXPECT_EQ(missing.error().file, (root / "absent.toml").string());
  fs::remove_all(root);
}

TEST(Config, ShippedExampleParses) {
  std::ifstream in(fs::path(KDUMP_SOURCE_DIR) / "docs/kdump-setup.toml.example");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  auto c = parse_config(text, "kdump-setup.toml.example");
  ASSERT_TRUE(c.has_value()) << c.error().message << " line " << c.error().line.value_or(0);
  EXPECT_EQ(c->policy.value, "kdump-utils");
  EXPECT_NE(c->find_policy("site"), nullptr);
  EXPECT_NE(c->find_policy("big-iron"), nullptr);
  auto r = recommend(*c->find_policy("table"), plain_input(Arch::riscv64, 8 * GiB));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->expression, "2G-:448M");
}
