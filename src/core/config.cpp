#include "core/config.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "util/root_dir.hpp"

namespace kdump {
namespace {

constexpr std::string_view k_top_keys[] = {"policy", "extra", "luks",  "backend",          "kernel",
                                           "update", "table", "policies", "capture_initramfs",
                                           "uki"};
// [uki]: the key and certificate that sign kdump-setup's systemd-stub add-on under Secure
// Boot (ukify(1) --secureboot-private-key / --secureboot-certificate).
constexpr std::string_view k_uki_keys[] = {"secureboot_private_key", "secureboot_certificate"};
constexpr std::string_view k_policy_keys[] = {"inherits", "description", "min_memory", "base",
                                              "per_tib", "tables", "additions"};
constexpr std::string_view k_addition_keys[] = {"when", "arch", "size", "per_capture_cpu", "reason"};
constexpr std::string_view k_backends[] = {"auto", "grub2", "bls", "systemd-boot"};

template <std::size_t N>
std::string join(const std::string_view (&names)[N]) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

template <std::size_t N>
bool one_of(std::string_view v, const std::string_view (&names)[N]) {
  for (auto n : names)
    if (n == v) return true;
  return false;
}

class Parser {
public:
  explicit Parser(std::string shown) : m_shown(std::move(shown)) {}

  Error error_at(const toml::source_region& where, std::string message) const {
    Error e = make_error(ErrorKind::config, std::move(message));
    e.file = m_shown;
    if (where.begin.line) e.line = where.begin.line;
    if (where.begin.column) e.column = where.begin.column;
    return e;
  }
  std::string origin(const toml::source_region& where) const {
    return m_shown + ":" + std::to_string(where.begin.line);
  }

  // A SIZE: a string the kernel's way ("64M") or an integer number of bytes.
  Result<std::uint64_t> size(const toml::node& n, std::string_view key) const {
    if (auto s = n.as_string()) {
      auto v = parse_size_argument(s->get());
      if (!v)
        return fail(error_at(n.source(), std::string(key) + ": '" + s->get() +
                                             "' is not a size (write it as 64M, 2G or bytes)"));
      return *v;
    }
    if (auto i = n.as_integer()) {
      if (i->get() < 0) return fail(error_at(n.source(), std::string(key) + ": a size cannot be negative"));
      return static_cast<std::uint64_t>(i->get());
    }
    return fail(error_at(n.source(), std::string(key) + ": expected a size such as \"64M\""));
  }

  Result<std::string> string(const toml::node& n, std::string_view key) const {
    if (auto s = n.as_string()) return s->get();
    return fail(error_at(n.source(), std::string(key) + ": expected a string"));
  }

  Result<const toml::table*> table(const toml::node& n, std::string_view key) const {
    if (auto t = n.as_table()) return t;
    return fail(error_at(n.source(), std::string(key) + ": expected a table"));
  }

  template <std::size_t N>
  Result<Ok> known_keys(const toml::table& t, const std::string_view (&names)[N], std::string_view where) const {
    for (auto&& [k, v] : t) {
      (void)v;
      if (!one_of(k.str(), names)) {
        Error e = error_at(k.source(), "unknown key '" + std::string(k.str()) + "'" +
                                           (where.empty() ? std::string() : " in " + std::string(where)));
        e.hints.push_back("known keys: " + join(names));
        return fail(e);
      }
    }
    return Ok{};
  }

  Result<std::map<TableKey, ArchTable>> tables(const toml::table& t, std::string_view where) const {
    std::map<TableKey, ArchTable> out;
    for (auto&& [k, v] : t) {
      auto key = parse_table_key(k.str());
      if (!key) {
        Error e = error_at(k.source(), "unknown architecture '" + std::string(k.str()) + "' in " +
                                           std::string(where));
        e.hints.push_back("use x86_64, i386, aarch64, ppc64le, ppc64le-fadump, s390x, riscv64, "
                          "loongarch64 or default");
        return fail(e);
      }
      KDUMP_TRY_ASSIGN(auto text, string(v, k.str()));
      auto tiers = parse_policy_table(text);
      if (!tiers) return fail(error_at(v.source(), std::string(where) + "." + std::string(k.str()) +
                                                       ": " + tiers.error()));
      out[*key] = ArchTable{std::move(*tiers), text, origin(v.source())};
    }
    return out;
  }

  Result<Addition> addition(const toml::node& n, std::string_view where) const {
    KDUMP_TRY_ASSIGN(auto t, table(n, where));
    KDUMP_TRY(known_keys(*t, k_addition_keys, where));
    Addition a;
    a.origin = origin(n.source());
    const toml::node* size_node = (*t).get("size");
    if (!size_node) return fail(error_at(n.source(), std::string(where) + ": an addition needs size"));
    KDUMP_TRY_ASSIGN(auto s, size(*size_node, "size"));
    a.bytes = s;
    if (auto* arch = (*t).get("arch")) {
      KDUMP_TRY_ASSIGN(auto name, string(*arch, "arch"));
      auto parsed = parse_arch(name);
      if (!parsed || *parsed == Arch::unknown)
        return fail(error_at(arch->source(), "arch: unknown architecture '" + name + "'"));
      a.arch = *parsed;
    }
    if (auto* when = (*t).get("when")) {
      auto* arr = when->as_array();
      if (!arr) return fail(error_at(when->source(), "when: expected a list of conditions"));
      for (auto&& c : *arr) {
        KDUMP_TRY_ASSIGN(auto text, string(c, "when"));
        bool want = true;
        std::string_view name = text;
        if (!name.empty() && name[0] == '!') {
          want = false;
          name.remove_prefix(1);
        }
        auto cond = parse_condition(name);
        if (!cond) {
          Error e = error_at(c.source(), "when: unknown condition '" + text + "'");
          std::string list;
          for (auto n2 : condition_names()) list += (list.empty() ? "" : ", ") + std::string(n2);
          e.hints.push_back("known conditions (prefix ! to negate): " + list);
          return fail(e);
        }
        a.when.emplace_back(*cond, want);
      }
    }
    if (auto* per = (*t).get("per_capture_cpu")) {
      auto b = per->as_boolean();
      if (!b) return fail(error_at(per->source(), "per_capture_cpu: expected true or false"));
      a.per_capture_cpu = b->get();
    }
    if (auto* reason = (*t).get("reason")) {
      KDUMP_TRY_ASSIGN(auto r, string(*reason, "reason"));
      a.reason = r;
    } else {
      std::string r;
      for (auto [c, want] : a.when) r += (r.empty() ? "" : " and ") + std::string(want ? "" : "no ") +
                                        std::string(condition_name(c));
      a.reason = r.empty() ? "configured addition" : r;
    }
    return a;
  }

  // One [policies.NAME] section applied over `base`.
  Result<Policy> policy(const std::string& name, const toml::table& t, Policy base) const {
    std::string where = "[policies." + name + "]";
    KDUMP_TRY(known_keys(t, k_policy_keys, where));
    Policy p = std::move(base);
    p.name = name;
    p.origin = origin(t.source());
    if (auto* d = t.get("description")) {
      KDUMP_TRY_ASSIGN(auto s, string(*d, "description"));
      p.description = s;
    } else if (p.description.empty()) {
      p.description = "defined in " + m_shown;
    }
    const toml::node* base_node = t.get("base");
    const toml::node* per_tib = t.get("per_tib");
    const toml::node* tables_node = t.get("tables");
    if ((base_node || per_tib) && tables_node)
      return fail(error_at(tables_node->source(),
                           where + ": a policy is either a formula (base, per_tib) or tables, not both"));
    if (base_node || per_tib) {
      if (p.kind != RuleKind::formula) {
        p.kind = RuleKind::formula;
        p.tables.clear();
        p.base = p.per_tib = 0;
      }
      if (base_node) {
        KDUMP_TRY_ASSIGN(auto v, size(*base_node, "base"));
        p.base = v;
        p.generations.clear();  // the administrator's base wins over a calibrated one
      }
      if (per_tib) {
        KDUMP_TRY_ASSIGN(auto v, size(*per_tib, "per_tib"));
        p.per_tib = v;
      }
      if (!p.base && !p.per_tib)
        return fail(error_at((base_node ? base_node : per_tib)->source(),
                             where + ": the formula reserves nothing"));
    }
    if (tables_node) {
      KDUMP_TRY_ASSIGN(auto tt, table(*tables_node, "tables"));
      KDUMP_TRY_ASSIGN(auto parsed, tables(*tt, where + ".tables"));
      if (p.kind != RuleKind::table) {
        p.kind = RuleKind::table;
        p.base = p.per_tib = 0;
      }
      for (auto& [k, v] : parsed) p.tables[k] = std::move(v);
    }
    if (auto* m = t.get("min_memory")) {
      KDUMP_TRY_ASSIGN(auto v, size(*m, "min_memory"));
      p.min_memory = v;
    }
    if (p.kind == RuleKind::formula && p.min_memory == 0) p.min_memory = 2 * GiB;
    if (auto* adds = t.get("additions")) {
      auto* arr = adds->as_array();
      if (!arr) return fail(error_at(adds->source(), "additions: expected a list of tables "
                                                     "([[policies." + name + ".additions]])"));
      p.additions.clear();
      for (auto&& n : *arr) {
        KDUMP_TRY_ASSIGN(auto a, addition(n, where + ".additions"));
        p.additions.push_back(std::move(a));
      }
    }
    return p;
  }

  Result<Config> parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, m_shown);
    } catch (const toml::parse_error& e) {
      return fail(error_at(e.source(), std::string(e.description())));
    }
    Config c;
    c.file = m_shown;
    KDUMP_TRY(known_keys(root, k_top_keys, ""));

    if (auto* n = root.get("extra")) {
      if (auto* t = n->as_table()) {
        for (auto&& [k, v] : *t) {
          KDUMP_TRY_ASSIGN(auto s, size(v, "extra." + std::string(k.str())));
          if (k.str() == "default") {
            c.sizing.extra = SizeSetting{s, origin(v.source())};
            continue;
          }
          auto a = parse_arch(k.str());
          if (!a || *a == Arch::unknown)
            return fail(error_at(k.source(), "extra: unknown architecture '" + std::string(k.str()) + "'"));
          c.sizing.arch_extra[*a] = SizeSetting{s, origin(v.source())};
        }
      } else {
        KDUMP_TRY_ASSIGN(auto s, size(*n, "extra"));
        c.sizing.extra = SizeSetting{s, origin(n->source())};
      }
    }
    if (auto* n = root.get("luks")) {
      LuksSetting l;
      l.origin = origin(n->source());
      auto s = n->as_string();
      if (s && s->get() == "auto") {
        l.mode = LuksMode::automatic;
      } else if (s && s->get() == "off") {
        l.mode = LuksMode::off;
      } else {
        auto v = size(*n, "luks");
        if (!v) {
          Error e = std::move(v).error();
          e.message = "luks: expected \"auto\", \"off\" or a size such as \"1G\"";
          return fail(e);
        }
        l.mode = LuksMode::fixed;
        l.bytes = *v;
      }
      c.sizing.luks = l;
    }
    if (auto* n = root.get("backend")) {
      KDUMP_TRY_ASSIGN(auto s, string(*n, "backend"));
      if (!one_of(s, k_backends)) {
        Error e = error_at(n->source(), "backend: unknown backend '" + s + "'");
        e.hints.push_back("one of " + join(k_backends));
        return fail(e);
      }
      c.backend = Setting<std::string>{s, origin(n->source())};
    }
    if (auto* n = root.get("kernel")) {
      KDUMP_TRY_ASSIGN(auto s, string(*n, "kernel"));
      if (s.empty() || s.find_first_of(" \t\n/") != std::string::npos)
        return fail(error_at(n->source(), "kernel: expected all, default or a kernel release"));
      c.kernel = Setting<std::string>{s, origin(n->source())};
    }
    if (auto* n = root.get("update")) {
      auto b = n->as_boolean();
      if (!b) return fail(error_at(n->source(), "update: expected true or false"));
      c.update = Setting<bool>{b->get(), origin(n->source())};
    }

    if (auto* n = root.get("capture_initramfs")) {
      KDUMP_TRY_ASSIGN(auto s, string(*n, "capture_initramfs"));
      if (s.empty() || s.front() != '/' || s.find('\n') != std::string::npos)
        return fail(error_at(n->source(), "capture_initramfs: expected an absolute path such as "
                                          "\"/var/lib/kdump/initrd.img-{release}\""));
      c.capture_initramfs = Setting<std::string>{s, origin(n->source())};
    }

    if (auto* n = root.get("uki")) {
      KDUMP_TRY_ASSIGN(auto t, table(*n, "uki"));
      KDUMP_TRY(known_keys(*t, k_uki_keys, "[uki]"));
      for (auto [key, to] : {std::pair{"secureboot_private_key", &c.uki_secureboot_private_key},
                             std::pair{"secureboot_certificate", &c.uki_secureboot_certificate}}) {
        const toml::node* v = t->get(key);
        if (!v) continue;
        KDUMP_TRY_ASSIGN(auto s, string(*v, std::string("uki.") + key));
        if (s.empty() || s.front() != '/' || s.find('\n') != std::string::npos)
          return fail(error_at(v->source(), std::string("uki.") + key + ": expected an absolute path such as "
                                            "\"/etc/kernel/secure-boot.key\""));
        *to = Setting<std::string>{s, origin(v->source())};
      }
    }

    // Policies: the built-ins modified, then new ones ([policies.NAME], "inherits").
    if (auto* n = root.get("policies")) {
      KDUMP_TRY_ASSIGN(auto pt, table(*n, "policies"));
      std::set<std::string> busy;
      std::function<Result<Ok>(const std::string&)> define = [&](const std::string& name) -> Result<Ok> {
        const toml::node* node = (*pt).get(name);
        if (!node) return Ok{};
        if (busy.count(name)) {
          if (!m_done.count(name))
            return fail(error_at(node->source(), "[policies." + name + "] inherits from itself"));
          return Ok{};
        }
        busy.insert(name);
        KDUMP_TRY_ASSIGN(auto t, table(*node, "policies." + name));
        Policy base;
        base.kind = RuleKind::table;
        if (auto* inh = (*t).get("inherits")) {
          KDUMP_TRY_ASSIGN(auto from, string(*inh, "inherits"));
          if (from != name) KDUMP_TRY(define(from));
          const Policy* b = c.find_policy(from);
          if (!b) {
            Error e = error_at(inh->source(), "inherits: unknown policy '" + from + "'");
            e.hints.push_back("built-in policies: rhel7, kdump-utils, debian, ubuntu, table, estimate");
            return fail(e);
          }
          base = *b;
        } else if (const Policy* same = c.find_policy(name)) {
          base = *same;  // modifying a built-in
        }
        KDUMP_TRY_ASSIGN(auto p, policy(name, *t, std::move(base)));
        bool replaced = false;
        for (auto& existing : c.policies)
          if (existing.name == name) {
            existing = std::move(p);
            replaced = true;
            break;
          }
        if (!replaced) c.policies.push_back(std::move(p));
        m_done.insert(name);
        return Ok{};
      };
      for (auto&& [k, v] : *pt) {
        (void)v;
        KDUMP_TRY(define(std::string(k.str())));
      }
    }
    if (auto* n = root.get("table")) {
      KDUMP_TRY_ASSIGN(auto t, table(*n, "table"));
      KDUMP_TRY_ASSIGN(auto parsed, tables(*t, "[table]"));
      for (auto& p : c.policies)
        if (p.name == "table") {
          p.kind = RuleKind::table;
          p.origin = origin(n->source());
          for (auto& [k, v] : parsed) p.tables[k] = std::move(v);
        }
    }
    if (auto* n = root.get("policy")) {
      KDUMP_TRY_ASSIGN(auto s, string(*n, "policy"));
      if (!c.find_policy(s)) {
        Error e = error_at(n->source(), "policy: unknown policy '" + s + "'");
        std::string names;
        for (auto& p : c.policies) names += (names.empty() ? "" : ", ") + p.name;
        e.hints.push_back("known policies: " + names);
        return fail(e);
      }
      c.policy = Setting<std::string>{s, origin(n->source())};
    }
    return c;
  }

private:
  std::string m_shown;
  std::set<std::string> m_done;
};


}  // namespace

const Policy* Config::find_policy(std::string_view name) const {
  for (const auto& p : policies)
    if (p.name == name) return &p;
  return nullptr;
}

Result<Config> parse_config(std::string_view text, std::string_view shown_path) {
  Parser p{std::string(shown_path)};
  return p.parse(text);
}

Result<Config> load_config(const std::filesystem::path& root, const std::optional<std::string>& explicit_file) {
  if (explicit_file) {
    std::ifstream in(*explicit_file, std::ios::binary);
    if (!in) {
      int e = errno;
      Error err = make_error(ErrorKind::config, std::string("cannot read the configuration file: ") +
                                                    std::strerror(e ? e : ENOENT));
      err.file = *explicit_file;
      err.sys_errno = e;
      return fail(err);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), *explicit_file);
  }
  KDUMP_TRY_ASSIGN(auto dir, RootDir::open(root));
  return load_config(dir, explicit_file);
}

Result<Config> load_config(const RootDir& dir, const std::optional<std::string>& explicit_file) {
  if (explicit_file) return load_config(std::filesystem::path("/"), explicit_file);
  std::string abs(default_config_path);
  auto text = dir.read_text(abs, 1u << 20);
  if (!text) {
    if (text.error().kind == ErrorKind::io && text.error().sys_errno == ENOENT) return Config{};
    return fail(std::move(text).error());
  }
  return parse_config(*text, dir.is_host_root() ? abs : dir.display(abs));
}

Result<Ok> apply_capture_initramfs(const Setting<std::string>& c, const FactSource& source, SystemFacts& facts) {
  if (c.value.empty()) return Ok{};
  std::string release = facts.kernel_release ? facts.kernel_release->value : std::string();
  if (release.empty() && c.value.find("{release}") != std::string::npos) {
    Error e = make_error(ErrorKind::missing_fact, "capture_initramfs (" + c.origin +
                                                      ") names {release}, but the kernel release is not known");
    e.hints.push_back("pass --kernel-release RELEASE");
    return fail(e);
  }
  KDUMP_TRY_ASSIGN(facts.capture_initramfs, read_capture_initramfs(source, c.value, release, c.origin));
  return Ok{};
}

Result<const Policy*> select_policy(const Config& config, const std::optional<std::string>& requested) {
  const std::string& name = requested ? *requested : config.policy.value;
  if (const Policy* p = config.find_policy(name)) return p;
  std::string names;
  for (auto& p : config.policies) names += (names.empty() ? "" : ", ") + p.name;
  Error e = make_error(requested ? ErrorKind::usage : ErrorKind::config,
                       (requested ? "--policy: unknown policy '" : "unknown policy '") + name + "'");
  e.hints.push_back("known policies: " + names);
  return fail(e);
}

}  // namespace kdump
