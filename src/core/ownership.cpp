#include "core/ownership.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <set>

#include <toml++/toml.h>

#include "util/atomic_file.hpp"

namespace kdump {
namespace {

constexpr std::string_view k_keys[] = {"schema", "owner", "value", "backend", "files", "inputs",
                                       "created_directories", "substituted"};
constexpr std::string_view k_substituted_keys[] = {"entry", "value", "source"};
constexpr std::string_view k_input_keys[] = {"policy", "memory_bytes", "kernel_release", "capture_initramfs",
                                             "capture_initramfs_bytes"};

// A TOML basic string (toml.io v1.0.0, "String"): quote, backslash and control
// characters escaped.
std::string toml_string(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      q += buf;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

class Reader {
public:
  explicit Reader(std::string_view shown) : m_shown(shown) {}

  Error at(const toml::source_region& where, std::string message) const {
    Error e = make_error(ErrorKind::parse, std::move(message));
    e.file = m_shown;
    if (where.begin.line) e.line = where.begin.line;
    if (where.begin.column) e.column = where.begin.column;
    e.hints.push_back("kdump-setup writes this file itself; move it away (kdump-setup then owns no "
                      "value) or restore it from a backup");
    return e;
  }

  template <std::size_t N>
  Result<Ok> known(const toml::table& t, const std::string_view (&names)[N], std::string_view where) const {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto n : names) ok = ok || n == k.str();
      if (!ok) return fail(at(v.source(), "unknown key '" + std::string(where) + std::string(k.str()) + "'"));
    }
    return Ok{};
  }

  Result<std::string> string(const toml::table& t, std::string_view key, bool required = true) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (!required) return std::string();
      return fail(at(t.source(), "missing key '" + std::string(key) + "'"));
    }
    if (auto s = n->as_string()) return s->get();
    return fail(at(n->source(), "'" + std::string(key) + "' must be a string"));
  }

  Result<std::uint64_t> count(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return fail(at(t.source(), "missing key '" + std::string(key) + "'"));
    auto i = n->as_integer();
    if (!i || i->get() < 0) return fail(at(n->source(), "'" + std::string(key) + "' must be a non-negative integer"));
    return static_cast<std::uint64_t>(i->get());
  }

  // An optional array of strings (absent: empty).
  Result<std::vector<std::string>> strings(const toml::table& t, std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const std::string must = "'" + std::string(key) + "' must be an array of strings";
    const toml::array* a = n->as_array();
    if (!a) return fail(at(n->source(), must));
    for (const auto& f : *a) {
      auto p = f.as_string();
      if (!p) return fail(at(f.source(), must));
      out.push_back(p->get());
    }
    return out;
  }

  Result<OwnershipInputs> inputs(const toml::node& n) const {
    const toml::table* t = n.as_table();
    if (!t) return fail(at(n.source(), "'inputs' must be a table"));
    KDUMP_TRY(known(*t, k_input_keys, "inputs."));
    OwnershipInputs in;
    KDUMP_TRY_ASSIGN(in.policy, string(*t, "policy"));
    KDUMP_TRY_ASSIGN(in.memory_bytes, count(*t, "memory_bytes"));
    KDUMP_TRY_ASSIGN(in.kernel_release, string(*t, "kernel_release", false));
    KDUMP_TRY_ASSIGN(in.capture_initramfs, string(*t, "capture_initramfs", false));
    if (t->get("capture_initramfs_bytes")) {
      KDUMP_TRY_ASSIGN(in.capture_initramfs_bytes, count(*t, "capture_initramfs_bytes"));
    }
    return in;
  }

  Result<std::vector<SubstitutedValue>> substituted(const toml::node& n) const {
    const toml::array* a = n.as_array();
    if (!a) return fail(at(n.source(), "'substituted' must be an array of tables ([[substituted]])"));
    std::vector<SubstitutedValue> out;
    for (const auto& item : *a) {
      const toml::table* t = item.as_table();
      if (!t) return fail(at(item.source(), "'substituted' must be an array of tables ([[substituted]])"));
      KDUMP_TRY(known(*t, k_substituted_keys, "substituted."));
      SubstitutedValue v;
      KDUMP_TRY_ASSIGN(v.entry_path, string(*t, "entry"));
      KDUMP_TRY_ASSIGN(v.value, string(*t, "value"));
      KDUMP_TRY_ASSIGN(v.source, string(*t, "source", false));
      out.push_back(std::move(v));
    }
    return out;
  }

  Result<OwnershipState> parse(std::string_view text) const {
    toml::table root;
    try {
      root = toml::parse(text, std::string(m_shown));
    } catch (const toml::parse_error& e) {
      return fail(at(e.source(), std::string(e.description())));
    }
    KDUMP_TRY(known(root, k_keys, ""));
    const toml::node* schema = root.get("schema");
    if (!schema) return fail(at(root.source(), "missing key 'schema'"));
    auto version = schema->as_integer();
    if (!version || version->get() < 1)
      return fail(at(schema->source(), "'schema' must be a positive integer"));
    if (version->get() > ownership_schema)
      return fail(at(schema->source(), "schema " + std::to_string(version->get()) +
                                           " is newer than this kdump-setup reads (" +
                                           std::to_string(ownership_schema) + ")"));
    OwnershipState s;
    KDUMP_TRY_ASSIGN(auto owner, string(root, "owner"));
    if (owner == "auto") s.owner = OwnershipState::Owner::auto_value;
    else if (owner == "admin") s.owner = OwnershipState::Owner::admin;
    else return fail(at(root.get("owner")->source(), "owner '" + owner + "': expected \"auto\" or \"admin\""));
    KDUMP_TRY_ASSIGN(s.value, string(root, "value"));
    if (auto spec = parse_crashkernel(s.value); !spec)
      return fail(at(root.get("value")->source(), "value '" + s.value + "' is not a crashkernel= value: " +
                                                      spec.error().message));
    KDUMP_TRY_ASSIGN(s.backend, string(root, "backend", false));
    KDUMP_TRY_ASSIGN(s.files, strings(root, "files"));
    KDUMP_TRY_ASSIGN(s.created_directories, strings(root, "created_directories"));
    for (const auto& d : s.created_directories)
      if (!d.starts_with("/") || d == "/" || d.find("/../") != std::string::npos || d.ends_with("/.."))
        return fail(at(root.get("created_directories")->source(),
                       "'created_directories': '" + d + "' is not an absolute path below the root"));
    if (const toml::node* sub = root.get("substituted")) {
      KDUMP_TRY_ASSIGN(s.substituted, substituted(*sub));
    }
    if (const toml::node* in = root.get("inputs")) {
      KDUMP_TRY_ASSIGN(auto i, inputs(*in));
      s.inputs = std::move(i);
    } else if (s.owner == OwnershipState::Owner::auto_value) {
      return fail(at(root.source(), "owner \"auto\" needs an [inputs] table"));
    }
    return s;
  }

private:
  std::string m_shown;
};

}  // namespace

std::string_view owner_name(OwnershipState::Owner o) {
  return o == OwnershipState::Owner::auto_value ? "auto" : "admin";
}

Result<OwnershipState> parse_ownership(std::string_view text, std::string_view shown) {
  return Reader(shown).parse(text);
}

std::string render_ownership(const OwnershipState& s) {
  std::string t =
      "# kdump-setup(8): who chose the configured crashkernel= value. Written by kdump-setup\n"
      "# with the boot files; `kdump-setup refresh` recomputes only an \"auto\" value.\n";
  // Schema 1 unless the record needs schema 2's keys: older kdump-setup reads it then.
  t += "schema = " + std::to_string(s.created_directories.empty() && s.substituted.empty() ? 1 : ownership_schema) +
       "\n";
  t += "owner = " + toml_string(owner_name(s.owner)) + "\n";
  t += "value = " + toml_string(s.value) + "\n";
  t += "backend = " + toml_string(s.backend) + "\n";
  t += "files = [";
  for (std::size_t i = 0; i < s.files.size(); ++i) t += (i ? ", " : "") + toml_string(s.files[i]);
  t += "]\n";
  if (!s.created_directories.empty()) {
    t += "created_directories = [";
    for (std::size_t i = 0; i < s.created_directories.size(); ++i)
      t += (i ? ", " : "") + toml_string(s.created_directories[i]);
    t += "]\n";
  }
  if (s.inputs) {
    const OwnershipInputs& in = *s.inputs;
    t += "\n[inputs]\n";
    t += "policy = " + toml_string(in.policy) + "\n";
    t += "memory_bytes = " + std::to_string(in.memory_bytes) + "\n";
    t += "kernel_release = " + toml_string(in.kernel_release) + "\n";
    t += "capture_initramfs = " + toml_string(in.capture_initramfs) + "\n";
    t += "capture_initramfs_bytes = " + std::to_string(in.capture_initramfs_bytes) + "\n";
  }
  for (const auto& v : s.substituted) {
    t += "\n[[substituted]]\n";
    t += "entry = " + toml_string(v.entry_path) + "\n";
    t += "value = " + toml_string(v.value) + "\n";
    t += "source = " + toml_string(v.source) + "\n";
  }
  return t;
}

Result<StateFile> load_state_file(const RootDir& root) {
  StateFile f;
  auto snap = root.read_snapshot(ownership_state_path, 1u << 20);
  if (!snap) {
    if (snap.error().sys_errno == ENOENT) return f;
    return fail(std::move(snap).error());
  }
  KDUMP_TRY_ASSIGN(auto state, parse_ownership(snap->text, ownership_state_path));
  f.text = std::move(snap->text);
  f.stamp = snap->stamp;
  f.state = std::move(state);
  return f;
}

OwnershipInputs ownership_inputs(const Recommendation& r, const SystemFacts& facts, const RootDir& root) {
  OwnershipInputs in;
  in.policy = r.policy;
  in.memory_bytes = r.memory_bytes;
  if (facts.kernel_release) in.kernel_release = facts.kernel_release->value;
  if (r.capture_initramfs && r.capture_initramfs->found && facts.capture_initramfs) {
    in.capture_initramfs = facts.capture_initramfs->value.path;
    const std::string prefix = root.display("/");  // "DIR/" under --root, "/" on the host
    if (!root.is_host_root() && in.capture_initramfs.starts_with(prefix))
      in.capture_initramfs = in.capture_initramfs.substr(prefix.size() - 1);
    in.capture_initramfs_bytes = facts.capture_initramfs->value.bytes;
  }
  return in;
}

namespace {

std::string parent_of(const std::string& abs) {
  const auto slash = abs.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : abs.substr(0, slash);
}

// Missing parents of one new file, innermost first.
void missing_parents(const std::string& file, const TreeView& tree, std::vector<std::string>& out) {
  for (std::string p = parent_of(file); p != "/" && !tree.exists(p); p = parent_of(p))
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
}

std::size_t depth(const std::string& p) { return static_cast<std::size_t>(std::count(p.begin(), p.end(), '/')); }

// remove: the recorded directories that hold nothing once the plan's deletions are done
// (a hidden leftover of an interrupted run beside a file the plan deletes or examined
// counts as nothing: the apply step removes it first), deepest first.
void add_directory_removals(Plan& plan, std::vector<std::string> recorded, const TreeView& tree) {
  std::set<std::string> gone;
  for (const auto& e : plan.edits)
    if (e.remove && e.changes()) gone.insert(e.path);
  std::vector<std::string> beside(gone.begin(), gone.end());
  beside.insert(beside.end(), plan.examined.begin(), plan.examined.end());
  std::sort(recorded.begin(), recorded.end(), [](const std::string& a, const std::string& b) {
    return depth(a) != depth(b) ? depth(a) > depth(b) : a > b;
  });
  for (const auto& dir : recorded) {
    if (gone.count(dir) || !tree.is_directory(dir)) continue;
    auto names = tree.list(dir);
    if (!names) continue;
    const bool empty_after = std::all_of(names->begin(), names->end(), [&](const std::string& n) {
      if (gone.count(dir + "/" + n)) return true;
      if (!AtomicFile::is_leftover_name(n)) return false;
      return std::any_of(beside.begin(), beside.end(), [&](const std::string& f) {
        return parent_of(f) == dir && n.starts_with(AtomicFile::leftover_prefix(f.substr(dir.size() + 1)));
      });
    });
    if (!empty_after) continue;
    FileEdit fe;
    fe.path = dir;
    fe.before = std::string();
    fe.remove = true;
    fe.directory = true;
    fe.summary = "created by kdump-setup, empty once its files are gone";
    fe.reason = "remove " + dir + "/, which kdump-setup created, now empty";
    plan.edits.push_back(std::move(fe));
    gone.insert(dir);
  }
}

}  // namespace

std::vector<std::string> directories_created_by(const Plan& plan, const TreeView& tree) {
  std::vector<std::string> out;
  for (const auto& e : plan.edits)
    if (!e.remove && !e.before && e.changes()) missing_parents(e.path, tree, out);
  return out;
}

void add_ownership_edit(Plan& plan, const OwnershipChange& change, const TreeView* tree) {
  using Action = OwnershipChange::Action;
  const StateFile& cur = change.current;
  const std::vector<std::string> recorded =
      cur.state ? cur.state->created_directories : std::vector<std::string>{};
  FileEdit e;
  e.path = std::string(ownership_state_path);
  e.before = cur.text;
  e.stamp = cur.stamp;
  e.record_only = true;
  // Not written, still looked at: the apply step removes what a killed run left beside
  // it (a rerun that finds the directories made may have nothing to record).
  plan.examined.push_back(e.path);
  if (change.action == Action::clear) {
    if (cur.text) {
      e.remove = true;
      e.reason = "forget the value kdump-setup chose (remove)";
      plan.edits.push_back(std::move(e));
    }
    if (tree) add_directory_removals(plan, recorded, *tree);
    return;
  }
  if (change.action == Action::forget_files) {
    if (!cur.state) return;
    if (tree) add_directory_removals(plan, recorded, *tree);
    OwnershipState s = *cur.state;
    // Deleted by this plan, or already gone (another tool removed it: kernel-install's
    // 90-uki-copy.install deletes a removed kernel's .extra.d/ too since systemd 257).
    auto deleted = [&](const std::string& p) {
      return (tree && !tree->exists(p)) ||
             std::any_of(plan.edits.begin(), plan.edits.end(),
                         [&](const FileEdit& x) { return x.remove && x.changes() && x.path == p; });
    };
    std::erase_if(s.files, deleted);
    std::erase_if(s.created_directories, deleted);
    e.after = render_ownership(s);
    e.reason = "forget the files this remove deletes (the value stays for the other kernels)";
    if (e.changes()) plan.edits.push_back(std::move(e));
    return;
  }
  std::vector<std::string> dirs;
  for (const auto& d : recorded)
    if (!tree || tree->is_directory(d)) dirs.push_back(d);
  std::vector<std::string> made;
  if (tree) made = directories_created_by(plan, *tree);
  // An explicit value without a record is the admin's and needs none, unless the plan
  // makes directories: only the record lets remove delete them again, and only them.
  if (change.action == Action::record_admin && !cur.text && made.empty()) return;
  OwnershipState s;
  s.owner = change.action == Action::record_auto ? OwnershipState::Owner::auto_value : OwnershipState::Owner::admin;
  s.value = change.value;
  s.backend = plan.backend;
  for (const auto& edit : plan.edits) s.files.push_back(edit.path);
  s.substituted = plan.substituted;
  // A rerun that writes no boot file keeps the files of the run that wrote them.
  if (cur.state && !plan.changes_anything()) s.files = cur.state->files;
  if (change.action == Action::record_auto) s.inputs = change.inputs;
  if (tree && !cur.text) missing_parents(e.path, *tree, made);  // the state file's own
  for (const auto& d : made)
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  std::sort(dirs.begin(), dirs.end());
  s.created_directories = std::move(dirs);
  e.after = render_ownership(s);
  e.reason = change.action == Action::record_auto
                 ? "record that kdump-setup chose crashkernel=" + change.value + " (refresh may recompute it)"
                 : "record that crashkernel=" + change.value + " is the admin's (refresh leaves it alone)";
  if (!s.created_directories.empty()) e.reason += " and the directories kdump-setup created (remove deletes them)";
  if (e.changes()) plan.edits.push_back(std::move(e));
}

}  // namespace kdump
