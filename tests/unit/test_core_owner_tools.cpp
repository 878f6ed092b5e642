// detect_owner_tool() on the trees of golden/owners (built from what each tool writes,
// golden/owners/README.md) and on trees kdump-setup's backends handle themselves.
#include <gtest/gtest.h>

#include "core/owner_tools.hpp"
#include "util/root_dir.hpp"

namespace kdump {
namespace {

std::optional<OwnerTool> detect(const std::string& rel) {
  auto root = RootDir::open(std::string(KDUMP_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(root) << rel;
  return detect_owner_tool(*root);
}

TEST(CoreOwnerTools, EachToolOnItsTree) {
  struct Case { const char* tree; const char* tool; const char* config; };
  for (const Case& c : {Case{"kernelstub/pop-os-22.04", "kernelstub", "/etc/kernelstub/configuration"},
                        Case{"kernelstub/pop-os-hand-edited", "kernelstub", "/etc/kernelstub/configuration"},
                        Case{"proxmox-boot-tool/pve8-zfs-uefi", "proxmox-boot-tool", "/etc/kernel/cmdline"},
                        Case{"proxmox-boot-tool/pve8-zfs-bios-grub", "proxmox-boot-tool", "/etc/default/grub"},
                        Case{"sdbootutil/tumbleweed-snapshots", "sdbootutil", "/etc/kernel/cmdline"},
                        Case{"mkinitcpio/arch-uki", "mkinitcpio", "/etc/cmdline.d/"},
                        Case{"zipl/sles15-zipl-conf", "zipl", "/etc/zipl.conf"},
                        Case{"zipl/rhel9-s390x-bls", "zipl", "/boot/loader/entries/*.conf"},
                        Case{"rpm-ostree/silverblue-41", "rpm-ostree", "the deployment's kernel arguments (rpm-ostree kargs)"},
                        Case{"bootc/fedora-bootc-41", "bootc", "/usr/lib/bootc/kargs.d/*.toml of the image"}}) {
    auto o = detect(std::string("golden/owners/") + c.tree + "/root");
    ASSERT_TRUE(o.has_value()) << c.tree;
    EXPECT_EQ(o->tool, c.tool) << c.tree;
    EXPECT_EQ(o->config_file, c.config) << c.tree;
    EXPECT_FALSE(o->evidence.empty()) << c.tree;
  }
}

TEST(CoreOwnerTools, Commands) {
  auto ks = detect("golden/owners/kernelstub/pop-os-22.04/root");
  EXPECT_EQ(ks->reserve_command("256M"), "kernelstub -a crashkernel=256M");
  EXPECT_TRUE(ks->worked_through);  // backends/owners/kernelstub_backend
  EXPECT_FALSE(detect("golden/owners/kernelstub/pop-os-hand-edited/root")->worked_through);
  EXPECT_FALSE(ks->current.has_value());
  auto zipl = detect("golden/owners/zipl/rhel9-s390x-bls/root");
  ASSERT_TRUE(zipl->current.has_value());
  EXPECT_EQ(*zipl->current, "1G-4G:192M,4G-64G:256M,64G-:512M");
  EXPECT_EQ(zipl->remove_command(),
            "remove crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M from /boot/loader/entries/*.conf, then run: zipl");
  auto pve = detect("golden/owners/proxmox-boot-tool/pve8-zfs-uefi/root");
  EXPECT_TRUE(pve->worked_through);  // backends/owners/proxmox_boot_tool_backend
  EXPECT_EQ(pve->reserve_command("256M"),
            "add crashkernel=256M to /etc/kernel/cmdline, then run: proxmox-boot-tool refresh");
  auto grub = detect("golden/owners/proxmox-boot-tool/pve8-zfs-bios-grub/root");
  EXPECT_FALSE(grub->worked_through);
  EXPECT_EQ(grub->reserve_command("256M"),
            "add crashkernel=256M to GRUB_CMDLINE_LINUX in /etc/default/grub, then run: proxmox-boot-tool refresh");
  auto ostree = detect("golden/owners/rpm-ostree/silverblue-41/root");
  EXPECT_EQ(ostree->reserve_command("256M"), "rpm-ostree kargs --append=crashkernel=256M");
  OwnerTool with = *ostree;
  with.current = "512M";
  EXPECT_EQ(with.reserve_command("256M"), "rpm-ostree kargs --replace=crashkernel=256M");
}

TEST(CoreOwnerTools, KernelstubEditIsByteExact) {
  // As kernelstub's save_config() writes it: json.dump(indent=2), no final newline.
  const std::string file = "{\n  \"user\": {\n    \"kernel_options\": [\n      \"quiet\",\n"
                           "      \"crashkernel=1G\",\n      \"splash\"\n    ],\n    \"config_rev\": 3\n  }\n}";
  auto set = kernelstub_edit(file, std::string("512M"));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(*set, "{\n  \"user\": {\n    \"kernel_options\": [\n      \"quiet\",\n"
                  "      \"crashkernel=512M\",\n      \"splash\"\n    ],\n    \"config_rev\": 3\n  }\n}");
  auto removed = kernelstub_edit(file, std::nullopt);
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->find("crashkernel"), std::string::npos);
  EXPECT_EQ(kernelstub_edit(*kernelstub_edit(*removed, std::string("1G")), std::nullopt), removed);
  EXPECT_EQ(kernelstub_crashkernel(file), std::vector<std::string>{"1G"});
  // Anything else is not rewritten: a final newline, options as a string, bad JSON.
  EXPECT_FALSE(kernelstub_edit(file + "\n", std::string("512M")).has_value());
  EXPECT_FALSE(kernelstub_edit("{\n  \"user\": {\n    \"kernel_options\": \"quiet\"\n  }\n}", std::string("1G")));
  EXPECT_FALSE(kernelstub_edit("{", std::string("1G")));
}

TEST(CoreOwnerTools, ErrorIsExit3WithTheCommand) {
  auto o = detect("golden/owners/sdbootutil/tumbleweed-snapshots/root");
  Error e = owner_tool_error(*o, "256M");
  EXPECT_EQ(e.kind, ErrorKind::unsupported);
  EXPECT_NE(e.message.find("generated by sdbootutil"), std::string::npos);
  ASSERT_EQ(e.hints.size(), 1u);
  EXPECT_EQ(e.hints[0], "run: add crashkernel=256M to /etc/kernel/cmdline, then run: sdbootutil update-all-entries");
  EXPECT_EQ(owner_tool_error(*o, "").hints[0],
            "there is nothing to remove: no crashkernel= is configured in /etc/kernel/cmdline");
}

TEST(CoreOwnerTools, BackendTreesAreNotOwned) {
  for (const char* tree : {"golden/grub2/debian12-grub2-common-default/root", "golden/bls/fedora39/root",
                           "golden/bls/rhel83-aws-kernelopts/root"})
    EXPECT_FALSE(detect(tree).has_value()) << tree;
}

}  // namespace
}  // namespace kdump
