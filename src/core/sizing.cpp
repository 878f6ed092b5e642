#include "core/sizing.hpp"

#include <algorithm>

namespace kdump {
namespace {

// Products of byte counts and per-TiB or per-mille factors overflow 64 bits.
__extension__ using u128 = unsigned __int128;

constexpr std::uint64_t k_range_rounding = 128 * MiB;
constexpr std::uint64_t k_min_formula_cap = 16 * TiB;

std::uint64_t round_up(std::uint64_t v, std::uint64_t unit) {
  if (v % unit == 0) return v;
  return (v / unit + 1) * unit;
}

// Tolerance when merging formula tiers: a tier may cost this much more than the rule
// at its lower end.
std::uint64_t merge_tolerance(std::uint64_t at_start) { return std::max(8 * MiB, at_start / 16); }

std::string range_text(const MemRange& r) {
  return format_size(r.start) + "-" + (r.end ? format_size(*r.end) : std::string());
}

bool addition_applies(const Addition& a, Arch arch) { return !a.arch || *a.arch == arch; }

std::string condition_text(Condition c) {
  switch (c) {
    case Condition::memory_encryption: return "AMD SME/SEV is active";
    case Condition::mlx5: return "the mlx5_core driver is present";
    case Condition::page_64k: return "the kernel uses 64 KiB pages";
    case Condition::arm_smmu: return "an ARM SMMU exists";
    case Condition::fadump: return "firmware-assisted dump is in use";
    case Condition::luks: return "a LUKS device exists";
  }
  return "?";
}

ConditionState condition_from(const SystemFacts& facts, const std::optional<Fact<bool>>& f,
                              const char* name, std::string_view unknown_why) {
  if (f) return ConditionState{f->value, f->source};
  if (auto it = facts.unknown_reasons.find(name); it != facts.unknown_reasons.end())
    return ConditionState{std::nullopt, it->second};
  return ConditionState{std::nullopt, std::string(unknown_why)};
}

}  // namespace

namespace {
// 2700 -> "2.7", 2000 -> "2".
std::string per_mille_text(std::uint64_t pm) {
  std::string t = std::to_string(pm / 1000);
  if (pm % 1000) {
    std::string frac = std::to_string(1000 + pm % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    t += "." + frac;
  }
  return t;
}
}  // namespace

std::uint64_t round_for_ranges(std::uint64_t ram) { return round_up(ram, k_range_rounding); }

std::uint64_t formula_bytes(const Policy& p, std::uint64_t ram) {
  u128 scaled = (static_cast<u128>(ram) * p.per_tib + (TiB - 1)) / TiB;
  u128 total = static_cast<u128>(p.base) + scaled;
  total = (total + (MiB - 1)) / MiB * MiB;
  if (total > UINT64_MAX / 2) return UINT64_MAX / 2;
  return static_cast<std::uint64_t>(total);
}

std::vector<RangeSize> formula_tiers(const Policy& p, std::uint64_t cover) {
  std::uint64_t start = p.min_memory ? p.min_memory : k_range_rounding;
  std::uint64_t cap = std::max(k_min_formula_cap, start);
  while (cap <= cover && cap < (UINT64_MAX >> 2)) cap *= 2;
  std::vector<RangeSize> tiers;
  while (start < cap) {
    std::uint64_t end = std::min(start * 2, cap);
    std::uint64_t at_start = formula_bytes(p, start);
    while (end < cap && formula_bytes(p, std::min(end * 2, cap)) - at_start <= merge_tolerance(at_start))
      end = std::min(end * 2, cap);
    tiers.push_back(RangeSize{MemRange{start, end}, formula_bytes(p, end)});
    start = end;
  }
  tiers.push_back(RangeSize{MemRange{cap, std::nullopt}, formula_bytes(p, cap * 2)});
  return tiers;
}

SizingInput sizing_input_from_facts(const SystemFacts& facts, std::uint64_t memory_bytes, Arch arch,
                                    const SizingSettings& settings) {
  SizingInput in;
  in.arch = arch;
  in.arch_source = facts.arch ? facts.arch->source : "--arch";
  in.memory_bytes = memory_bytes;
  in.memory_source = facts.memory_bytes ? facts.memory_bytes->source : "--memory";
  in.settings = settings;
  bool same_machine = !facts.detected_arch || facts.detected_arch->value == arch;
  if (!same_machine) {
    std::string why = "--arch " + std::string(arch_name(arch)) + " describes another machine than this one";
    for (auto c : {Condition::memory_encryption, Condition::mlx5, Condition::page_64k,
                   Condition::arm_smmu, Condition::fadump, Condition::luks})
      in.conditions[c] = ConditionState{std::nullopt, why};
  } else {
    in.conditions[Condition::memory_encryption] =
        condition_from(facts, facts.memory_encryption, "memory_encryption", "no kernel log or /proc/cpuinfo to read");
    in.conditions[Condition::mlx5] = condition_from(facts, facts.mlx5, "mlx5", "no /sys/module to read");
    in.conditions[Condition::arm_smmu] =
        condition_from(facts, facts.arm_smmu, "arm_smmu", "no /sys/devices/platform to read");
    in.conditions[Condition::fadump] = condition_from(facts, facts.fadump, "fadump", "no /sys/kernel to read");
    in.conditions[Condition::luks] = condition_from(facts, facts.luks, "luks", "block devices not probed");
    if (facts.page_size)
      in.conditions[Condition::page_64k] =
          ConditionState{facts.page_size->value == 64 * KiB, facts.page_size->source};
    else if (facts.kernel_release && arch == Arch::aarch64)
      // kdump-utils' own test: the release names a 64k kernel ("...+64k").
      in.conditions[Condition::page_64k] =
          ConditionState{facts.kernel_release->value.find("64k") != std::string::npos,
                         "kernel release " + facts.kernel_release->value};
    else
      in.conditions[Condition::page_64k] = ConditionState{std::nullopt, "no page size or kernel release"};
    if (facts.capture_cpus) {
      in.capture_cpus = facts.capture_cpus->value;
      in.capture_cpus_source = facts.capture_cpus->source;
    }
    if (facts.luks_kdf_memory) {
      in.luks_kdf_memory = facts.luks_kdf_memory->value;
      in.luks_kdf_source = facts.luks_kdf_memory->source;
    }
  }
  // The capture initramfs is a file of the installation, not of the hardware: it counts
  // under --arch too (the kdump tool built it for this system's kernel).
  if (facts.capture_initramfs) {
    in.capture_initramfs_bytes = facts.capture_initramfs->value.bytes;
    in.capture_initramfs_source = facts.capture_initramfs->source;
    in.capture_initramfs_unpacked_bytes = facts.capture_initramfs->value.unpacked_bytes;
    in.capture_initramfs_unpacked_unknown = facts.capture_initramfs->value.unpacked_unknown;
  }
  if (facts.kernel_release && same_machine)
    in.model = model_for_release(arch, facts.kernel_release->value);
  // The capture kernel is the installation's kernel (kdump-tools and kdumpctl load the
  // running one's release): like the capture initramfs, it counts under --arch too.
  if (facts.kernel_release) {
    in.capture_kernel_release = facts.kernel_release->value;
    in.capture_kernel_source = facts.kernel_release->source;
  }
  return in;
}

const Generation* generation_for(const Policy& policy, std::string_view release) {
  auto m = model_for_release(Arch::x86_64, release);
  if (!m || policy.generations.empty()) return nullptr;
  const Generation* found = &policy.generations.front();
  for (const auto& g : policy.generations)
    if (m->at_least(g.major, g.minor)) found = &g;
  return found;
}

std::string_view addition_kind_name(SizedAddition::Kind k) {
  switch (k) {
    case SizedAddition::Kind::capture_initramfs: return "capture_initramfs";
    case SizedAddition::Kind::policy: return "policy";
    case SizedAddition::Kind::luks: return "luks";
    case SizedAddition::Kind::extra: return "extra";
  }
  return "policy";
}

namespace {

// The policy as it applies to this input: a calibrated generation's base, or the
// no-package rule (notes say which and why).
Policy adjusted_policy(const Policy& given, const SizingInput& in, Recommendation& r, const Generation*& gen) {
  Policy p = given;
  gen = nullptr;
  if (!in.capture_initramfs_bytes && !in.planned_initramfs && in.no_kdump_package && given.no_package_base &&
      (given.initramfs_per_mille || given.initramfs_unpacked_per_mille)) {
    p.base = given.no_package_base;
    p.per_tib = given.no_package_per_tib;
    p.initramfs_per_mille = p.initramfs_unpacked_per_mille = 0;
    r.notes.push_back("no capture initramfs exists and " + *in.no_kdump_package + ", so nothing tells which image "
                      "the capture kernel will load: sized with RHEL 7's rule, " + human_size(p.base) + " + " +
                      human_size(p.per_tib) + " per TiB of RAM (2 bits per 4 KiB page)");
    return p;
  }
  if (!given.generations.empty()) {
    gen = generation_for(given, in.capture_kernel_release);
    if (!gen) {
      gen = &*std::max_element(given.generations.begin(), given.generations.end(),
                               [](const Generation& a, const Generation& b) { return a.base < b.base; });
      r.notes.push_back("the capture kernel's release is not known: sized with the kernel " + gen->name +
                        " calibration, the largest fixed need measured (pass --kernel-release)");
    } else if (auto m = model_for_release(Arch::x86_64, in.capture_kernel_release);
               m && !m->at_least(gen->major, gen->minor)) {
      r.notes.push_back("kernel " + in.capture_kernel_release + " is older than every calibrated generation: sized "
                        "with the kernel " + gen->name + " calibration");
    }
    p.base = gen->base;
    r.generation = gen->name;
  }
  return p;
}

}  // namespace

Result<Recommendation> recommend(const Policy& given, const SizingInput& in) {
  Recommendation r;
  const Generation* gen = nullptr;
  const Policy policy = adjusted_policy(given, in, r, gen);
  r.policy = policy.name;
  r.arch = in.arch;
  r.memory_bytes = in.memory_bytes;
  r.memory_for_ranges = round_for_ranges(in.memory_bytes);
  r.model = in.model ? *in.model : KernelModel{in.arch, 6, 12};
  auto& why = r.rationale;

  why.push_back("policy " + policy.name + " (" + policy.origin + "): " + policy.description);
  if (gen)
    why.push_back("kernel generation " + gen->name + " (capture kernel " +
                  (in.capture_kernel_release.empty() ? std::string("not known")
                                                     : in.capture_kernel_release + " from " + in.capture_kernel_source) +
                  "): base " + human_size(gen->base) + ", measured with " + gen->measured);
  if (policy.base != given.base && !gen)
    why.push_back("base " + human_size(policy.base) + " instead of " + human_size(given.base));
  why.push_back("memory: " + human_size(in.memory_bytes) + " from " + in.memory_source +
                (r.memory_for_ranges != in.memory_bytes
                     ? ", " + human_size(r.memory_for_ranges) + " for range matching (rounded up to 128 MiB)"
                     : std::string()));

  // The base tiers.
  std::vector<RangeSize> tiers;
  std::uint64_t rule_here = 0;
  bool fadump = in.arch == Arch::ppc64le && in.conditions.count(Condition::fadump) &&
                in.conditions.at(Condition::fadump).value.value_or(false);
  if (policy.kind == RuleKind::formula) {
    tiers = formula_tiers(policy, r.memory_for_ranges);
    r.min_memory = policy.min_memory;
    rule_here = formula_bytes(policy, r.memory_for_ranges);
    why.push_back("rule at " + human_size(r.memory_for_ranges) + ": " + human_size(policy.base) +
                  " + " + human_size(policy.per_tib) + " per TiB = " + human_size(rule_here));
    why.push_back("range tiers: each tier reserves the rule's figure at its upper end, so the value "
                  "stays at or above the rule when RAM changes");
  } else {
    const ArchTable* t = table_for(policy, in.arch, fadump);
    if (!t || t->tiers.empty()) {
      Error e = make_error(ErrorKind::config, "policy " + policy.name + " has no table for " +
                                                  std::string(arch_name(in.arch)) +
                                                  (fadump ? " with fadump" : ""));
      if (policy.name == "table")
        e.hints.push_back("define it in the configuration file: [table] " +
                          std::string(arch_name(in.arch)) + " = \"2G-64G:256M,64G-:512M\"");
      else
        e.hints.push_back("choose another --policy, or add a table for " +
                          std::string(arch_name(in.arch)) + " under [policies." + policy.name +
                          ".tables] in the configuration file");
      return fail(e);
    }
    if (!fadump && in.arch == Arch::ppc64le && table_for(policy, in.arch, true) != t) {
      auto it = in.conditions.find(Condition::fadump);
      if (it == in.conditions.end() || !it->second.value)
        why.push_back("the kdump table is used: not known whether firmware-assisted dump is in use (" +
                      (it == in.conditions.end() ? std::string("no fact") : it->second.source) + ")");
    }
    tiers = t->tiers;
    r.min_memory = std::max(policy.min_memory, tiers.front().range.start);
    why.push_back("table for " + table_key_name(TableKey{in.arch, fadump}) + " (" + t->origin +
                  "): " + t->text);
    for (const auto& tier : tiers)
      if (tier.range.start <= r.memory_for_ranges && (!tier.range.end || r.memory_for_ranges < *tier.range.end))
        rule_here = tier.size;
  }

  // Additions of the policy, the LUKS addition, headroom: added to every tier.
  std::uint64_t added = 0;
  auto add = [&](SizedAddition::Kind kind, std::uint64_t bytes, std::string reason, std::string source) {
    added += bytes;
    why.push_back("+" + human_size(bytes) + ": " + reason);
    r.additions.push_back(SizedAddition{kind, bytes, std::move(reason), std::move(source)});
  };
  if (policy.initramfs_per_mille || policy.initramfs_unpacked_per_mille) {
    // What the capture initramfs costs in the reservation: kexec places the file there,
    // and the capture kernel unpacks it into its own memory (a tmpfs that may fill only
    // half of it), where it stays while makedumpfile runs.
    const bool known = in.capture_initramfs_bytes.has_value();
    const CalibratedImage* planned = nullptr;
    if (!known && in.planned_initramfs && gen)
      planned = in.planned_initramfs->kind == PlannedImageKind::boot_initrd ? &gen->boot_initrd : &gen->kdump_tools_dep;
    std::uint64_t file = known ? *in.capture_initramfs_bytes : policy.assumed_initramfs;
    std::string unpacked_how;
    std::uint64_t unpacked = 0;
    if (planned) {
      file = planned->file_bytes;
      unpacked = planned->unpacked_bytes;
      r.notes.push_back("the capture initramfs does not exist yet: sized for " + planned->what + " because " +
                        in.planned_initramfs->why);
    } else if (!known) {
      unpacked = policy.assumed_initramfs_unpacked;
    } else if (in.capture_initramfs_unpacked_bytes) {
      unpacked = *in.capture_initramfs_unpacked_bytes;
    } else {
      unpacked = static_cast<std::uint64_t>(static_cast<u128>(file) * policy.assumed_expansion_per_mille / 1000);
      unpacked_how = " (unpacked size assumed " + per_mille_text(policy.assumed_expansion_per_mille) +
                     " × the file: " +
                     (in.capture_initramfs_unpacked_unknown.empty() ? std::string("not known")
                                                                    : in.capture_initramfs_unpacked_unknown) +
                     ")";
    }
    const std::uint64_t bytes = round_up(
        static_cast<std::uint64_t>((static_cast<u128>(file) * policy.initramfs_per_mille +
                                    static_cast<u128>(unpacked) * policy.initramfs_unpacked_per_mille + 999) /
                                   1000),
        MiB);
    // One sentence: what was assumed, why, and the options that name the real file.
    const std::string source =
        known     ? in.capture_initramfs_source
        : planned ? "not built yet, planned: " + planned->what + " (" + in.planned_initramfs->source + ")"
                  : "not known, assumed " + policy.assumed_initramfs_basis +
                        " because none was found for this kernel (name the real one with --capture-initramfs FILE "
                        "or capture_initramfs in the configuration)";
    r.capture_initramfs = SizedInitramfs{known, planned != nullptr, file, unpacked,
                                         known && !in.capture_initramfs_unpacked_bytes, source, bytes};
    add(SizedAddition::Kind::capture_initramfs, bytes,
        "capture initramfs of " + human_size(file) + " (" + std::to_string(file) + " bytes), " +
            human_size(unpacked) + " (" + std::to_string(unpacked) + " bytes) unpacked" + unpacked_how +
            (known ? ", from " : ", ") + source + "; file × " + per_mille_text(policy.initramfs_per_mille) + " + unpacked × " +
            per_mille_text(policy.initramfs_unpacked_per_mille) +
            (policy.initramfs_basis.empty() ? "" : " (" + policy.initramfs_basis + ")"),
        source);
  }
  for (const auto& a : policy.additions) {
    if (!addition_applies(a, in.arch)) continue;
    // A condition known not to hold rules the addition out; otherwise an unknown one
    // makes it "not added", said in the rationale, never guessed.
    bool holds = true;
    std::string unknown;
    std::vector<std::string> sources;
    for (auto [c, want] : a.when) {
      auto it = in.conditions.find(c);
      if (it == in.conditions.end() || !it->second.value) {
        if (unknown.empty())
          unknown = condition_text(c) + ": " +
                    (it == in.conditions.end() ? std::string("no fact") : it->second.source);
        continue;
      }
      if (*it->second.value != want) holds = false;
      else sources.push_back(it->second.source);
    }
    if (!holds) continue;
    if (!unknown.empty()) {
      why.push_back("not added: +" + human_size(a.bytes) + " when " + a.reason + " (not known whether " +
                    unknown + ")");
      continue;
    }
    if (!holds) continue;
    std::uint64_t bytes = a.bytes;
    std::string what = a.reason;
    if (a.per_capture_cpu) {
      // Without a kdump configuration to read, kdump-utils' shipped ppc64le default
      // (KDUMP_COMMANDLINE_APPEND has nr_cpus=16).
      unsigned cpus = in.capture_cpus.value_or(16);
      bytes = a.bytes * cpus;
      what += ": " + std::to_string(cpus) + " × " + human_size(a.bytes) + " (nr_cpus " +
              (in.capture_cpus ? "from " + in.capture_cpus_source
                               : std::string("16, kdump-utils' shipped default")) + ")";
    }
    std::string src;
    for (auto& s : sources) src += (src.empty() ? "" : ", ") + s;
    add(SizedAddition::Kind::policy, bytes,
        what + (src.empty() ? "" : " (" + src + ")") + (a.origin != "built-in" ? " [" + a.origin + "]" : ""),
        a.origin != "built-in" ? a.origin + (src.empty() ? "" : "; " + src) : src);
  }

  const auto& luks = in.settings.luks;
  auto luks_state = in.conditions.find(Condition::luks);
  bool luks_known = luks_state != in.conditions.end() && luks_state->second.value.has_value();
  bool luks_present = luks_known && *luks_state->second.value;
  if (luks.mode != LuksMode::off) {
    if (luks_present) {
      if (luks.mode == LuksMode::fixed) {
        add(SizedAddition::Kind::luks, luks.bytes,
            "a LUKS device exists (" + luks_state->second.source + "), luks setting from " + luks.origin,
            luks.origin);
      } else if (in.luks_kdf_memory) {
        std::uint64_t overhead = (in.arch == Arch::aarch64 ? 50 : 20) * MiB;
        std::uint64_t bytes = round_up(*in.luks_kdf_memory, MiB) + overhead;
        add(SizedAddition::Kind::luks, bytes,
            "unlocking LUKS2 in the capture kernel needs the Argon2 memory cost " +
                human_size(*in.luks_kdf_memory) + " (" + in.luks_kdf_source + ") + " + human_size(overhead),
            in.luks_kdf_source);
      } else {
        std::string w = "a LUKS device exists (" + luks_state->second.source +
                        ") but its key derivation memory cost could not be read (run as root); "
                        "nothing added for it: set luks = SIZE in the configuration if the dump "
                        "target is encrypted";
        why.push_back("not added: " + w);
        r.warnings.push_back(w);
      }
    } else if (!luks_known) {
      why.push_back("not added: memory to unlock LUKS (not known whether a LUKS device exists: " +
                    (luks_state != in.conditions.end() ? luks_state->second.source : std::string("no fact")) +
                    ")");
    }
  }

  if (in.settings.extra.bytes)
    add(SizedAddition::Kind::extra, in.settings.extra.bytes, "extra headroom (" + in.settings.extra.origin + ")",
        in.settings.extra.origin);
  if (auto it = in.settings.arch_extra.find(in.arch); it != in.settings.arch_extra.end() && it->second.bytes)
    add(SizedAddition::Kind::extra, it->second.bytes,
        "extra headroom for " + std::string(arch_name(in.arch)) + " (" + it->second.origin + ")",
        it->second.origin);
  r.additions_bytes = added;
  for (auto& t : tiers) t.size += added;

  r.spec.amount = tiers;
  r.expression = format_crashkernel(r.spec);
  r.policy_bytes = rule_here ? rule_here + added : 0;

  // What the kernel does with it here, by our own model of the kernel.
  KernelOutcome out = evaluate_cmdline("crashkernel=" + r.expression, in.memory_bytes, r.model);
  r.bytes_for_this_machine = out.crash_bytes;
  r.matched = out.matched;
  r.recommended = r.memory_for_ranges >= r.min_memory;

  if (out.matched)
    why.push_back("this machine falls in " + range_text(out.matched->range) + ": " +
                  human_size(out.matched->size) + " (evaluated as kernel " + r.model.label() +
                  (in.model ? "" : ", no kernel release known") + ")");
  if (!r.recommended) {
    std::string w = "kdump is not recommended: " + human_size(r.memory_for_ranges) +
                    " of RAM is below this policy's minimum of " + human_size(r.min_memory) + "; " +
                    (out.crash_bytes ? "the expression would still reserve " + human_size(out.crash_bytes)
                                     : "with this expression the kernel reserves nothing here (from " +
                                           human_size(tiers.front().range.start) + " it would reserve " +
                                           human_size(tiers.front().size) + ")");
    why.push_back(w);
    r.warnings.push_back(w);
  } else if (out.error || out.silent_rejection || !out.reserves()) {
    std::string w = "the kernel model reserves nothing with this expression here";
    if (out.error) w += ": " + out.error->text;
    if (out.silent_rejection) w += ": " + *out.silent_rejection;
    why.push_back(w);
    r.warnings.push_back(w);
  }
  if (policy.kind == RuleKind::formula && tiers.back().range.start <= r.memory_for_ranges)
    r.warnings.push_back("the open last tier is below the rule from " +
                         human_size(tiers.back().range.start * 2));
  return r;
}

}  // namespace kdump
