// The one translation unit that instantiates the X3 grammar (crashkernel_rules.hpp).
#include "grammar/crashkernel.hpp"

#include <array>
#include <cstdio>

#include "crashkernel_rules.hpp"
#include "expect_messages.hpp"

namespace kdump {
namespace detail {
namespace {

namespace x3 = boost::spirit::x3;

Expect expect_from_rule_name(const std::string& which) {
  static const std::array<std::pair<const char*, Expect>, 9> names{{
      {"range_start", Expect::range_start}, {"dash", Expect::dash},
      {"range_end", Expect::range_end},     {"colon", Expect::colon},
      {"range_size", Expect::range_size},   {"offset", Expect::offset},
      {"size", Expect::size},               {"suffix", Expect::suffix},
      {"end", Expect::end}}};
  for (const auto& [name, key] : names)
    if (which == name) return key;
  return Expect::end;
}

struct Failed {
  Expect what;
  std::size_t at;
};

// Runs one rule over text[pos..]; returns the failure (expectation or plain).
template <typename Rule, typename Attr>
std::optional<Failed> run(const Rule& rule, std::string_view text, std::size_t& pos, Attr& attr,
                          Expect on_plain_failure) {
  const char* begin = text.data();
  const char* first = begin + pos;
  const char* last = begin + text.size();
  try {
    bool ok = x3::parse(first, last, x3::with<rules::text_begin_tag>(begin)[rule], attr);
    pos = static_cast<std::size_t>(first - begin);
    if (!ok) return Failed{on_plain_failure, pos};
    return std::nullopt;
  } catch (const x3::expectation_failure<const char*>& e) {
    return Failed{expect_from_rule_name(e.which()), static_cast<std::size_t>(e.where() - begin)};
  }
}

}  // namespace

EntryResult parse_range_entry(std::string_view text, std::size_t pos) {
  EntryResult r;
  ast::Entry e;
  if (auto f = run(rules::entry, text, pos, e, Expect::range_start)) {
    r.failed = f->what;
    r.failed_at = f->at;
    return r;
  }
  r.start = e.start;
  if (e.end) r.end = *e.end;
  r.size = e.size;
  r.next = pos;
  return r;
}

}  // namespace detail

namespace {

using detail::Expect;

ParseError strict_error(Expect what, std::string_view text, std::size_t at) {
  char c = at < text.size() ? text[at] : '\0';
  return ParseError{detail::expect_message(what, detail::MessageStyle::strict, c, at >= text.size()), at};
}

Result<CrashkernelSpec, ParseError> strict_range(std::string_view text) {
  detail::ast::RangeValue v;
  std::size_t pos = 0;
  if (auto f = detail::run(detail::rules::range_value, text, pos, v, Expect::range_start))
    return fail(strict_error(f->what, text, f->at));
  std::vector<RangeSize> table;
  for (const auto& e : v.entries) {
    // parse_crashkernel_mem(): "if (end <= start) ... end <= start"
    if (e.end && e.end->value <= e.start.value)
      return fail(ParseError{"crashkernel: end <= start", e.end->at});
    table.push_back(RangeSize{MemRange{e.start.value, e.end ? std::optional(e.end->value) : std::nullopt},
                              e.size.value});
  }
  CrashkernelSpec spec;
  spec.amount = std::move(table);
  if (v.offset) spec.offset = v.offset->value;
  return spec;
}

Result<CrashkernelSpec, ParseError> strict_simple(std::string_view text) {
  detail::ast::SimpleValue v;
  std::size_t pos = 0;
  if (auto f = detail::run(detail::rules::simple_value, text, pos, v, Expect::size))
    return fail(strict_error(f->what, text, f->at));
  CrashkernelSpec spec;
  spec.amount = v.size.value;
  if (v.offset) spec.offset = v.offset->value;
  return spec;
}

Result<CrashkernelSpec, ParseError> strict_suffixed(std::string_view text) {
  detail::ast::SuffixedValue v;
  std::size_t pos = 0;
  if (auto f = detail::run(detail::rules::suffixed_value, text, pos, v, Expect::size))
    return fail(strict_error(f->what, text, f->at));
  CrashkernelSpec spec;
  spec.amount = v.size.value;
  spec.suffix = v.suffix;
  return spec;
}

}  // namespace

std::string_view suffix_text(Suffix s) {
  switch (s) {
    case Suffix::high: return ",high";
    case Suffix::low: return ",low";
    case Suffix::cma: return ",cma";
    case Suffix::none: break;
  }
  return "";
}

Result<CrashkernelSpec, ParseError> parse_crashkernel(std::string_view value) {
  // The kernel picks the form the same way: a ':' means the extended syntax
  // (__parse_crashkernel()); a ',' without ':' can only be a suffixed value.
  if (value.find(':') != std::string_view::npos) return strict_range(value);
  if (value.find(',') != std::string_view::npos) return strict_suffixed(value);
  return strict_simple(value);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<unsigned, char>, 6> units{
      {{60, 'E'}, {50, 'P'}, {40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}}};
  if (bytes == 0) return "0";
  for (const auto& [shift, letter] : units) {
    std::uint64_t unit = 1ull << shift;
    if (bytes % unit == 0) return std::to_string(bytes / unit) + letter;
  }
  return std::to_string(bytes);
}

std::string human_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<unsigned, const char*>, 5> units{
      {{50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}};
  // The largest unit in which the figure is exact, or short enough with one decimal
  // (2047.5 MiB rather than "2.0 GiB", which would hide what the range matching sees).
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::uint64_t unit = 1ull << units[i].first;
    if (bytes < unit) continue;
    char buf[64];
    bool last = i + 1 == units.size();
    if (bytes % unit == 0) {
      std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(bytes / unit),
                    units[i].second);
    } else if (last || bytes / (1ull << units[i + 1].first) >= 10240) {
      std::snprintf(buf, sizeof buf, "%.1f %s",
                    static_cast<double>(bytes) / static_cast<double>(unit), units[i].second);
    } else {
      continue;
    }
    return buf;
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::string format_crashkernel(const CrashkernelSpec& spec) {
  std::string out;
  if (const auto* size = std::get_if<std::uint64_t>(&spec.amount)) {
    out = format_size(*size);
  } else {
    for (const auto& rs : std::get<std::vector<RangeSize>>(spec.amount)) {
      if (!out.empty()) out += ',';
      out += format_size(rs.range.start) + '-';
      if (rs.range.end) out += format_size(*rs.range.end);
      out += ':' + format_size(rs.size);
    }
  }
  out += suffix_text(spec.suffix);
  if (spec.offset) out += '@' + format_size(*spec.offset);
  return out;
}

std::optional<std::uint64_t> parse_size_argument(std::string_view text) {
  Memparsed m = memparse(text);
  if (m.length == 0 || m.length != text.size() || m.wrapped) return std::nullopt;
  return m.value;
}

}  // namespace kdump
