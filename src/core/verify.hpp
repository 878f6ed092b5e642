// verify: the configured value (next boot), the running command line, and what the
// running kernel reserved, compared into one status and one sentence (docs/contract.md §3-§5).
// Pure: the facts come in, a VerifyReport value goes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crash_state.hpp"
#include "grammar/kernel.hpp"

namespace kdump {

// not_loaded only with VerifyInput::require_loaded: everything else is ok but no
// capture kernel is loaded, so a crash now would not be captured.
// next_boot_unknown: a backend applies and its files configure a value other than the
// running one, but which entry boots next (or its command line) cannot be known, so
// neither ok nor pending-reboot can be claimed. offline_image: --root names a tree with
// no running kernel (no proc/): nothing runs to verify; the message says what the entry
// that boots next carries.
enum class VerifyStatus { ok, pending_reboot, not_configured, not_reserved, mismatch, unsupported, not_loaded,
                          next_boot_unknown, offline_image };

// "ok", "pending-reboot", ... as in the JSON.
std::string_view status_name(VerifyStatus s);

struct VerifyInput {
  // The boot loader's view. `backend` empty: no backend applies (no boot loader
  // found), so nothing is known about the next boot and only the running kernel counts.
  std::string backend;
  std::optional<std::string> configured;   // value after crashkernel= for the next boot
  // The entry that boots next (backends/common/boot_view.hpp, through core/status): its
  // id when known. next_boot_known false: `configured` is only what the backend's files
  // say (next_boot_unknown says why the entry or its command line is unknown), and no
  // claim about the next boot is made.
  std::string next_boot_entry;
  bool next_boot_known = true;
  std::string next_boot_unknown;
  // Values the files configure that the entry booting next does not carry ("crashkernel=256M
  // in /etc/kernel/cmdline"), said in the details.
  std::vector<std::string> not_reaching;
  // A --root tree where no kernel runs (no running command line, no kexec sysfs files).
  bool offline_image = false;
  std::optional<std::string> running_cmdline;
  std::string kernel_release;
  std::optional<std::uint64_t> memory_bytes;  // RAM as the kernel counts it
  std::optional<KernelModel> model;           // of the running release and arch
  CrashState crash;
  // verify --require-loaded: ok also needs kexec_crash_loaded to read 1. Without it,
  // ok means the reservation is in effect, whether or not a capture kernel is loaded.
  bool require_loaded = false;
};

struct VerifyReport {
  VerifyStatus status = VerifyStatus::ok;
  std::optional<std::string> configured;
  std::optional<std::string> running;         // the token the running kernel used
  std::optional<std::uint64_t> expected_bytes;  // what kexec_crash_size should read
  std::optional<std::uint64_t> reserved_bytes;  // what it reads
  std::optional<std::vector<CrashRegion>> crash_regions;
  std::optional<bool> loaded;
  // Set when the reservation was shrunk at run time (kdump-setup shrink): what the
  // value means, before the shrink; `reserved_bytes` is what is left.
  std::optional<std::uint64_t> shrunk_from_bytes;
  std::string message;                        // one sentence
  std::vector<std::string> details;           // kernel log lines, sources, notes
};

VerifyReport verify(const VerifyInput& in);

// "kdump works now": the reservation is in effect and a capture kernel is loaded.
bool is_ready(const VerifyReport& r);

}  // namespace kdump
