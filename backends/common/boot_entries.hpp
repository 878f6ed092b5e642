// Boot Loader Specification Type #1 entry files and where they live: the entry list that
// GRUB's blscfg (/boot/loader/entries) and systemd-boot (loader/entries on the ESP and
// the XBOOTLDR partition) both read, the ESP/XBOOTLDR discovery, Type #2 UKIs
// (EFI/Linux/*.efi), and the small rules of naming and ordering they share
// (https://uapi-group.org/specifications/specs/boot_loader_specification/).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/common/boot_files.hpp"
#include "grammar/bls_entry.hpp"

namespace kdump {

// kernel-install(8): the command line of kernels installed later (entries and UKIs).
inline constexpr std::string_view kKernelCmdlinePath = "/etc/kernel/cmdline";
// A distribution's default for it, a package's file: kernel-install reads it only when
// /etc/kernel/cmdline does not exist (kernel-install(8); Debian 12's
// 90-loaderentry.install: /etc/kernel/cmdline, else /usr/lib/kernel/cmdline, else
// /proc/cmdline). kdump-setup never edits it.
inline constexpr std::string_view kVendorKernelCmdlinePath = "/usr/lib/kernel/cmdline";

// One entry file.
struct EntryFile {
  std::string path;          // "/boot/loader/entries/ID.conf"
  std::string file_name;     // "ID.conf" (systemd-boot's entry id)
  std::string id;            // file name without ".conf" and without a boot counter (GRUB's)
  std::string version;       // `version`, else from `linux` (vmlinuz-VERSION), else the id
  std::string title;
  std::string machine_id;    // `machine-id` key, else the 32-hex prefix of the name
  bool rescue = false;       // "*-0-rescue*" (dracut's rescue entry)
  FileStamp stamp;
  bls::Entry entry;
};

namespace bls {

inline constexpr std::string_view kEntriesDir = "/boot/loader/entries";
inline constexpr std::string_view kGrubenv = "/boot/grub2/grubenv";

// The entry id GRUB uses for saved_entry: name without ".conf" and "+LEFT[-DONE]".
std::string entry_id(std::string_view file_name);

// rpm's version comparison (rpmvercmp, `~` sorts before everything), which GRUB's blscfg
// and systemd-boot use to order entries: <0, 0, >0.
int vercmp(std::string_view a, std::string_view b);

// The *.conf files of `dir`, parsed. Errors: a file that cannot be parsed (file:line:column).
Result<std::vector<EntryFile>> load_entry_dir(const BootFiles& files, std::string_view dir);

// GRUB's blscfg order: newest version first, then by id.
void sort_grub_order(std::vector<EntryFile>& entries);

// Whether an options value names GRUB's `$kernelopts` (RHEL 8 entries).
bool uses_kernelopts(std::string_view options);
// The options value GRUB boots with, `$kernelopts` replaced by its grubenv value (other
// variables stay as written: their values are tuned's, not ours).
std::string expand_kernelopts(std::string_view options, const std::optional<std::string>& kernelopts);
// The value of the first `options` line, which is all GRUB's blscfg reads; nullopt when
// there is none or it has no value.
std::optional<std::string> first_options(const Entry& e);

}  // namespace bls

namespace sdboot {

inline constexpr std::string_view kLoaderGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

struct BootDirs {
  std::optional<std::string> esp;       // "/efi", "/boot" or "/boot/efi"
  std::optional<std::string> xbootldr;  // "/boot" when it is not the ESP
  std::vector<std::string> all() const;
};

// bootctl's search order, inside the root: /efi, /boot, /boot/efi, the first with a
// loader/ directory is the ESP; /boot is the XBOOTLDR when it has loader/entries and is
// not the ESP.
BootDirs find_boot_dirs(const BootFiles& files);

// systemd-boot's order: newest version first, then by file name.
void sort_menu_order(std::vector<EntryFile>& entries);

// EFI/Linux/*.efi on the boot dirs (paths inside the root).
std::vector<std::string> find_ukis(const BootFiles& files, const BootDirs& dirs);

// Whether a loader.conf `default` pattern (or LoaderEntryDefault) names entry `id`.
bool default_matches(std::string_view pattern, std::string_view id);

// The value of the last `default` line of a loader.conf text (nullopt: none).
std::optional<std::string> loader_conf_default(std::string_view loader_conf);

// Every `options` line joined by a space, as systemd-boot passes them.
std::string joined_options(const bls::Entry& e);

// /proc/cmdline without the words the boot loader adds (BOOT_IMAGE=, initrd=).
std::string cmdline_without_loader_words(std::string_view cmdline);

}  // namespace sdboot
}  // namespace kdump
