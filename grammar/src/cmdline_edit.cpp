// The command-line token editor (cmdline_edit.hpp). A small hand-written scanner: the
// word rules are three states (outside, in '...', in "...") plus two escapes, and the
// editor needs byte offsets of every word and gap, which a scanner gives directly.
#include "grammar/cmdline_edit.hpp"

#include <algorithm>

namespace kdump::cmdline {
namespace {

constexpr std::string_view kKey = "crashkernel=";

bool is_blank(Dialect d, char c) {
  if (d == Dialect::kernel)
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_continuation(Dialect d, std::string_view s, std::size_t i) {
  return d == Dialect::grub && i + 1 < s.size() && s[i] == '\\' && s[i + 1] == '\n';
}

// Scanner state shared by split_words() and unterminated_quote().
struct Scan {
  std::vector<Word> words;
  std::optional<std::size_t> open_quote;  // offset of a quote still open at the end
  // grub: offset of a backslash that ends the text outside quotes. It escapes whatever
  // GRUB reads next, so nothing may be appended after it.
  std::optional<std::size_t> dangling_escape;
};

Scan scan(std::string_view s, Dialect d) {
  Scan out;
  enum class Q { none, single, dbl };
  Q q = Q::none;
  std::size_t quote_at = 0;
  bool in_word = false;
  std::size_t word_begin = 0;
  auto end_word = [&](std::size_t at) {
    if (in_word) out.words.push_back(Word{word_begin, at, s.substr(word_begin, at - word_begin)});
    in_word = false;
  };
  auto start_word = [&](std::size_t at) {
    if (!in_word) {
      in_word = true;
      word_begin = at;
    }
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (q == Q::single) {  // only the grub dialect has single quotes
      if (c == '\'') q = Q::none;
      ++i;
      continue;
    }
    if (q == Q::dbl) {
      if (d == Dialect::grub && c == '\\' && i + 1 < s.size()) {
        if (s[i + 1] == '"') q = Q::none;  // \" : the shell turns it into GRUB's quote
        i += 2;
        continue;
      }
      if (c == '"') q = Q::none;
      ++i;
      continue;
    }
    // Outside quotes.
    if (is_continuation(d, s, i)) {
      if (in_word) {
        // The shell deletes backslash-newline: it joins when a word byte follows.
        std::size_t j = i;
        while (is_continuation(d, s, j)) j += 2;
        if (j < s.size() && !is_blank(d, s[j])) {
          i = j;
          continue;
        }
        end_word(i);
      }
      i += 2;
      continue;
    }
    if (is_blank(d, c)) {
      end_word(i);
      ++i;
      continue;
    }
    start_word(i);
    if (c == '"') {
      q = Q::dbl;
      quote_at = i;
    } else if (d == Dialect::grub && c == '\'') {
      q = Q::single;
      quote_at = i;
    } else if (d == Dialect::grub && c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] == '"') {
        q = Q::dbl;
        quote_at = i;
      }
      i += 2;
      continue;
    } else if (d == Dialect::grub && c == '\\') {
      out.dangling_escape = i;
    }
    ++i;
  }
  end_word(s.size());
  if (q != Q::none) out.open_quote = quote_at;
  return out;
}

// The word as the consumer sees it: quotes removed (and, for grub, escapes resolved).
std::string dequote(std::string_view w, Dialect d) {
  std::string out;
  out.reserve(w.size());
  if (d == Dialect::kernel) {
    for (char c : w)
      if (c != '"') out.push_back(c);
    return out;
  }
  enum class Q { none, single, dbl };
  Q q = Q::none;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const char c = w[i];
    if (q == Q::single) {
      if (c == '\'') q = Q::none;
      else out.push_back(c);
      continue;
    }
    if (c == '\\' && i + 1 < w.size()) {
      const char n = w[i + 1];
      ++i;
      if (n == '"') q = (q == Q::dbl) ? Q::none : Q::dbl;
      else if (n != '\n') out.push_back(n);
      continue;
    }
    if (c == '"') {
      q = (q == Q::dbl) ? Q::none : Q::dbl;
      continue;
    }
    if (c == '\'' && q == Q::none) {
      q = Q::single;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

bool is_ours(std::string_view raw, Dialect d) {
  if (d == Dialect::kernel) {
    std::size_t i = 0;
    while (i < raw.size() && raw[i] == '"') ++i;
    return raw.substr(i).starts_with(kKey);
  }
  return dequote(raw, d).starts_with(kKey);
}

bool valid_value(std::string_view v) {
  if (v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           c == ',' || c == ':' || c == '@' || c == '-';
  });
}

std::size_t init_separator(const std::vector<Word>& words) {
  for (std::size_t i = 0; i < words.size(); ++i)
    if (words[i].text == "--") return i;
  return words.size();
}

// Length of the blank unit that ends at `end` (exclusive) / starts at `begin`.
std::size_t unit_before(std::string_view s, std::size_t end, Dialect d) {
  if (d == Dialect::grub && end >= 2 && s[end - 1] == '\n' && s[end - 2] == '\\') return 2;
  return 1;
}
std::size_t unit_after(std::string_view s, std::size_t begin, Dialect d) {
  return is_continuation(d, s, begin) ? 2 : 1;
}

bool ends_with_newline_unit(std::string_view gap) { return !gap.empty() && gap.back() == '\n'; }

// [blanks other than newline]* then a newline unit: its length, or 0.
std::size_t blanks_to_newline(std::string_view s, std::size_t begin, std::size_t end, Dialect d) {
  std::size_t i = begin;
  while (i < end) {
    if (s[i] == '\n') return i + 1 - begin;
    if (is_continuation(d, s, i)) return i + 2 - begin;
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    return 0;
  }
  return 0;
}

// The line being edited and the spans of its words, kept in step with every edit.
// Rescanning the line after each edit made set/remove quadratic in the number of
// crashkernel= words (found by fuzz_cmdline_edit running at ~12 inputs/s on 4 KB lines).
// The edits never join or split words: an inserted or replaced word is one word of
// valid_value() bytes, and erase() keeps at least one blank unit between the neighbours
// it leaves, so the kept spans equal what scan() would find again.
class LineEdit {
public:
  LineEdit(std::string_view line, Dialect d) : m_s(line), m_d(d) {
    for (const Word& w : scan(line, d).words) m_spans.push_back({w.begin, w.end});
  }

  std::string_view word(std::size_t i) const {
    return std::string_view(m_s).substr(m_spans[i].begin, m_spans[i].end - m_spans[i].begin);
  }

  void replace(std::size_t i, std::string_view token) {
    Span& w = m_spans[i];
    const std::size_t old_len = w.end - w.begin;
    m_s.replace(w.begin, old_len, token);
    w.end = w.begin + token.size();
    shift_from(i + 1, token.size(), old_len);
  }

  void insert_after(std::size_t i, std::string_view token) {
    const std::size_t at = m_spans[i].end;
    m_s.insert(at, " " + std::string(token));
    shift_from(i + 1, token.size() + 1, 0);
    m_spans.insert(m_spans.begin() + static_cast<std::ptrdiff_t>(i + 1),
                   Span{at + 1, at + 1 + token.size()});
  }

  // Before word i; on a line without words, the token becomes the whole line.
  void insert_before(std::size_t i, std::string_view token) {
    if (m_spans.empty()) {
      m_s.insert(0, token);
      m_spans.push_back({0, token.size()});
      return;
    }
    const std::size_t at = m_spans[i].begin;
    m_s.insert(at, std::string(token) + " ");
    shift_from(i, token.size() + 1, 0);
    m_spans.insert(m_spans.begin() + static_cast<std::ptrdiff_t>(i), Span{at, at + token.size()});
  }

  // Deletes word i with one separating blank (see the header).
  void erase(std::size_t i) {
    const auto [from, len] = erase_range(i);
    m_s.erase(from, len);
    m_spans.erase(m_spans.begin() + static_cast<std::ptrdiff_t>(i));
    shift_from(i, 0, len);
  }

  std::string take() { return std::move(m_s); }

private:
  struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
  };

  // Spans from index `first` on moved by `added` - `removed` bytes.
  void shift_from(std::size_t first, std::size_t added, std::size_t removed) {
    for (std::size_t j = first; j < m_spans.size(); ++j) {
      m_spans[j].begin = m_spans[j].begin + added - removed;
      m_spans[j].end = m_spans[j].end + added - removed;
    }
  }

  // The bytes erase(i) deletes: the word, and the blank unit that keeps its neighbours
  // apart once, preferring a plain space; a word alone on its (continued) line takes
  // the line with it.
  std::pair<std::size_t, std::size_t> erase_range(std::size_t i) const {
    const Span& w = m_spans[i];
    const bool prev = i > 0;
    const bool next = i + 1 < m_spans.size();
    const std::size_t gap_b_begin = prev ? m_spans[i - 1].end : 0;
    const std::size_t gap_a_end = next ? m_spans[i + 1].begin : m_s.size();
    const std::string_view sv = m_s;
    const std::string_view gap_before = sv.substr(gap_b_begin, w.begin - gap_b_begin);
    const std::string_view gap_after = sv.substr(w.end, gap_a_end - w.end);
    const std::size_t len = w.end - w.begin;

    if (!prev && !next) return {w.begin, len};
    if (ends_with_newline_unit(gap_before)) {
      if (std::size_t n = blanks_to_newline(sv, w.end, gap_a_end, m_d); n > 0) return {w.begin, len + n};
    }
    if (prev && !next) {
      const std::size_t u = unit_before(sv, w.begin, m_d);
      return {w.begin - u, len + u};
    }
    if (!prev && next) return {w.begin, len + unit_after(sv, w.end, m_d)};
    if (gap_before.back() == ' ') return {w.begin - 1, len + 1};
    if (gap_after.front() == ' ') return {w.begin, len + 1};
    const std::size_t u = unit_before(sv, w.begin, m_d);
    return {w.begin - u, len + u};
  }

  std::string m_s;
  Dialect m_d;
  std::vector<Span> m_spans;
};

Error dangling_escape_error(std::size_t at) {
  Error e = make_error(ErrorKind::parse, "the text ends in a backslash: a word added after it "
                                         "would be joined to the word before it");
  e.column = static_cast<unsigned>(at + 1);
  return e;
}

Error unterminated_error(std::size_t at) {
  Error e = make_error(ErrorKind::parse, "unterminated quote: the words after it cannot be told apart");
  e.column = static_cast<unsigned>(at + 1);
  return e;
}

}  // namespace

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::plain: return "plain";
    case Kind::high: return "high";
    case Kind::low: return "low";
    case Kind::cma: return "cma";
  }
  return "plain";
}

Kind kind_of_value(std::string_view v) {
  if (v.ends_with(",high")) return Kind::high;
  if (v.ends_with(",low")) return Kind::low;
  if (v.ends_with(",cma")) return Kind::cma;
  return Kind::plain;
}

std::vector<Word> split_words(std::string_view line, Dialect d) { return scan(line, d).words; }

std::optional<std::size_t> unterminated_quote(std::string_view line, Dialect d) {
  return scan(line, d).open_quote;
}

std::vector<CrashkernelWord> crashkernel_words(std::string_view line, Dialect d) {
  const auto words = split_words(line, d);
  const std::size_t dd = init_separator(words);
  std::vector<CrashkernelWord> out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    if (!is_ours(w.text, d)) continue;
    CrashkernelWord c;
    c.index = i;
    c.begin = w.begin;
    c.end = w.end;
    const std::string deq = dequote(w.text, d);
    const std::size_t at = deq.find(kKey);
    c.value = deq.substr(at + kKey.size());
    c.kind = kind_of_value(c.value);
    c.quoted = w.text.find_first_of(d == Dialect::grub ? "\"'\\" : "\"") != std::string_view::npos;
    c.after_init_separator = i > dd;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<LookAlike> look_alikes(std::string_view line, Dialect d) {
  const auto words = split_words(line, d);
  std::vector<LookAlike> out;
  std::size_t next_word = 0;
  std::size_t pos = 0;
  while ((pos = line.find(kKey, pos)) != std::string_view::npos) {
    // The word holding this occurrence.
    // Occurrences and words both ascend: the first word not ending before pos.
    while (next_word < words.size() && words[next_word].end <= pos) ++next_word;
    const Word* holder = next_word < words.size() && words[next_word].begin <= pos
                             ? &words[next_word] : nullptr;
    bool ours = false;
    if (holder && is_ours(holder->text, d)) {
      // The first occurrence inside one of our words is the word's own key.
      ours = line.substr(holder->begin, pos - holder->begin).find(kKey) == std::string_view::npos;
    }
    if (!ours)
      out.push_back(LookAlike{pos, holder ? std::string(holder->text) : std::string(kKey)});
    pos += kKey.size();
  }
  return out;
}

std::string describe(const LookAlike& l) {
  return "'" + l.word +
         "' contains \"crashkernel=\": it is left alone, but the kernel's substring search sees "
         "it and may take it as the crashkernel= value";
}

Result<EditResult> set_crashkernel(std::string_view line, std::string_view value, Dialect d) {
  if (!valid_value(value)) {
    return fail(make_error(ErrorKind::usage, "'" + std::string(value) +
                                                 "' cannot be written as one crashkernel= word"));
  }
  const Scan scanned = scan(line, d);
  if (scanned.open_quote) return fail(unterminated_error(*scanned.open_quote));

  EditResult r;
  const std::string token = std::string(kKey) + std::string(value);
  const Kind kind = kind_of_value(value);
  const auto& words = scanned.words;
  const std::size_t dd = init_separator(words);
  const auto ours = crashkernel_words(line, d);

  auto conflicts = [&](Kind k) { return replaces(kind, k); };

  // Operations by word index, applied from the right so lower indices stay valid.
  struct Op {
    std::size_t index;
    enum { replace, remove, insert_before, insert_after } what;
  };
  std::vector<Op> ops;
  std::optional<std::size_t> target;  // the word replaced in place
  for (const auto& c : ours) {
    if (!conflicts(c.kind)) continue;
    if (!target && !c.after_init_separator) {
      target = c.index;
    } else {
      ops.push_back({c.index, Op::remove});
    }
  }
  if (kind == Kind::plain) {
    // Kernels before 6.16 read a later "crashkernel=X,cma" as the plain value.
    std::optional<std::size_t> last_cma;
    for (const auto& c : ours)
      if (c.kind == Kind::cma && !c.after_init_separator) last_cma = c.index;
    if (target && last_cma && *last_cma > *target) {
      ops.push_back({*target, Op::remove});
      ops.push_back({*last_cma, Op::insert_after});
      r.warnings.push_back("crashkernel=" + std::string(value) +
                           " goes after the crashkernel=...,cma word: kernels before 6.16 take "
                           "the last crashkernel= word that does not end in ,high or ,low");
    } else if (target) {
      ops.push_back({*target, Op::replace});
    } else if (last_cma) {
      ops.push_back({*last_cma, Op::insert_after});
    }
  } else if (target) {
    ops.push_back({*target, Op::replace});
  }
  const bool placed = std::any_of(ops.begin(), ops.end(), [](const Op& o) {
    return o.what == Op::replace || o.what == Op::insert_after || o.what == Op::insert_before;
  });
  if (!placed) {
    std::optional<std::size_t> before;
    if (kind == Kind::cma) {
      for (const auto& c : ours)
        if (c.kind == Kind::plain && !c.after_init_separator) {
          before = c.index;
          break;
        }
    }
    if (!before && dd < words.size()) before = dd;
    if (before) {
      ops.push_back({*before, Op::insert_before});
    } else if (!words.empty()) {
      ops.push_back({words.size() - 1, Op::insert_after});
    } else {
      ops.push_back({0, Op::insert_before});
    }
  }
  // Right to left; at one index, removal before insertion after it is harmless, but an
  // insert_after at i must run before a remove at i+k: sorting by index descending does.
  std::stable_sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) {
    if (a.index != b.index) return a.index > b.index;
    return a.what == Op::insert_after && b.what != Op::insert_after;
  });

  if (scanned.dangling_escape && !words.empty() &&
      std::any_of(ops.begin(), ops.end(), [&](const Op& o) {
        return o.what == Op::insert_after && o.index + 1 == words.size();
      }))
    return fail(dangling_escape_error(*scanned.dangling_escape));

  LineEdit e(line, d);
  for (const auto& op : ops) {
    switch (op.what) {
      case Op::replace:
        if (e.word(op.index) != token) r.replaced = std::string(e.word(op.index));
        e.replace(op.index, token);
        break;
      case Op::remove:
        r.removed.emplace_back(e.word(op.index));
        e.erase(op.index);
        break;
      case Op::insert_after:
        e.insert_after(op.index, token);
        r.inserted = true;
        break;
      case Op::insert_before:
        e.insert_before(op.index, token);
        r.inserted = true;
        break;
    }
  }
  std::string s = e.take();

  for (const auto& c : ours)
    if (c.after_init_separator && conflicts(c.kind))
      r.warnings.push_back("removed crashkernel=" + c.value +
                           " after '--': the kernel still reads it there, and init gets it as an "
                           "argument");
  if (kind == Kind::low) {
    for (const auto& c : crashkernel_words(s, d))
      if (c.kind == Kind::plain) {
        r.warnings.push_back("crashkernel=" + c.value + " is a plain value: the kernel ignores "
                             "crashkernel=...,low while it is present");
        break;
      }
  }
  if (kind == Kind::plain) {
    for (const auto& c : crashkernel_words(s, d))
      if (c.kind == Kind::cma) {
        r.warnings.push_back("kept crashkernel=" + c.value +
                             ": a CMA reservation in addition to the plain value (kernels before "
                             "6.16 do not know ,cma)");
      }
  }
  r.look_alikes = look_alikes(s, d);
  r.changed = s != line;
  r.text = std::move(s);
  return r;
}

bool replaces(Kind new_kind, Kind k) {
  switch (new_kind) {
    case Kind::plain: return k != Kind::cma;
    case Kind::high: return k == Kind::high || k == Kind::plain;
    case Kind::low: return k == Kind::low;
    case Kind::cma: return k == Kind::cma;
  }
  return false;
}

namespace {

Result<EditResult> remove_where(std::string_view line, Dialect d, std::optional<Kind> new_kind) {
  if (auto q = unterminated_quote(line, d)) return fail(unterminated_error(*q));
  EditResult r;
  LineEdit e(line, d);
  const auto ours = crashkernel_words(line, d);
  for (auto it = ours.rbegin(); it != ours.rend(); ++it) {
    if (new_kind && !replaces(*new_kind, it->kind)) continue;
    r.removed.emplace_back(line.substr(it->begin, it->end - it->begin));
    e.erase(it->index);
  }
  std::reverse(r.removed.begin(), r.removed.end());
  std::string s = e.take();
  r.look_alikes = look_alikes(s, d);
  r.changed = s != line;
  r.text = std::move(s);
  return r;
}

}  // namespace

Result<EditResult> remove_crashkernel(std::string_view line, Dialect d) {
  return remove_where(line, d, std::nullopt);
}

Result<EditResult> remove_replaced(std::string_view line, Kind new_kind, Dialect d) {
  return remove_where(line, d, new_kind);
}

}  // namespace kdump::cmdline
