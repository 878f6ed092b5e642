// Decision order: without kexec support nothing else matters (unsupported);
// a next-boot value different from the running one means the running state is not
// what the admin asked for yet (pending-reboot); then what the running command line
// means on this kernel and RAM (the same evaluate_cmdline as `explain`) is compared
// with /sys/kernel/kexec_crash_size and the "Crash kernel" regions of /proc/iomem
// (kernel/ksysfs.c kexec_crash_size_show(), kernel/kexec_core.c crash_shrink_memory(), the "Crash kernel" resources of kernel/crash_core.c).
#include "core/verify.hpp"

namespace kdump {
namespace {

std::string token_value(std::string_view cmdline, const CmdlineToken& t) {
  return std::string(cmdline.substr(t.value_begin, t.end - t.value_begin));
}

std::string quoted_value(const std::string& v) { return "crashkernel=" + v; }

// The kernel's own words about the reservation, when its log still has them.
std::string log_reason(const CrashState& c) {
  for (auto it = c.log_lines.rbegin(); it != c.log_lines.rend(); ++it) {
    // Success lines of either message generation are no reason for a failure.
    CrashLogKind k = classify_crash_log_line(*it);
    if (k == CrashLogKind::failed || k == CrashLogKind::rejected) return *it;
  }
  return {};
}

void set(VerifyReport& r, VerifyStatus s, std::string message) {
  r.status = s;
  r.message = std::move(message);
}

// Why the running value reserved nothing, in the kernel's terms.
std::string not_reserved_reason(const KernelOutcome& o, const VerifyInput& in,
                                const std::string& running) {
  std::string v = quoted_value(running);
  if (o.error)
    return "the kernel rejected " + v + ": \"" + o.error->text + "\"";
  if (o.silent_rejection) return "the kernel rejected " + v + " without a message: " + *o.silent_rejection;
  if (o.placement_failure)
    return v + " is too large: the kernel cannot place " + human_size(o.requested_bytes) + " in " +
           human_size(*in.memory_bytes) + " of RAM (\"" + *o.placement_failure + "\")";
  if (!o.reserves() && o.requested_bytes == 0 && o.matched == std::nullopt &&
      running.find(':') != std::string::npos)
    return "no range of " + v + " matches " + human_size(*in.memory_bytes) + " of RAM (" +
           human_size(o.total_for_ranges) + " as the kernel rounds it up to 128 MiB)";
  if (!o.reserves()) return v + " asks for nothing on this machine";
  if (o.offset)
    return "the kernel could not reserve " + human_size(o.crash_bytes) + " at " +
           human_size(*o.offset) + " for " + v + ": that range is in use or not RAM";
  return "the kernel could not find " + human_size(o.crash_bytes) + " of free memory for " + v;
}

// A runtime shrink (core/shrink.hpp) left its trace in /proc/iomem: each shrunk
// "Crash kernel" region is followed by the "System RAM" tail it gave back, and the
// regions plus those tails add up to what the value means.
bool shrunk_at_runtime(const CrashState& c, const KernelOutcome& o) {
  if (!c.regions || c.released.empty()) return false;
  std::uint64_t sum = 0;
  for (const auto& g : *c.regions) sum += g.bytes();
  for (const auto& g : c.released) sum += g.bytes();
  return sum == o.crash_regions_bytes();
}

// An image: what the entry that boots next carries, or why that is unknown.
std::string offline_message(const VerifyInput& in) {
  std::string m = "an offline image (no kernel runs under --root: no /proc/cmdline, no kexec sysfs files), "
                  "nothing to verify until it boots; ";
  if (in.backend.empty()) return m + "no boot loader configuration was found";
  if (!in.next_boot_known)
    return m + (in.configured ? quoted_value(*in.configured) + " is configured (" + in.backend + "), but " : "") +
           "which value the next boot gets cannot be known: " + in.next_boot_unknown;
  return m + "the entry that boots next" + (in.next_boot_entry.empty() ? "" : ", '" + in.next_boot_entry + "',") +
         " carries " + (in.configured ? quoted_value(*in.configured) : std::string("no crashkernel=")) + " (" +
         in.backend + ")";
}

}  // namespace

std::string_view status_name(VerifyStatus s) {
  switch (s) {
    case VerifyStatus::ok: return "ok";
    case VerifyStatus::pending_reboot: return "pending-reboot";
    case VerifyStatus::not_configured: return "not-configured";
    case VerifyStatus::not_reserved: return "not-reserved";
    case VerifyStatus::mismatch: return "mismatch";
    case VerifyStatus::unsupported: return "unsupported";
    case VerifyStatus::not_loaded: return "not-loaded";
    case VerifyStatus::next_boot_unknown: return "next-boot-unknown";
    case VerifyStatus::offline_image: return "offline-image";
  }
  return "unsupported";
}

VerifyReport verify(const VerifyInput& in) {
  VerifyReport r;
  r.configured = in.configured;
  r.crash_regions = in.crash.regions;
  if (in.crash.loaded) r.loaded = in.crash.loaded->value;
  if (in.crash.crash_size) r.reserved_bytes = in.crash.crash_size->value;
  for (const auto& l : in.crash.log_lines) r.details.push_back(in.crash.log_source + ": " + l);
  if (!in.crash.regions && !in.crash.regions_unknown.empty())
    r.details.push_back("crash regions unknown: " + in.crash.regions_unknown);
  if (in.backend.empty()) r.details.push_back("no boot loader backend applies: the next boot's value is unknown");
  else if (!in.next_boot_known) r.details.push_back("the next boot's value is unknown: " + in.next_boot_unknown);
  for (const auto& n : in.not_reaching) r.details.push_back(n);
  if (in.offline_image) {
    set(r, VerifyStatus::offline_image, offline_message(in));
    return r;
  }

  KernelOutcome o;
  if (in.running_cmdline && in.model && in.memory_bytes) {
    o = evaluate_cmdline(*in.running_cmdline, *in.memory_bytes, *in.model);
    const auto& tok = o.used_high && o.high ? o.high : o.plain;
    if (tok) r.running = token_value(*in.running_cmdline, *tok);
  } else if (in.running_cmdline) {
    auto tokens = find_crashkernel_tokens(*in.running_cmdline);
    if (!tokens.empty()) r.running = std::string(tokens.back().value);
  }

  if (!in.crash.crash_size && !in.crash.loaded) {
    std::string why = "the running kernel " + in.kernel_release +
                      " has no kexec crash support (no /sys/kernel/kexec_crash_size or "
                      "/sys/kernel/kexec/crash_size): kdump cannot work on it";
    if (in.crash.fadump && in.crash.fadump->value)
      why += "; firmware-assisted dump is enabled (" + in.crash.fadump->source + ")";
    set(r, VerifyStatus::unsupported, why);
    return r;
  }

  // Next boot versus this boot. Without a backend, the next boot is unknown: judge
  // the running kernel alone. With one whose next entry is unknown, a difference
  // cannot be called pending-reboot.
  if (!in.backend.empty() && !in.next_boot_known && r.configured && r.configured != r.running) {
    set(r, VerifyStatus::next_boot_unknown,
        quoted_value(*r.configured) + " is configured (" + in.backend + ") but the running kernel booted with " +
            (r.running ? quoted_value(*r.running) : std::string("no crashkernel=")) +
            ", and which value the next boot gets cannot be known here: " + in.next_boot_unknown);
    return r;
  }
  const std::string where = in.backend + (in.next_boot_entry.empty() ? std::string()
                                                                      : ", entry '" + in.next_boot_entry + "' boots next");
  if (!in.backend.empty() && in.next_boot_known && r.configured != r.running) {
    if (!r.configured)
      set(r, VerifyStatus::pending_reboot, "crashkernel= is no longer configured (" + where +
                                               ") but the running kernel booted with " +
                                               quoted_value(*r.running) + "; reboot to apply");
    else if (!r.running)
      set(r, VerifyStatus::pending_reboot, quoted_value(*r.configured) + " is what the next boot gets (" +
                                               where + ") but the running kernel booted "
                                               "without crashkernel=; reboot to apply");
    else
      set(r, VerifyStatus::pending_reboot, quoted_value(*r.configured) + " is what the next boot gets (" +
                                               where + ") but the running kernel booted with " +
                                               quoted_value(*r.running) + "; reboot to apply");
    if (in.model && in.memory_bytes && r.running) r.expected_bytes = o.kexec_crash_size(*in.model);
    return r;
  }

  if (!r.running) {
    if (r.reserved_bytes && *r.reserved_bytes > 0) {
      r.expected_bytes = 0;
      set(r, VerifyStatus::mismatch, "the kernel reserved " + human_size(*r.reserved_bytes) +
                                         " although its command line has no crashkernel=");
      return r;
    }
    set(r, VerifyStatus::not_configured,
        in.backend.empty() ? "crashkernel= is not on the running kernel's command line, and no "
                             "boot loader configuration was found"
                           : "crashkernel= is neither configured (" + in.backend +
                                 ") nor on the running kernel's command line");
    return r;
  }
  if (!in.model || !in.memory_bytes) {
    // The caller requires both before it gets here; stay defined anyway.
    set(r, VerifyStatus::mismatch, "cannot tell what " + quoted_value(*r.running) +
                                       " means here: RAM or kernel model unknown");
    return r;
  }

  std::uint64_t expected = o.kexec_crash_size(*in.model);
  r.expected_bytes = expected;
  std::uint64_t reserved = r.reserved_bytes.value_or(0);
  if (reserved == 0) {
    std::string why = not_reserved_reason(o, in, *r.running);
    if (std::string k = log_reason(in.crash); !k.empty()) why += "; kernel log: \"" + k + "\"";
    set(r, VerifyStatus::not_reserved, "nothing is reserved: " + why);
    return r;
  }
  if (reserved < expected && shrunk_at_runtime(in.crash, o)) {
    r.shrunk_from_bytes = expected;
    std::string m = quoted_value(*r.running) + " is in effect, shrunk at run time from " + human_size(expected) +
                    " to " + human_size(reserved) + " (" + std::to_string(reserved) + " bytes)";
    if (r.loaded) m += *r.loaded ? ", crash kernel loaded" : ", but no crash kernel is loaded (kdump service not running?)";
    set(r, VerifyStatus::ok, m);
    return r;
  }
  if (reserved != expected) {
    std::string m = "the kernel reserved " + human_size(reserved) + " (" + std::to_string(reserved) +
                    " bytes) but " + quoted_value(*r.running) + " means " + human_size(expected) +
                    " (" + std::to_string(expected) + " bytes) on " +
                    human_size(*in.memory_bytes) + " of RAM";
    if (reserved < expected) m += "; it was shrunk at runtime through kexec_crash_size, or the "
                                  "kernel model is wrong";
    set(r, VerifyStatus::mismatch, m);
    return r;
  }
  // The regions must add up to what the value means (main + low), when visible.
  // powerpc never lists "Crash kernel" in /proc/iomem (arch/powerpc/kexec/core.c reserve_crashkernel() registers no "Crash kernel" resource).
  if (r.crash_regions && !(in.model->arch == Arch::ppc64le && r.crash_regions->empty())) {
    std::uint64_t sum = 0;
    for (const auto& g : *r.crash_regions) sum += g.bytes();
    if (sum != o.crash_regions_bytes()) {
      set(r, VerifyStatus::mismatch,
          in.crash.regions_source + " lists " + std::to_string(r.crash_regions->size()) +
              " \"Crash kernel\" region(s) of " + std::to_string(sum) + " bytes but " +
              quoted_value(*r.running) + " means " + std::to_string(o.crash_regions_bytes()) +
              " bytes (main + low)");
      return r;
    }
  }
  std::string m = quoted_value(*r.running) + " is in effect: " + human_size(reserved) + " reserved";
  if (o.low_bytes) m += " plus " + human_size(o.low_bytes) + " low";
  if (r.loaded) m += *r.loaded ? ", crash kernel loaded" : ", but no crash kernel is loaded (kdump service not running?)";
  set(r, VerifyStatus::ok, m);
  // The kernel reports a loaded capture kernel in kexec_crash_loaded
  // (kernel/ksysfs.c); without one a crash now is not captured.
  if (in.require_loaded && !r.loaded.value_or(false)) {
    std::string why = r.loaded ? "no crash kernel is loaded (kexec -p; is the kdump service running?)"
                               : "whether a crash kernel is loaded is unknown (no kexec_crash_loaded)";
    set(r, VerifyStatus::not_loaded, quoted_value(*r.running) + " is reserved but " + why +
                                         ": a crash now would not be captured");
  }
  return r;
}

bool is_ready(const VerifyReport& r) { return r.status == VerifyStatus::ok && r.loaded.value_or(false); }

}  // namespace kdump
