// A lossless parser of /etc/default/grub and /etc/default/grub.d/*.cfg as the shell
// subset they use (grub-mkconfig sources them: util/grub-mkconfig.in). The file is parsed, never sourced or executed.
//
// What it understands:
//   - assignments `NAME=value`, several on one line, `export NAME=value [NAME2 ...]`;
//   - values in '...', "...", unquoted, and mixed (`"a"'b'c`), with exact byte spans of
//     every quoting segment and of its inner text, so an edit can rewrite just that;
//   - backslash escapes, backslash-newline continuations (inside and outside quotes),
//   - expansions `$V`, `${V}`, `${V:-w}`/`-`/`:+`/`+`/`:=`/`=`/`:?`/`?`/`#`/`##`/`%`/`%%`,
//     `${#V}`, `$1`/`$@`..., `$(...)`, `$((...))`, backquotes — recorded, not run;
//   - comments (a `#` starting a word: also after a closing quote), blank lines;
//   - anything else (commands, `if`/`while`/`for`/`case`, `{ }`, `( )`, function
//     definitions, `&&`/`||`/`|`/`&` lists) as opaque Constructs, with the nesting
//     depth so that assignments inside them are known to be conditional.
// What it refuses (ErrorKind::parse with file, line, column and the reason):
//   unterminated quotes, `${`, `$(`, backquotes; here-documents; unbalanced compound
//   commands (`fi` without `if`, an `if` never closed).
//
// Why hand-written and not Boost.Spirit X3: the result needed is a byte-span tree
// (segments, nested `${V:+$W }` words), not an attribute value; several rules are
// context-dependent (reserved words only at the start of a command, `#` only at the
// start of a word, backslash-newline deleted anywhere), and every refusal must point at
// the opening quote of an unterminated string. In X3 each of these becomes a semantic
// action recording iterator ranges plus hand-kept state, i.e. this same scanner written
// in a less readable way; the crashkernel= value grammar (regular, context-free,
// attribute-shaped) is where X3 fits and is used.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/result.hpp"

namespace kdump::shell {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
  friend bool operator==(const Span&, const Span&) = default;
};

enum class Quote { none, single, dbl };

// One quoting segment of a word: `abc`, `'abc'`, `"abc"`.
struct Segment {
  Quote quote = Quote::none;
  Span outer;  // with its quotes
  Span inner;  // between the quotes (== outer when unquoted)
};

// What a word is made of, in order: literal text and expansions.
struct Piece {
  enum class Kind {
    literal,     // text: the bytes the shell produces (quotes removed, escapes resolved)
    variable,    // $NAME or ${NAME}
    parameter,   // ${NAME<op>word}, ${#NAME}
    special,     // $1, $@, $?, ${1} ...
    command,     // $(...) or `...`
    arithmetic,  // $((...))
  };
  Kind kind = Kind::literal;
  Span raw;                 // where it is written
  std::string text;         // literal only
  std::string name;         // variable/parameter/special
  std::string op;           // parameter: ":-", "-", ":+", "+", ":=", "=", ":?", "?",
                            // "#", "##", "%", "%%", or "length" for ${#NAME}
  std::vector<Piece> word;  // parameter: the word after op
  bool in_double_quotes = false;
};

struct Assignment {
  std::string name;
  bool exported = false;
  Span statement;   // from `export`/the name to the end of the value
  Span name_span;
  Span value;       // all segments ([x, x) for `NAME=`)
  std::vector<Segment> segments;
  std::vector<Piece> pieces;
  std::optional<Span> comment;   // a `# ...` after it on the same line
  unsigned line = 0;             // of the name, 1-based
  unsigned column = 0;           // 1-based, in bytes
  unsigned depth = 0;            // compound commands around it (0: top level)
  bool conditional = false;      // part of `&&`/`||`, a pipeline or `&`
  bool unconditional() const { return depth == 0 && !conditional; }
  bool mixed_quoting() const { return segments.size() > 1; }
  // The quoting of a one-segment value (none for an empty value).
  Quote quoting() const { return segments.empty() ? Quote::none : segments.front().quote; }
  bool has_command_substitution() const;
  // Expansions other than $V / ${V} / the :+ :- + - forms of them over literal words.
  bool has_complex_expansion() const;
};

// A statement that is not evaluated: a command, a keyword, a function definition.
struct Construct {
  enum class Kind { command, compound, function_definition, case_statement };
  Kind kind = Kind::command;
  Span span;
  unsigned line = 0;
  unsigned column = 0;
  unsigned depth = 0;          // before it
  bool conditional = false;
  std::string first_word;      // "if", "add_kernel_param", ".", "{" ...
  std::string describe() const;  // "an if statement", "the command 'add_kernel_param'"
};

using Statement = std::variant<Assignment, Construct>;

class Document;
Result<Document> parse(std::string_view text, std::string_view file);

class Document {
public:
  const std::string& text() const { return m_text; }
  const std::string& file() const { return m_file; }
  const std::vector<Statement>& statements() const { return m_statements; }

  // 1-based line and byte column of an offset.
  std::pair<unsigned, unsigned> position(std::size_t offset) const;
  std::string_view slice(Span s) const { return std::string_view(m_text).substr(s.begin, s.size()); }

  // An Error of kind parse at `offset` of this file.
  Error error_at(std::size_t offset, std::string message) const;

private:
  friend class Parser;
  friend Result<Document> parse(std::string_view text, std::string_view file);
  std::string m_text;
  std::string m_file;
  std::vector<Statement> m_statements;
  std::vector<std::size_t> m_line_starts;
};

// Parses a whole file. `file` is the name used in errors.
Result<Document> parse(std::string_view text, std::string_view file);

// The literal value of pieces when they hold no expansion; nullopt otherwise.
std::optional<std::string> literal_text(const std::vector<Piece>& pieces);

// The file's bytes with the inner text of `a`'s single quoting segment replaced by
// `new_inner` (given as it is to be written in that quoting). The quoting style stays;
// an unquoted value that grows at its end by words that need quotes keeps its bytes and
// gets the addition in double quotes after them (`quiet" crashkernel=1G"`); an empty
// value, or one changed elsewhere, that would need quotes is put in double quotes
// (refused when its old bytes would change meaning there). Refuses (ErrorKind::parse at the
// value) mixed quoting, and text that would end the quoting early.
Result<std::string> replace_value(const Document& doc, const Assignment& a, std::string_view new_inner);

// The same edit as replace_value, as the span of the original text to replace and its
// new bytes (to apply several edits to one file from the last to the first).
struct Splice {
  Span span;
  std::string text;
};
Result<Splice> value_splice(const Document& doc, const Assignment& a, std::string_view new_inner);

// For a value written as unquoted text followed by one double-quoted segment (what
// value_splice writes when an unquoted value grows by words that need quotes:
// `quiet" crashkernel=1G"`), that segment; nullopt for any other shape.
std::optional<Segment> appended_segment(const Assignment& a);

// The raw text that `replace_value` edits: the inner text of the one segment ("" for an
// empty value). Refuses mixed quoting, like replace_value.
Result<std::string_view> editable_inner(const Document& doc, const Assignment& a);

}  // namespace kdump::shell
