// evaluate_cmdline(): the arch reservation code on top of the token parse.
//   6.1 x86      arch/x86/kernel/setup.c reserve_crashkernel(), reserve_crashkernel_low()
//   6.1 arm64    arch/arm64/mm/init.c reserve_crashkernel()
//   >= 6.7       kernel/crash_reserve.c parse_crashkernel(), reserve_crashkernel_generic()
//   ppc, s390    plain form only
#include "grammar/kernel.hpp"
#include "kernel_parse.hpp"

namespace kdump {
namespace {

using detail::TokenParse;

constexpr std::uint64_t k_4g = 4 * GiB;

// What the parse stage decided, before placement.
struct Decision {
  bool reserve = false;
  bool high = false;
  std::uint64_t size = 0;
  std::uint64_t base = 0;
  std::optional<std::uint64_t> low_size;  // explicit ",low" (6.1 x86: read later)
};

void note(KernelOutcome& o, const TokenParse& p) {
  if (p.warning && !o.error) o.error = p.warning;
  if (p.info) o.info.push_back(*p.info);
}

std::optional<TokenParse> parse_suffix(KernelOutcome& o, const std::vector<CmdlineToken>& tokens,
                                       std::string_view suffix, const KernelModel& m,
                                       std::optional<CmdlineToken>& slot) {
  slot = detail::last_token(tokens, suffix, m);
  if (!slot) return std::nullopt;
  TokenParse p = detail::parse_suffixed_token(*slot, suffix);
  note(o, p);
  return p;
}

// 6.1 x86 and arm64, and powerpc/s390 of every release.
Decision decide_legacy(KernelOutcome& o, const std::vector<CmdlineToken>& tokens,
                       std::uint64_t ram, const KernelModel& m) {
  Decision d;
  std::optional<TokenParse> plain;
  if (o.plain) {
    plain = detail::parse_plain_token(*o.plain, ram, m);
    note(o, *plain);
    o.matched = plain->matched;
    if (!plain->invalid && plain->size > 0) {
      d = Decision{true, false, plain->size, plain->base, std::nullopt};
      return d;
    }
  }
  if (!m.has_high_low()) return d;
  bool x86 = m.arch == Arch::x86_64 || m.arch == Arch::i386;
  // x86 falls through to ",high" on any plain failure or zero; arm64 only when absent.
  if (!x86 && o.plain) return d;
  auto high = parse_suffix(o, tokens, ",high", m, o.high);
  if (!high || high->invalid || high->size == 0) return d;
  d = Decision{true, true, high->size, 0, std::nullopt};
  if (!x86) {  // arm64 6.1 reads ",low" here: invalid aborts, absent means none
    auto low = parse_suffix(o, tokens, ",low", m, o.low);
    if (low && low->invalid) return Decision{};
    d.low_size = low ? low->size : 0;
  }
  return d;
}

// Generic parse_crashkernel() (>= 6.7).
Decision decide_generic(KernelOutcome& o, const std::vector<CmdlineToken>& tokens,
                        std::uint64_t ram, const KernelModel& m) {
  Decision d;
  bool ok = false;
  if (o.plain) {
    TokenParse plain = detail::parse_plain_token(*o.plain, ram, m);
    note(o, plain);
    o.matched = plain.matched;
    ok = !plain.invalid;
    d.size = plain.size;
    d.base = plain.base;
  } else if (m.has_high_low()) {
    auto high = parse_suffix(o, tokens, ",high", m, o.high);
    if (!high || high->invalid || high->size == 0) {
      o.silent_rejection = "no usable crashkernel=X,high (missing, malformed or 0)";
      return Decision{};
    }
    auto low = parse_suffix(o, tokens, ",low", m, o.low);
    if (low && low->invalid) return Decision{};
    d.size = high->size;
    d.high = true;
    d.low_size = low ? low->size : m.default_low_size();
    ok = true;
  } else {
    return d;
  }
  if (m.reserves_cma()) {
    auto cma = parse_suffix(o, tokens, ",cma", m, o.cma);
    if (cma && !cma->invalid) o.cma_bytes = cma->size;
  }
  if (ok && d.size == 0) {
    o.silent_rejection = "the size is 0";
    ok = false;
  } else if (ok && m.rejects_size_not_below_ram() && d.size >= ram) {
    o.silent_rejection = "the size is not below the system RAM";
    ok = false;
  }
  if (!ok) o.cma_bytes = 0;  // the arch returns before reserve_crashkernel_cma()
  d.reserve = ok;
  return d;
}

std::uint64_t round_up(std::uint64_t v, std::uint64_t granule) {
  return granule <= 1 ? v : (v + granule - 1) / granule * granule;
}

// The allocator's answer, from what can be known without the memory map. Anything
// that depends on where free memory lies is recorded as an assumption.
void place(KernelOutcome& o, const Decision& d, std::uint64_t ram, const KernelModel& m) {
  std::uint64_t size = round_up(d.size, m.size_granule());
  o.requested_bytes = size;
  bool x86 = m.arch == Arch::x86_64;
  if (d.base != 0) {
    if (d.base % m.fixed_base_alignment() != 0 && m.arch != Arch::ppc64le) {
      o.placement_failure = "crashkernel reservation failed - memory is in use.";
      return;
    }
    if (d.base + size > ram + (ram > 3 * GiB ? GiB : 0) || d.base + size < d.base) {
      o.placement_failure = "crashkernel reservation failed - memory is in use.";
      return;
    }
    o.offset = d.base;
    o.assumptions.push_back("the fixed region is free RAM (not the kernel, initrd or a hole)");
  } else if (size >= ram) {
    o.placement_failure = m.generic_reservation()
                              ? "cannot allocate crashkernel (size:0x...)"
                              : "crashkernel reservation failed - No suitable area found.";
    return;
  }
  o.crash_bytes = size;
  if (!x86 && m.arch != Arch::aarch64 && m.arch != Arch::riscv64 && m.arch != Arch::loongarch64) return;
  // A low region is added when the main region ends up above 4 GiB: ",high" on a
  // machine with RAM above 4 GiB (top-down search), or a fixed base above 4 GiB (6.1).
  bool above_4g = d.base != 0 ? d.base >= k_4g : (d.high && ram > k_4g);
  if (d.base != 0 && m.generic_reservation()) above_4g = false;  // generic: no low for @
  if (!above_4g) return;
  o.assumptions.push_back("RAM above 4 GiB is where a top-down search puts the region");
  std::uint64_t low = m.default_low_size();
  if (d.low_size) low = *d.low_size;
  o.low_bytes = low;
}

}  // namespace

KernelOutcome evaluate_cmdline(std::string_view cmdline, std::uint64_t system_ram,
                               const KernelModel& model) {
  KernelOutcome o;
  auto tokens = find_crashkernel_tokens(cmdline);
  o.plain = detail::last_token(tokens, std::nullopt, model);
  o.total_for_ranges = model.rounds_ram_to_128m()
                           ? (system_ram + 128 * MiB - 1) / (128 * MiB) * (128 * MiB)
                           : system_ram;
  Decision d = model.generic_reservation() ? decide_generic(o, tokens, system_ram, model)
                                           : decide_legacy(o, tokens, system_ram, model);
  o.used_high = d.high;
  if (!d.reserve) return o;
  // 6.1 x86 reads ",low" only when the main region is above 4 GiB; invalid -> default.
  if (!model.generic_reservation() && (model.arch == Arch::x86_64) && !d.low_size) {
    std::optional<CmdlineToken> low_tok = detail::last_token(tokens, ",low", model);
    if (low_tok) {
      TokenParse low = detail::parse_suffixed_token(*low_tok, ",low");
      if (!low.invalid) d.low_size = low.size;
      o.low = low_tok;
    }
  }
  place(o, d, system_ram, model);
  return o;
}

}  // namespace kdump
