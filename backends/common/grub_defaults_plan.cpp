#include "backends/common/grub_defaults_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "backends/common/grub_defaults.hpp"
#include "grammar/cmdline_edit.hpp"
#include "util/text.hpp"

namespace kdump {

using grub2::Defaults;
using grub2::Evaluation;
using grub2::Origin;

namespace {

constexpr auto kGrub = cmdline::Dialect::grub;

Error error_in(const Defaults& d, std::size_t source, std::size_t offset, std::string message) {
  Error e = d.sources[source].doc.error_at(offset, std::move(message));
  e.file = d.sources[source].path;
  return e;
}

// A crashkernel= word that reaches the kernel: which variable, where it was written.
struct Occurrence {
  std::string var;
  cmdline::CrashkernelWord word;
  std::string raw;
  Origin origin;
};

Result<std::vector<Occurrence>> occurrences(const Defaults& d, const Evaluation& ev) {
  std::vector<Occurrence> out;
  for (const auto& var : grub2::cmdline_variables()) {
    const auto& v = ev.get(var);
    const std::string text = v.text();
    if (auto q = cmdline::unterminated_quote(text, kGrub)) {
      auto o = v.origin_of(*q, *q + 1);
      Error e = o ? error_in(d, o->source, d.assignment(*o).value.begin, "")
                  : make_error(ErrorKind::parse, "");
      e.kind = ErrorKind::parse;
      e.message = var + " has a quote that GRUB never sees closed; its words cannot be told apart";
      if (!e.file) e.file = std::string(grub2::kMainFile);
      return fail(std::move(e));
    }
    for (auto& w : cmdline::crashkernel_words(text, kGrub)) {
      auto o = v.origin_of(w.begin, w.end);
      const std::string raw = text.substr(w.begin, w.end - w.begin);
      if (!o) {
        Error e = make_error(ErrorKind::parse, "'" + raw + "' in " + var +
                                                   " is put together from several places or "
                                                   "expansions; kdump-setup cannot tell which one "
                                                   "to edit");
        e.file = std::string(grub2::kMainFile);
        e.hints.push_back("write the crashkernel= word as plain text in one assignment");
        return fail(std::move(e));
      }
      out.push_back(Occurrence{var, std::move(w), raw, *o});
    }
  }
  return out;
}

// Refuses uncertainty that could hide or add a crashkernel= word.
Result<Ok> check_uncertainty(const Defaults& d, const Evaluation& ev, std::vector<std::string>& notes) {
  std::set<std::pair<std::size_t, std::size_t>> noted;
  for (const auto& var : grub2::cmdline_variables()) {
    for (const auto& u : ev.get(var).uncertain) {
      if (u.may_add_crashkernel) {
        Error e = error_in(d, u.source, u.offset,
                           u.reason + "; kdump-setup does not run shell code and cannot tell "
                                      "whether it adds crashkernel= to " + var);
        e.hints.push_back("move the crashkernel= setting out of shell code into a plain "
                          "assignment, or edit the file by hand");
        return fail(std::move(e));
      }
      if (noted.insert({u.source, u.offset}).second)
        notes.push_back(u.reason + "; kdump-setup does not evaluate it (it does not mention crashkernel)");
    }
  }
  return Ok{};
}

// A file kdump-setup leaves to the package that installed it, with its description:
//  - a conffile of a dpkg package (its `.conffiles` list names it): an edit makes dpkg
//    ask at each upgrade that ships a new version of it (Debian Policy §10.7.3), and a
//    value taken out of it could not be given back by `remove`;
//  - a symlink into /usr: a package's file (grub2-common's template
//    /usr/share/grub/default/grub), which its next upgrade overwrites.
// nullopt: kdump-setup may edit the file.
std::optional<std::string> package_file(const BootFiles& root, const grub2::Source& s) {
  if (s.ours) return std::nullopt;
  if (s.resolved != s.path && (s.resolved.starts_with("/usr/") || s.resolved == "/usr"))
    return s.path + " (a symlink to " + s.resolved + ", a file of a package)";
  if (s.main || !s.exists) return std::nullopt;
  auto names = root.list("/var/lib/dpkg/info");
  if (!names) return std::nullopt;
  for (const auto& n : *names) {
    if (!n.ends_with(".conffiles")) continue;
    auto t = root.read_text("/var/lib/dpkg/info/" + n, 1u << 20);
    if (!t) continue;
    std::size_t at = 0;
    while ((at = t->find(s.path, at)) != std::string::npos) {
      const std::size_t e = at + s.path.size();
      if ((at == 0 || (*t)[at - 1] == '\n') && (e == t->size() || (*t)[e] == '\n' || (*t)[e] == ' ')) {
        const std::string pkg = n.substr(0, n.size() - std::string_view(".conffiles").size());
        return s.path + " (a conffile of the package " + pkg + ")";
      }
      at = e;
    }
  }
  return std::nullopt;
}

// Where GRUB puts a variable on a normal entry's command line: "${GRUB_CMDLINE_LINUX}
// ${GRUB_CMDLINE_LINUX_DEFAULT}" (10_linux); -1 for the recovery-only variable.
int normal_rank(std::string_view var) {
  if (var == grub2::kLinux) return 0;
  if (var == grub2::kLinuxDefault) return 1;
  return -1;
}

// What our drop-in holds when reserve created it and remove took the value out again:
// it is then deleted (only then: any other byte may be an administrator's).
constexpr std::string_view kOwnHeader =
    "# Written by kdump-setup: the crash kernel reservation for every boot entry.\n"
    "# Read after the other files; `kdump-setup remove` takes the value out again.\n";

std::string own_line(std::string_view var, std::string_view value) {
  return std::string(var) + "=\"$" + std::string(var) + (value.empty() ? "" : " crashkernel=" + std::string(value)) +
         "\"";
}

bool own_is_empty(std::string_view text) {
  if (text == kOwnHeader) return true;
  for (const auto& var : {grub2::kLinux, grub2::kLinuxDefault})
    if (text == std::string(kOwnHeader) + own_line(var, "") + "\n") return true;
  return false;
}

// Deletes the line holding `a` (a line kdump-setup appended).
void erase_line(std::string& text, const shell::Assignment& a) {
  std::size_t b = text.rfind('\n', a.statement.begin == 0 ? 0 : a.statement.begin - 1);
  b = (a.statement.begin == 0 || b == std::string::npos) ? 0 : b + 1;
  std::size_t e = text.find('\n', a.statement.end);
  if (e == std::string::npos) {
    // Last line without a newline: take the newline before it instead.
    if (b > 0) --b;
    text.erase(b);
  } else {
    text.erase(b, e + 1 - b);
  }
}

void append_line(std::string& text, const std::string& line) {
  if (text.empty() || text.back() == '\n') text += line + "\n";
  else text += "\n" + line;
}

// The editor works on the written text of a value; a crashkernel= word that overlaps
// an expansion (`${X:+... crashkernel=1G}`) is not plain text and is not edited.
Result<Ok> words_outside_expansions(const Defaults& d, std::size_t si, const shell::Assignment& a,
                                    std::string_view inner, std::size_t base) {
  for (const auto& w : cmdline::crashkernel_words(inner, kGrub)) {
    for (const auto& p : a.pieces) {
      if (p.kind == shell::Piece::Kind::literal) continue;
      if (base + w.begin < p.raw.end && p.raw.begin < base + w.end) {
        Error e = error_in(d, si, base + w.begin,
                           "crashkernel= is written inside the expansion '" +
                               std::string(d.sources[si].doc.slice(p.raw)) + "' of " + a.name +
                               "; kdump-setup edits only plain text");
        e.hints.push_back("edit the file by hand");
        return fail(std::move(e));
      }
    }
  }
  return Ok{};
}

std::vector<std::string> other_words(const std::string& text) {
  std::vector<std::string> out;
  const auto ck = cmdline::crashkernel_words(text, kGrub);
  std::size_t k = 0;
  for (const auto& w : cmdline::split_words(text, kGrub)) {
    while (k < ck.size() && ck[k].end <= w.begin) ++k;
    if (k < ck.size() && ck[k].begin == w.begin) continue;
    out.emplace_back(w.text);
  }
  return out;
}

}  // namespace

Result<Plan> plan_grub_defaults(const BootModel& model, const ReserveRequest& request, bool for_bls) {
  const BootFiles& root = model.files();
  Plan plan;
  plan.backend = "grub2";
  const bool set = request.action == ReserveRequest::Action::set;
  const cmdline::Kind kind = cmdline::kind_of_value(request.value);
  if (set) {
    // Validate the word shape early (the CLI validated the value with the grammar).
    auto probe = cmdline::set_crashkernel("", request.value, kGrub);
    if (!probe) return fail(std::move(probe).error());
  }

  const auto& loaded = model.grub_defaults();
  if (!loaded) return fail(loaded.error());
  Defaults d = *loaded;
  std::optional<std::size_t> own;
  if (d.reads_drop_ins) own = grub2::add_own_drop_in(d);
  for (const auto& p : d.ignored_drop_ins) {
    auto t = root.read_text(p);
    if (t && t->find("crashkernel") != std::string::npos)
      plan.notes.push_back(p + " mentions crashkernel, but is not read: " + d.drop_in_reason);
  }

  const Evaluation ev = grub2::evaluate(d);
  KDUMP_TRY(check_uncertainty(d, ev, plan.notes));
  auto occ_r = occurrences(d, ev);
  if (!occ_r) return fail(std::move(occ_r).error());

  // A package's own file is never edited (package_file): its crashkernel= words are the
  // package's configuration, the others are kdump-setup's to change.
  std::vector<std::optional<std::string>> pkg;
  for (const auto& s : d.sources) pkg.push_back(package_file(root, s));
  std::vector<Occurrence> occ, fixed;
  for (auto& o : *occ_r) (pkg[o.origin.source] ? fixed : occ).push_back(std::move(o));

  // What to do to which assignment.
  enum class Op { write, remove };
  std::map<std::pair<std::size_t, std::size_t>, Op> ops;
  std::vector<std::string> foreign;  // notes for edits outside main and our drop-in
  std::optional<Origin> target;
  bool append_to_main = false;
  bool append_to_own = false;
  std::string target_var(grub2::kLinux);
  bool package_has_it = false;  // a package's file already sets the requested value

  const std::string linux_var(grub2::kLinux);
  const auto& L = ev.get(grub2::kLinux);

  // The package's word the kernel takes last on a normal entry: kdump-setup's value has
  // to come after it, in the same variable, in our drop-in (read after the package's).
  const Occurrence* last_fixed = nullptr;
  if (set)
    for (const auto& o : fixed)
      if (cmdline::replaces(kind, o.word.kind) && normal_rank(o.var) >= 0 &&
          (!last_fixed || normal_rank(o.var) >= normal_rank(last_fixed->var)))
        last_fixed = &o;

  if (set && last_fixed) {
    const std::string& desc = *pkg[last_fixed->origin.source];
    if (!own) {
      Error e = error_in(d, last_fixed->origin.source, d.assignment(last_fixed->origin).value.begin,
                         last_fixed->raw + " in " + last_fixed->var + " is set by " + desc +
                             ", which kdump-setup does not edit, and this distribution does not read " +
                             std::string(grub2::kDropInDir) + ", where a value read after it could replace it");
      e.kind = ErrorKind::unsupported;
      e.hints.push_back("change crashkernel= in that file by hand");
      return fail(std::move(e));
    }
    target_var = last_fixed->var;
    package_has_it = last_fixed->word.value == request.value;
    for (const auto& o : occ)
      if (!package_has_it && !target && o.var == target_var && d.sources[o.origin.source].ours &&
          cmdline::replaces(kind, o.word.kind))
        target = o.origin;
    if (package_has_it) {
      plan.notes.push_back("crashkernel=" + request.value + " is already configured: " + desc + " sets it in " +
                           target_var);
    } else {
      plan.notes.push_back(desc + " sets " + last_fixed->raw + " in " + target_var +
                           "; that file stays as the package installed it (a package's file is not "
                           "edited: docs/contract.md), and crashkernel=" + request.value + " goes into " +
                           std::string(grub2::kOwnDropIn) + ", read after it, appended to " + target_var +
                           ": the kernel uses the last crashkernel= of its command line");
      if (!target) append_to_own = true;
    }
    if (target) ops[{target->source, target->statement}] = Op::write;
    for (const auto& o : occ)
      if (!(target && o.origin == *target) && cmdline::replaces(kind, o.word.kind))
        ops.try_emplace({o.origin.source, o.origin.statement}, Op::remove);
  } else if (set) {
    // Shell code that kdump-setup does not run may reset GRUB_CMDLINE_LINUX at any later
    // point (a function defined early, called late): then no assignment can be trusted to
    // take effect, and only our drop-in, read after everything, can carry the value.
    const bool linux_uncertain = !L.uncertain.empty();
    const auto trusted = [&](const Origin& o) { return !linux_uncertain || d.sources[o.source].ours; };
    for (const auto& o : occ)
      if (o.var == linux_var && cmdline::replaces(kind, o.word.kind) && trusted(o.origin)) {
        target = o.origin;
        break;
      }
    if (!target) {
      for (const auto& c : L.contributors) {
        const auto& src = d.sources[c.source];
        if ((!src.main && !src.ours) || pkg[c.source] || !trusted(c)) continue;
        const auto& a = d.assignment(c);
        if (a.name != grub2::kLinux) continue;
        if (!shell::editable_inner(src.doc, a)) continue;
        target = c;
        break;
      }
    }
    if (!target) {
      bool assigned_anywhere = false;
      for (const auto& s : d.sources)
        for (const auto& st : s.doc.statements())
          if (auto* a = std::get_if<shell::Assignment>(&st); a && a->name == grub2::kLinux)
            assigned_anywhere = true;
      const auto& main_pkg = pkg.front();
      if (!assigned_anywhere && (!linux_uncertain || !own) && !main_pkg) {
        append_to_main = true;
      } else if (own) {
        append_to_own = true;
        const bool reset_later = !L.contributors.empty() && !d.sources[L.contributors.front().source].main;
        plan.notes.push_back(
            (linux_uncertain ? "GRUB_CMDLINE_LINUX is changed by shell code that kdump-setup does not run (" +
                                   L.uncertain.front().reason + ")"
             : main_pkg && !reset_later
                 ? *main_pkg + " is not written through (docs/contract.md)"
             : reset_later
                 ? "GRUB_CMDLINE_LINUX is assigned again by " + d.where(L.contributors.front()) +
                       ", which replaces the value of " + std::string(grub2::kMainFile) +
                       " and is not kdump-setup's to edit"
                 : "no assignment of GRUB_CMDLINE_LINUX in " + std::string(grub2::kMainFile) +
                       " can be edited faithfully") +
            ": crashkernel= goes into " + std::string(grub2::kOwnDropIn) +
            ", which is read last and appends to GRUB_CMDLINE_LINUX");
      } else if (main_pkg) {
        Error e = make_error(ErrorKind::unsupported,
                             "is a symlink to " + d.sources[0].resolved +
                                 ", a file of a package: kdump-setup does not write through it, and this "
                                 "distribution does not read " + std::string(grub2::kDropInDir));
        e.file = std::string(grub2::kMainFile);
        e.hints.push_back("replace the link with a copy of the file (cp --remove-destination " + d.sources[0].resolved +
                          " " + std::string(grub2::kMainFile) + ") to make it yours, then run kdump-setup again");
        return fail(std::move(e));
      } else if (linux_uncertain) {
        const auto& u = L.uncertain.front();
        Error e = error_in(d, u.source, u.offset,
                           u.reason + "; kdump-setup does not run shell code, so it cannot tell "
                                      "whether a value it writes into GRUB_CMDLINE_LINUX survives");
        e.hints.push_back("set crashkernel= in GRUB_CMDLINE_LINUX by hand");
        return fail(std::move(e));
      } else {
        // Explain with the assignment that takes effect.
        for (auto it = L.contributors.rbegin(); it != L.contributors.rend(); ++it) {
          const auto& a = d.assignment(*it);
          auto ed = shell::editable_inner(d.sources[it->source].doc, a);
          if (!ed) return fail(std::move(ed).error());
        }
        Error e = make_error(ErrorKind::unsupported,
                             "no assignment of GRUB_CMDLINE_LINUX in " + std::string(grub2::kMainFile) +
                                 " takes effect as written, and this distribution does not read " +
                                 std::string(grub2::kDropInDir));
        e.file = std::string(grub2::kMainFile);
        e.hints.push_back("set crashkernel= in GRUB_CMDLINE_LINUX by hand");
        return fail(std::move(e));
      }
    }
    if (target) ops[{target->source, target->statement}] = Op::write;
    for (const auto& o : occ) {
      if (target && o.origin == *target) continue;
      if (!cmdline::replaces(kind, o.word.kind)) continue;
      ops.try_emplace({o.origin.source, o.origin.statement}, Op::remove);
    }
  } else {
    for (const auto& o : occ) ops.try_emplace({o.origin.source, o.origin.statement}, Op::remove);
    for (const auto& o : fixed) {
      plan.kept.push_back({o.raw.substr(o.raw.find('=') + 1), *pkg[o.origin.source]});
      plan.notes.push_back(o.raw + " stays in " + o.var + ": " + *pkg[o.origin.source] +
                           " sets it, and kdump-setup does not edit a package's file (docs/contract.md); "
                           "to reserve nothing, purge that package (its conffile stays after a plain remove), "
                           "or edit the file by hand");
    }
  }

  // Words in assignments that do not take effect: left alone, said.
  for (std::size_t si = 0; si < d.sources.size(); ++si) {
    const auto& sts = d.sources[si].doc.statements();
    for (std::size_t k = 0; k < sts.size(); ++k) {
      const auto* a = std::get_if<shell::Assignment>(&sts[k]);
      if (!a || !a->unconditional()) continue;
      const auto& vars = grub2::cmdline_variables();
      if (std::find(vars.begin(), vars.end(), a->name) == vars.end()) continue;
      auto inner = shell::editable_inner(d.sources[si].doc, *a);
      if (!inner || cmdline::crashkernel_words(*inner, kGrub).empty()) continue;
      const Origin o{si, k};
      const auto same = [&](const auto& x) { return x.origin == o; };
      const bool live = std::any_of(occ.begin(), occ.end(), same) || std::any_of(fixed.begin(), fixed.end(), same);
      if (!live)
        plan.notes.push_back("crashkernel= in " + a->name + " at " + d.where(o) +
                             " has no effect (a later assignment replaces it); left unchanged");
    }
  }

  // Apply the operations, per file from the last assignment to the first.
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> reasons(d.sources.size());
  for (const auto& s : d.sources) texts.push_back(s.text);
  for (std::size_t si = 0; si < d.sources.size(); ++si) {
    std::vector<std::pair<std::size_t, Op>> here;
    for (const auto& [key, op] : ops)
      if (key.first == si) here.emplace_back(key.second, op);
    std::sort(here.begin(), here.end(), [](auto& x, auto& y) { return x.first > y.first; });
    const auto& src = d.sources[si];
    std::string& t = texts[si];
    for (const auto& [stmt, op] : here) {
      const auto& a = std::get<shell::Assignment>(src.doc.statements()[stmt]);
      // A value an earlier reserve grew in double quotes after its unquoted text
      // (shell::value_splice): the edit stays inside that segment.
      auto appended = shell::appended_segment(a);
      if (appended && !cmdline::crashkernel_words(src.doc.slice(a.segments.front().inner), kGrub).empty())
        appended.reset();
      std::string_view inner_text;
      std::size_t inner_begin = 0;
      if (appended) {
        inner_text = src.doc.slice(appended->inner);
        inner_begin = appended->inner.begin;
      } else {
        auto inner = shell::editable_inner(src.doc, a);
        if (!inner) return fail(std::move(inner).error());
        inner_text = *inner;
        inner_begin = a.segments.empty() ? a.value.begin : a.segments.front().inner.begin;
      }
      KDUMP_TRY(words_outside_expansions(d, si, a, inner_text, inner_begin));
      Result<cmdline::EditResult> r = op == Op::write ? cmdline::set_crashkernel(inner_text, request.value, kGrub)
                                      : set         ? cmdline::remove_replaced(inner_text, kind, kGrub)
                                                    : cmdline::remove_crashkernel(inner_text, kGrub);
      if (!r) {
        const Error& e = r.error();
        const std::size_t col = e.column ? *e.column - 1 : 0;
        return fail(error_in(d, si, inner_begin + col, a.name + ": " + e.message));
      }
      for (const auto& w : r->warnings) plan.notes.push_back(a.name + " at " + d.where({si, stmt}) + ": " + w);
      if (op == Op::write) {
        reasons[si].push_back((r->changed ? "set crashkernel=" : "keep crashkernel=") + request.value +
                              " in " + a.name);
        if (!src.main && !src.ours && r->changed)
          foreign.push_back(src.path + " (not written by kdump-setup) sets " + a.name +
                            " with crashkernel=: changed there, where it takes effect");
      } else {
        std::string words;
        for (const auto& w : r->removed) words += (words.empty() ? "" : " ") + w;
        reasons[si].push_back("remove " + words + " from " + a.name);
        if (!src.main && !src.ours)
          foreign.push_back(src.path + " (not written by kdump-setup) adds " + words + " to " + a.name +
                            ": removed there" +
                            (set ? ", so that the value kdump-setup writes is the one the kernel sees" : ""));
      }
      // A line reserve appended goes when nothing but what reserve wrote around the
      // value is left.
      const auto is_leftover = [](std::string_view v) {
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return v.empty() || v == "$GRUB_CMDLINE_LINUX";
      };
      if (!set && src.main && a.comment && src.doc.slice(*a.comment) == grub2::kAddedMarker &&
          a.name == grub2::kLinux && is_leftover(r->text)) {
        erase_line(t, a);
        continue;
      }
      if (appended) {
        if (op != Op::write && trim(r->text).empty()) {
          t.erase(appended->outer.begin, appended->outer.size());  // back to the unquoted bytes
        } else {
          if (r->text.find_first_of("\"\\$`") != std::string::npos)
            return fail(error_in(d, si, inner_begin, "the new value of " + a.name +
                                                         " cannot be written in double quotes"));
          t.replace(appended->inner.begin, appended->inner.size(), r->text);
        }
        continue;
      }
      auto sp = shell::value_splice(src.doc, a, r->text);
      if (!sp) return fail(std::move(sp).error());
      t.replace(sp->span.begin, sp->span.size(), sp->text);
    }
  }
  if (append_to_main) {
    // Shell code that changes GRUB_CMDLINE_LINUX without assigning it (noted above) keeps
    // its effect through a self-reference.
    const std::string self = L.uncertain.empty() ? "" : "$GRUB_CMDLINE_LINUX ";
    append_line(texts[0], "GRUB_CMDLINE_LINUX=\"" + self + "crashkernel=" + request.value + "\" " +
                              std::string(grub2::kAddedMarker));
    reasons[0].push_back("add GRUB_CMDLINE_LINUX with crashkernel=" + request.value);
    target = Origin{0, d.sources[0].doc.statements().size()};
  }
  if (append_to_own) {
    std::string& t = texts[*own];
    if (t.empty()) t = std::string(kOwnHeader);
    append_line(t, own_line(target_var, request.value));
    reasons[*own].push_back("append crashkernel=" + request.value + " to " + target_var);
  }
  // Our drop-in with nothing left but what reserve wrote around the value goes.
  const bool delete_own = own && d.sources[*own].exists && own_is_empty(texts[*own]);
  if (delete_own) {
    texts[*own].clear();
    reasons[*own].push_back("delete it: it holds nothing but what kdump-setup wrote");
  }
  plan.notes.insert(plan.notes.end(), foreign.begin(), foreign.end());

  // Check the result as grub-mkconfig would see it.
  auto after = grub2::reparse(d, texts);
  if (!after) {
    Error e = std::move(after).error();
    e.kind = ErrorKind::internal;
    e.message = "the planned edit would not parse: " + e.message;
    return fail(std::move(e));
  }
  if (delete_own) after->sources[*own].exists = false;
  const Evaluation ev2 = grub2::evaluate(*after);
  std::vector<std::string> problems;
  for (const auto& var : grub2::cmdline_variables()) {
    const std::string before_text = ev.get(var).text();
    const std::string after_text = ev2.get(var).text();
    if (other_words(before_text) != other_words(after_text))
      problems.push_back(var + " would change in more than its crashkernel= words");
    std::size_t ours = 0;
    for (const auto& w : cmdline::crashkernel_words(after_text, kGrub)) {
      const auto o = ev2.get(var).origin_of(w.begin, w.end);
      if (o && pkg[o->source]) continue;  // a package's word, left as it is
      if (!set) {
        problems.push_back(var + " would still carry crashkernel=" + w.value);
        continue;
      }
      if (!cmdline::replaces(kind, w.kind)) continue;
      if (var == target_var && w.value == request.value) ++ours;
      else problems.push_back(var + " would also carry crashkernel=" + w.value);
    }
    const std::size_t wanted = package_has_it ? 0 : 1;
    if (set && var == target_var && ours != wanted)
      problems.push_back(var + " would carry crashkernel=" + request.value + " " + std::to_string(ours) +
                         " times (not " + std::to_string(wanted) + ")");
    for (const auto& la : cmdline::look_alikes(after_text, kGrub))
      plan.notes.push_back(var + ": " + cmdline::describe(la));
  }
  if (set) {
    // The value a normal entry's kernel takes: the last one of its command line.
    const std::string line = ev2.get(grub2::kLinux).text() + " " + ev2.get(grub2::kLinuxDefault).text();
    std::optional<std::string> last;
    for (const auto& w : cmdline::crashkernel_words(line, kGrub))
      if (cmdline::replaces(kind, w.kind)) last = w.value;
    if (last != request.value)
      problems.push_back("the kernel would take crashkernel=" + last.value_or("") + " (the last one)");
  }
  if (!problems.empty()) {
    std::string msg = "cannot place crashkernel= so that it reaches the kernel exactly once: ";
    for (std::size_t k = 0; k < problems.size(); ++k) msg += (k ? "; " : "") + problems[k];
    Error e = make_error(ErrorKind::unsupported, msg);
    e.file = std::string(grub2::kMainFile);
    e.hints.push_back("set crashkernel= by hand in GRUB_CMDLINE_LINUX and run update-grub/grub-mkconfig");
    return fail(std::move(e));
  }
  // Notes that need the whole picture.
  if (set && kind == cmdline::Kind::plain) {
    for (const auto& var : grub2::cmdline_variables())
      if (normal_rank(var) > normal_rank(target_var))
        for (const auto& w : cmdline::crashkernel_words(ev2.get(var).text(), kGrub))
          if (w.kind == cmdline::Kind::cma)
            plan.notes.push_back(var + " keeps crashkernel=" + w.value + " after " + target_var +
                                 " on the command line: kernels before 6.16 take it as the plain value");
  }
  if (!for_bls && ev2.get("GRUB_ENABLE_BLSCFG").text() == "true")
    plan.notes.push_back("GRUB_ENABLE_BLSCFG=true: existing boot entries are the BLS files in "
                         "/boot/loader/entries (the bls backend edits them); GRUB_CMDLINE_LINUX "
                         "reaches entries created later");
  if (!ev2.get("GRUB_CMDLINE_XEN").text().empty() || !ev2.get("GRUB_CMDLINE_XEN_DEFAULT").text().empty())
    plan.notes.push_back("Xen entries: a dom0's crash kernel is reserved by the hypervisor "
                         "(crashkernel= in GRUB_CMDLINE_XEN_DEFAULT); not changed");

  // The edits, main file first, then drop-ins in the order they are read.
  for (std::size_t si = 0; si < d.sources.size(); ++si) {
    const auto& src = d.sources[si];
    const bool touched = !reasons[si].empty();
    if (!touched && texts[si] == src.text) {
      // Our drop-in also when it is absent: an interrupted remove that deleted it may
      // have left its hidden backup, which the apply step removes beside examined files.
      if (src.exists || src.ours) plan.examined.push_back(src.path);
      continue;
    }
    FileEdit e;
    e.path = src.path;
    if (src.exists) {
      e.before = src.text;
      e.stamp = src.stamp;
    }
    e.after = texts[si];
    e.remove = delete_own && si == *own;
    for (std::size_t k = 0; k < reasons[si].size(); ++k) e.reason += (k ? "; " : "") + reasons[si][k];
    plan.edits.push_back(std::move(e));
  }

  return plan;
}

}  // namespace kdump
