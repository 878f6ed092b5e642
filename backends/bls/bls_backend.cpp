#include "backends/bls/bls_backend.hpp"

#include <algorithm>
#include <cctype>

#include "backends/common/boot_model.hpp"
#include "backends/common/grub_defaults.hpp"
#include "backends/common/grub_defaults_plan.hpp"
#include "grammar/cmdline_edit.hpp"
#include "grammar/grubenv.hpp"
#include "util/text.hpp"

namespace kdump {

namespace {

constexpr auto kGrub = cmdline::Dialect::grub;

bool has_entries(const BootModel& m) {
  auto names = m.files().list(bls::kEntriesDir);
  return names && std::any_of(names->begin(), names->end(), [](const std::string& n) { return n.ends_with(".conf"); });
}

// The GRUB environment block: nullopt when absent or (not required) unparsable.
Result<std::optional<grubenv::Block>> grubenv_block(const BootModel& m, bool required) {
  const auto& env = m.grubenv();
  if (!env) {
    if (!required) return std::optional<grubenv::Block>{};
    Error e = make_error(ErrorKind::unsupported, "entries use $kernelopts, but there is no GRUB environment block");
    e.file = std::string(bls::kGrubenv);
    return fail(std::move(e));
  }
  if (!*env) {
    if (!required) return std::optional<grubenv::Block>{};  // only saved_entry was wanted
    return fail(env->error());
  }
  return std::optional<grubenv::Block>{**env};
}

// rpm-ostree kargs: --append adds, --replace=KEY=VALUE replaces the one value a key has,
// --delete=KEY=VALUE deletes that pair. The value in use is read from the entries.
std::string ostree_hint(const BootModel& m, const ReserveRequest& r) {
  std::optional<std::string> current;
  if (const auto& entries = m.bls_entries())
    for (const auto& f : *entries)
      if (auto o = f.entry.first("options"))
        for (const auto& w : cmdline::crashkernel_words(*o, cmdline::Dialect::grub)) current = w.value;
  if (r.action == ReserveRequest::Action::set)
    return current ? "rpm-ostree kargs --replace=crashkernel=" + r.value
                   : "rpm-ostree kargs --append=crashkernel=" + r.value;
  return "rpm-ostree kargs --delete=crashkernel=" + current.value_or("VALUE");
}

std::string file_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Values that the default entry does not carry but that are configured all the same:
// the other entries, and what future kernels inherit (GRUB_CMDLINE_LINUX,
// /etc/kernel/cmdline). --if-unset keeps "any crashkernel= configured" (docs/kdump-setup.8.md).
void append_configured_elsewhere(const BootModel& m, const std::vector<EntryFile>& entries,
                                 std::size_t default_index, std::vector<ConfiguredValue>& out) {
  auto add = [&out](std::string file, std::string where, std::string_view text) {
    for (const auto& w : cmdline::crashkernel_words(text, kGrub))
      out.push_back({file, where, w.value, false});
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i == default_index) continue;
    const auto& e = entries[i].entry;
    auto opts = e.options_lines();
    if (opts.empty() || e.lines()[opts.front()].kind != bls::Line::Kind::key_value) continue;
    add(entries[i].path, "options (entry " + file_name(entries[i].path) + ")",
        e.value(e.lines()[opts.front()]));
  }
  if (const auto& ev = m.grub_vars())
    add(std::string(grub2::kMainFile), "GRUB_CMDLINE_LINUX", ev->get("GRUB_CMDLINE_LINUX").text());
  if (auto snap = m.kernel_cmdline())
    add(std::string(kKernelCmdlinePath), "future kernels", snap->text);
}

}  // namespace

Detection BlsBackend::detect(const BootModel& model) const {
  const BootFiles& root = model.files();
  Detection det;
  if (!has_entries(model)) {
    det.reason = std::string(bls::kEntriesDir) + " has no *.conf entries";
    return det;
  }
  if (root.exists("/run/ostree-booted")) {
    // Applies so that plan() can refuse with the command that works there.
    det.applies = true;
    det.reason = "/run/ostree-booted exists: an rpm-ostree/bootc system (kernel arguments go through rpm-ostree kargs)";
    return det;
  }
  const auto& ev = model.grub_vars();
  if (ev) {
    const auto& v = ev->get("GRUB_ENABLE_BLSCFG");
    if (v.set && v.text() == "true") {
      det.applies = true;
      det.reason = "GRUB_ENABLE_BLSCFG=true in /etc/default/grub and entries in " + std::string(bls::kEntriesDir);
      return det;
    }
    if (v.set && v.text() != "true") {
      det.reason = "GRUB_ENABLE_BLSCFG=" + v.text() + ": grub2-mkconfig writes classic menu entries";
      return det;
    }
  }
  if (const auto& cfg = model.grub_cfg()) {
    auto t = root.read_text(*cfg);
    if (t && t->find("blscfg") != std::string::npos) {
      det.applies = true;
      det.reason = *cfg + " runs blscfg and " + std::string(bls::kEntriesDir) + " has entries";
      return det;
    }
  }
  det.reason = "entries in " + std::string(bls::kEntriesDir) +
               " but no GRUB with BLS support (GRUB_ENABLE_BLSCFG=true, or blscfg in grub.cfg)";
  return det;
}

Result<std::vector<ConfiguredValue>> BlsBackend::configured(const BootModel& model) const {
  const auto& entries = model.bls_entries();
  if (!entries) return fail(entries.error());
  auto env = grubenv_block(model, false);
  if (!env) return fail(std::move(env).error());
  auto k = model.bls_default();
  std::vector<ConfiguredValue> out;
  if (!k) return out;
  const EntryFile& f = (*entries)[*k];
  auto opts = f.entry.options_lines();
  if (opts.empty() || f.entry.lines()[opts.front()].kind != bls::Line::Kind::key_value) return out;
  const std::string line(f.entry.value(f.entry.lines()[opts.front()]));
  // Words of $kernelopts come first on the line GRUB builds; report where each is written.
  std::optional<std::string> ko = *env ? (*env)->get("kernelopts") : std::nullopt;
  if (bls::uses_kernelopts(line) && ko) {
    for (const auto& w : cmdline::crashkernel_words(*ko, kGrub))
      out.push_back({std::string(bls::kGrubenv), "kernelopts (used by entry " + file_name(f.path) + ")", w.value});
  }
  for (const auto& w : cmdline::crashkernel_words(line, kGrub))
    out.push_back({f.path, "options (entry " + file_name(f.path) + ")", w.value});
  append_configured_elsewhere(model, *entries, *k, out);
  return out;
}


Result<Plan> BlsBackend::plan(const BootModel& model, const ReserveRequest& request) const {
  const BootFiles& root = model.files();
  Plan plan;
  plan.backend = "bls";
  const bool set = request.action == ReserveRequest::Action::set;
  if (root.exists("/run/ostree-booted")) {
    Error e = make_error(ErrorKind::unsupported,
                         "this is an rpm-ostree/bootc system (/run/ostree-booted): its boot entries are "
                         "generated by ostree, and edits to them are lost at the next deployment");
    e.hints.push_back("run: " + ostree_hint(model, request));
    return fail(std::move(e));
  }
  const cmdline::Kind kind = cmdline::kind_of_value(request.value);
  if (set) {
    auto probe = cmdline::set_crashkernel("", request.value, kGrub);
    if (!probe) return fail(std::move(probe).error());
  }

  const auto& loaded = model.bls_entries();
  if (!loaded) return fail(loaded.error());
  const std::vector<EntryFile>& entries = *loaded;
  if (entries.empty())
    return fail(make_error(ErrorKind::unsupported, "no entries in " + std::string(bls::kEntriesDir)));

  // Which entries.
  std::vector<std::size_t> selected;
  const bool all = request.kernel.kind == KernelSelection::Kind::all;
  std::optional<grubenv::Block> env_block;
  {
    auto env = grubenv_block(model, false);
    if (!env) return fail(std::move(env).error());
    env_block = std::move(*env);
  }
  if (all) {
    for (std::size_t k = 0; k < entries.size(); ++k) selected.push_back(k);
  } else if (request.kernel.kind == KernelSelection::Kind::default_entry) {
    std::string how;
    auto k = model.bls_default(&how);
    if (!k) return fail(make_error(ErrorKind::unsupported, "no default entry"));
    selected.push_back(*k);
    plan.notes.push_back("default entry: " + file_name(entries[*k].path) + " (" + how + ")");
  } else {
    std::string known;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const auto& f = entries[k];
      if (!f.rescue && (f.version == request.kernel.release || f.id.ends_with("-" + request.kernel.release)))
        selected.push_back(k);
      if (!f.rescue) known += (known.empty() ? "" : ", ") + f.version;
    }
    if (selected.empty()) {
      Error e = make_error(ErrorKind::usage, "--kernel " + request.kernel.release + ": no entry in " +
                                                 std::string(bls::kEntriesDir) + " boots that release");
      e.hints.push_back("entries boot: " + known);
      return fail(std::move(e));
    }
  }

  // Machine-id: stated, never filtered (bls_backend.hpp).
  const std::string& own_mid = model.machine_id();
  {
    std::string foreign;
    for (auto k : selected)
      if (!own_mid.empty() && !entries[k].machine_id.empty() && entries[k].machine_id != own_mid)
        foreign += (foreign.empty() ? "" : ", ") + file_name(entries[k].path);
    if (!foreign.empty())
      plan.notes.push_back("entries with another machine-id than /etc/machine-id are edited too (GRUB boots "
                           "them all): " + foreign);
  }

  // Does the shared $kernelopts get the value?
  bool edit_kernelopts = false;
  for (auto k : selected) {
    const auto& f = entries[k];
    auto opts = f.entry.options_lines();
    if (!opts.empty() && f.entry.lines()[opts.front()].kind == bls::Line::Kind::key_value &&
        bls::uses_kernelopts(f.entry.value(f.entry.lines()[opts.front()])))
      edit_kernelopts = true;
  }
  std::optional<std::string> kernelopts_before;
  std::optional<std::string> kernelopts_after;
  if (edit_kernelopts) {
    auto env = grubenv_block(model, true);
    if (!env) return fail(std::move(env).error());
    env_block = std::move(*env);
    kernelopts_before = env_block->get("kernelopts");
    if (!kernelopts_before) {
      Error e = make_error(ErrorKind::unsupported,
                           "entries use $kernelopts, but the GRUB environment block does not set it (GRUB then "
                           "uses the fallback in grub.cfg)");
      e.file = std::string(bls::kGrubenv);
      e.hints.push_back("run grub2-mkconfig once so that it writes kernelopts, or write the options into the entries");
      return fail(std::move(e));
    }
    if (!all) {
      // Shared by every entry that names it: one entry gets its value on its own line.
      const auto words = cmdline::crashkernel_words(*kernelopts_before, kGrub);
      if (!set && !words.empty()) {
        Error e = make_error(ErrorKind::unsupported,
                             "crashkernel=" + words.front().value +
                                 " is in kernelopts, which every entry using $kernelopts shares; it cannot be "
                                 "removed for one kernel");
        e.file = std::string(bls::kGrubenv);
        e.hints.push_back("use --kernel all");
        return fail(std::move(e));
      }
      if (set && !words.empty())
        plan.notes.push_back("kernelopts in " + std::string(bls::kGrubenv) + " keeps crashkernel=" +
                             words.front().value + " for the other entries; the selected entry's own value "
                             "follows it on the command line, and the kernel takes the last one");
      edit_kernelopts = false;
    } else {
      auto r = set ? cmdline::set_crashkernel(*kernelopts_before, request.value, kGrub)
                   : cmdline::remove_crashkernel(*kernelopts_before, kGrub);
      if (!r) {
        Error e = std::move(r).error();
        e.file = std::string(bls::kGrubenv);
        e.message = "kernelopts: " + e.message;
        return fail(std::move(e));
      }
      for (const auto& w : r->warnings) plan.notes.push_back("kernelopts: " + w);
      kernelopts_after = r->text;
    }
  }

  // /etc/default/grub and /etc/kernel/cmdline: what future kernels get (--kernel all).
  if (all) {
    if (root.exists(grub2::kMainFile)) {
      auto d = plan_grub_defaults(model, request, true);
      if (!d) return fail(std::move(d).error());
      for (auto& e : d->edits)
        if (e.changes()) plan.edits.push_back(std::move(e));
        else plan.examined.push_back(e.path);
      plan.examined.insert(plan.examined.end(), d->examined.begin(), d->examined.end());
      plan.notes.insert(plan.notes.end(), d->notes.begin(), d->notes.end());
      plan.kept.insert(plan.kept.end(), d->kept.begin(), d->kept.end());
    }
    if (root.exists(kKernelCmdlinePath)) {
      auto snap = root.read(kKernelCmdlinePath);
      if (!snap) return fail(std::move(snap).error());
      auto r = set ? cmdline::set_crashkernel(snap->text, request.value, cmdline::Dialect::kernel)
                   : cmdline::remove_crashkernel(snap->text, cmdline::Dialect::kernel);
      if (!r) {
        Error e = std::move(r).error();
        e.file = std::string(kKernelCmdlinePath);
        if (e.column) {
          const auto [line, col] = line_column(snap->text, *e.column - 1);
          e.line = line;
          e.column = col;
        }
        return fail(std::move(e));
      }
      for (const auto& w : r->warnings) plan.notes.push_back(std::string(kKernelCmdlinePath) + ": " + w);
      if (r->changed) {
        FileEdit fe;
        fe.path = std::string(kKernelCmdlinePath);
        fe.before = snap->text;
        fe.stamp = snap->stamp;
        fe.after = r->text;
        fe.reason = set ? "set crashkernel=" + request.value + " for kernels installed later"
                        : "remove crashkernel= for kernels installed later";
        plan.edits.push_back(std::move(fe));
      } else {
        plan.examined.push_back(std::string(kKernelCmdlinePath));
      }
    } else if (set) {
      plan.notes.push_back(std::string(kKernelCmdlinePath) +
                           " does not exist: kernels installed later take their options from /proc/cmdline, "
                           "which carries crashkernel= after the next boot");
    }
  }

  if (kernelopts_after && *kernelopts_after != *kernelopts_before) {
    grubenv::Block b = *env_block;
    auto r = b.set("kernelopts", *kernelopts_after);
    if (!r) return fail(std::move(r).error());
    FileEdit fe;
    fe.path = std::string(bls::kGrubenv);
    fe.before = env_block->text();
    fe.stamp = model.grubenv_stamp();
    fe.after = b.text();
    fe.reason = (set ? "set crashkernel=" + request.value + " in" : std::string("remove crashkernel= from")) +
                " kernelopts (the $kernelopts of the entries)";
    plan.edits.push_back(std::move(fe));
  } else if (env_block) {
    plan.examined.push_back(std::string(bls::kGrubenv));
  }
  const std::optional<std::string>& ko_after = kernelopts_after ? kernelopts_after : kernelopts_before;

  // The entries.
  std::size_t unchanged = 0;
  std::size_t via_kernelopts = 0;
  std::vector<std::string> problems;
  for (auto k : selected) {
    const auto& f = entries[k];
    const auto opts = f.entry.options_lines();
    const std::string name = file_name(f.path);
    plan.examined.push_back(f.path);  // harmless once it is also an edit
    if (opts.empty()) {
      plan.notes.push_back(name + " has no options line (GRUB boots it with $default_kernelopts): left unchanged");
      continue;
    }
    if (f.entry.lines()[opts.front()].kind != bls::Line::Kind::key_value) {
      plan.notes.push_back(name + ":" + std::to_string(opts.front() + 1) +
                           ": an options line without a value, where GRUB's blscfg stops reading the entry: "
                           "left unchanged");
      continue;
    }
    const std::size_t first = opts.front();
    const std::string value(f.entry.value(f.entry.lines()[first]));
    const bool shared = bls::uses_kernelopts(value) && all;
    Result<bls::OptionsEdit> r = (set && !shared) ? bls::set_crashkernel(f.entry, first, request.value, kGrub)
                                 : set            ? bls::remove_crashkernel(f.entry, first, kGrub, kind)
                                                  : bls::remove_crashkernel(f.entry, first, kGrub);
    if (!r) {
      Error e = std::move(r).error();
      e.file = f.path;
      e.message = "options: " + e.message;
      return fail(std::move(e));
    }
    for (const auto& w : r->edit.warnings) plan.notes.push_back(name + ": " + w);
    for (std::size_t j = 1; j < opts.size(); ++j) {
      const auto& l = f.entry.lines()[opts[j]];
      if (l.kind == bls::Line::Kind::key_value && !cmdline::crashkernel_words(f.entry.value(l), kGrub).empty())
        plan.notes.push_back(name + ":" + std::to_string(opts[j] + 1) +
                             ": crashkernel= on a second options line, which GRUB ignores: left unchanged");
    }
    // Check: what GRUB will boot with.
    auto after = bls::Entry::parse(r->text, f.path);
    if (!after) return fail(std::move(after).error());
    const auto aopts = after->options_lines();
    const std::string booted =
        aopts.empty() ? std::string() : bls::expand_kernelopts(after->value(after->lines()[aopts.front()]), ko_after);
    std::optional<std::string> last;
    for (const auto& w : cmdline::crashkernel_words(booted, kGrub))
      if (!set || cmdline::replaces(kind, w.kind)) last = w.value;
    if (set && last != request.value) problems.push_back(name + " would boot with crashkernel=" + last.value_or("(none)"));
    if (!set && last && !(bls::uses_kernelopts(value) && !all))
      problems.push_back(name + " would still boot with crashkernel=" + *last);
    if (!r->edit.changed) {
      if (shared) ++via_kernelopts;
      else ++unchanged;
      continue;
    }
    FileEdit fe;
    fe.path = f.path;
    fe.before = f.entry.text();
    fe.stamp = f.stamp;
    fe.after = r->text;
    fe.reason = r->line_removed ? "remove the options line, left empty"
                : set && !shared ? (r->edit.replaced ? "replace " + *r->edit.replaced + " with crashkernel=" + request.value
                                                     : "add crashkernel=" + request.value) +
                                       " in options"
                                 : "remove crashkernel= from options";
    if (f.rescue) fe.reason += " (rescue entry)";
    plan.edits.push_back(std::move(fe));
  }
  if (!problems.empty()) {
    std::string msg = "the planned edit would not give the entries the intended command line: ";
    for (std::size_t k = 0; k < problems.size(); ++k) msg += (k ? "; " : "") + problems[k];
    Error e = make_error(ErrorKind::internal, msg);
    return fail(std::move(e));
  }
  if (!all && plan.changes_anything() && root.exists(grub2::kMainFile))
    plan.notes.push_back("GRUB_CMDLINE_LINUX is left as it is (it is for every kernel): a later "
                         "`grub2-mkconfig --update-bls-cmdline` (RHEL >= 9.3) would reset the entries' options from it");
  if (via_kernelopts)
    plan.notes.push_back(std::to_string(via_kernelopts) + " of " + std::to_string(selected.size()) +
                         " entries take their options from $kernelopts (" + std::string(bls::kGrubenv) +
                         "): their files stay as they are");
  if (unchanged && plan.changes_anything())
    plan.notes.push_back(std::to_string(unchanged) + " of " + std::to_string(selected.size()) +
                         " entries already " + (set ? "carry crashkernel=" + request.value : "carry no crashkernel="));
  return plan;
}

}  // namespace kdump
