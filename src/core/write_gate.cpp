#include "core/write_gate.hpp"

#include <algorithm>
#include <set>

#include "core/explain.hpp"

namespace kdump {
namespace {

// Without the RAM a simple value is evaluated at this figure, and only what does not
// depend on the RAM (the parse, a zero size, the floor) can refuse it.
constexpr std::uint64_t k_nominal_ram = 1ull << 40;

// Stand-ins when no release is known at all: the oldest and the newest behaviour the
// model has (kernel/crash_core.c of 6.1, kernel/crash_reserve.c with ",cma" of 6.16).
const std::vector<GateKernel>& stand_ins() {
  static const std::vector<GateKernel> k{{"6.1", "no kernel release known: checked as Linux 6.1"},
                                         {"6.16", "no kernel release known: checked as Linux 6.16"}};
  return k;
}

std::string who(const GateKernelResult& r) {
  return "kernel " + r.kernel.release + " (" + r.kernel.role + ", model " + r.model + ")";
}

// The first explain warning that says why a number means something else ("256 has no
// unit suffix"), to show with a refusal.
std::string why_suffix(const Explanation& x) {
  for (const auto& w : x.warnings)
    if (w.find("no unit suffix") != std::string::npos || w.find("overflows") != std::string::npos ||
        w.find(",cma needs") != std::string::npos || w.find("octal") != std::string::npos)
      return " (" + w + ")";
  return {};
}

// Why this kernel refuses the value, in the kernel's own words where it has them.
std::optional<std::string> refusal_for(const Explanation& x, bool ram_known) {
  const KernelOutcome& o = x.outcome;
  if (o.error)
    return "the kernel rejects it: \"" + o.error->text + "\" at column " +
           std::to_string(x.user_column(o.error->offset)) + why_suffix(x);
  if (o.silent_rejection) {
    if (!ram_known && o.silent_rejection->find("system RAM") != std::string::npos) return std::nullopt;
    return "the kernel refuses it without a message: " + *o.silent_rejection + why_suffix(x);
  }
  if (o.placement_failure) {
    if (!ram_known) return std::nullopt;
    return "it reserves nothing: \"" + *o.placement_failure + "\" (" + human_size(o.requested_bytes) +
           " cannot be placed in " + human_size(x.memory_bytes) + " of RAM)";
  }
  if (!o.reserves()) {
    for (const auto& i : o.info)
      return "it reserves nothing: \"" + i.text + "\" (no range matches " + human_size(x.memory_bytes) +
             " of RAM)";
    return "it reserves nothing (the size is 0)" + why_suffix(x);
  }
  if (o.crash_bytes < write_gate_floor)
    return "it reserves only " + human_size(o.crash_bytes) + ", below the " +
           human_size(write_gate_floor) + " that any capture kernel needs" + why_suffix(x);
  return std::nullopt;
}

void check_one(const GateInput& in, const GateKernel& k, GateVerdict& v) {
  GateKernelResult r;
  r.kernel = k;
  auto model = model_for_release(in.arch, k.release);
  if (!model) {
    v.warnings.push_back("kernel release '" + k.release + "' (" + k.role +
                         ") does not start with MAJOR.MINOR: not checked");
    v.kernels.push_back(r);
    return;
  }
  r.model = model->label();
  bool ranges = in.value.find(':') != std::string::npos;
  if (!in.memory && ranges) {  // which range applies is the RAM's question
    v.kernels.push_back(r);
    return;
  }
  Explanation x = explain_cmdline("crashkernel=" + in.value, 12, in.memory.value_or(k_nominal_ram),
                                  k.release, *model);
  r.crash_bytes = x.outcome.crash_bytes;
  r.kexec_crash_size = x.outcome.kexec_crash_size(*model);
  r.refusal = refusal_for(x, in.memory.has_value());
  if (r.refusal) v.refusals.push_back(who(r) + ": " + *r.refusal);
  else if (in.memory && in.policy_bytes && r.kexec_crash_size < *in.policy_bytes)
    v.warnings.push_back(who(r) + " reserves " + human_size(r.kexec_crash_size) + ", less than the " +
                         human_size(*in.policy_bytes) + " the " + in.policy +
                         " policy sizes for this machine: kdump may run out of memory");
  // A quarter of the RAM is where the reservation starts to crowd the system itself;
  // no built-in policy asks for that much on a machine above its minimum.
  if (!r.refusal && in.memory && r.kexec_crash_size > *in.memory / 4)
    v.warnings.push_back(who(r) + " reserves " + human_size(r.kexec_crash_size) + ", more than a quarter of the " +
                         human_size(*in.memory) + " of RAM (" + in.memory_source +
                         "): the running system keeps less than three quarters");
  v.kernels.push_back(std::move(r));
}

}  // namespace

GateVerdict evaluate_write_gate(const GateInput& in) {
  GateVerdict v;
  v.memory_checked = in.memory.has_value();
  if (!in.memory)
    v.warnings.push_back(std::string("RAM was not checked (no RAM known: pass --memory SIZE)") +
                         (in.value.find(':') != std::string::npos
                              ? ": which range applies, and what it reserves, is unknown"
                              : ": only what does not depend on the RAM was checked"));
  if (in.memory && in.policy_min_memory)
    v.warnings.push_back("kdump is not recommended on this machine: its " + human_size(*in.memory) +
                         " of RAM is below the " + in.policy + " policy's minimum of " +
                         human_size(*in.policy_min_memory));
  const auto& kernels = in.kernels.empty() ? stand_ins() : in.kernels;
  for (const auto& k : kernels) check_one(in, k, v);
  if (!v.refusals.empty()) {
    if (in.force) {
      v.verdict = "forced";
      v.overridden = v.refusals;
    } else {
      v.verdict = "refused";
    }
  } else if (!v.warnings.empty()) {
    v.verdict = "warn";
  }
  return v;
}

Error write_gate_error(const GateVerdict& v, const std::string& value) {
  std::string msg = "refusing to write crashkernel=" + value + ": ";
  msg += v.refusals.size() == 1 ? v.refusals.front()
                                : std::to_string(v.refusals.size()) + " kernels refuse it";
  Error e = make_error(ErrorKind::usage, msg);
  if (v.refusals.size() > 1)
    for (const auto& r : v.refusals) e.hints.push_back(r);
  e.hints.push_back("see what the kernel makes of it: kdump-setup explain '" + value + "'");
  e.hints.push_back("to write it anyway: kdump-setup reserve --force '" + value + "'");
  return e;
}

std::vector<std::string> installed_kernel_releases(const RootDir& root) {
  std::set<std::string> found;
  for (const char* dir : {"/lib/modules", "/usr/lib/modules"}) {
    auto names = root.list(dir);
    if (!names) continue;
    for (const auto& n : *names)
      if (root.is_directory(std::string(dir) + "/" + n)) found.insert(n);
  }
  if (auto boot = root.list("/boot"))
    for (const auto& n : *boot)
      if (n.starts_with("vmlinuz-") && n.size() > 8) found.insert(n.substr(8));
  return {found.begin(), found.end()};
}

std::vector<std::string> entry_kernel_releases(const RootDir& root) {
  std::set<std::string> found;
  for (const char* dir : {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"}) {
    auto names = root.list(dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (!n.ends_with(".conf")) continue;
      auto text = root.read_text(std::string(dir) + "/" + n, 64 * 1024);
      if (!text) continue;
      std::string_view rest = *text;
      while (!rest.empty()) {  // BLS: "key value" lines; the first "version" counts
        std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        std::size_t b = line.find_first_not_of(" \t");
        if (b == std::string_view::npos || line.substr(b, 7) != "version") continue;
        std::string_view v = line.substr(b + 7);
        if (v.empty() || (v[0] != ' ' && v[0] != '\t')) continue;
        v.remove_prefix(std::min(v.find_first_not_of(" \t"), v.size()));
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
        if (model_for_release(Arch::x86_64, v)) found.insert(std::string(v));
        break;
      }
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace kdump
