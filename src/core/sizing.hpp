// The sizing engine: a policy and the system facts give a crashkernel= range
// expression, what it reserves on this machine, and why (docs/contract.md §8).
//
// The expression is always a range table, so it stays right when RAM changes or an
// image boots on another machine: every tier reserves at least the policy's figure for
// any RAM inside that tier, and this machine falls in one of them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/facts.hpp"
#include "core/policy.hpp"
#include "grammar/crashkernel.hpp"
#include "grammar/kernel.hpp"
#include "util/result.hpp"

namespace kdump {

// A size with the place it was set ("FILE:LINE", "built-in default").
struct SizeSetting {
  std::uint64_t bytes = 0;
  std::string origin = "built-in default";
};

// What to add when a LUKS-encrypted device exists: the capture kernel needs the
// keyslot's Argon2 memory to unlock it (kdumpctl estimate does the same).
enum class LuksMode {
  automatic,  // the largest LUKS2 Argon2 memory cost + 20 MiB (50 MiB on aarch64)
  off,        // nothing
  fixed,      // `bytes`
};
struct LuksSetting {
  LuksMode mode = LuksMode::automatic;
  std::uint64_t bytes = 0;
  std::string origin = "built-in default";
};

// The configuration's part of sizing (core/config.hpp fills it).
struct SizingSettings {
  SizeSetting extra;                     // headroom added to every tier
  std::map<Arch, SizeSetting> arch_extra;  // per-arch headroom, added to `extra`
  LuksSetting luks;
};

// One condition's state for this machine: unknown when no fact could tell.
struct ConditionState {
  std::optional<bool> value;
  std::string source;  // where the answer came from, or why it is unknown
};

struct SizingInput {
  Arch arch = Arch::x86_64;
  std::string arch_source;
  std::uint64_t memory_bytes = 0;  // RAM as the kernel counts it (not rounded)
  std::string memory_source;
  std::map<Condition, ConditionState> conditions;
  std::optional<unsigned> capture_cpus;  // nr_cpus of the capture kernel (ppc64le)
  std::string capture_cpus_source;
  std::optional<std::uint64_t> luks_kdf_memory;  // largest LUKS2 Argon2 memory cost
  std::string luks_kdf_source;
  std::optional<std::uint64_t> capture_initramfs_bytes;  // size of the capture initramfs file
  std::string capture_initramfs_source;
  // What the capture kernel unpacks it to (core/initramfs_layout.hpp); nullopt with a
  // known file size: not readable from the file (why: capture_initramfs_unpacked_unknown).
  std::optional<std::uint64_t> capture_initramfs_unpacked_bytes;
  std::string capture_initramfs_unpacked_unknown;
  std::optional<KernelModel> model;  // the target kernel; nullopt: a current kernel
  // The release the capture kernel will run (the running kernel's, or --kernel-release):
  // policies calibrated per kernel generation choose by it. Empty: not known.
  std::string capture_kernel_release;
  std::string capture_kernel_source;
  // No capture initramfs file known: the image the installed kdump package will build
  // (core/kdump_package.hpp), sized as the generation's calibrated image of that kind.
  struct PlannedInitramfs {
    PlannedImageKind kind = PlannedImageKind::kdump_tools_dep;
    std::string why;     // one sentence: which image is assumed and why
    std::string source;  // the files that told
  };
  std::optional<PlannedInitramfs> planned_initramfs;
  // No capture initramfs file known and no kdump package installed: why (what was looked
  // for). A policy with a no-package rule then uses it.
  std::optional<std::string> no_kdump_package;
  SizingSettings settings;
};

// Turns the system facts into the sizing input. `forced_arch` (--arch) naming another
// architecture than the facts' one means the hardware facts (SME, mlx5, ...) describe
// another machine: their conditions are then unknown.
SizingInput sizing_input_from_facts(const SystemFacts& facts, std::uint64_t memory_bytes,
                                    Arch arch, const SizingSettings& settings);

// One amount added to every tier, and why. The rationale shows it as
// "+SIZE: reason"; the CLI renders it from these fields, never from the text.
struct SizedAddition {
  enum class Kind { capture_initramfs, policy, luks, extra };
  Kind kind = Kind::policy;
  std::uint64_t bytes = 0;
  std::string reason;  // what it pays for, with its figures
  std::string source;  // the fact or setting it comes from ("FILE:LINE", "/sys/module/mlx5_core")
};
std::string_view addition_kind_name(SizedAddition::Kind k);  // "capture_initramfs", ...

// The capture initramfs a policy with a capture initramfs term sized for.
struct SizedInitramfs {
  bool found = false;                // false: not known, the policy's assumed or planned image
  bool planned = false;              // the image the installed kdump package will build
  std::uint64_t file_bytes = 0;
  std::uint64_t unpacked_bytes = 0;
  bool unpacked_assumed = false;     // the unpacked size is the assumed expansion
  std::string source;                // where it was found, or what was assumed
  std::uint64_t bytes_added = 0;     // what it adds to every tier
};

struct Recommendation {
  std::string policy;
  CrashkernelSpec spec;
  std::string expression;              // format_crashkernel(spec)
  Arch arch = Arch::x86_64;
  std::uint64_t memory_bytes = 0;      // as given
  std::uint64_t memory_for_ranges = 0; // rounded up to 128 MiB, as the kernel matches
  std::uint64_t policy_bytes = 0;      // the policy's figure here, additions included
  std::uint64_t bytes_for_this_machine = 0;  // what the kernel reserves with `expression`
  std::optional<RangeSize> matched;    // the tier this machine falls in
  bool recommended = true;             // false: RAM below the policy's minimum
  std::uint64_t min_memory = 0;
  std::uint64_t additions_bytes = 0;   // sum of additions and headroom in every tier
  KernelModel model;                   // the kernel model the figure was evaluated with
  std::vector<SizedAddition> additions;            // what was added to every tier, in order
  std::optional<SizedInitramfs> capture_initramfs;  // set when the policy sizes for one
  std::vector<std::string> rationale;  // which rule, which additions, in order
  std::vector<std::string> warnings;
  // What the administrator should know about the basis of the figure (which capture
  // initramfs was assumed and why, which kernel generation's calibration was used).
  std::vector<std::string> notes;
  std::string generation;  // the calibration generation used ("6.12"); empty: none
};

// The generation of `release` among the policy's (the last whose first release is not
// after it); nullptr when the policy has none or the release has no MAJOR.MINOR.
const Generation* generation_for(const Policy& policy, std::string_view release);

// The formula's own figure at `ram` (no additions), rounded up to 1 MiB.
std::uint64_t formula_bytes(const Policy& p, std::uint64_t ram);

// Rounds RAM up to a multiple of 128 MiB, as the kernel does for range matching.
std::uint64_t round_for_ranges(std::uint64_t ram);

// The range tiers of a formula policy (no additions): doubling boundaries from the
// policy's minimum, merged while the tier costs little more than the rule at its start,
// each tier sized by the rule at its upper end; the open last tier starts at or above
// `cover` (and at least 16 TiB) and is sized for twice its start.
std::vector<RangeSize> formula_tiers(const Policy& p, std::uint64_t cover);

// Sizes for this machine with `policy`. Errors: the policy has no table for the arch
// (ErrorKind::config).
Result<Recommendation> recommend(const Policy& policy, const SizingInput& input);

}  // namespace kdump
