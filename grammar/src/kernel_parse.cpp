#include "kernel_parse.hpp"

#include "expect_messages.hpp"
#include "grammar/memparse.hpp"
#include "value_parse.hpp"

namespace kdump {

std::vector<CmdlineToken> find_crashkernel_tokens(std::string_view cmdline) {
  static constexpr std::string_view name = "crashkernel=";
  std::vector<CmdlineToken> tokens;
  // get_last_crashkernel(): strstr(), then strstr(p + 1) -- overlapping matches count.
  for (std::size_t p = cmdline.find(name); p != std::string_view::npos;
       p = cmdline.find(name, p + 1)) {
    CmdlineToken t;
    t.begin = p;
    t.value_begin = p + name.size();
    std::size_t space = cmdline.find(' ', p);  // only ' ' ends a token, not tabs
    t.end = space == std::string_view::npos ? cmdline.size() : space;
    t.standalone = p == 0 || cmdline[p - 1] == ' ';
    t.value = cmdline.substr(t.value_begin, t.end - t.value_begin);
    tokens.push_back(t);
  }
  return tokens;
}

namespace detail {
namespace {

MessageStyle style_for(const KernelModel& m) {
  if (m.at_least(6, 16)) return MessageStyle::v6_16;
  if (m.at_least(6, 7)) return MessageStyle::v6_7;
  return MessageStyle::v6_1;
}

// memparse() as this release does it: from 7.2 a unit letter alone is no number
// (the end pointer does not move), before it is 0.
Memparsed kmemparse(std::string_view v, const KernelModel& m) {
  Memparsed r = memparse(v);
  if (m.memparse_needs_digits() && r.suffix && r.length == 1) return Memparsed{};
  return r;
}

bool bare_unit(std::string_view v, std::size_t at, const KernelModel& m) {
  return at < v.size() && kmemparse(v.substr(at), m).length == 0;
}

TokenParse invalid(const CmdlineToken& t, std::size_t at, std::string text) {
  TokenParse r;
  r.invalid = true;
  r.warning = KernelMessage{std::move(text), t.value_begin + at};
  return r;
}

std::string unrecognized(std::string_view value, std::size_t at) {
  return expect_message(Expect::end, MessageStyle::v6_1, at < value.size() ? value[at] : '\0',
                        at >= value.size());
}

// parse_crashkernel_simple(): size, then '@' + unchecked base, or ' '/NUL.
TokenParse parse_simple(const CmdlineToken& t, const KernelModel& m) {
  std::string_view v = t.value;
  Memparsed size = kmemparse(v, m);
  if (size.length == 0) return invalid(t, 0, "crashkernel: memory value expected");
  TokenParse r;
  r.size = size.value;
  std::size_t at = size.length;
  if (at < v.size() && v[at] == '@') {
    r.base = kmemparse(v.substr(at + 1), m).value;  // not validated: "256M@" is base 0
  } else if (at < v.size()) {
    return invalid(t, at, unrecognized(v, at));
  }
  return r;
}

bool range_matches(std::uint64_t total, const EntryResult& e) {
  std::uint64_t end = e.end ? e.end->value : UINT64_MAX;
  return total >= e.start.value && total < end;
}

// The "@offset" after a matched entry: skip anything up to '@' or the end.
TokenParse with_offset(const CmdlineToken& t, TokenParse r, std::size_t pos, MessageStyle style,
                       const KernelModel& m) {
  std::string_view v = t.value;
  while (pos < v.size() && v[pos] != '@') ++pos;
  if (pos < v.size()) {
    Memparsed base = kmemparse(v.substr(pos + 1), m);
    if (base.length == 0) return invalid(t, pos + 1, expect_message(Expect::offset, style, 0, true));
    r.base = base.value;
  }
  return r;
}

// parse_crashkernel_mem(): entries left to right; every entry examined is checked,
// the first match stops the scan, later text is not parsed.
// 7.2+: the entry parse of a unit letter alone fails where the number is expected.
void fail_bare_units(std::string_view v, EntryResult& e, const KernelModel& m) {
  if (e.failed || !m.memparse_needs_digits()) return;
  if (bare_unit(v, e.start.at, m)) e.failed = Expect::range_start, e.failed_at = e.start.at;
  else if (e.end && bare_unit(v, e.end->at, m)) e.failed = Expect::range_end, e.failed_at = e.end->at;
  else if (bare_unit(v, e.size.at, m)) e.failed = Expect::range_size, e.failed_at = e.size.at;
}

TokenParse parse_ranges(const CmdlineToken& t, std::uint64_t total, MessageStyle style,
                        const KernelModel& m) {
  std::string_view v = t.value;
  std::size_t pos = 0;
  for (;;) {
    EntryResult e = parse_range_entry(v, pos);
    fail_bare_units(v, e, m);
    if (e.failed) {
      char c = e.failed_at < v.size() ? v[e.failed_at] : '\0';
      return invalid(t, e.failed_at, expect_message(*e.failed, style, c, e.failed_at >= v.size()));
    }
    if (e.end && e.end->value <= e.start.value) return invalid(t, e.end->at, "crashkernel: end <= start");
    if (e.size.value >= total) return invalid(t, e.size.at, "crashkernel: invalid size");
    if (range_matches(total, e)) {
      TokenParse r;
      r.size = e.size.value;
      r.matched = RangeSize{MemRange{e.start.value, e.end ? std::optional(e.end->value) : std::nullopt},
                            e.size.value};
      if (r.size == 0) break;  // a matched size of 0 is "zero bytes" as well
      return with_offset(t, r, e.next, style, m);
    }
    pos = e.next;
    if (pos >= v.size() || v[pos] != ',') break;  // "while (*cur++ == ',')"
    ++pos;
  }
  TokenParse r;
  r.info = KernelMessage{"crashkernel size resulted in zero bytes", t.value_begin};
  return r;
}

std::uint64_t ram_for_ranges(std::uint64_t system_ram, const KernelModel& m) {
  if (!m.rounds_ram_to_128m()) return system_ram;
  constexpr std::uint64_t step = 128 * MiB;
  return (system_ram + step - 1) / step * step;
}

}  // namespace

TokenParse parse_plain_token(const CmdlineToken& token, std::uint64_t system_ram,
                             const KernelModel& model) {
  if (model.rhel && token.value.substr(0, 4) == "auto") return parse_rhel_auto(token, system_ram, model);
  // __parse_crashkernel(): extended syntax when a ':' comes before the first space.
  if (token.value.find(':') != std::string_view::npos)
    return parse_ranges(token, ram_for_ranges(system_ram, model), style_for(model), model);
  return parse_simple(token, model);
}

TokenParse parse_suffixed_token(const CmdlineToken& t, std::string_view suffix,
                                const KernelModel& model) {
  std::string_view v = t.value;
  Memparsed size = kmemparse(v, model);
  if (size.length == 0) return invalid(t, 0, "crashkernel: memory value expected");
  std::size_t at = size.length;
  if (v.substr(at, suffix.size()) != suffix) return invalid(t, at, unrecognized(v, at));
  at += suffix.size();
  if (at < v.size()) return invalid(t, at, unrecognized(v, at));
  TokenParse r;
  r.size = size.value;
  return r;
}

std::optional<CmdlineToken> last_token(const std::vector<CmdlineToken>& tokens,
                                       std::optional<std::string_view> suffix,
                                       const KernelModel& model) {
  std::vector<std::string_view> known{",high", ",low"};
  if (model.knows_cma()) known.push_back(",cma");
  std::optional<CmdlineToken> last;
  for (const auto& t : tokens) {
    // The kernel compares the end of the token text (which includes "crashkernel=").
    auto ends_with = [&](std::string_view s) { return t.value.size() >= s.size() &&
                                                       t.value.substr(t.value.size() - s.size()) == s; };
    if (suffix) {
      if (ends_with(*suffix)) last = t;
      continue;
    }
    bool has_known_suffix = false;
    for (auto s : known) has_known_suffix = has_known_suffix || ends_with(s);
    if (!has_known_suffix) last = t;
  }
  return last;
}

}  // namespace detail
}  // namespace kdump
