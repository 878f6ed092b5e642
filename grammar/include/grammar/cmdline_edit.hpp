// The kernel command-line token editor every backend uses to write crashkernel=
// (docs/contract.md §6 "Token edits"). It edits text byte-exactly: only the crashkernel=
// words it replaces, removes or inserts change; every other word, its quoting and every
// whitespace run stay as they were.
//
// Words. A word is a maximal run of non-blank bytes outside quotes. Which bytes quote
// depends on the dialect of the text:
//   kernel  what the kernel receives (/etc/kernel/cmdline, systemd-boot `options`):
//           blanks are the kernel's isspace() bytes; "..." groups a word, as in the
//           kernel's next_arg() (`foo="a b"` is one word).
//   grub    text that GRUB's script lexer will read: a GRUB_CMDLINE_* value as written
//           between the shell quotes of /etc/default/grub, or a BLS `options` line under
//           GRUB. '...' and "..." group (`acpi_osi='Windows 2012'` is one word), \" is a
//           quote as the shell will turn it into one, backslash-newline is the shell's
//           line continuation and separates like a blank when it stands between words,
//           any other backslash pair belongs to the word.
//
// Our words: a word whose text, with leading quote characters skipped, starts with
// "crashkernel=" (so `"crashkernel=1G"` counts: the kernel's substring search finds it
// too). Its kind comes from the end of its value: ",high", ",low", ",cma", else plain.
// Look-alikes: any other occurrence of "crashkernel=" (`mycrashkernel=`,
// `foo.crashkernel=`, inside another word's quoted value). They are never edited, but
// reported: the kernel's strstr() sees them (kernel/crash_core.c get_last_crashkernel()).
//
// set(value), by the kind of `value`:
//   plain  replaces the first plain/,high/,low word in place and drops the other
//          plain/,high/,low words (a plain value makes the kernel ignore ,high/,low).
//          ,cma words are KEPT: "X,cma" is an additional CMA-backed reservation that the
//          kernel reads separately (>= 6.16), an admin's choice that a plain value does not
//          replace; remove() drops them. Because kernels before 6.16 do not know ",cma"
//          and take `crashkernel=X,cma` as a (broken) plain value when it is the last one,
//          the plain word is placed after the last ,cma word when one follows it.
//   ,high  replaces the first ,high word, drops other ,high words and every plain word
//          (which would hide it); ,low and ,cma words stay.
//   ,low   replaces ,low words only (warns when a plain word makes the kernel ignore it).
//   ,cma   replaces ,cma words only; a new one goes before the first plain word.
// New words go before a standalone `--` (what follows it goes to init), else after the
// last word with one space, or at the start of a line that has no word at all.
// Our words after `--` are dropped (the kernel's substring search sees them there too).
//
// remove() deletes every word of ours and one separating blank: the one before it when
// that is a ' ' (else the one after it when that is a ' ', else the blank unit before,
// else after); a word with no other word on either side keeps the blanks around it; a
// word alone on a backslash-continued line is deleted with its continuation.
// remove(set(line, x)) == line for every line without a word of ours.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace kdump::cmdline {

enum class Dialect { kernel, grub };

enum class Kind { plain, high, low, cma };

std::string_view kind_name(Kind k);  // "plain", "high", "low", "cma"

// The kind of a crashkernel= value by its suffix ("512M,high" -> high).
Kind kind_of_value(std::string_view value);

// One word of a command line: [begin, end) in the text.
struct Word {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view text;  // the raw bytes of the word, quotes included
};

std::vector<Word> split_words(std::string_view line, Dialect d);

// A crashkernel= word of ours.
struct CrashkernelWord {
  std::size_t index = 0;      // among split_words()
  std::size_t begin = 0;      // of the word
  std::size_t end = 0;
  std::string value;          // after "crashkernel=", quote characters removed
  Kind kind = Kind::plain;
  bool quoted = false;        // the word contains quote characters
  bool after_init_separator = false;  // it stands after a standalone `--`
};

std::vector<CrashkernelWord> crashkernel_words(std::string_view line, Dialect d);

// An occurrence of "crashkernel=" that is not the start of a word of ours.
struct LookAlike {
  std::size_t offset = 0;     // of "crashkernel=" in the line
  std::string word;           // the raw word it is part of
};

std::vector<LookAlike> look_alikes(std::string_view line, Dialect d);

struct EditResult {
  std::string text;
  bool changed = false;
  std::vector<std::string> removed;      // raw words deleted
  std::optional<std::string> replaced;   // raw word replaced in place
  bool inserted = false;                 // a new word was inserted
  std::vector<std::string> warnings;     // one sentence each, no trailing period
  std::vector<LookAlike> look_alikes;    // in the result, left alone (see above)
};

// A sentence about a look-alike for the user.
std::string describe(const LookAlike& l);

// `value` is the text after "crashkernel=": one word of [0-9A-Za-z,:@-] (the caller
// validates it with the grammar first); ErrorKind::usage otherwise. A line with an
// unterminated quote is refused (ErrorKind::parse, column of the quote): where its last
// word ends is not knowable.
Result<EditResult> set_crashkernel(std::string_view line, std::string_view value,
                                   Dialect d = Dialect::kernel);

Result<EditResult> remove_crashkernel(std::string_view line, Dialect d = Dialect::kernel);

// Whether set_crashkernel() with a value of kind `new_kind` drops an existing word of
// kind `existing` (see the table above).
bool replaces(Kind new_kind, Kind existing);

// remove_crashkernel() restricted to the words that a value of kind `new_kind` replaces:
// what the other places of a command line must lose when set() writes one place.
Result<EditResult> remove_replaced(std::string_view line, Kind new_kind, Dialect d = Dialect::kernel);

// The 0-based offset of an opening quote that is never closed, if any.
std::optional<std::size_t> unterminated_quote(std::string_view line, Dialect d);

}  // namespace kdump::cmdline
