#include "core/next_boot_check.hpp"

#include <map>

#include "core/explain.hpp"
#include "grammar/cmdline_edit.hpp"

namespace kdump {
namespace {

// Without a known release, which token the kernel picks is still the same question for
// every modelled release except ",cma" (known from 6.16): the newest model decides.
constexpr std::string_view k_stand_in_release = "6.16";
// Without the RAM, the pick is made at this figure (as the write gate does): only a plain
// value the kernel rejects at some RAM and not at another changes the pick.
constexpr std::uint64_t k_nominal_ram = 1ull << 40;

bool set_request(const ReserveRequest& r) { return r.action == ReserveRequest::Action::set; }

std::string quoted(const std::optional<std::string>& v) {
  return v ? "crashkernel=" + *v : std::string("no crashkernel=");
}

// The value a remove leaves on purpose (a package's file) that the entry still carries.
const KeptValue* kept_value(const std::vector<KeptValue>& kept, const std::optional<std::string>& carried) {
  if (!carried) return nullptr;
  for (const auto& k : kept)
    if (k.value == *carried) return &k;
  return nullptr;
}

// The value the request means for this entry: the plan's substitute (a vendor add-on that
// `reserve auto` installed instead), else the requested one.
const std::string& intended_for(const NextBootInput& in, const std::string& entry_path) {
  for (const auto& s : in.substituted)
    if (s.entry_path == entry_path) return s.value;
  return in.request.value;
}

// The kernel model that picks the token: the entry's release, the running one, or the
// stand-in.
KernelModel pick_model(Arch arch, const std::string& release, const std::string& running) {
  if (auto m = model_for_release(arch, release)) return *m;
  if (auto m = model_for_release(arch, running)) return *m;
  return *model_for_release(arch, k_stand_in_release);
}

struct Pick {
  std::optional<std::string> main;  // plain, or the ,high value the kernel falls back to
  bool main_is_high = false;
  std::optional<std::string> of_kind;  // the intended kind's last word (",low", ",cma")
  bool any = false;                    // some crashkernel= token at all
};

Pick pick(std::string_view cmdline, const KernelModel& model, std::uint64_t ram, std::string_view kind) {
  Pick p;
  KernelOutcome o = evaluate_cmdline(cmdline, ram, model);
  const auto& tok = o.used_high && o.high ? o.high : o.plain;
  if (tok) p.main = std::string(tok->value);
  p.main_is_high = o.used_high && o.high;
  for (const auto& t : find_crashkernel_tokens(cmdline)) p.any = p.any || t.standalone;
  if (kind == "low" || kind == "cma")
    for (const auto& w : cmdline::crashkernel_words(cmdline, cmdline::Dialect::kernel))
      if (cmdline::kind_name(w.kind) == kind) p.of_kind = w.value;
  return p;
}

// What the value the entry's kernel picks reserves at this RAM (the explain model).
void reserves(EntryReach& r, const NextBootInput& in, Arch arch, bool any_token) {
  if (!r.entry.cmdline) return;
  if (!any_token) {
    r.reserves_bytes_after = 0;
    r.kexec_crash_size_after = 0;
    r.reserves_why = "no crashkernel= on its command line";
    return;
  }
  auto model = model_for_release(arch, r.entry.kernel_release);
  if (!model) {
    r.reserves_why = r.entry.kernel_release.empty() ? "its kernel release is unknown"
                                                    : "'" + r.entry.kernel_release + "' names no kernel release";
    return;
  }
  r.model = model->label();
  if (!in.arch) {
    r.reserves_why = "the architecture is unknown (pass --arch)";
    return;
  }
  if (!in.memory) {
    r.reserves_why = "the RAM is unknown (pass --memory SIZE)";
    return;
  }
  Explanation x = explain_cmdline(*r.entry.cmdline, 0, *in.memory, r.entry.kernel_release, *model);
  const KernelOutcome& o = x.outcome;
  r.reserves_bytes_after = o.crash_regions_bytes();
  r.kexec_crash_size_after = o.kexec_crash_size(*model);
  if (o.error) r.reserves_why = "the kernel rejects it: \"" + o.error->text + "\"";
  else if (o.silent_rejection) r.reserves_why = "the kernel rejects it without a message: " + *o.silent_rejection;
  else if (o.placement_failure) r.reserves_why = "the kernel cannot place it: \"" + *o.placement_failure + "\"";
  else if (!o.reserves()) r.reserves_why = "it reserves nothing at " + human_size(*in.memory) + " of RAM";
  else r.reserves_why = "at " + human_size(*in.memory) + " of RAM (" + in.memory_source + "), model " + model->label();
}

std::string entry_name(const EntryReach& r) { return "'" + r.entry.id + "'"; }

std::string role(const EntryReach& r, const ReserveRequest& req) {
  if (req.kernel.kind == KernelSelection::Kind::release)
    return "the entry " + entry_name(r) + " of kernel " + req.kernel.release;
  return "the entry that boots next, " + entry_name(r) + " (" + r.entry.path + "),";
}

// Why an entry that was checked does not get the intended value.
std::string why_not(const EntryReach& r, const ReserveRequest& req, const Pick& after) {
  const std::string kind(cmdline::kind_name(cmdline::kind_of_value(req.value)));
  if (kind == "low" && after.of_kind == req.value && !after.main_is_high)
    return role(r, req) + " carries crashkernel=" + req.value + ", but its kernel reads ,low only beside a "
           ",high value and picks " + quoted(after.main);
  std::string s = role(r, req) + " would boot with " + quoted(r.crashkernel_after) + ", not crashkernel=" + req.value;
  if (r.entry.kind == "uki" && r.crashkernel_after)
    s += ": it is a unified kernel image whose command line (embedded .cmdline, then the add-ons systemd-stub "
         "appends) sets crashkernel=" + *r.crashkernel_after + " after it";
  else if (r.crashkernel_after == r.crashkernel_before && r.crashkernel_after)
    s += ": the plan does not change what it boots with";
  else if (!r.crashkernel_after)
    s += ": the plan does not reach its command line";
  return s;
}

bool selects(const EntryView& e, const KernelSelection& k) {
  return k.kind == KernelSelection::Kind::release && !e.kernel_release.empty() && e.kernel_release == k.release &&
         e.kind != "grub-recovery";
}

void judge_future(NextBootReport& rep, const ReserveRequest& req, std::vector<std::string>& problems) {
  for (const auto& f : rep.future) {
    if (!f.known) continue;
    const bool ok = set_request(req) ? f.crashkernel_after == req.value : !f.crashkernel_after;
    if (!ok)
      problems.push_back(f.view.who + " get " + quoted(f.crashkernel_after) + " from " + f.view.source +
                         " (" + f.view.where + ")");
  }
}

std::string future_summary(const NextBootReport& rep) {
  for (const auto& f : rep.future)
    if (f.known) return f.view.who + " get " + quoted(f.crashkernel_after) + " (" + f.view.source + ")";
  return {};
}

void decide_unknown(NextBootReport& rep, const ReserveRequest& req, std::string why) {
  std::vector<std::string> problems;
  judge_future(rep, req, problems);
  if (!problems.empty()) {
    rep.verdict = NextBootVerdict::does_not_reach;
    rep.message = why + "; and " + problems.front();
    return;
  }
  rep.verdict = NextBootVerdict::unknown;
  const std::string fut = future_summary(rep);
  rep.message = "which value the next boot gets cannot be known here: " + why + (fut.empty() ? "" : "; " + fut);
  rep.warnings.push_back(rep.message);
}

void add_hints(NextBootReport& rep, const ReserveRequest& req, const EntryReach& bad) {
  const std::string kind(cmdline::kind_name(cmdline::kind_of_value(req.value)));
  if (set_request(req) && kind == "low")
    rep.hints.push_back("a ,low value counts only beside a ,high one: kdump-setup reserve 'SIZE,high' "
                        "first, or reserve a plain value");
  if (bad.entry.kind == "uki")
    rep.hints.push_back("rebuild " + bad.entry.path + " without crashkernel= in its .cmdline (ukify build "
                        "--cmdline=...), or remove the add-on that sets it");
  if (req.kernel.kind != KernelSelection::Kind::all && kind != "low")
    rep.hints.push_back(set_request(req) ? "kdump-setup reserve --kernel all '" + req.value + "'"
                                         : "kdump-setup remove --kernel all");
  rep.hints.push_back("see what every entry gets: kdump-setup --json " +
                      std::string(set_request(req) ? "reserve --dry-run '" + req.value + "'" : "remove --dry-run") +
                      " (\"entries\")");
}

}  // namespace

std::string_view verdict_name(NextBootVerdict v) {
  switch (v) {
    case NextBootVerdict::reaches: return "reaches";
    case NextBootVerdict::unknown: return "unknown";
    case NextBootVerdict::does_not_reach: return "does-not-reach";
  }
  return "unknown";
}

std::optional<std::string> picked_crashkernel(std::string_view cmdline, const KernelModel& model,
                                              std::uint64_t ram, std::string_view intended_kind) {
  Pick p = pick(cmdline, model, ram, intended_kind);
  return intended_kind == "low" || intended_kind == "cma" ? p.of_kind : p.main;
}

namespace {

// The request's kind of value ("plain", "high", "low", "cma"; remove: "plain").
std::string kind_of(const ReserveRequest& req) {
  return set_request(req) ? std::string(cmdline::kind_name(cmdline::kind_of_value(req.value))) : "plain";
}

std::optional<std::string> picked_of_kind(const Pick& p, const std::string& kind) {
  return kind == "low" || kind == "cma" ? p.of_kind : p.main;
}

// Every entry after the plan, with what its kernel picks before and after. `picks`: the
// after-pick of each entry, for the sentences.
void describe(const NextBootInput& in, NextBootReport& rep, std::vector<Pick>& picks) {
  const ReserveRequest& req = in.request;
  const Arch arch = in.arch.value_or(Arch::x86_64);
  const std::uint64_t ram = in.memory.value_or(k_nominal_ram);
  const std::string kind = kind_of(req);
  std::map<std::string, const EntryView*> before;
  for (const auto& e : in.before.entries) before.emplace(e.path + "\n" + e.id, &e);
  for (std::size_t i = 0; i < in.after.entries.size(); ++i) {
    EntryReach r;
    r.entry = in.after.entries[i];
    r.next_boot = in.after.next && *in.after.next == i;
    const KernelModel m = pick_model(arch, r.entry.kernel_release, in.running_release);
    if (auto it = before.find(r.entry.path + "\n" + r.entry.id); it != before.end() && it->second->cmdline) {
      r.known_before = true;
      r.crashkernel_before = picked_of_kind(pick(*it->second->cmdline, m, ram, kind), kind);
    }
    Pick a;
    if (r.entry.cmdline) {
      r.known_after = true;
      a = pick(*r.entry.cmdline, m, ram, kind);
      r.crashkernel_after = picked_of_kind(a, kind);
      r.carries_intended = set_request(req) ? r.crashkernel_after == intended_for(in, r.entry.path) &&
                                                  (kind != "low" || a.main_is_high)
                                            : !a.any;
    }
    reserves(r, in, arch, a.any);
    r.targeted = req.kernel.kind == KernelSelection::Kind::release ? selects(r.entry, req.kernel) : r.next_boot;
    rep.entries.push_back(std::move(r));
    picks.push_back(std::move(a));
  }
  for (const auto& f : in.after.future) {
    FutureReach fr;
    fr.view = f;
    const KernelModel m = pick_model(arch, "", in.running_release);
    for (const auto& b : in.before.future)
      if (b.source == f.source && b.cmdline) fr.crashkernel_before = picked_crashkernel(*b.cmdline, m, ram, kind);
    if (f.cmdline) {
      fr.known = true;
      fr.crashkernel_after = picked_crashkernel(*f.cmdline, m, ram, kind);
    }
    rep.future.push_back(std::move(fr));
  }
}

// Why no entry could be checked.
std::string no_target_reason(const NextBootInput& in) {
  const BootView& v = in.after;
  if (v.entries.empty()) return "no " + v.loader + " boot entry exists (no kernel installed yet?)";
  if (in.request.kernel.kind == KernelSelection::Kind::release)
    return "no " + v.loader + " entry of kernel " + in.request.kernel.release + " is known";
  return "which " + v.loader + " entry boots next is unknown" + (v.next_rule.empty() ? "" : " (" + v.next_rule + ")");
}

void refuse(const NextBootInput& in, NextBootReport& rep, const std::vector<std::string>& problems,
            const EntryReach& bad) {
  const ReserveRequest& req = in.request;
  rep.verdict = NextBootVerdict::does_not_reach;
  rep.message = problems.front();
  for (std::size_t k = 1; k < problems.size(); ++k) rep.message += "; " + problems[k];
  if (!in.after.loader_note.empty()) {
    rep.message += " (" + in.after.loader_note + ")";
    rep.hints.push_back(set_request(req) ? "kdump-setup reserve --backend " + in.after.loader + " '" + req.value + "'"
                                         : "kdump-setup remove --backend " + in.after.loader);
  }
  add_hints(rep, req, bad);
}

// The targets reach: say so, and what the check does not cover (an uncertain next boot,
// entries the selection left out).
void reached(const NextBootInput& in, NextBootReport& rep, const EntryReach& first) {
  const ReserveRequest& req = in.request;
  const bool set = set_request(req);
  rep.verdict = NextBootVerdict::reaches;
  rep.message = (req.kernel.kind == KernelSelection::Kind::release ? "the entries of kernel " + req.kernel.release
                                                                    : "the entry that boots next, " + entry_name(first) + ",") +
                (set ? " will boot with crashkernel=" + intended_for(in, first.entry.path)
                     : " will boot without crashkernel=");
  if (!rep.warnings.empty() && !set) rep.message = rep.warnings.front();
  if (!in.after.next_uncertain.empty())
    rep.warnings.push_back("the next boot is " + entry_name(first) + " as the boot files choose it, but " +
                           in.after.next_uncertain);
  std::vector<std::string> others;
  for (const auto& r : rep.entries)
    if (!r.targeted && r.known_after && !r.carries_intended &&
        (r.next_boot || req.kernel.kind == KernelSelection::Kind::all) &&
        !(!set && kept_value(in.kept, r.crashkernel_after)))
      others.push_back(entry_name(r) + " (" + quoted(r.crashkernel_after) + ")");
  if (others.empty()) return;
  std::string w = "not every entry gets it: ";
  for (std::size_t k = 0; k < others.size(); ++k) w += (k ? ", " : "") + others[k];
  rep.warnings.push_back(w);
}

}  // namespace

NextBootReport check_next_boot(const NextBootInput& in) {
  NextBootReport rep;
  const ReserveRequest& req = in.request;
  rep.loader = in.after.loader;
  rep.next = in.after.next;
  rep.next_rule = in.after.next_rule;
  rep.next_uncertain = in.after.next_uncertain;
  std::vector<Pick> picks;
  describe(in, rep, picks);
  if (in.after.loader.empty()) {
    decide_unknown(rep, req, in.after.no_loader_reason.empty() ? "no boot loader's entries are known"
                                                                : in.after.no_loader_reason);
    return rep;
  }
  std::vector<std::size_t> targets;
  for (std::size_t i = 0; i < rep.entries.size(); ++i)
    if (rep.entries[i].targeted) targets.push_back(i);
  if (targets.empty()) {
    decide_unknown(rep, req, no_target_reason(in));
    return rep;
  }
  std::vector<std::string> problems, unknown;
  const EntryReach* bad = nullptr;
  for (auto i : targets) {
    const EntryReach& r = rep.entries[i];
    if (!r.known_after) {
      unknown.push_back("the command line of " + entry_name(r) + " is unknown: " + r.entry.cmdline_unknown);
    } else if (r.carries_intended) {
    } else if (!set_request(req) && r.entry.kind == "uki") {  // a value kdump-setup never wrote stays
      rep.warnings.push_back(role(r, req) + " still boots with " + quoted(r.crashkernel_after) +
                             ": the image's embedded .cmdline or an add-on that kdump-setup did not write sets it");
    } else if (const KeptValue* k = !set_request(req) ? kept_value(in.kept, r.crashkernel_after) : nullptr) {
      rep.warnings.push_back(role(r, req) + " still boots with " + quoted(r.crashkernel_after) + ": " + k->where +
                             " sets it, and kdump-setup does not edit a package's file");
    } else {
      if (!bad) bad = &r;
      problems.push_back(set_request(req) ? why_not(r, req, picks[i])
                                          : role(r, req) + " would still boot with " + quoted(r.crashkernel_after));
    }
  }
  if (!problems.empty()) refuse(in, rep, problems, *bad);
  else if (!unknown.empty()) decide_unknown(rep, req, unknown.front());
  else reached(in, rep, rep.entries[targets.front()]);
  return rep;
}

std::vector<EntryReach> describe_entries(const BootView& view, std::optional<Arch> arch,
                                         std::optional<std::uint64_t> memory, const std::string& memory_source,
                                         const std::string& running_release) {
  NextBootInput in{view, view, {}, arch, memory, memory_source, running_release, {}, {}};
  in.request.action = ReserveRequest::Action::remove;  // the plain value each kernel picks
  NextBootReport rep;
  std::vector<Pick> picks;
  describe(in, rep, picks);
  return rep.entries;
}

Error next_boot_error(const NextBootReport& rep, const ReserveRequest& req) {
  const std::string what = set_request(req) ? "refusing to write crashkernel=" + req.value
                                            : std::string("refusing to remove crashkernel=");
  Error e = make_error(ErrorKind::unsupported, what + ": the next boot would not get it: " + rep.message);
  e.hints = rep.hints;
  return e;
}

}  // namespace kdump
