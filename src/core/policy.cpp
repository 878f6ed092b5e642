#include "core/policy.hpp"

#include "core/estimate_policy.hpp"

#include <array>
#include <stdexcept>

namespace kdump {
namespace {

constexpr std::array<std::pair<Condition, std::string_view>, 6> k_conditions{{
    {Condition::memory_encryption, "memory_encryption"},
    {Condition::mlx5, "mlx5"},
    {Condition::page_64k, "page_64k"},
    {Condition::arm_smmu, "arm_smmu"},
    {Condition::fadump, "fadump"},
    {Condition::luks, "luks"},
}};

ArchTable builtin_table(std::string_view text) {
  auto tiers = parse_policy_table(text);
  // The built-in tables are constants: a failure here is a programming error that
  // every test run catches.
  if (!tiers) throw std::logic_error("bad built-in table " + std::string(text) + ": " + tiers.error());
  return ArchTable{std::move(*tiers), std::string(text), "built-in"};
}

Addition builtin_addition(std::optional<Arch> arch, std::vector<std::pair<Condition, bool>> when,
                          std::uint64_t bytes, std::string reason, bool per_cpu = false) {
  Addition a;
  a.arch = arch;
  a.when = std::move(when);
  a.bytes = bytes;
  a.per_capture_cpu = per_cpu;
  a.reason = std::move(reason);
  a.origin = "built-in";
  return a;
}

std::vector<Policy> make_builtins() {
  std::vector<Policy> out;

  // RHEL 6/7 crashkernel=auto, the design card's default rule.
  Policy rhel7;
  rhel7.name = "rhel7";
  rhel7.description =
      "RHEL 7 crashkernel=auto rule: 160 MiB + 2 bits per 4 KiB page of RAM (64 MiB per TiB), "
      "from 2 GiB of RAM";
  rhel7.origin = "built-in";
  rhel7.kind = RuleKind::formula;
  rhel7.base = 160 * MiB;
  rhel7.per_tib = 64 * MiB;
  rhel7.min_memory = 2 * GiB;
  out.push_back(std::move(rhel7));

  // Fedora/RHEL kdump-utils, kdump_get_arch_recommend_crashkernel() (kdump-utils kdump-lib.sh).
  Policy ku;
  ku.name = "kdump-utils";
  ku.description = "Fedora/RHEL kdump-utils default tables (2025) with their automatic additions";
  ku.origin = "built-in";
  ku.kind = RuleKind::table;
  ku.tables[{Arch::x86_64, false}] = builtin_table("2G-64G:256M,64G-:512M");
  ku.tables[{Arch::s390x, false}] = builtin_table("2G-64G:256M,64G-:512M");
  ku.tables[{Arch::aarch64, false}] = builtin_table("2G-4G:256M,4G-64G:320M,64G-:576M");
  ku.tables[{Arch::ppc64le, false}] =
      builtin_table("2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G");
  ku.tables[{Arch::ppc64le, true}] = builtin_table(
      "4G-16G:768M,16G-64G:1G,64G-128G:2G,128G-1T:4G,1T-2T:6G,2T-4T:12G,4T-8T:20G,"
      "8T-16T:36G,16T-32T:64G,32T-64T:128G,64T-:180G");
  ku.additions.push_back(builtin_addition(Arch::x86_64, {{Condition::memory_encryption, true}},
                                          64 * MiB, "AMD SME/SEV memory encryption is active"));
  ku.additions.push_back(builtin_addition(Arch::aarch64,
                                          {{Condition::page_64k, false}, {Condition::mlx5, true}},
                                          150 * MiB, "the mlx5_core driver is present"));
  ku.additions.push_back(builtin_addition(Arch::aarch64, {{Condition::page_64k, true}}, 100 * MiB,
                                          "the kernel uses 64 KiB pages"));
  ku.additions.push_back(builtin_addition(Arch::aarch64,
                                          {{Condition::page_64k, true}, {Condition::arm_smmu, true}},
                                          384 * MiB, "an ARM SMMU is present with 64 KiB pages"));
  ku.additions.push_back(builtin_addition(Arch::aarch64,
                                          {{Condition::page_64k, true}, {Condition::mlx5, true}},
                                          200 * MiB,
                                          "the mlx5_core driver is present with 64 KiB pages"));
  ku.additions.push_back(builtin_addition(Arch::ppc64le, {}, 1 * MiB,
                                          "per CPU of the capture kernel (nr_cpus)", true));
  out.push_back(std::move(ku));

  // Debian 12 kdump-tools 1:1.8.1, per arch package (its debian/kdump-tools.grub.* files).
  Policy deb;
  deb.name = "debian";
  deb.description = "Debian 12 kdump-tools defaults (per architecture)";
  deb.origin = "built-in";
  deb.kind = RuleKind::table;
  deb.tables[{Arch::x86_64, false}] = builtin_table("384M-:128M");
  deb.tables[{Arch::s390x, false}] = builtin_table("384M-:128M");
  const char* deb_big = "2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M";
  deb.tables[{Arch::aarch64, false}] = builtin_table(deb_big);
  deb.tables[{Arch::ppc64le, false}] = builtin_table(deb_big);
  out.push_back(std::move(deb));

  // Ubuntu kdump-tools (documented on amd64, 24.10 onwards).
  Policy ub;
  ub.name = "ubuntu";
  ub.description = "Ubuntu kdump-tools default (documented for amd64, 24.10 onwards)";
  ub.origin = "built-in";
  ub.kind = RuleKind::table;
  ub.tables[{std::nullopt, false}] = builtin_table(deb_big);
  out.push_back(std::move(ub));

  // The admin's own table: filled in by the configuration file ([table]).
  Policy table;
  table.name = "table";
  table.description = "the administrator's own table from the configuration file";
  table.origin = "built-in";
  table.kind = RuleKind::table;
  out.push_back(std::move(table));

  // Our own measurements of the whole crash path (core/estimate_policy.hpp).
  out.push_back(estimate::make_policy());
  return out;
}

}  // namespace

std::string_view condition_name(Condition c) {
  for (auto& [k, n] : k_conditions)
    if (k == c) return n;
  return "?";
}

std::optional<Condition> parse_condition(std::string_view name) {
  for (auto& [k, n] : k_conditions)
    if (n == name) return k;
  return std::nullopt;
}

std::vector<std::string_view> condition_names() {
  std::vector<std::string_view> v;
  for (auto& [k, n] : k_conditions) v.push_back(n);
  return v;
}

std::string table_key_name(const TableKey& k) {
  if (!k.arch) return k.fadump ? "default-fadump" : "default";
  std::string s(arch_name(*k.arch));
  if (k.fadump) s += "-fadump";
  return s;
}

std::optional<TableKey> parse_table_key(std::string_view name) {
  TableKey k;
  constexpr std::string_view fadump = "-fadump";
  if (name.size() > fadump.size() && name.substr(name.size() - fadump.size()) == fadump) {
    k.fadump = true;
    name.remove_suffix(fadump.size());
  }
  if (name == "default") return k;
  auto a = parse_arch(name);
  if (!a || *a == Arch::unknown) return std::nullopt;
  k.arch = *a;
  return k;
}

const std::vector<Policy>& builtin_policies() {
  static const std::vector<Policy> policies = make_builtins();
  return policies;
}

const Policy* find_builtin_policy(std::string_view name) {
  for (auto& p : builtin_policies())
    if (p.name == name) return &p;
  return nullptr;
}

const ArchTable* table_for(const Policy& p, Arch arch, bool fadump) {
  for (TableKey k : {TableKey{arch, fadump}, TableKey{std::nullopt, fadump}}) {
    auto it = p.tables.find(k);
    if (it != p.tables.end()) return &it->second;
  }
  return nullptr;
}

Result<std::vector<RangeSize>, std::string> parse_policy_table(std::string_view text) {
  auto spec = parse_crashkernel(text);
  if (!spec) return fail(spec.error().message + " (at character " +
                         std::to_string(spec.error().offset + 1) + ")");
  if (!spec->is_range_table())
    return fail(std::string("a policy table must be a range table such as \"2G-64G:256M,64G-:512M\""));
  if (spec->offset) return fail(std::string("a policy table cannot have an @offset"));
  if (spec->suffix != Suffix::none)
    return fail(std::string("a policy table cannot have a ,high/,low/,cma suffix"));
  auto tiers = std::get<std::vector<RangeSize>>(spec->amount);
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const auto& t = tiers[i];
    if (t.size == 0) return fail("range " + std::to_string(i + 1) + " reserves nothing");
    if (!t.range.end && i + 1 != tiers.size())
      return fail("range " + std::to_string(i + 1) + " is open-ended but is not the last one");
    if (i > 0 && t.range.start < *tiers[i - 1].range.end)
      return fail("range " + std::to_string(i + 1) + " overlaps or precedes the one before it");
  }
  return tiers;
}

}  // namespace kdump
