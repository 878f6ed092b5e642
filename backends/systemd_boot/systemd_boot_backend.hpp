// The systemd-boot backend (design.md §4, systemd-boot row; bootloaders.md "systemd-boot").
//
// Where systemd-boot reads from: the ESP and the XBOOTLDR partition, found as bootctl
// finds them — /efi, /boot, /boot/efi, the first with a loader/ directory is the ESP;
// /boot is the XBOOTLDR when it has loader/ and is not the ESP. On the live system the
// mount's partition type is confirmed with libblkid (ESP c12a7328-..., XBOOTLDR
// bc13c2ff-...). LoaderInfo (EFI variable, from the root's efivars tree) confirms that
// systemd-boot booted this system; another loader there means this backend does not apply.
//
// What it edits (entries are BLS Type #1, parsed with grammar/bls_entry.hpp):
//   1. /etc/kernel/cmdline (--kernel all): kernel-install copies it into entries and UKIs
//      of kernels installed later. Comment lines are left alone. Missing: created from the
//      default entry's options, else /proc/cmdline without BOOT_IMAGE= and initrd= (words
//      the boot loader adds itself).
//   2. the `options` lines of the selected entries of loader/entries/*.conf on the ESP and
//      XBOOTLDR. systemd-boot joins every `options` line with spaces and the kernel takes
//      the last crashkernel=: the value goes on the last line carrying one (else the last
//      options line), and the words it replaces leave the other lines.
// The default entry (--kernel default): LoaderEntryDefault (EFI variable), else
// loader.conf `default` (a glob, matched against the entry id with and without
// ".conf"), else the first entry in systemd-boot's order (newest version first).
// Type #2 UKIs (EFI/Linux/*.efi) carry their command line inside the (signed) image: they
// are detected and explained, never touched; an ESP with only UKIs is refused (exit 3).
// No regeneration: systemd-boot reads the entries at boot.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "grammar/bls_entry.hpp"

namespace kdump {

class SystemdBootBackend : public Backend {
public:
  std::string_view name() const override { return "systemd-boot"; }
  Detection detect(const RootDir& root, const SystemFacts& facts) const override;
  Result<std::vector<ConfiguredValue>> configured(const RootDir& root,
                                                  const SystemFacts& facts) const override;
  Result<Plan> plan(const RootDir& root, const SystemFacts& facts,
                    const ReserveRequest& request) const override;
};

namespace sdboot {

inline constexpr std::string_view kLoaderGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

struct BootDirs {
  std::optional<std::string> esp;       // "/efi", "/boot" or "/boot/efi"
  std::optional<std::string> xbootldr;  // "/boot" when it is not the ESP
  std::vector<std::string> all() const;
};

// bootctl's search order, inside the root.
BootDirs find_boot_dirs(const RootDir& root);

struct EntryFile {
  std::string path;     // "/boot/loader/entries/arch.conf"
  std::string id;       // "arch.conf" (systemd-boot's entry id is the file name)
  std::string version;  // `version`, else from `linux` (vmlinuz-VERSION), else the id
  FileStamp stamp;
  bls::Entry entry;
};

// Entries of every boot dir, in systemd-boot's menu order (newest version first).
Result<std::vector<EntryFile>> load_entries(const RootDir& root, const BootDirs& dirs);

// EFI/Linux/*.efi on the boot dirs (paths inside the root).
std::vector<std::string> find_ukis(const RootDir& root, const BootDirs& dirs);

// Whether a loader.conf `default` pattern (or LoaderEntryDefault) names entry `id`.
bool default_matches(std::string_view pattern, std::string_view id);

// The value of the last `default` line of a loader.conf text (nullopt: none).
std::optional<std::string> loader_conf_default(std::string_view loader_conf);

// /proc/cmdline without the words the boot loader adds (BOOT_IMAGE=, initrd=).
std::string cmdline_without_loader_words(std::string_view cmdline);

}  // namespace sdboot
}  // namespace kdump
