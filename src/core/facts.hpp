// SystemFacts: everything kdump-setup knows about the machine, gathered once per run,
// each fact with the place it came from. Only this module (and its probes) reads /proc,
// /sys and EFI variables (docs/contract.md §2). Under --root DIR everything is read below DIR.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grammar/kernel.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"

namespace kdump {

// A fact and where it came from ("/proc/iomem", "--memory", "uname(2)").
template <typename T>
struct Fact {
  T value{};
  std::string source;
};

enum class Firmware { unknown, bios, uefi };

// The initramfs the capture kernel will boot, as the kdump tool built it. `path` is the
// file as the user knows it; the Fact's source says which tool's place it was found in.
struct CaptureInitramfs {
  std::string path;
  std::uint64_t bytes = 0;                      // the file: what kexec loads
  std::optional<std::uint64_t> unpacked_bytes;  // what the capture kernel unpacks it to
  std::string layout;                           // "zstd+gzip": its segments
  std::string unpacked_unknown;                 // why unpacked_bytes is unknown
};

struct SystemFacts {
  std::optional<Fact<Arch>> arch;
  std::optional<Fact<std::string>> kernel_release;
  std::optional<Fact<std::uint64_t>> memory_bytes;   // RAM as the kernel counts it
  std::optional<Fact<MemoryMap>> memory_map;         // System RAM ranges of /proc/iomem
  std::optional<Fact<unsigned>> online_cpus;
  std::optional<Fact<std::uint64_t>> page_size;
  std::optional<Fact<std::string>> running_cmdline;  // /proc/cmdline without the newline
  std::optional<Fact<Firmware>> firmware;
  std::optional<Fact<bool>> secure_boot;
  std::optional<Fact<std::string>> loader_info;      // LoaderInfo EFI variable text
  // The Boot Loader Interface variables systemd-boot sets (systemd's
  // docs/BOOT_LOADER_INTERFACE.md), as text: the default entry (LoaderEntryDefault), the
  // entry booted this time (LoaderEntrySelected), the entry for the next boot only
  // (LoaderEntryOneShot). Read here, once, with the other EFI variables.
  std::optional<Fact<std::string>> loader_entry_default;
  std::optional<Fact<std::string>> loader_entry_selected;
  std::optional<Fact<std::string>> loader_entry_oneshot;
  // Live system only: the partition under each mounted boot directory (/efi, /boot,
  // /boot/efi), from /proc/self/mountinfo and its type GUID through libblkid, the way
  // bootctl confirms the ESP and XBOOTLDR.
  struct BootPartition {
    std::string device;   // "/dev/vda1"
    std::string type;     // GPT type GUID, lower case ("" when libblkid had none)
  };
  std::map<std::string, BootPartition> boot_partitions;  // by mount point
  std::optional<Fact<bool>> luks;                    // a crypto_LUKS block device exists
  std::optional<Fact<bool>> memory_encryption;       // AMD SME/SEV active
  std::vector<std::string> warnings;                 // e.g. "MemTotal undercounts RAM"

  // What the sizing policies add memory for (core/policy.hpp Condition).
  std::vector<std::string> luks_devices;             // devices found with crypto_LUKS
  std::optional<Fact<std::uint64_t>> luks_kdf_memory;  // largest LUKS2 Argon2 memory cost
  std::optional<Fact<bool>> mlx5;                    // the mlx5_core driver is present
  std::optional<Fact<bool>> arm_smmu;                // an ARM SMMU platform device exists
  std::optional<Fact<bool>> fadump;                  // POWER firmware-assisted dump in use
  std::optional<Fact<unsigned>> capture_cpus;        // nr_cpus= of the capture kernel
  std::optional<Fact<std::string>> secure_boot_detail;  // "SecureBoot=1 SetupMode=0"
  // The capture initramfs for the target kernel release, from the kdump tools' places
  // (find_capture_initramfs) or the configuration's capture_initramfs.
  std::optional<Fact<CaptureInitramfs>> capture_initramfs;
  // Why a fact is missing, by fact name ("luks": "cannot probe /dev/vda: ..."), where
  // something more useful than "not found" can be said.
  std::map<std::string, std::string> unknown_reasons;
  // The architecture the system itself reports, even when --arch overrides `arch`: the
  // hardware facts describe this machine, not the one --arch names.
  std::optional<Fact<Arch>> detected_arch;
};

// Values the user gave on the command line; they win over what the system says.
struct FactOverrides {
  std::optional<std::uint64_t> memory_bytes;  // --memory
  std::optional<Arch> arch;                   // --arch
  std::optional<std::string> kernel_release;  // --kernel-release
};

// Where facts are read from: "/" for the running system, or the --root directory.
struct FactSource {
  std::filesystem::path root = "/";
  bool live() const { return root == "/"; }
  // Probe block devices with libblkid on the live system (reads /dev, needs root for a
  // complete answer). Off in tests.
  bool probe_block_devices = true;
  // The root already opened (the run context's); nullptr: opened from `root` when read.
  const RootDir* dir = nullptr;
};

// Gathers every fact it can. Missing facts stay nullopt; it fails only on I/O errors
// that are not "absent".
Result<SystemFacts> gather_facts(const FactSource& source, const FactOverrides& overrides);

// The capture initramfs of kernel `release` below the source's root: the file named by
// KDUMP_INITRD in /etc/default/kdump-tools (a literal absolute path), else the places
// the kdump tools build it (kdump-tools' kdump-config, kdump-utils' kdumpctl, SUSE's mkdumprd):
//   /var/lib/kdump/initrd.img-<release>   Debian/Ubuntu kdump-tools
//                                         (/etc/kernel/postinst.d/kdump-tools)
//   /boot/initramfs-<release>kdump.img    Fedora/RHEL kdumpctl (kdump-utils)
//   /boot/initrd-<release>-kdump          SUSE kdump (mkdumprd)
// The first regular file found; nullopt when none is there.
// `kdump_tools_defaults`: the text of /etc/default/kdump-tools (empty when absent), read
// once by gather_facts for this and the capture CPUs.
std::optional<Fact<CaptureInitramfs>> find_capture_initramfs(const FactSource& source, std::string_view release,
                                                             std::string_view kdump_tools_defaults);

// A capture initramfs named by the user (`configured`, an absolute path below the root,
// "{release}" replaced by `release`), its source `origin` ("FILE:LINE"). An Error when it
// cannot be read: the user asked for this file.
Result<Fact<CaptureInitramfs>> read_capture_initramfs(const FactSource& source, std::string_view configured,
                                                      std::string_view release, std::string_view origin);

// Sum of the top-level "System RAM" ranges of a /proc/iomem text (end inclusive).
// nullopt when there is none, or when every address reads 0 (not root).
std::optional<std::uint64_t> system_ram_from_iomem(std::string_view iomem);

// Sum of the "System RAM" entries of a /sys/firmware/memmap directory (N/start, N/end,
// N/type; end inclusive). nullopt when there is none.
std::optional<std::uint64_t> system_ram_from_memmap(const std::filesystem::path& memmap_dir);

// Online memory blocks × block size, from a /sys/devices/system/memory directory.
std::optional<std::uint64_t> system_ram_from_memory_blocks(const std::filesystem::path& dir);

// MemTotal of a /proc/meminfo text in bytes (undercounts RAM: last resort only).
std::optional<std::uint64_t> memtotal_from_meminfo(std::string_view meminfo);

// Number of CPUs in a cpulist such as "0-3,5,7-8" (/sys/devices/system/cpu/online).
std::optional<unsigned> count_cpulist(std::string_view list);

// LUKS on one block device or image file, probed with libblkid. `kdf_memory` is the
// largest Argon2 memory cost of its LUKS2 keyslots, when the header could be read.
struct LuksProbe {
  bool luks = false;
  int version = 0;
  std::optional<std::uint64_t> kdf_memory;
};
Result<LuksProbe> probe_luks(const std::filesystem::path& device);

// Largest Argon2 memory cost (bytes) in a LUKS2 JSON metadata text; nullopt if none.
std::optional<std::uint64_t> luks2_kdf_memory_from_json(std::string_view json);

// EFI variables from a directory in efivarfs format ("NAME-GUID" files, 4 bytes of
// attributes then the data). The live system's /sys/firmware/efi/efivars is read through
// libefivar; any other directory (a tree below --root) as plain files, never by
// redirecting the library. nullopt: the variable does not exist.
inline constexpr std::string_view kLiveEfivars = "/sys/firmware/efi/efivars";
struct EfiVariable {
  std::vector<std::uint8_t> data;
  std::uint32_t attributes = 0;
};
Result<std::optional<EfiVariable>> read_efi_variable(const std::filesystem::path& efivarfs_dir,
                                                     std::string_view guid, std::string_view name);

// One efivarfs file's bytes: nullopt when shorter than the 4 attribute bytes.
std::optional<EfiVariable> parse_efivarfs_file(std::string_view bytes);

// UTF-16LE NUL-terminated text (LoaderInfo) to UTF-8.
std::string efi_utf16_to_utf8(const std::vector<std::uint8_t>& data);

// The whole kernel ring buffer through syslog(2) (needs CAP_SYSLOG or
// dmesg_restrict=0), live system only; nullopt when it cannot be read.
std::optional<std::string> read_kernel_log();

// The facts a verb cannot do without: an Error naming the option that supplies them.
Result<std::uint64_t> require_memory(const SystemFacts& facts);
Result<Arch> require_arch(const SystemFacts& facts);
Result<std::string> require_kernel_release(const SystemFacts& facts);
// The kernel model of the facts' arch and release (errors name --arch/--kernel-release).
Result<KernelModel> require_model(const SystemFacts& facts);

}  // namespace kdump
