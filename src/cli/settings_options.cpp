#include "cli/settings_options.hpp"

namespace kdump::cli {

void add_write_setting_options(CLI::App& sub, SettingOverrides& o) {
  sub.add_option("--backend", o.backend, "Boot loader to write through (default: backend from the "
                                         "configuration, else auto)")
      ->check(CLI::IsMember({"auto", "grub2", "bls", "systemd-boot"}))
      ->type_name("auto|grub2|bls|systemd-boot");
  sub.add_option("--kernel", o.kernel, "Entries to change: all, default, or a kernel release "
                                       "(default: kernel from the configuration, else all)")
      ->type_name("all|default|RELEASE");
  sub.add_flag_callback("--no-update", [&o] { o.update = false; },
                        "Do not run update-grub/grub-mkconfig; list them (the configuration's "
                        "update = false does the same)");
}

void add_sizing_setting_options(CLI::App& sub, SettingOverrides& o) {
  sub.add_option("--policy", o.policy, "Sizing policy: estimate (default), rhel7, kdump-utils, debian, "
                                       "ubuntu, table, or one from the configuration file")
      ->type_name("NAME");
  sub.add_option("--extra", o.extra, "Headroom added to every tier (over the configuration's extra)")
      ->type_name("SIZE");
  sub.add_option("--luks", o.luks, "Memory to unlock LUKS in the capture kernel: auto (from the "
                                   "Argon2 cost), off, or a size (over the configuration's luks)")
      ->type_name("auto|off|SIZE");
  sub.add_option("--capture-initramfs", o.capture_initramfs,
                 "The capture initramfs to size for, an absolute path in the root; {release} is the "
                 "kernel release (over the configuration's capture_initramfs)")
      ->type_name("PATH");
}

Result<RunContext> open_context(const Invocation& inv, const SettingOverrides& o) {
  return open_run_context(inv.global.root, inv.global.config, o);
}

}  // namespace kdump::cli
