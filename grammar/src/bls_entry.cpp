// BLS Type #1 entries, byte-exact (grammar/bls_entry.hpp).
#include "grammar/bls_entry.hpp"

namespace kdump::bls {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

Error parse_error(std::string_view file, unsigned line, unsigned column, std::string message) {
  Error e = make_error(ErrorKind::parse, std::move(message));
  if (!file.empty()) e.file = std::string(file);
  e.line = line;
  e.column = column;
  return e;
}

bool has_words(std::string_view v) {
  for (char c : v)
    if (!blank(c) && c != '\n' && c != '\r' && c != '\f' && c != '\v') return true;
  return false;
}

}  // namespace

Result<Entry> Entry::parse(std::string text, std::string_view file) {
  Entry e;
  std::size_t pos = 0;
  unsigned lineno = 0;
  while (pos < text.size()) {
    ++lineno;
    Line l;
    l.begin = pos;
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string::npos ? text.size() : nl;
    l.next = nl == std::string::npos ? text.size() : nl + 1;
    if (end > pos && text[end - 1] == '\r') --end;  // CRLF: "\r" belongs to the line end
    const auto cr = text.find('\r', pos);
    if (cr != std::string::npos && cr < end)
      return fail(parse_error(file, lineno, static_cast<unsigned>(cr - pos + 1),
                              "a carriage return inside a line: systemd-boot ends the line there, "
                              "GRUB does not"));
    l.end = end;
    std::size_t p = pos;
    while (p < end && blank(text[p])) ++p;
    if (p == end) {
      l.kind = Line::Kind::blank;
    } else if (text[p] == '#') {
      l.kind = Line::Kind::comment;
    } else {
      l.key_begin = p;
      while (p < end && !blank(text[p])) ++p;
      l.key_end = p;
      while (p < end && blank(text[p])) ++p;
      std::size_t ve = end;
      while (ve > p && blank(text[ve - 1])) --ve;
      l.value_begin = p;
      l.value_end = ve;
      l.kind = p == ve ? Line::Kind::key_only : Line::Kind::key_value;
    }
    e.m_lines.push_back(l);
    pos = l.next;
  }
  e.m_text = std::move(text);
  return e;
}

std::string_view Entry::key(const Line& l) const {
  return std::string_view(m_text).substr(l.key_begin, l.key_end - l.key_begin);
}

std::string_view Entry::value(const Line& l) const {
  return std::string_view(m_text).substr(l.value_begin, l.value_end - l.value_begin);
}

std::vector<std::size_t> Entry::find(std::string_view k) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < m_lines.size(); ++i) {
    const auto& l = m_lines[i];
    if ((l.kind == Line::Kind::key_value || l.kind == Line::Kind::key_only) && key(l) == k) out.push_back(i);
  }
  return out;
}

std::optional<std::string> Entry::first(std::string_view k) const {
  for (auto i : find(k))
    if (m_lines[i].kind == Line::Kind::key_value) return std::string(value(m_lines[i]));
  return std::nullopt;
}

std::string entry_version(const Entry& e, std::string_view fallback) {
  if (auto v = e.first("version")) return *v;
  if (auto l = e.first("linux")) {
    const auto slash = l->rfind('/');
    std::string base = slash == std::string::npos ? *l : l->substr(slash + 1);
    return base.starts_with("vmlinuz-") ? base.substr(8) : std::string(fallback);
  }
  return std::string(fallback);
}

Result<std::string> Entry::with_value(std::size_t index, std::string_view v) const {
  const Line& l = m_lines.at(index);
  if (l.kind != Line::Kind::key_value)
    return fail(make_error(ErrorKind::usage, "line " + std::to_string(index + 1) + " has no value to replace"));
  if (!has_words(v))
    return fail(make_error(ErrorKind::usage, "an empty value would end GRUB's reading of the entry"));
  if (v.find_first_of("\r\n") != std::string_view::npos)
    return fail(make_error(ErrorKind::usage, "a value cannot contain a line end"));
  std::string out = m_text;
  out.replace(l.value_begin, l.value_end - l.value_begin, v);
  return out;
}

std::string Entry::without_line(std::size_t index) const {
  const Line& l = m_lines.at(index);
  std::string out = m_text;
  out.erase(l.begin, l.next - l.begin);
  return out;
}

std::string Entry::with_line_after(std::optional<std::size_t> after, std::string_view k,
                                   std::string_view v) const {
  std::string eol = "\n";
  if (!m_lines.empty()) {
    const Line& f = m_lines.front();
    if (f.next > f.end + 1) eol = "\r\n";
  }
  std::string line = std::string(k) + " " + std::string(v) + eol;
  std::string out = m_text;
  std::size_t at = after ? m_lines.at(*after).next : out.size();
  if (at == out.size() && !out.empty() && out.back() != '\n') {
    out += eol;
    at = out.size();
  }
  out.insert(at, line);
  return out;
}

namespace {

Result<OptionsEdit> apply(const Entry& e, std::size_t index, Result<cmdline::EditResult> r) {
  if (!r) {
    Error err = std::move(r).error();
    // Columns of the value become columns of the line.
    const Line& l = e.lines().at(index);
    unsigned line_no = static_cast<unsigned>(index + 1);
    if (err.column) err.column = *err.column + static_cast<unsigned>(l.value_begin - l.begin);
    err.line = line_no;
    return fail(std::move(err));
  }
  OptionsEdit out;
  out.edit = std::move(*r);
  if (!out.edit.changed) {
    out.text = e.text();
    return out;
  }
  if (!has_words(out.edit.text)) {
    out.text = e.without_line(index);
    out.line_removed = true;
    return out;
  }
  auto t = e.with_value(index, out.edit.text);
  if (!t) return fail(std::move(t).error());
  out.text = std::move(*t);
  return out;
}

}  // namespace

Result<OptionsEdit> set_crashkernel(const Entry& e, std::size_t index, std::string_view value,
                                    cmdline::Dialect d) {
  const Line& l = e.lines().at(index);
  if (l.kind != Line::Kind::key_value)
    return fail(make_error(ErrorKind::usage, "line " + std::to_string(index + 1) + " has no options value"));
  return apply(e, index, cmdline::set_crashkernel(e.value(l), value, d));
}

Result<OptionsEdit> remove_crashkernel(const Entry& e, std::size_t index, cmdline::Dialect d,
                                       std::optional<cmdline::Kind> only_replaced_by) {
  const Line& l = e.lines().at(index);
  if (l.kind != Line::Kind::key_value) {
    OptionsEdit out;
    out.text = e.text();
    return out;
  }
  return apply(e, index,
               only_replaced_by ? cmdline::remove_replaced(e.value(l), *only_replaced_by, d)
                                : cmdline::remove_crashkernel(e.value(l), d));
}

}  // namespace kdump::bls
