#include "backends/common/grub_defaults.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace kdump::grub2 {

const std::vector<std::string>& cmdline_variables() {
  static const std::vector<std::string> v{std::string(kLinux), std::string(kLinuxDefault),
                                          std::string(kLinuxRecovery)};
  return v;
}

std::string Value::text() const {
  std::string out;
  for (const auto& c : chunks) out += c.text;
  return out;
}

std::optional<Origin> Value::origin_of(std::size_t b, std::size_t e) const {
  std::optional<Origin> found;
  std::size_t pos = 0;
  for (const auto& c : chunks) {
    const std::size_t cb = pos;
    const std::size_t ce = pos + c.text.size();
    pos = ce;
    if (ce <= b || cb >= e) continue;
    if (!c.origin) return std::nullopt;
    if (found && !(*found == *c.origin)) return std::nullopt;
    found = c.origin;
  }
  return found;
}

const Value& Evaluation::get(std::string_view name) const {
  static const Value empty;
  auto it = vars.find(name);
  return it == vars.end() ? empty : it->second;
}

std::string Defaults::where(const Origin& o) const {
  const auto& a = assignment(o);
  return sources[o.source].path + ":" + std::to_string(a.line);
}

namespace {

// Does this distribution's grub-mkconfig source /etc/default/grub.d/*.cfg?
void decide_drop_ins(const BootFiles& root, Defaults& d) {
  for (const char* p : {"/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig",
                        "/usr/sbin/grub2-mkconfig", "/sbin/grub2-mkconfig", "/usr/bin/grub2-mkconfig"}) {
    if (!root.exists(p)) continue;
    auto text = root.read_text(p, 1u << 20);
    if (!text) continue;
    d.reads_drop_ins = text->find("/default/grub.d/") != std::string::npos;
    d.drop_in_reason = std::string(p) + (d.reads_drop_ins ? " sources " : " does not source ") +
                       std::string(kDropInDir) + "/*.cfg";
    return;
  }
  // No grub-mkconfig to read (an image without it yet): go by the distribution.
  if (auto osr = root.read_text("/etc/os-release", 1u << 16)) {
    for (std::string_view line : {std::string_view("ID="), std::string_view("ID_LIKE=")}) {
      std::size_t at = 0;
      while ((at = osr->find(line, at)) != std::string::npos) {
        if (at == 0 || (*osr)[at - 1] == '\n') {
          const std::size_t e = osr->find('\n', at);
          const std::string v = osr->substr(at, e == std::string::npos ? std::string::npos : e - at);
          if (v.find("debian") != std::string::npos || v.find("ubuntu") != std::string::npos) {
            d.reads_drop_ins = true;
            d.drop_in_reason = "no grub-mkconfig found; /etc/os-release names a Debian-family "
                               "distribution, whose grub-mkconfig sources " +
                               std::string(kDropInDir) + "/*.cfg";
            return;
          }
        }
        at += line.size();
      }
    }
  }
  d.reads_drop_ins = false;
  d.drop_in_reason = "no grub-mkconfig found and not a Debian-family distribution: " +
                     std::string(kDropInDir) + " is not read";
}

Result<Source> read_source(const BootFiles& root, std::string path, bool main) {
  Source s;
  s.path = std::move(path);
  s.main = main;
  s.ours = s.path == kOwnDropIn;
  s.resolved = root.resolved(s.path);
  auto snap = root.read(s.path);
  if (!snap) return fail(std::move(snap).error());
  s.text = std::move(snap->text);
  s.stamp = snap->stamp;
  auto doc = shell::parse(s.text, s.path);
  if (!doc) return fail(std::move(doc).error());
  s.doc = std::move(*doc);
  return s;
}

}  // namespace

Result<Defaults> load_defaults(const BootFiles& root) {
  Defaults d;
  if (!root.exists(kMainFile)) {
    Error e = make_error(ErrorKind::unsupported, std::string(kMainFile) + " does not exist");
    e.file = std::string(kMainFile);
    return fail(std::move(e));
  }
  auto main = read_source(root, std::string(kMainFile), true);
  if (!main) return fail(std::move(main).error());
  d.sources.push_back(std::move(*main));

  decide_drop_ins(root, d);
  auto names = root.list(kDropInDir);
  if (!names) return fail(std::move(names).error());
  std::vector<std::string> cfgs;
  for (const auto& n : *names)
    if (n.size() > 4 && n.ends_with(".cfg")) cfgs.push_back(n);
  std::sort(cfgs.begin(), cfgs.end());  // the shell glob in the C locale
  for (const auto& n : cfgs) {
    const std::string path = std::string(kDropInDir) + "/" + n;
    if (!d.reads_drop_ins) {
      d.ignored_drop_ins.push_back(path);
      continue;
    }
    auto s = read_source(root, path, false);
    if (!s) return fail(std::move(s).error());
    d.sources.push_back(std::move(*s));
  }
  return d;
}

Result<Defaults> reparse(const Defaults& d, const std::vector<std::string>& texts) {
  Defaults out;
  out.reads_drop_ins = d.reads_drop_ins;
  out.drop_in_reason = d.drop_in_reason;
  out.ignored_drop_ins = d.ignored_drop_ins;
  for (std::size_t k = 0; k < d.sources.size(); ++k) {
    Source s;
    s.path = d.sources[k].path;
    s.main = d.sources[k].main;
    s.ours = d.sources[k].ours;
    s.resolved = d.sources[k].resolved;
    s.exists = d.sources[k].exists || !texts[k].empty();
    s.text = texts[k];
    auto doc = shell::parse(s.text, s.path);
    if (!doc) return fail(std::move(doc).error());
    s.doc = std::move(*doc);
    out.sources.push_back(std::move(s));
  }
  return out;
}

std::size_t add_own_drop_in(Defaults& d) {
  for (std::size_t k = 0; k < d.sources.size(); ++k)
    if (d.sources[k].ours) return k;
  Source s;
  s.path = std::string(kOwnDropIn);
  s.ours = true;
  s.exists = false;
  s.resolved = s.path;
  s.doc = std::move(*shell::parse("", s.path));
  std::size_t at = d.sources.size();
  for (std::size_t k = 1; k < d.sources.size(); ++k)
    if (d.sources[k].path > s.path) {
      at = k;
      break;
    }
  d.sources.insert(d.sources.begin() + static_cast<std::ptrdiff_t>(at), std::move(s));
  return at;
}

namespace {

using shell::Piece;

struct Evaluator {
  const Defaults& d;
  Evaluation ev;

  bool is_cmdline(std::string_view name) const {
    const auto& v = cmdline_variables();
    return std::find(v.begin(), v.end(), name) != v.end();
  }

  void taint(std::string_view name, Uncertainty u) {
    Value& v = ev.vars[std::string(name)];
    v.uncertain.push_back(std::move(u));
  }

  static void append(Value& out, const Value& in) {
    out.chunks.insert(out.chunks.end(), in.chunks.begin(), in.chunks.end());
    for (const auto& c : in.contributors)
      if (std::find(out.contributors.begin(), out.contributors.end(), c) == out.contributors.end())
        out.contributors.push_back(c);
    out.uncertain.insert(out.uncertain.end(), in.uncertain.begin(), in.uncertain.end());
  }

  void eval_pieces(const std::vector<Piece>& pieces, const Origin& o, std::size_t src, Value& out) {
    for (const auto& p : pieces) {
      switch (p.kind) {
        case Piece::Kind::literal:
          if (!p.text.empty()) out.chunks.push_back(Chunk{p.text, o});
          break;
        case Piece::Kind::variable: {
          auto it = ev.vars.find(p.name);
          if (it != ev.vars.end()) append(out, it->second);
          break;
        }
        case Piece::Kind::parameter: {
          auto it = ev.vars.find(p.name);
          const bool set = it != ev.vars.end() && it->second.set;
          const bool nonempty = set && !it->second.text().empty();
          if (p.op == ":-" || p.op == "-") {
            if (set && (p.op == "-" || nonempty)) append(out, it->second);
            else eval_pieces(p.word, o, src, out);
          } else if (p.op == ":+" || p.op == "+") {
            if (set && (p.op == "+" || nonempty)) eval_pieces(p.word, o, src, out);
          } else {
            out.uncertain.push_back(Uncertainty{src, p.raw.begin,
                                                "the expansion '" +
                                                    std::string(d.sources[src].doc.slice(p.raw)) +
                                                    "' is not evaluated",
                                                true});
          }
          break;
        }
        case Piece::Kind::special:
        case Piece::Kind::command:
        case Piece::Kind::arithmetic:
          out.uncertain.push_back(Uncertainty{
              src, p.raw.begin,
              "'" + std::string(d.sources[src].doc.slice(p.raw)) + "' is not run by kdump-setup", true});
          break;
      }
    }
  }

  void run() {
    for (std::size_t si = 0; si < d.sources.size(); ++si) {
      const auto& doc = d.sources[si].doc;
      const auto& sts = doc.statements();
      for (std::size_t k = 0; k < sts.size(); ++k) {
        if (const auto* a = std::get_if<shell::Assignment>(&sts[k])) {
          if (!a->unconditional()) {
            taint(a->name, Uncertainty{si, a->name_span.begin,
                                       a->name + " is assigned inside shell code at " +
                                           d.sources[si].path + ":" + std::to_string(a->line),
                                       doc.slice(a->value).find("crashkernel") != std::string_view::npos ||
                                           a->has_command_substitution()});
            continue;
          }
          const Origin o{si, k};
          Value v;
          v.set = true;
          eval_pieces(a->pieces, o, si, v);
          if (std::find(v.contributors.begin(), v.contributors.end(), o) == v.contributors.end())
            v.contributors.push_back(o);
          // Uncertainty that came from a construct stays with the variable (a function
          // defined earlier may run again later).
          auto old = ev.vars.find(a->name);
          if (old != ev.vars.end())
            for (const auto& u : old->second.uncertain)
              if (std::find_if(v.uncertain.begin(), v.uncertain.end(), [&](const Uncertainty& x) {
                    return x.source == u.source && x.offset == u.offset;
                  }) == v.uncertain.end())
                v.uncertain.push_back(u);
          ev.vars[a->name] = std::move(v);
          continue;
        }
        const auto& c = std::get<shell::Construct>(sts[k]);
        const std::string_view text = doc.slice(c.span);
        const bool runs_other_code = c.first_word == "." || c.first_word == "source" ||
                                     c.first_word == "eval" || c.kind == shell::Construct::Kind::case_statement;
        // A function body's lines are statements of their own; a call of it is a command
        // that names no variable: the body's conditional assignments taint already.
        const bool names_crashkernel = text.find("crashkernel") != std::string_view::npos;
        // Commands that read variables but cannot assign them.
        static const std::set<std::string, std::less<>> readers{"[", "[[", "test", "echo", "true",
                                                                "false", ":", "exit", "return"};
        const bool reader = c.kind == shell::Construct::Kind::command && readers.count(c.first_word) &&
                            text.find("$((") == std::string_view::npos;
        if (reader && !names_crashkernel) continue;
        for (const auto& name : cmdline_variables()) {
          const bool mentions = text.find(name) != std::string_view::npos;
          if (!mentions && !runs_other_code && !names_crashkernel) continue;
          // Mentioning only a longer name (GRUB_CMDLINE_LINUX_DEFAULT for _LINUX) is not one.
          bool exact = runs_other_code || names_crashkernel;
          for (std::size_t at = text.find(name); at != std::string_view::npos && !exact;
               at = text.find(name, at + 1)) {
            const std::size_t e = at + name.size();
            const bool before_ok = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
            const bool after_ok = e >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_');
            exact = before_ok && after_ok;
          }
          if (!exact) continue;
          auto [line, col] = doc.position(c.span.begin);
          (void)col;
          const std::string at = c.describe() + " at " + d.sources[si].path + ":" + std::to_string(line);
          taint(name, Uncertainty{si, c.span.begin,
                                  names_crashkernel && !mentions ? at + " mentions crashkernel"
                                  : runs_other_code              ? at + " runs code that may change " + name
                                                                 : at + " may change " + name,
                                  runs_other_code || names_crashkernel});
        }
      }
    }
  }
};

}  // namespace

Evaluation evaluate(const Defaults& d) {
  Evaluator e{d, {}};
  e.run();
  return std::move(e.ev);
}

}  // namespace kdump::grub2
