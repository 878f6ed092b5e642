// "A success means the next boot gets it": before reserve/remove apply a plan (and as the
// verdict of --dry-run), the boot entries before and after the plan are compared entry
// by entry: which crashkernel= value each entry's kernel will pick from its effective
// command line (the token the kernel's get_last_crashkernel() picks, kernel/crash_reserve.c,
// through grammar's evaluate_cmdline(), the same as explain and verify), and what that
// value reserves there (the explain kernel model at this RAM).
//
// Pure: the boot model lives above core (backends/common/boot_model.hpp), so the caller
// turns it into the plain BootView below (backends/common/boot_view.hpp) and core judges.
//
// The verdict (docs/contract.md §5, "exit 3"):
//   reaches         the entry that boots next (with --kernel RELEASE: every entry of that
//                   release) carries exactly the intended value after the plan (remove:
//                   no crashkernel=, or only one that a source kdump-setup never writes
//                   still sets, said in a warning);
//   unknown         which entry boots next, or its command line, cannot be known here (no
//                   kernel installed yet, shell code kdump-setup does not run, entries a
//                   tool generates later): success with a warning that says so, never a claim;
//   does-not-reach  it does not: nothing is written, exit 3, the entry and why, and the
//                   command that would work when there is one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "grammar/kernel.hpp"
#include "util/error.hpp"

namespace kdump {

// One boot entry as the boot model sees it (BootEntry, flattened).
struct EntryView {
  std::string id;
  std::string path;
  std::string title;
  std::string kind;             // "grub-simple", "grub-advanced", "grub-recovery", "type1", "uki"
  std::string kernel_release;   // empty: unknown
  std::optional<std::string> cmdline;  // what the kernel receives from the boot files
  std::string cmdline_unknown;         // why cmdline is nullopt
};

// A command line that kernels installed later get (GRUB_CMDLINE_LINUX +
// GRUB_CMDLINE_LINUX_DEFAULT for grub-mkconfig's normal entries, /etc/kernel/cmdline for
// kernel-install).
struct FutureView {
  std::string source;                  // "/etc/kernel/cmdline"
  std::string where;                   // "kernel-install", "GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT"
  std::optional<std::string> cmdline;
  std::string unknown;
  std::string who = "kernels installed later";  // who gets it, for the sentences
};

struct BootView {
  std::string loader;                  // "grub2", "bls", "systemd-boot"; empty: none known
  std::string no_loader_reason;        // when loader is empty
  std::vector<EntryView> entries;      // in menu order
  std::optional<std::size_t> next;     // index into entries
  std::string next_rule;               // which rule chose it
  // Non-empty: `next` is what the boot files choose, but something this run cannot see
  // may choose another (the EFI variables of the machine that boots an offline image).
  std::string next_uncertain;
  std::vector<FutureView> future;
  // Non-empty: these entries are not the backend's loader's (a --backend that writes
  // another loader's files than the one the firmware boots); said with a refusal.
  std::string loader_note;
};

struct NextBootInput {
  BootView before;
  BootView after;
  ReserveRequest request;
  std::optional<Arch> arch;
  std::optional<std::uint64_t> memory;  // RAM as the kernel counts it (or --memory)
  std::string memory_source;
  std::string running_release;          // the running kernel's, when known
  std::vector<KeptValue> kept;           // remove: values the plan leaves on purpose
  std::vector<SubstitutedValue> substituted;  // reserve: entries given another value on purpose
};

struct EntryReach {
  EntryView entry;                      // after the plan
  bool next_boot = false;
  bool targeted = false;                // the request's --kernel selects it (checked)
  bool known_before = false;            // the command line before the plan was known
  bool known_after = false;
  std::optional<std::string> crashkernel_before;  // the value the kernel picks
  std::optional<std::string> crashkernel_after;
  bool carries_intended = false;
  std::optional<std::uint64_t> reserves_bytes_after;   // main + low regions
  std::optional<std::uint64_t> kexec_crash_size_after; // what the sysfs file will read
  std::string reserves_why;             // why reserves is null, or what it means ("rejected: ...")
  std::string model;                    // "6.1 x86_64": the kernel model used
};

struct FutureReach {
  FutureView view;                      // after the plan
  std::optional<std::string> crashkernel_before;
  std::optional<std::string> crashkernel_after;
  bool known = false;
};

enum class NextBootVerdict { reaches, unknown, does_not_reach };
std::string_view verdict_name(NextBootVerdict v);  // "reaches", "unknown", "does-not-reach"

struct NextBootReport {
  std::string loader;
  std::vector<EntryReach> entries;
  std::vector<FutureReach> future;
  std::optional<std::size_t> next;      // index into entries
  std::string next_rule;
  std::string next_uncertain;           // why the next boot is not certain ("" when it is)
  NextBootVerdict verdict = NextBootVerdict::reaches;
  std::string message;                  // one sentence: what the next boot gets, or why not
  std::vector<std::string> warnings;    // said with a success (unknown next boot, ...)
  std::vector<std::string> hints;       // commands that would work (does-not-reach)

  bool refused() const { return verdict == NextBootVerdict::does_not_reach; }
};

NextBootReport check_next_boot(const NextBootInput& input);

// The value the kernel `release` (on `arch`) picks from `cmdline` for its main
// reservation: the last plain crashkernel=, else the ",high" one it falls back to
// (grammar's evaluate_cmdline(), as verify reads the running command line); for a ",low"
// or ",cma" intended value, the last word of that kind. nullopt: none.
std::optional<std::string> picked_crashkernel(std::string_view cmdline, const KernelModel& model,
                                              std::uint64_t ram, std::string_view intended_kind = "plain");

// Every entry of a view as it is (status/verify, no plan): the value its kernel picks
// (crashkernel_after; crashkernel_before is the same) and what that reserves.
std::vector<EntryReach> describe_entries(const BootView& view, std::optional<Arch> arch,
                                         std::optional<std::uint64_t> memory, const std::string& memory_source,
                                         const std::string& running_release);

// The refusal as an Error (ErrorKind::unsupported: exit 3), message and hints.
Error next_boot_error(const NextBootReport& report, const ReserveRequest& request);

}  // namespace kdump
