// resolve_settings: command line > configuration file > built-in default, with origins.
#include "core/run_context.hpp"

#include <gtest/gtest.h>

namespace kdump {
namespace {

Config file(std::string_view text) {
  auto c = parse_config(text, "k.toml");
  EXPECT_TRUE(c.has_value());
  return *c;
}

TEST(RunContextSettings, DefaultsWithoutFileOrOptions) {
  auto s = resolve_settings(Config{}, SettingOverrides{});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->policy.value, "estimate");
  EXPECT_EQ(s->backend.value, "auto");
  EXPECT_EQ(s->kernel.origin, "built-in default");
  EXPECT_TRUE(s->update.value);
}

TEST(RunContextSettings, FileOverDefault) {
  auto s = resolve_settings(file("policy = \"rhel7\"\nbackend = \"bls\"\nkernel = \"default\"\nupdate = false\n"),
                            SettingOverrides{});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->policy.value, "rhel7");
  EXPECT_EQ(s->policy.origin, "k.toml:1");
  EXPECT_EQ(s->backend.value, "bls");
  EXPECT_EQ(s->kernel_selection().kind, KernelSelection::Kind::default_entry);
  EXPECT_FALSE(s->update.value);
  EXPECT_EQ(s->update.origin, "k.toml:4");
}

TEST(RunContextSettings, CommandLineOverFile) {
  SettingOverrides o;
  o.policy = "debian";
  o.backend = "grub2";
  o.kernel = "6.1.0-28-amd64";
  o.update = false;
  o.extra = "32M";
  o.luks = "off";
  auto s = resolve_settings(file("policy = \"rhel7\"\nextra = \"64M\"\nluks = \"1G\"\n"), o);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->policy.value, "debian");
  EXPECT_EQ(s->policy.origin, "--policy");
  EXPECT_EQ(s->backend.origin, "--backend");
  EXPECT_EQ(s->kernel_selection().release, "6.1.0-28-amd64");
  EXPECT_EQ(s->sizing.extra.bytes, 32u << 20);
  EXPECT_EQ(s->sizing.luks.mode, LuksMode::off);
  EXPECT_EQ(s->update.origin, "--no-update");
}

TEST(RunContextSettings, BadOptionsNameTheOption) {
  SettingOverrides o;
  o.policy = "nonesuch";
  auto s = resolve_settings(Config{}, o);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::usage);
  EXPECT_NE(s.error().message.find("--policy"), std::string::npos);
  SettingOverrides k;
  k.kernel = "a b";
  EXPECT_FALSE(resolve_settings(Config{}, k).has_value());
  SettingOverrides x;
  x.extra = "12Q";
  EXPECT_FALSE(resolve_settings(Config{}, x).has_value());
  SettingOverrides c;
  c.capture_initramfs = "relative/path";
  EXPECT_FALSE(resolve_settings(Config{}, c).has_value());
}

}  // namespace
}  // namespace kdump
