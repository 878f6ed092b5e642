// The /etc/default/grub shell-subset parser (shell_assign.hpp). A recursive-descent
// scanner over bytes; see the header for why it is not an X3 grammar.
#include "grammar/shell_assign.hpp"

#include <algorithm>
#include <array>

namespace kdump::shell {

namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_special_param(char c) {
  return c == '@' || c == '*' || c == '#' || c == '?' || c == '$' || c == '!' || c == '-';
}

bool piece_is_complex(const Piece& p) {
  switch (p.kind) {
    case Piece::Kind::literal:
    case Piece::Kind::variable: return false;
    case Piece::Kind::special:
    case Piece::Kind::command:
    case Piece::Kind::arithmetic: return true;
    case Piece::Kind::parameter:
      if (p.op != ":-" && p.op != "-" && p.op != ":+" && p.op != "+") return true;
      return std::any_of(p.word.begin(), p.word.end(), piece_is_complex);
  }
  return true;
}

bool piece_has_command(const Piece& p) {
  if (p.kind == Piece::Kind::command) return true;
  return std::any_of(p.word.begin(), p.word.end(), piece_has_command);
}

}  // namespace

bool Assignment::has_command_substitution() const {
  return std::any_of(pieces.begin(), pieces.end(), piece_has_command);
}

bool Assignment::has_complex_expansion() const {
  return std::any_of(pieces.begin(), pieces.end(), piece_is_complex);
}

std::string Construct::describe() const {
  switch (kind) {
    case Kind::function_definition: return "the function definition '" + first_word + "'";
    case Kind::case_statement: return "the case statement";
    case Kind::compound:
      if (first_word == "{") return "the { } group";
      if (first_word == "(") return "the ( ) subshell";
      return "the " + first_word + " statement";
    case Kind::command: break;
  }
  return "the command '" + first_word + "'";
}

std::pair<unsigned, unsigned> Document::position(std::size_t offset) const {
  auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const std::size_t line = static_cast<std::size_t>(it - m_line_starts.begin());  // 1-based
  const std::size_t start = m_line_starts[line - 1];
  return {static_cast<unsigned>(line), static_cast<unsigned>(offset - start + 1)};
}

Error Document::error_at(std::size_t offset, std::string message) const {
  Error e = make_error(ErrorKind::parse, std::move(message));
  e.file = m_file;
  auto [l, c] = position(offset);
  e.line = l;
  e.column = c;
  return e;
}

// ---------------------------------------------------------------------------------------

class Parser {
public:
  explicit Parser(Document& doc) : d(doc), s(doc.m_text) {}

  Result<Ok> run() {
    bool conditional_next = false;
    while (true) {
      skip_blanks();
      if (i >= s.size()) break;
      const char c = s[i];
      if (c == '\n') {
        ++i;
        continue;
      }
      if (c == '#') {
        skip_comment();
        continue;
      }
      if (c == ';') {
        if (conditional_next) return fail(d.error_at(i, "syntax error: ';' after '&&', '||' or '|'"));
        ++i;
        continue;
      }
      auto t = statement(conditional_next);
      if (!t) return fail(std::move(t).error());
      conditional_next = (*t == Term::and_or || *t == Term::pipe);
    }
    if (!open.empty()) {
      return fail(d.error_at(open.back().first, "'" + open.back().second +
                                                   "' is never closed (its end is missing)"));
    }
    return Ok{};
  }

private:
  enum class Term { none, newline, semi, and_or, pipe, background, end, close_paren };

  struct Word {
    Span span;
    std::vector<Segment> segments;
    std::vector<Piece> pieces;
    // The literal text when the word is one unquoted segment without expansions.
    std::optional<std::string> plain() const {
      if (segments.size() != 1 || segments[0].quote != Quote::none) return std::nullopt;
      return literal_text(pieces);
    }
  };

  enum class Ctx { statement, brace };

  Document& d;
  std::string_view s;
  std::size_t i = 0;
  // Recursion depth of statement()/word(): a file of 100000 `{` or `${a:-${a:-...` must
  // be refused, not overflow the stack.
  static constexpr unsigned kMaxNesting = 200;
  unsigned nesting = 0;
  struct Nest {
    Parser& p;
    explicit Nest(Parser& pp) : p(pp) { ++p.nesting; }
    ~Nest() { --p.nesting; }
  };
  std::vector<std::pair<std::size_t, std::string>> open;  // compound openers

  unsigned depth() const { return static_cast<unsigned>(open.size()); }

  bool cont(std::size_t k) const { return k + 1 < s.size() && s[k] == '\\' && s[k + 1] == '\n'; }

  void skip_blanks() {
    while (i < s.size()) {
      if (s[i] == ' ' || s[i] == '\t') ++i;
      else if (cont(i)) i += 2;
      else break;
    }
  }

  void skip_comment() {
    while (i < s.size() && s[i] != '\n') ++i;
  }

  static void add_literal(std::vector<Piece>& pieces, std::string_view text, std::size_t b,
                          std::size_t e, bool dq) {
    if (!pieces.empty() && pieces.back().kind == Piece::Kind::literal &&
        pieces.back().raw.end == b && pieces.back().in_double_quotes == dq) {
      pieces.back().text.append(text);
      pieces.back().raw.end = e;
      return;
    }
    Piece p;
    p.kind = Piece::Kind::literal;
    p.raw = {b, e};
    p.text = std::string(text);
    p.in_double_quotes = dq;
    pieces.push_back(std::move(p));
  }

  bool word_end(Ctx ctx, bool dq) const {
    const char c = s[i];
    if (ctx == Ctx::brace) return c == '}';
    (void)dq;
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' ||
           c == '>' || c == '(' || c == ')';
  }

  // A word at i (may be empty). In brace context blanks belong to the word and only an
  // unquoted '}' ends it; `in_dq` is whether the ${...} stands inside double quotes.
  Result<Word> word(Ctx ctx, bool in_dq = false) {
    Nest guard(*this);
    if (nesting > kMaxNesting) return fail(d.error_at(i, "nested too deeply"));
    Word w;
    w.span.begin = i;
    constexpr std::size_t none = std::string_view::npos;
    std::size_t bare_begin = none;
    auto close_bare = [&] {
      if (bare_begin != none) {
        w.segments.push_back(Segment{Quote::none, {bare_begin, i}, {bare_begin, i}});
        bare_begin = none;
      }
    };
    while (i < s.size() && !word_end(ctx, in_dq)) {
      const char c = s[i];
      if (c == '\'' && !in_dq) {
        close_bare();
        const std::size_t open_at = i;
        const std::size_t close_at = s.find('\'', i + 1);
        if (close_at == std::string_view::npos)
          return fail(d.error_at(open_at, "unterminated single quote"));
        add_literal(w.pieces, s.substr(open_at + 1, close_at - open_at - 1), open_at + 1, close_at,
                    false);
        w.segments.push_back(Segment{Quote::single, {open_at, close_at + 1}, {open_at + 1, close_at}});
        i = close_at + 1;
        continue;
      }
      if (c == '"') {
        close_bare();
        auto seg = double_quoted(w.pieces);
        if (!seg) return fail(std::move(seg).error());
        w.segments.push_back(*seg);
        continue;
      }
      if (bare_begin == none) bare_begin = i;
      if (cont(i)) {
        add_literal(w.pieces, "", i, i + 2, in_dq);  // deleted by the shell
        i += 2;
      } else if (c == '\\') {
        if (i + 1 < s.size()) {
          add_literal(w.pieces, s.substr(i + 1, 1), i, i + 2, in_dq);
          i += 2;
        } else {
          add_literal(w.pieces, "\\", i, i + 1, in_dq);
          ++i;
        }
      } else if (c == '$') {
        KDUMP_TRY(dollar(w.pieces, in_dq));
      } else if (c == '`') {
        KDUMP_TRY(backquote(w.pieces, in_dq));
      } else {
        add_literal(w.pieces, s.substr(i, 1), i, i + 1, in_dq);
        ++i;
      }
    }
    close_bare();
    w.span.end = i;
    return w;
  }

  Result<Segment> double_quoted(std::vector<Piece>& pieces) {
    const std::size_t open_at = i;
    ++i;
    while (true) {
      if (i >= s.size()) return fail(d.error_at(open_at, "unterminated double quote"));
      const char c = s[i];
      if (c == '"') break;
      if (c == '\\') {
        if (i + 1 >= s.size()) return fail(d.error_at(open_at, "unterminated double quote"));
        const char n = s[i + 1];
        if (n == '\n') {
          add_literal(pieces, "", i, i + 2, true);  // line continuation: deleted
          i += 2;
        } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
          add_literal(pieces, s.substr(i + 1, 1), i, i + 2, true);
          i += 2;
        } else {
          add_literal(pieces, "\\", i, i + 1, true);
          ++i;
        }
        continue;
      }
      if (c == '$') {
        KDUMP_TRY(dollar(pieces, true));
        continue;
      }
      if (c == '`') {
        KDUMP_TRY(backquote(pieces, true));
        continue;
      }
      add_literal(pieces, s.substr(i, 1), i, i + 1, true);
      ++i;
    }
    const std::size_t close_at = i;
    ++i;
    return Segment{Quote::dbl, {open_at, close_at + 1}, {open_at + 1, close_at}};
  }

  Result<Ok> backquote(std::vector<Piece>& pieces, bool dq) {
    const std::size_t open_at = i;
    std::size_t k = i + 1;
    while (k < s.size() && s[k] != '`') k += (s[k] == '\\') ? 2 : 1;
    if (k >= s.size()) return fail(d.error_at(open_at, "unterminated command substitution (backquote)"));
    Piece p;
    p.kind = Piece::Kind::command;
    p.raw = {open_at, k + 1};
    p.in_double_quotes = dq;
    pieces.push_back(std::move(p));
    i = k + 1;
    return Ok{};
  }

  // Skips a "..." starting at k; returns the offset after it, or npos.
  std::size_t skip_dq(std::size_t k) const {
    ++k;
    while (k < s.size() && s[k] != '"') k += (s[k] == '\\') ? 2 : 1;
    return k < s.size() ? k + 1 : std::string_view::npos;
  }

  // From just after an opening '(' to just after its matching ')', or npos.
  std::size_t skip_parens(std::size_t k) const {
    int level = 1;
    while (k < s.size()) {
      const char c = s[k];
      if (c == '\\') {
        k += 2;
      } else if (c == '\'') {
        const std::size_t e = s.find('\'', k + 1);
        if (e == std::string_view::npos) return e;
        k = e + 1;
      } else if (c == '"') {
        k = skip_dq(k);
        if (k == std::string_view::npos) return k;
      } else if (c == '`') {
        ++k;
        while (k < s.size() && s[k] != '`') k += (s[k] == '\\') ? 2 : 1;
        if (k >= s.size()) return std::string_view::npos;
        ++k;
      } else if (c == '(') {
        ++level;
        ++k;
      } else if (c == ')') {
        ++k;
        if (--level == 0) return k;
      } else {
        ++k;
      }
    }
    return std::string_view::npos;
  }

  Result<Ok> dollar(std::vector<Piece>& pieces, bool dq) {
    const std::size_t at = i;
    const char n = (i + 1 < s.size()) ? s[i + 1] : '\0';
    Piece p;
    p.in_double_quotes = dq;
    if (n == '(') {
      const bool arith = i + 2 < s.size() && s[i + 2] == '(';
      const std::size_t e = skip_parens(i + 2);
      if (e == std::string_view::npos)
        return fail(d.error_at(at, arith ? "unterminated $((...))" : "unterminated $(...)"));
      p.kind = arith ? Piece::Kind::arithmetic : Piece::Kind::command;
      p.raw = {at, e};
      i = e;
      pieces.push_back(std::move(p));
      return Ok{};
    }
    if (n == '{') {
      std::size_t k = i + 2;
      bool length = false;
      if (k + 1 < s.size() && s[k] == '#' && s[k + 1] != '}') {
        length = true;
        ++k;
      }
      std::size_t nb = k;
      if (k < s.size() && is_name_start(s[k])) {
        while (k < s.size() && is_name_char(s[k])) ++k;
        p.kind = Piece::Kind::variable;
      } else if (k < s.size() && is_digit(s[k])) {
        while (k < s.size() && is_digit(s[k])) ++k;
        p.kind = Piece::Kind::special;
      } else if (k < s.size() && is_special_param(s[k])) {
        ++k;
        p.kind = Piece::Kind::special;
      } else {
        return fail(d.error_at(at, "bad substitution: '${' is not followed by a parameter name"));
      }
      p.name = std::string(s.substr(nb, k - nb));
      if (length) {
        if (k >= s.size() || s[k] != '}') return fail(d.error_at(at, "bad substitution"));
        p.kind = Piece::Kind::parameter;
        p.op = "length";
        p.raw = {at, k + 1};
        i = k + 1;
        pieces.push_back(std::move(p));
        return Ok{};
      }
      if (k < s.size() && s[k] == '}') {
        p.raw = {at, k + 1};
        i = k + 1;
        pieces.push_back(std::move(p));
        return Ok{};
      }
      static constexpr std::array<std::string_view, 12> ops{":-", ":=", ":?", ":+", "##", "%%",
                                                             "-",  "=",  "?",  "+",  "#",  "%"};
      std::string_view op;
      for (auto o : ops)
        if (s.substr(k).starts_with(o)) {
          op = o;
          break;
        }
      if (op.empty()) {
        if (k >= s.size() || s[k] == '\n') return fail(d.error_at(at, "unterminated ${"));
        return fail(d.error_at(k, "bad substitution: unexpected '" + std::string(1, s[k]) + "' in ${...}"));
      }
      p.kind = Piece::Kind::parameter;
      p.op = std::string(op);
      i = k + op.size();
      auto w = word(Ctx::brace, dq);
      if (!w) return fail(std::move(w).error());
      if (i >= s.size() || s[i] != '}') return fail(d.error_at(at, "unterminated ${"));
      p.word = std::move(w->pieces);
      p.raw = {at, i + 1};
      ++i;
      pieces.push_back(std::move(p));
      return Ok{};
    }
    if (is_name_start(n)) {
      std::size_t k = i + 1;
      while (k < s.size() && is_name_char(s[k])) ++k;
      p.kind = Piece::Kind::variable;
      p.name = std::string(s.substr(i + 1, k - i - 1));
      p.raw = {at, k};
      i = k;
      pieces.push_back(std::move(p));
      return Ok{};
    }
    if (is_digit(n) || is_special_param(n)) {
      p.kind = Piece::Kind::special;
      p.name = std::string(1, n);
      p.raw = {at, i + 2};
      i += 2;
      pieces.push_back(std::move(p));
      return Ok{};
    }
    add_literal(pieces, "$", i, i + 1, dq);
    ++i;
    return Ok{};
  }

  // NAME= at i (no blank, no continuation inside): the offset of '=' or npos.
  std::size_t assignment_at(std::size_t k) const {
    if (k >= s.size() || !is_name_start(s[k])) return std::string_view::npos;
    while (k < s.size() && is_name_char(s[k])) ++k;
    return (k < s.size() && s[k] == '=') ? k : std::string_view::npos;
  }

  Result<Assignment> assignment(bool exported, std::size_t stmt_begin, bool conditional) {
    Assignment a;
    const std::size_t eq = assignment_at(i);
    a.name = std::string(s.substr(i, eq - i));
    a.name_span = {i, eq};
    a.exported = exported;
    auto [l, c] = d.position(i);
    a.line = l;
    a.column = c;
    a.depth = depth();
    a.conditional = conditional;
    i = eq + 1;
    auto w = word(Ctx::statement);
    if (!w) return fail(std::move(w).error());
    a.value = w->span;
    a.segments = std::move(w->segments);
    a.pieces = std::move(w->pieces);
    a.statement = {stmt_begin, a.value.end};
    return a;
  }

  // After a statement's last word: the terminator, consuming it (but not a ')').
  // A comment on the line is skipped and returned through `comment`.
  Term terminator(std::optional<Span>* comment) {
    skip_blanks();
    if (i < s.size() && s[i] == '#') {
      const std::size_t b = i;
      skip_comment();
      if (comment) *comment = Span{b, i};
    }
    if (i >= s.size()) return Term::end;
    const char c = s[i];
    if (c == '\n') {
      ++i;
      return Term::newline;
    }
    if (c == ';') {
      ++i;
      if (i < s.size() && s[i] == ';') ++i;
      return Term::semi;
    }
    if (c == '&') {
      if (i + 1 < s.size() && s[i + 1] == '&') {
        i += 2;
        return Term::and_or;
      }
      ++i;
      return Term::background;
    }
    if (c == '|') {
      if (i + 1 < s.size() && s[i + 1] == '|') {
        i += 2;
        return Term::and_or;
      }
      ++i;
      return Term::pipe;
    }
    if (c == ')') return Term::close_paren;
    return Term::none;
  }

  void push_construct(Construct::Kind kind, std::size_t b, std::size_t e, std::string first,
                      bool conditional, unsigned depth_before) {
    Construct k;
    k.kind = kind;
    k.span = {b, e};
    auto [l, c] = d.position(b);
    k.line = l;
    k.column = c;
    k.depth = depth_before;
    k.conditional = conditional;
    k.first_word = std::move(first);
    d.m_statements.emplace_back(std::move(k));
  }

  // Words and redirections up to the end of a simple command.
  Result<Ok> command_rest() {
    while (true) {
      skip_blanks();
      if (i >= s.size()) return Ok{};
      const char c = s[i];
      if (c == '\n' || c == ';' || c == '&' || c == '|' || c == ')' || c == '#') return Ok{};
      if (c == '(') return fail(d.error_at(i, "syntax error: unexpected '('"));
      if (c == '<' || c == '>') {
        if (s.substr(i).starts_with("<<")) return fail(d.error_at(i, "here-documents are not supported"));
        ++i;
        if (i < s.size() && (s[i] == '>' || s[i] == '&' || s[i] == '|' || s[i] == '<')) ++i;
        continue;
      }
      auto w = word(Ctx::statement);
      if (!w) return fail(std::move(w).error());
    }
  }

  Result<Term> statement(bool conditional) {
    Nest guard(*this);
    if (nesting > kMaxNesting) return fail(d.error_at(i, "nested too deeply"));
    skip_blanks();
    const std::size_t begin = i;
    const std::size_t first_stmt = d.m_statements.size();
    if (i >= s.size()) return Term::end;

    auto finish = [&](std::optional<Span>* comment) -> Result<Term> {
      Term t = terminator(comment);
      if (t == Term::none) return fail(d.error_at(i, "syntax error near '" + std::string(1, s[i]) + "'"));
      if (t == Term::pipe || t == Term::background)
        for (std::size_t k = first_stmt; k < d.m_statements.size(); ++k)
          std::visit([](auto& st) { st.conditional = true; }, d.m_statements[k]);
      return t;
    };
    auto continue_after_keyword = [&]() -> Result<Term> {
      skip_blanks();
      if (i < s.size() && s[i] != '\n' && s[i] != ';' && s[i] != '&' && s[i] != '|' && s[i] != '#' &&
          s[i] != ')')
        return statement(conditional);
      return finish(nullptr);
    };

    if (s[i] == '(') {
      push_construct(Construct::Kind::compound, i, i + 1, "(", conditional, depth());
      open.emplace_back(i, "(");
      ++i;
      return continue_after_keyword();
    }
    if (s[i] == ')') {
      if (open.empty()) return fail(d.error_at(i, "syntax error: unexpected ')'"));
      open.pop_back();
      ++i;
      return continue_after_keyword();
    }

    // Assignments (a command's prefix assignments only reach the command).
    if (assignment_at(i) != std::string_view::npos) {
      std::vector<Assignment> found;
      while (assignment_at(i) != std::string_view::npos) {
        auto a = assignment(false, i, conditional);
        if (!a) return fail(std::move(a).error());
        found.push_back(std::move(*a));
        skip_blanks();
      }
      if (i < s.size() && s[i] != '\n' && s[i] != ';' && s[i] != '&' && s[i] != '|' && s[i] != '#' &&
          s[i] != ')') {
        auto first = word(Ctx::statement);
        if (!first) return fail(std::move(first).error());
        KDUMP_TRY(command_rest());
        push_construct(Construct::Kind::command, begin, i,
                       first->plain().value_or(std::string(d.slice(first->span))), conditional,
                       depth());
        return finish(nullptr);
      }
      std::optional<Span> comment;
      for (auto& a : found) d.m_statements.emplace_back(std::move(a));
      auto t = finish(&comment);
      if (t && comment) std::get<Assignment>(d.m_statements.back()).comment = comment;
      return t;
    }

    auto w = word(Ctx::statement);
    if (!w) return fail(std::move(w).error());
    if (w->span.empty()) return fail(d.error_at(i, "syntax error near '" + std::string(1, s[i]) + "'"));
    const std::optional<std::string> kw = w->plain();
    const std::string first = kw.value_or(std::string(d.slice(w->span)));

    if (kw) {
      if (*kw == "if" || *kw == "while" || *kw == "until") {
        push_construct(Construct::Kind::compound, begin, w->span.end, *kw, conditional, depth());
        open.emplace_back(begin, *kw);
        return continue_after_keyword();
      }
      if (*kw == "for" || *kw == "select") {
        push_construct(Construct::Kind::compound, begin, w->span.end, *kw, conditional, depth());
        open.emplace_back(begin, *kw);
        KDUMP_TRY(command_rest());
        return finish(nullptr);
      }
      if (*kw == "{") {
        if (open.size() >= kMaxNesting) return fail(d.error_at(begin, "nested too deeply"));
        push_construct(Construct::Kind::compound, begin, w->span.end, *kw, conditional, depth());
        open.emplace_back(begin, *kw);
        return continue_after_keyword();
      }
      if (*kw == "then" || *kw == "else" || *kw == "elif" || *kw == "do" || *kw == "!") {
        if (*kw != "!" && open.empty())
          return fail(d.error_at(begin, "syntax error: unexpected '" + *kw + "'"));
        return continue_after_keyword();
      }
      if (*kw == "fi" || *kw == "done" || *kw == "}" || *kw == "esac") {
        if (open.empty()) return fail(d.error_at(begin, "syntax error: unexpected '" + *kw + "'"));
        open.pop_back();
        KDUMP_TRY(command_rest());  // redirections after the compound
        return finish(nullptr);
      }
      if (*kw == "case") return case_statement(begin, conditional);
      if (*kw == "function") {
        skip_blanks();
        auto name = word(Ctx::statement);
        if (!name) return fail(std::move(name).error());
        push_construct(Construct::Kind::function_definition, begin, i,
                       std::string(d.slice(name->span)), conditional, depth());
        return continue_after_keyword();
      }
      if (*kw == "export") {
        // export NAME=value NAME ...: assignments when every operand is one.
        const std::size_t save = i;
        std::vector<Assignment> found;
        bool all = true;
        while (true) {
          skip_blanks();
          if (i >= s.size() || s[i] == '\n' || s[i] == ';' || s[i] == '&' || s[i] == '|' ||
              s[i] == '#' || s[i] == ')')
            break;
          if (assignment_at(i) != std::string_view::npos) {
            auto a = assignment(true, found.empty() ? begin : i, conditional);
            if (!a) return fail(std::move(a).error());
            found.push_back(std::move(*a));
            continue;
          }
          auto operand = word(Ctx::statement);
          if (!operand) return fail(std::move(operand).error());
          auto p = operand->plain();
          if (!p || p->empty() || !is_name_start((*p)[0]) ||
              !std::all_of(p->begin(), p->end(), is_name_char)) {
            all = false;
            break;
          }
        }
        if (all) {
          std::optional<Span> comment;
          for (auto& a : found) d.m_statements.emplace_back(std::move(a));
          auto t = finish(&comment);
          if (t && comment && !found.empty()) std::get<Assignment>(d.m_statements.back()).comment = comment;
          return t;
        }
        d.m_statements.resize(first_stmt);
        i = save;
        KDUMP_TRY(command_rest());
        push_construct(Construct::Kind::command, begin, i, "export", conditional, depth());
        return finish(nullptr);
      }
    }

    // A function definition: NAME () body
    if (kw && !kw->empty() && is_name_start((*kw)[0])) {
      std::size_t k = i;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
      if (k < s.size() && s[k] == '(') {
        ++k;
        while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
        if (k < s.size() && s[k] == ')') {
          i = k + 1;
          push_construct(Construct::Kind::function_definition, begin, i, *kw, conditional, depth());
          // The body may start on the next line.
          skip_blanks();
          while (i < s.size() && (s[i] == '\n' || s[i] == ' ' || s[i] == '\t')) ++i;
          return statement(conditional);
        }
      }
    }

    KDUMP_TRY(command_rest());
    push_construct(Construct::Kind::command, begin, i, first, conditional, depth());
    return finish(nullptr);
  }

  Result<Term> case_statement(std::size_t begin, bool conditional) {
    int level = 1;
    while (true) {
      while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' ||
            c == ')' || c == '<' || c == '>') {
          ++i;
        } else if (cont(i)) {
          i += 2;
        } else if (c == '#') {
          skip_comment();
        } else {
          break;
        }
      }
      if (i >= s.size()) return fail(d.error_at(begin, "'case' is never closed (its esac is missing)"));
      auto w = word(Ctx::statement);
      if (!w) return fail(std::move(w).error());
      if (w->span.empty()) {
        ++i;
        continue;
      }
      auto p = w->plain();
      if (p && *p == "case") ++level;
      if (p && *p == "esac" && --level == 0) break;
    }
    push_construct(Construct::Kind::case_statement, begin, i, "case", conditional, depth());
    KDUMP_TRY(command_rest());
    const Term t = terminator(nullptr);
    if (t == Term::none) return fail(d.error_at(i, "syntax error after esac"));
    return t;
  }
};

Result<Document> parse(std::string_view text, std::string_view file) {
  Document doc;
  doc.m_text = std::string(text);
  doc.m_file = std::string(file);
  doc.m_line_starts.push_back(0);
  for (std::size_t k = 0; k < text.size(); ++k)
    if (text[k] == '\n') doc.m_line_starts.push_back(k + 1);
  // Bytes the shell does not read as written: dash drops NUL bytes (bash warns and drops
  // them), and a carriage return (DOS line ends) becomes part of the value, so the
  // kernel would get "quiet\r". An edit cannot keep such a file faithful: refused.
  if (auto k = text.find('\0'); k != std::string_view::npos)
    return fail(doc.error_at(k, "a NUL byte: this is not a shell text file"));
  if (auto k = text.find('\r'); k != std::string_view::npos)
    return fail(doc.error_at(k, "a carriage return: the file has DOS (CRLF) line ends, which the "
                                "shell reads as part of the values; convert it (dos2unix) first"));
  Parser p(doc);
  auto r = p.run();
  if (!r) return fail(std::move(r).error());
  return doc;
}

std::optional<std::string> literal_text(const std::vector<Piece>& pieces) {
  std::string out;
  for (const auto& p : pieces) {
    if (p.kind != Piece::Kind::literal) return std::nullopt;
    out += p.text;
  }
  return out;
}

namespace {

// Whether raw unquoted text would no longer be one word. The editor only adds blanks
// and plain [0-9A-Za-z,:@=-] bytes to text that was one unquoted word, so blanks are
// what to look for.
bool needs_quotes(std::string_view t) { return t.find_first_of(" \t\n") != std::string_view::npos; }

bool same_in_double_quotes(std::string_view t) {
  return t.find_first_of("\\\"'`~") == std::string_view::npos;
}

// Whether `t` can stand between double quotes without ending them.
bool fits_double_quotes(std::string_view t) {
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] == '\\') {
      ++k;
      if (k >= t.size()) return false;
      continue;
    }
    if (t[k] == '"') return false;
  }
  return true;
}

Result<const Segment*> one_segment(const Document& doc, const Assignment& a) {
  if (a.segments.size() > 1) {
    std::string styles;
    for (const auto& sg : a.segments) {
      if (!styles.empty()) styles += ", then ";
      styles += sg.quote == Quote::single ? "'...'" : sg.quote == Quote::dbl ? "\"...\"" : "unquoted text";
    }
    return fail(doc.error_at(a.value.begin, a.name + " mixes quoting styles (" + styles +
                                                "); kdump-setup edits only a value written in one "
                                                "quoting style"));
  }
  if (a.segments.empty()) return static_cast<const Segment*>(nullptr);
  return &a.segments.front();
}

}  // namespace

Result<std::string_view> editable_inner(const Document& doc, const Assignment& a) {
  auto seg = one_segment(doc, a);
  if (!seg) return fail(std::move(seg).error());
  if (!*seg) return std::string_view{};
  return doc.slice((*seg)->inner);
}

Result<Splice> value_splice(const Document& doc, const Assignment& a, std::string_view new_inner) {
  auto segr = one_segment(doc, a);
  if (!segr) return fail(std::move(segr).error());
  const Segment* seg = *segr;
  const Quote q = seg ? seg->quote : Quote::none;
  if (q == Quote::single) {
    if (new_inner.find('\'') != std::string_view::npos)
      return fail(doc.error_at(a.value.begin, "the new value of " + a.name + " cannot be written in single quotes"));
    return Splice{seg->inner, std::string(new_inner)};
  }
  if (q == Quote::dbl) {
    if (!fits_double_quotes(new_inner))
      return fail(doc.error_at(a.value.begin, "the new value of " + a.name + " cannot be written in double quotes"));
    return Splice{seg->inner, std::string(new_inner)};
  }
  // Unquoted or empty.
  const Span where = seg ? seg->outer : Span{a.value.begin, a.value.begin};
  if (doc.slice(where) == new_inner || !needs_quotes(new_inner)) return Splice{where, std::string(new_inner)};
  // An unquoted word that grows at its end by words that need quotes keeps its bytes and
  // quoting; the addition follows in double quotes (`quiet" crashkernel=1G"`, one shell
  // word), so that taking it out again (appended_segment) gives back the original bytes.
  const std::string_view old = doc.slice(where);
  if (seg && !old.empty() && !needs_quotes(old) && new_inner.starts_with(old)) {
    const std::string_view rest = new_inner.substr(old.size());
    if (same_in_double_quotes(rest) && fits_double_quotes(rest) && rest.find('$') == std::string_view::npos)
      return Splice{Span{where.end, where.end}, "\"" + std::string(rest) + "\""};
  }
  if (!same_in_double_quotes(new_inner) || !fits_double_quotes(new_inner))
    return fail(doc.error_at(a.value.begin, "the unquoted value of " + a.name +
                                                " would need quotes, and its text would change "
                                                "meaning inside them"));
  return Splice{where, "\"" + std::string(new_inner) + "\""};
}

std::optional<Segment> appended_segment(const Assignment& a) {
  if (a.segments.size() != 2 || a.segments[0].quote != Quote::none || a.segments[1].quote != Quote::dbl)
    return std::nullopt;
  return a.segments[1];
}

Result<std::string> replace_value(const Document& doc, const Assignment& a, std::string_view new_inner) {
  auto sp = value_splice(doc, a, new_inner);
  if (!sp) return fail(std::move(sp).error());
  std::string out = doc.text();
  out.replace(sp->span.begin, sp->span.size(), sp->text);
  return out;
}

}  // namespace kdump::shell
