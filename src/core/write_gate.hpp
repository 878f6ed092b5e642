// The write gate: before a plan is applied (and as the verdict of --dry-run), the value
// is evaluated with the same kernel model as `explain` for every kernel release the
// plan targets, at this machine's RAM. What the kernel would reject, what reserves
// nothing there, and what reserves less than any capture kernel can boot in is
// refused; what reserves less than the chosen sizing policy asks for, more than a quarter
// of the RAM, or anything on a machine below the policy's minimum RAM is a warning.
// Pure: the caller gathers the releases, the RAM and the policy figure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grammar/kernel.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"

namespace kdump {

// Below this no capture kernel boots: the measured minimums are about 80-96 MiB, so a
// value under 32 MiB is a typo ("256" bytes for "256M"), not a choice.
inline constexpr std::uint64_t write_gate_floor = 32ull << 20;

// One kernel the plan targets and why ("running kernel", "installed", "--kernel").
struct GateKernel {
  std::string release;
  std::string role;
};

struct GateInput {
  std::string value;                          // the crashkernel= value to write
  Arch arch = Arch::x86_64;
  std::vector<GateKernel> kernels;            // empty: none known (checked as stand-ins)
  std::optional<std::uint64_t> memory;        // nullopt: RAM unknown (offline, no --memory)
  std::string memory_source;                  // "/proc/iomem", "--memory"
  std::optional<std::uint64_t> policy_bytes;  // the chosen policy's figure on this machine
  std::string policy;                         // its name
  // Set when the RAM is below the chosen policy's minimum: kdump is not recommended here.
  std::optional<std::uint64_t> policy_min_memory;
  bool force = false;                         // --force: refusals become "overridden"
};

// What one kernel does with the value.
struct GateKernelResult {
  GateKernel kernel;
  std::string model;                  // "6.1 x86_64"; empty when the release is not modelled
  std::uint64_t crash_bytes = 0;      // what it reserves (main region)
  std::uint64_t kexec_crash_size = 0;
  std::optional<std::string> refusal; // why the gate refuses it here
};

struct GateVerdict {
  std::string verdict = "ok";          // "ok", "warn", "refused", "forced"
  bool memory_checked = false;
  std::vector<GateKernelResult> kernels;
  std::vector<std::string> refusals;   // one per refusing kernel, the kernel's own words
  std::vector<std::string> warnings;
  std::vector<std::string> overridden; // with --force: the refusals written anyway

  bool refused() const { return verdict == "refused"; }
};

GateVerdict evaluate_write_gate(const GateInput& input);

// The refusal as an Error (ErrorKind::usage: exit 2), naming each kernel and the kernel's
// message, with the --force and explain hints. Only for a refused verdict.
Error write_gate_error(const GateVerdict& verdict, const std::string& value);

// Kernel releases installed in the tree: /lib/modules/*, /usr/lib/modules/*, and
// /boot/vmlinuz-* (sorted, without duplicates).
std::vector<std::string> installed_kernel_releases(const RootDir& root);

// Kernel releases named by the `version` key of the Boot Loader Specification entries in
// /boot/loader/entries, /efi/loader/entries and /boot/efi/loader/entries (sorted,
// without duplicates; versions that do not start with MAJOR.MINOR, such as Fedora's
// "0-rescue-<machine-id>", are left out).
std::vector<std::string> entry_kernel_releases(const RootDir& root);

}  // namespace kdump
