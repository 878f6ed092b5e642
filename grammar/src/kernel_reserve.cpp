// evaluate_cmdline(): the arch reservation code on top of the token parse, and the
// placement of the regions in the machine's memory map.
//   6.1 x86      arch/x86/kernel/setup.c reserve_crashkernel(), reserve_crashkernel_low()
//   6.1 arm64    arch/arm64/mm/init.c reserve_crashkernel()
//   >= 6.7       kernel/crash_reserve.c parse_crashkernel(), reserve_crashkernel_generic()
//   ppc, s390    plain form only
#include <algorithm>

#include "grammar/kernel.hpp"
#include "grammar/memparse.hpp"
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
  TokenParse p = detail::parse_suffixed_token(*slot, suffix, m);
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
    if (low) d.low_size = low->size;  // absent: the default, which follows swiotlb= (place())
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

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

bool has_word(std::string_view cmdline, std::string_view word) {
  for (std::size_t p = cmdline.find(word); p != std::string_view::npos; p = cmdline.find(word, p + 1)) {
    bool starts = p == 0 || cmdline[p - 1] == ' ';
    bool ends = p + word.size() == cmdline.size() || cmdline[p + word.size()] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

// Free physical memory as memblock sees it when the crash region is reserved, and
// its top-down search (mm/memblock.c __memblock_find_range_top_down(): the highest
// `align`-aligned base whose [base, base+size) lies in one free range inside
// [lo, hi); never below PAGE_SIZE).
struct FreeMemory {
  std::vector<PhysRange> ranges;

  void take(PhysRange cut) {
    std::vector<PhysRange> out;
    for (const auto& r : ranges) {
      if (cut.end <= r.start || cut.start >= r.end) {
        out.push_back(r);
        continue;
      }
      if (r.start < cut.start) out.push_back({r.start, cut.start});
      if (cut.end < r.end) out.push_back({cut.end, r.end});
    }
    ranges = std::move(out);
  }
  std::optional<std::uint64_t> alloc(std::uint64_t size, std::uint64_t align, std::uint64_t lo,
                                     std::uint64_t hi) const {
    std::optional<std::uint64_t> best;
    lo = std::max<std::uint64_t>(lo, 4 * KiB);
    for (const auto& r : ranges) {
      std::uint64_t a = std::max(r.start, lo);
      std::uint64_t b = std::min(r.end, hi);
      if (b <= a || b - a < size) continue;
      std::uint64_t base = (b - size) / align * align;
      if (base >= a && (!best || base > *best)) best = base;
    }
    return best;
  }
  bool holds(std::uint64_t base, std::uint64_t size) const {
    for (const auto& r : ranges)
      if (base >= r.start && base + size <= r.end && base + size >= base) return true;
    return false;
  }
  const PhysRange* containing(std::uint64_t base) const {
    for (const auto& r : ranges)
      if (base >= r.start && base < r.end) return &r;
    return nullptr;
  }
  std::uint64_t largest(std::uint64_t lo, std::uint64_t hi) const {
    std::uint64_t l = 0;
    for (const auto& r : ranges) {
      std::uint64_t a = std::max(r.start, lo), b = std::min(r.end, hi);
      if (b > a) l = std::max(l, b - a);
    }
    return l;
  }
};

// Without the machine's map (x86 only): RAM assumed contiguous from 0, the most
// permissive layout, so that no failure is predicted that the map would not show.
MemoryMap assumed_map(std::uint64_t ram) {
  MemoryMap map;
  map.ram.push_back({0, ram});
  return map;
}

struct Placement {
  const KernelModel& m;
  KernelOutcome& o;
  std::uint64_t ram;
  bool x86;
  bool generic;
  std::uint64_t low_max;   // CRASH_ADDR_LOW_MAX (arm64: arm64_dma_phys_limit)
  std::uint64_t high_max;  // CRASH_ADDR_HIGH_MAX
  FreeMemory free;
};

// arm64_dma_phys_limit (arch/arm64/mm/init.c max_zone_phys()): 4 GiB, or the end of
// DRAM when it ends lower; no limit when DRAM starts above 4 GiB.
std::uint64_t arm64_low_max(const MemoryMap& map) {
  if (map.ram.empty()) return k_4g;
  std::uint64_t start = map.ram.front().start, end = map.ram.back().end;
  if (start >= k_4g) return UINT64_MAX;
  return std::min(end, k_4g);
}

void log_success(Placement& p, std::uint64_t size, std::uint64_t low) {
  KernelOutcome& o = p.o;
  if (p.x86 && !p.generic) {
    // arch/x86/kernel/setup.c (6.1) reserve_crashkernel_low(), reserve_crashkernel()
    if (low)
      o.log_patterns.push_back("Reserving " + std::to_string(low >> 20) +
                               "MB of low memory at *MB for crashkernel (low RAM limit: *MB)");
    o.log_patterns.push_back("Reserving " + std::to_string(size >> 20) +
                             "MB of memory at *MB for crashkernel (System RAM: " +
                             std::to_string(p.ram >> 20) + "MB)");
    return;
  }
  // kernel/crash_reserve.c reserve_crashkernel_low(), reserve_crashkernel_generic()
  // (6.1 arm64: arch/arm64/mm/init.c, same words)
  if (low)
    o.log_patterns.push_back("crashkernel low memory reserved: 0x* - 0x* (" +
                             std::to_string(low >> 20) + " MB)");
  o.log_patterns.push_back("crashkernel reserved: 0x* - 0x* (" + std::to_string(size >> 20) + " MB)");
}

void fail_placement(Placement& p, std::string text) {
  p.o.placement_failure = text;
  std::string pattern = text;
  if (auto at = pattern.find("0x..."); at != std::string::npos) pattern.replace(at, 5, "0x*");
  p.o.log_patterns.push_back(pattern);
}

std::string no_area(Placement& p, std::uint64_t size) {
  if (p.x86 && !p.generic) return "crashkernel reservation failed - No suitable area found.";
  return "cannot allocate crashkernel (size:" + hex(size) + ")";
}

// The main region's base, or nullopt (placement_failure set).
std::optional<std::uint64_t> place_main(Placement& p, const Decision& d, std::uint64_t size,
                                        std::uint64_t& low) {
  std::uint64_t align = p.m.crash_align();
  if (d.base != 0) {
    std::uint64_t fixed_align = p.m.fixed_base_alignment();
    if (d.base % fixed_align != 0 || !p.free.holds(d.base, size)) {
      // 6.1 arm64 reports a fixed base it cannot have like an automatic one.
      if (p.m.arch == Arch::aarch64 && !p.generic) fail_placement(p, no_area(p, size));
      else fail_placement(p, "crashkernel reservation failed - memory is in use.");
      return std::nullopt;
    }
    if (p.generic) low = 0;  // reserve_crashkernel_generic(): a fixed base gets no low region
    return d.base;
  }
  std::optional<std::uint64_t> base;
  if (p.x86 && !p.generic) {
    // 6.1 reserve_crashkernel(): [CRASH_ALIGN, 4G) unless ",high", then [CRASH_ALIGN, 64T).
    if (!d.high) base = p.free.alloc(size, align, align, p.low_max);
    if (!base) base = p.free.alloc(size, align, align, p.high_max);
  } else if (!p.generic) {
    // 6.1 arm64: the DMA zone for a plain size, anywhere for ",high"; no fallback.
    base = p.free.alloc(size, align, 0, d.high ? p.high_max : p.low_max);
  } else if (!d.high) {
    // reserve_crashkernel_generic(): low first, then high with the default low region.
    base = p.free.alloc(size, align, 0, p.low_max);
    if (!base && p.low_max < p.high_max) {
      base = p.free.alloc(size, align, p.low_max, p.high_max);
      if (base) p.o.fell_back_high = true;  // the caller sets the default low size
    }
  } else {
    base = p.free.alloc(size, align, p.low_max, p.high_max);
    if (!base) base = p.free.alloc(size, align, 0, p.low_max);
  }
  if (!base) {
    fail_placement(p, no_area(p, size));
    return std::nullopt;
  }
  if (p.x86 && !p.generic && !d.high && *base >= p.low_max) p.o.fell_back_high = true;
  return base;
}

// Whether where KASLR puts the kernel can change the outcome: a fixed base, or an
// automatic region that fits its hole with less room to spare than the kernel takes.
void check_kaslr(Placement& p, const Decision& d, std::uint64_t size, std::optional<std::uint64_t> base,
                 std::uint64_t kernel_bytes, bool nokaslr) {
  if (nokaslr) return;
  if (d.base != 0) {
    p.o.kaslr_dependent = "a fixed base is free only when KASLR did not put the kernel there; "
                          "boot with nokaslr for a deterministic outcome";
    return;
  }
  std::uint64_t slack = kernel_bytes + p.m.crash_align();
  if (base) {
    const PhysRange* hole = p.free.containing(*base);
    if (hole && hole->size() - size < slack)
      p.o.kaslr_dependent = "the region fits its hole with less room than the kernel image "
                            "takes: where KASLR puts the kernel decides";
  } else if (p.free.largest(0, p.high_max) >= size) {
    p.o.kaslr_dependent = "a hole is large enough only if the kernel is not in it";
  }
}

// powerpc, s390, and arm64/riscv/LoongArch without a memory map: RAM bounds only.
void place_without_map(KernelOutcome& o, const Decision& d, std::uint64_t size, std::uint64_t ram,
                       const KernelModel& m) {
  if (d.base != 0 && (d.base + size > ram + (ram > 3 * GiB ? GiB : 0) || d.base + size < d.base)) {
    o.placement_failure = "crashkernel reservation failed - memory is in use.";
    return;
  }
  if (d.base == 0 && size >= ram) {
    o.placement_failure = m.generic_reservation() ? "cannot allocate crashkernel (size:0x...)"
                                                  : "crashkernel reservation failed - No suitable area found.";
    return;
  }
  if (d.base != 0) {
    o.offset = d.base;
    o.assumptions.push_back("the fixed region is free RAM (not the kernel, initrd or a hole)");
  }
  o.crash_bytes = size;
  bool has_low = m.arch == Arch::aarch64 || m.arch == Arch::riscv64 || m.arch == Arch::loongarch64;
  if (!has_low || d.base != 0 || !d.high || ram <= k_4g) return;
  o.assumptions.push_back("RAM above 4 GiB is where a top-down search puts the region");
  o.low_bytes = d.low_size ? *d.low_size : m.default_low_size();
}

void place(KernelOutcome& o, Decision d, std::uint64_t ram, const KernelModel& m,
           const MemoryMap* given, std::string_view cmdline) {
  std::uint64_t size = round_up(d.size, m.size_granule());
  o.requested_bytes = size;
  bool x86 = m.arch == Arch::x86_64 || m.arch == Arch::i386;
  bool map_ok = given && given->total() == ram;
  bool searching_arch = x86 || m.arch == Arch::aarch64 || m.arch == Arch::riscv64 || m.arch == Arch::loongarch64;
  // Without the machine's map x86 RAM is assumed contiguous from 0; elsewhere DRAM
  // may start anywhere (and decides the DMA limit), so only the RAM bound is checked.
  if (!searching_arch || (!map_ok && !x86)) {
    place_without_map(o, d, size, ram, m);
    return;
  }
  MemoryMap map = map_ok ? *given : assumed_map(ram);
  o.map_known = map_ok;
  bool nokaslr = has_word(cmdline, "nokaslr");
  Placement p{m, o, ram, x86, m.generic_reservation(), 0, 0, {map.ram}};
  p.low_max = m.arch == Arch::aarch64 ? arm64_low_max(map) : m.low_limit();
  p.high_max = x86 && m.arch == Arch::x86_64 ? 64ull << 40 : UINT64_MAX;  // CRASH_ADDR_HIGH_MAX
  if (x86) p.free.take({0, 1 * MiB});  // arch/x86/kernel/setup.c: the first 1 MiB is reserved
  std::uint64_t kernel_bytes = 64 * MiB;
  if (map.kernel && o.map_known) {
    kernel_bytes = map.kernel->size();
    // The next boot puts the kernel where it is now only without KASLR.
    if (nokaslr || m.arch == Arch::aarch64) p.free.take(*map.kernel);
  }
  o.largest_hole = p.free.largest(0, p.high_max);

  std::uint64_t swiotlb = swiotlb_bytes(cmdline);
  std::uint64_t low = 0;
  if (d.high || (x86 && !p.generic)) low = d.low_size ? *d.low_size : m.default_low_size(swiotlb);
  std::optional<std::uint64_t> base = place_main(p, d, size, low);
  if (o.fell_back_high && p.generic) low = m.default_low_size(swiotlb);
  check_kaslr(p, d, size, base, kernel_bytes, nokaslr);
  if (!base) return;
  // x86 6.1: a main region at or above 4 GiB, fixed or not, takes a low region;
  // generic and arm64: only when CRASH_ADDR_LOW_MAX was left (and low size non-zero).
  bool needs_low = *base >= p.low_max && low > 0;
  if (needs_low) {
    FreeMemory after = p.free;
    after.take({*base, *base + size});
    std::uint64_t low_align = p.m.crash_align();
    if (!after.alloc(low, low_align, 0, p.low_max)) {
      if (x86 && !p.generic)
        fail_placement(p, "Cannot reserve " + std::to_string(low >> 20) +
                              "MB crashkernel low memory, please try smaller size.");
      else
        fail_placement(p, "cannot allocate crashkernel low memory (size:" + hex(low) + ").");
      return;
    }
    o.low_bytes = low;
  }
  if (d.base != 0) o.offset = d.base;
  o.crash_bytes = size;
  log_success(p, size, o.low_bytes);
  if (!o.map_known && *base >= k_4g)
    o.assumptions.push_back("the memory map is unknown: RAM is assumed contiguous from 0, so "
                            "the region lands above 4 GiB only when it fits nowhere below");
}

}  // namespace

std::uint64_t swiotlb_bytes(std::string_view cmdline) {
  // kernel/dma/swiotlb.c: IO_TLB_SHIFT 11 (2 KiB slabs), IO_TLB_SEGSIZE 128,
  // IO_TLB_DEFAULT_SIZE 64 MiB; setup_io_tlb_npages() is an early_param: the last wins.
  std::uint64_t bytes = 64 * MiB;
  static constexpr std::string_view key = "swiotlb=";
  for (std::size_t p = cmdline.find(key); p != std::string_view::npos; p = cmdline.find(key, p + 1)) {
    if (p != 0 && cmdline[p - 1] != ' ') continue;
    std::size_t i = p + key.size();
    if (i >= cmdline.size() || cmdline[i] < '0' || cmdline[i] > '9') continue;
    Memparsed n = memparse(cmdline.substr(i));  // simple_strtoul(str, &str, 0)
    std::uint64_t slabs = n.suffix ? 0 : n.value;
    if (n.suffix) {  // simple_strtoul stops before the letter: digits only
      std::size_t j = i;
      while (j < cmdline.size() && cmdline[j] >= '0' && cmdline[j] <= '9') ++j;
      slabs = memparse(cmdline.substr(i, j - i)).value;
    }
    slabs = (slabs + 127) / 128 * 128;
    bytes = slabs << 11;
  }
  return bytes;
}

KernelOutcome evaluate_cmdline(std::string_view cmdline, std::uint64_t system_ram,
                               const KernelModel& model, const MemoryMap* map) {
  KernelOutcome o;
  auto tokens = find_crashkernel_tokens(cmdline);
  o.plain = detail::last_token(tokens, std::nullopt, model);
  o.total_for_ranges = model.rounds_ram_to_128m()
                           ? (system_ram + 128 * MiB - 1) / (128 * MiB) * (128 * MiB)
                           : system_ram;
  Decision d = model.generic_reservation() ? decide_generic(o, tokens, system_ram, model)
                                           : decide_legacy(o, tokens, system_ram, model);
  o.used_high = d.high;
  // The parse stage's own words come first in the log (kernel/crash_reserve.c pr_warn,
  // pr_info); '*' and '?' never occur in them except as the offending character.
  if (o.error) o.log_patterns.push_back(o.error->text);
  for (const auto& i : o.info) o.log_patterns.push_back(i.text);
  if (!d.reserve) return o;
  // 6.1 x86 reads ",low" only when the main region is above 4 GiB; invalid -> default.
  if (!model.generic_reservation() && (model.arch == Arch::x86_64) && !d.low_size) {
    std::optional<CmdlineToken> low_tok = detail::last_token(tokens, ",low", model);
    if (low_tok) {
      TokenParse low = detail::parse_suffixed_token(*low_tok, ",low", model);
      if (!low.invalid) d.low_size = low.size;
      o.low = low_tok;
    }
  }
  place(o, d, system_ram, model, map, cmdline);
  return o;
}

}  // namespace kdump
