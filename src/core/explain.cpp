// Warnings: what the kernel accepts with a surprising meaning (kernel/crash_reserve.c,
// lib/cmdline.c memparse()), and where the memory map cannot hold the region.
#include "core/explain.hpp"

#include "grammar/memparse.hpp"

namespace kdump {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Numbers of a value start at its beginning and after each of "-:,@".
void warn_numbers(std::string_view value, std::vector<std::string>& w) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i != 0 && std::string_view("-:,@").find(value[i - 1]) == std::string_view::npos) continue;
    Memparsed m = memparse(value.substr(i));
    if (m.length == 0) continue;
    std::string text(value.substr(i, m.length));
    if (m.wrapped)
      w.push_back(text + " overflows 64 bits; the kernel wraps it to " + std::to_string(m.value));
    else if (m.octal)
      w.push_back(text + " has a leading 0, so the kernel reads it as octal: " + human_size(m.value));
    else if (m.hex)
      w.push_back(text + " is hexadecimal: " + human_size(m.value));
    else if (!m.suffix && m.value != 0)
      w.push_back(text + " has no unit suffix, so it means " + human_size(m.value) +
                  " (write M or G for mebibytes or gibibytes)");
    else if (m.suffix && m.length == 1)
      w.push_back(text + " is a unit without a number; the kernel reads it as 0");
    i += m.length - 1;
  }
}

void warn_tokens(const Explanation& x, std::vector<std::string>& w) {
  auto tokens = find_crashkernel_tokens(x.cmdline);
  std::size_t plain_count = 0;
  for (const auto& t : tokens) {
    std::string text = x.cmdline.substr(t.begin, t.end - t.begin);
    if (!t.standalone) {
      std::size_t word = x.cmdline.rfind(' ', t.begin);
      word = word == std::string::npos ? 0 : word + 1;
      w.push_back(quoted(x.cmdline.substr(word, t.end - word)) +
                  " contains \"crashkernel=\": the kernel's substring search uses it as one");
    }
    if (t.value.find_first_of("\"'") != std::string_view::npos)
      w.push_back(quoted(text) + " contains a quote: the kernel does not remove quotes here");
    if (t.value.substr(0, 4) == "auto" && !x.model.rhel)
      w.push_back("crashkernel=auto exists only in RHEL 7/8 kernels; upstream kernels reject it "
                  "(\"memory value expected\") -- run kdump-setup reserve auto instead");
    bool cma = ends_with(t.value, ",cma");
    if (cma && !x.model.knows_cma())
      w.push_back(quoted(text) + ": ,cma needs Linux 6.16; this kernel takes it for a plain value");
    else if (cma && !x.model.reserves_cma())
      w.push_back(quoted(text) + ": ,cma is not reserved on " + std::string(arch_name(x.model.arch)));
    if (!ends_with(t.value, ",high") && !ends_with(t.value, ",low") &&
        !(x.model.knows_cma() && cma))
      ++plain_count;
  }
  if (plain_count > 1 && x.outcome.plain)
    w.push_back(std::to_string(plain_count) + " crashkernel= values: the kernel uses only the last, " +
                quoted(x.cmdline.substr(x.outcome.plain->begin,
                                        x.outcome.plain->end - x.outcome.plain->begin)));
}

void warn_outcome(const Explanation& x, std::vector<std::string>& w) {
  const KernelOutcome& o = x.outcome;
  if (o.plain && !o.error) {
    warn_numbers(o.plain->value, w);
    auto strict = parse_crashkernel(o.plain->value);
    if (!strict)
      w.push_back("the kernel accepts this value here, but it is not well formed (" +
                  strict.error().message + " at column " +
                  std::to_string(x.user_column(o.plain->value_begin + strict.error().offset)) +
                  "); with another RAM size it may be rejected");
  }
  if (o.plain && o.high && !o.used_high)
    w.push_back("crashkernel=...,high is ignored because a plain crashkernel= value is given");
  if (!o.info.empty() && o.info.front().text.find("zero bytes") != std::string::npos)
    w.push_back("no range matches " + human_size(x.memory_bytes) + " of RAM (" +
                human_size(o.total_for_ranges) + " after rounding up to 128 MiB): nothing is reserved");
  if (o.used_high && o.error)
    w.push_back("the plain value is rejected, so this kernel falls back to crashkernel=...,high");
  if (o.placement_failure) {
    std::string where = o.map_known ? "this machine's memory map (largest free range " +
                                          human_size(o.largest_hole) + ")"
                                    : human_size(x.memory_bytes) + " of RAM";
    w.push_back("the kernel cannot place " + human_size(o.requested_bytes) + " in " + where +
                ": \"" + *o.placement_failure + "\"");
  }
  if (o.fell_back_high)
    w.push_back(human_size(o.crash_bytes) + " fits no free range below 4 GiB: the kernel puts it "
                "above 4 GiB" + (o.low_bytes ? " and adds a low region of " + human_size(o.low_bytes) : ""));
  if (o.kaslr_dependent) w.push_back("the outcome depends on KASLR: " + *o.kaslr_dependent);
  if (auto note = model_provenance_note(x.model)) w.push_back(*note);
  if (o.offset && *o.offset % x.model.fixed_base_alignment() != 0)
    w.push_back("the offset is not a multiple of " + human_size(x.model.fixed_base_alignment()));
  if (o.reserves() && o.crash_bytes < 64 * MiB)
    w.push_back(human_size(o.crash_bytes) + " is too small for any capture kernel");
}

}  // namespace

std::string format_range(const MemRange& r) {
  return format_size(r.start) + "-" + (r.end ? format_size(*r.end) : "");
}

std::optional<std::string> model_provenance_note(const KernelModel& model) {
  if (model.booted_here()) return std::nullopt;
  return "the " + std::string(arch_name(model.arch)) +
         " model is derived from the kernel source only (no " + std::string(arch_name(model.arch)) +
         " kernel is booted by the tests)";
}

Explanation explain_cmdline(std::string cmdline, std::size_t column_base, std::uint64_t memory,
                            const std::string& release, const KernelModel& model,
                            const MemoryMap* map) {
  Explanation x;
  x.cmdline = std::move(cmdline);
  x.column_base = column_base;
  x.memory_bytes = memory;
  x.kernel_release = release;
  x.model = model;
  x.outcome = evaluate_cmdline(x.cmdline, memory, model, map);
  // No crashkernel= at all: the generic parse_crashkernel() (>= 6.7) then looks for
  // crashkernel=X,high and returns -EINVAL, but the arch code only skips the
  // reservation (kernel/crash_reserve.c, arch_reserve_crashkernel()): nothing was
  // asked for, so nothing is rejected.
  x.requested = !find_crashkernel_tokens(x.cmdline).empty();
  if (!x.requested) x.outcome.silent_rejection.reset();
  warn_tokens(x, x.warnings);
  warn_outcome(x, x.warnings);
  return x;
}

}  // namespace kdump
