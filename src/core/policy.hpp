// Sizing policies as data: how much memory the capture kernel gets, per architecture
// and RAM size, and what is added for hardware that costs it more (docs/contract.md §8;
// each distribution's table is cited where it is defined). The built-ins are defined here; the configuration file
// (core/config.hpp) can override them or define more with the same fields.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/crashkernel.hpp"
#include "grammar/kernel.hpp"

namespace kdump {

// A hardware or setup condition a policy may add memory for. Sizing decides each from
// the system facts (core/facts.hpp).
enum class Condition {
  memory_encryption,  // AMD SME/SEV active
  mlx5,               // the mlx5_core driver is present
  page_64k,           // the kernel uses 64 KiB pages
  arm_smmu,           // an ARM SMMU is present
  fadump,             // POWER firmware-assisted dump instead of kdump
  luks,               // a LUKS-encrypted block device exists
};

std::string_view condition_name(Condition c);              // "memory_encryption", ...
std::optional<Condition> parse_condition(std::string_view name);
std::vector<std::string_view> condition_names();

// Memory added to every tier when all conditions hold (a negated condition must not
// hold). `per_capture_cpu` multiplies by the capture kernel's nr_cpus instead.
struct Addition {
  std::optional<Arch> arch;                      // nullopt: every arch
  std::vector<std::pair<Condition, bool>> when;  // (condition, required value)
  std::uint64_t bytes = 0;
  bool per_capture_cpu = false;
  std::string reason;                            // "AMD SME/SEV", "mlx5 NIC driver"
  std::string origin;                            // "built-in", "FILE:LINE"
};

// A fixed range table for one arch (or for "any other arch").
struct ArchTable {
  std::vector<RangeSize> tiers;  // parsed range table, ascending
  std::string text;              // as written
  std::string origin;
};

enum class RuleKind { formula, table };

// The key of a table: an arch, optionally the ppc64le fadump variant.
struct TableKey {
  std::optional<Arch> arch;  // nullopt: "default", any arch not listed
  bool fadump = false;
  friend auto operator<=>(const TableKey&, const TableKey&) = default;
};
std::string table_key_name(const TableKey& k);              // "x86_64", "ppc64le-fadump", "default"
std::optional<TableKey> parse_table_key(std::string_view name);

// A capture initramfs measured for one kernel generation (bench/results/calibration.md).
struct CalibratedImage {
  std::uint64_t file_bytes = 0;
  std::uint64_t unpacked_bytes = 0;
  std::string what;  // "Debian kdump-tools' MODULES=dep image built for 6.1.0-57-amd64"
};

// The kinds of capture initramfs a kdump package builds, as the calibration knows them.
enum class PlannedImageKind {
  kdump_tools_dep,  // Debian/Ubuntu kdump-tools' /var/lib/kdump image (MODULES=dep)
  boot_initrd,      // the boot initramfs (MODULES=most), which kdump-tools loads without
                    // KDUMP_KERNEL; also what dracut-based kdump is sized as (not measured)
};

struct Generation {
  std::string name;      // "6.1", "6.12", "7.x"
  int major = 0, minor = 0;  // the first release it applies to
  std::uint64_t base = 0;    // fitted need + safety margin for this generation
  std::string measured;      // the kernel and points it was measured with
  CalibratedImage kdump_tools_dep;
  CalibratedImage boot_initrd;
};

struct Policy {
  std::string name;
  std::string description;  // one line, used in the rationale
  std::string origin;       // "built-in" or "FILE:LINE"
  RuleKind kind = RuleKind::table;

  // formula: base + per_tib * RAM / 1 TiB, recommended from min_memory.
  std::uint64_t base = 0;
  std::uint64_t per_tib = 0;
  std::uint64_t min_memory = 0;  // for tables: 0 means "the first tier's start"

  std::map<TableKey, ArchTable> tables;
  std::vector<Addition> additions;

  // Capture initramfs term (the estimate policy), added to every tier: reservation per
  // byte of the capture initramfs file and per byte of what it unpacks to, in 1/1000.
  // When the file is not known, the assumed file and unpacked sizes; when only the
  // file's size is known, the unpacked size is assumed to be `assumed_expansion_per_mille`
  // / 1000 times it. 0 factors: the policy has no such term.
  std::uint64_t initramfs_per_mille = 0;
  std::uint64_t initramfs_unpacked_per_mille = 0;
  std::uint64_t assumed_initramfs = 0;
  std::uint64_t assumed_initramfs_unpacked = 0;
  std::uint64_t assumed_expansion_per_mille = 0;
  std::string initramfs_basis;  // the measurement the factors come from, for the rationale
  std::string assumed_initramfs_basis;  // what the assumed image is

  // Per kernel generation (the estimate policy): the capture kernel's own need differs
  // between generations, and so do the images a kdump package builds for it. When set,
  // the generation of the capture kernel's release replaces `base`, and a capture
  // initramfs that does not exist yet is sized as the generation's measured image of
  // the kind the installed kdump package will build (core/kdump_package.hpp). A
  // configuration that sets `base` clears them (the administrator's figure wins).
  std::vector<Generation> generations;  // ascending by first release
  // With no capture initramfs and no kdump package at all: this formula instead (RHEL 7's
  // 160 MiB + 64 MiB per TiB), said in the notes. 0: keep the assumed image.
  std::uint64_t no_package_base = 0;
  std::uint64_t no_package_per_tib = 0;
};

// The built-in policies: rhel7, kdump-utils, debian, ubuntu, table (empty: the admin
// fills it in the configuration file), estimate (from our own measurements,
// core/estimate_policy.hpp; the default).
//
// The default departs from the original rhel7 default: measured under QEMU with Debian's 6.1
// kernel (bench/results/calibration.md), rhel7's 168 MiB at 2-16 GiB fails with a
// 34 MB padded capture initramfs (needs 176) and with Debian's own MODULES=most image
// (needs 368), and reserves 1.75 × the minimum with the minimal one; it reserves
// nothing below 2 GiB. estimate captured at every measured point within 1.3 × the
// minimum, because it sizes for the capture initramfs it finds.
const std::vector<Policy>& builtin_policies();
const Policy* find_builtin_policy(std::string_view name);
constexpr std::string_view default_policy_name = "estimate";

// The table that applies to `arch` (and fadump on ppc64le); nullptr when none.
const ArchTable* table_for(const Policy& p, Arch arch, bool fadump);

// Parses a range table for a policy ("2G-64G:256M,64G-:512M"): the grammar's strict
// parse, then the sizing rules: a range table without offset or suffix, ascending,
// non-overlapping, only the last range open. Message on failure.
Result<std::vector<RangeSize>, std::string> parse_policy_table(std::string_view text);

}  // namespace kdump
