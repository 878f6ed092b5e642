// Which capture initramfs the installed kdump package will load when it has not built
// one yet (first boot after installing it, or a kernel just installed): the estimate
// policy then sizes for the calibrated image of that kind (core/estimate_policy.hpp)
// instead of guessing. Read from the package's own configuration, never run:
//
//  * Debian/Ubuntu kdump-tools: its /etc/kernel/postinst.d/kdump-tools builds
//    /var/lib/kdump/initrd.img-RELEASE from a copy of /etc/initramfs-tools with
//    MODULES=most switched to MODULES=dep (other MODULES values kept); kdump-config
//    loads it through KDUMP_INITRD=/var/lib/kdump/initrd.img of /etc/default/kdump-tools,
//    and builds it on `load` when missing (kdump_create_symlinks). Without KDUMP_KERNEL
//    it loads /boot/vmlinuz-$KVER and /boot/initrd.img-$KVER instead
//    (locate_kdump_kernel): the boot initramfs.
//  * Fedora/RHEL kdump-utils (formerly kexec-tools) and SUSE kdump: kdumpctl/mkdumprd
//    build /boot/initramfs-RELEASEkdump.img with dracut from /etc/kdump.conf.
#pragma once

#include <optional>
#include <string>

#include "core/policy.hpp"
#include "util/tree_view.hpp"

namespace kdump {

struct PlannedCapture {
  enum class Package { none, kdump_tools, dracut_kdump };
  Package package = Package::none;
  PlannedImageKind image = PlannedImageKind::kdump_tools_dep;
  // A file that exists and is what the package will load (kdump-tools without
  // KDUMP_KERNEL: /boot/initrd.img-RELEASE): measure it instead.
  std::optional<std::string> existing_file;
  std::string why;     // which image, and why: one sentence for the notes
  std::string source;  // the files that told ("/etc/default/kdump-tools", ...)
};

// `release`: the capture kernel's. Package::none: none of the packages' files exist
// (`why` says what was looked for).
PlannedCapture plan_capture_initramfs(const TreeView& root, std::string_view release);

// The MODULES= value initramfs-tools uses: the last literal top-level assignment in
// /etc/initramfs-tools/initramfs.conf, then conf.d/* (the names initramfs-tools and
// kdump-tools' hook source: [[:alnum:]][[:alnum:]._-]*, not *.dpkg-*), in name order.
// "most" (initramfs-tools' default) when none; `where` gets the file:line that set it.
std::string initramfs_tools_modules(const TreeView& root, std::string& where);

}  // namespace kdump
