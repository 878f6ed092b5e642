// A lossless parser and editor of Boot Loader Specification Type #1 entries
// ($BOOT/loader/entries/*.conf, UAPI.1 "Boot Loader Specification").
//
// The text is kept as read; parse() only records where each line's key, separator and
// value are, so an edit changes the bytes of one value and nothing else (tabs, runs of
// spaces, comments, trailing blanks, CRLF line ends, a missing final newline all stay).
//
// What a line is, as both real readers see it (systemd's src/shared/bootspec.c and
// src/boot/efi/boot.c; GRUB's blscfg.c):
//   - leading spaces/tabs are skipped; a line whose first other byte is `#` is a comment;
//     a line of only spaces/tabs is blank;
//   - the key is the run of bytes up to the first space or tab; the separator is the run
//     of spaces/tabs after it; the value is the rest of the line without trailing
//     spaces/tabs (systemd-boot strips them; GRUB's blscfg passes them on, harmlessly);
//   - a key with no value (`options` alone) is key_only: GRUB's blscfg stops reading the
//     file there, so an editor must never produce one (set_value refuses an empty value).
// Line ends: "\n" or "\r\n" (the "\r" is kept as part of the terminator). A lone "\r"
// elsewhere is refused: systemd-boot ends a line there and GRUB does not, so the two
// loaders would read different entries (ErrorKind::parse with line and column).
//
// Several `options` lines: systemd-boot joins all of them with single spaces, GRUB's
// blscfg uses only the first (GRUB's blscfg.c). The parser keeps every line; which
// ones count is the backend's decision (options_lines() lists them in order).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/cmdline_edit.hpp"
#include "util/result.hpp"

namespace kdump::bls {

struct Line {
  enum class Kind { blank, comment, key_value, key_only };
  Kind kind = Kind::blank;
  std::size_t begin = 0;        // first byte of the line
  std::size_t end = 0;          // before the terminator
  std::size_t next = 0;         // after the terminator (== end when the file ends there)
  std::size_t key_begin = 0, key_end = 0;      // key_value / key_only
  std::size_t value_begin = 0, value_end = 0;  // key_value: without trailing blanks
};

class Entry {
public:
  // `file` is used in errors only.
  static Result<Entry> parse(std::string text, std::string_view file = {});

  const std::string& text() const { return m_text; }
  const std::vector<Line>& lines() const { return m_lines; }

  std::string_view key(const Line& l) const;
  std::string_view value(const Line& l) const;

  // Indices into lines() of the key_value/key_only lines with this key, in order.
  std::vector<std::size_t> find(std::string_view key) const;
  std::vector<std::size_t> options_lines() const { return find("options"); }
  // The value of the first line with this key (nullopt: none, or key_only).
  std::optional<std::string> first(std::string_view key) const;

  // The text with line `index`'s value replaced by `value`; the key, separator and
  // trailing blanks stay. ErrorKind::usage for an empty value, a value with a line end, or
  // a line without a value (there is no separator to keep).
  Result<std::string> with_value(std::size_t index, std::string_view value) const;

  // The text without line `index` (and its terminator).
  std::string without_line(std::size_t index) const;

  // The text with `key value` inserted as a new line after line `after` (nullopt: at the
  // end), using the line end style of the file ("\r\n" when its first line has one). When
  // the file does not end with a line end, one is added before the new line.
  std::string with_line_after(std::optional<std::size_t> after, std::string_view key,
                              std::string_view value) const;

private:
  std::string m_text;
  std::vector<Line> m_lines;
};

// The kernel version an entry boots: its `version` key, else the vmlinuz-VERSION name
// of its `linux` path, else `fallback` (the entry id), as bootctl and GRUB's blscfg sort.
std::string entry_version(const Entry& e, std::string_view fallback);

// An edit of the crashkernel= words of one `options` line (cmdline_edit.hpp for the rules).
struct OptionsEdit {
  std::string text;                 // the whole entry after the edit
  cmdline::EditResult edit;         // on the value of the line
  bool line_removed = false;        // the value became empty: the line was taken out
};

// Sets crashkernel=`value` in the `options` line `index` of `e`.
// `d`: Dialect::grub for entries that GRUB's blscfg reads ($var expansion, GRUB quoting),
// Dialect::kernel for systemd-boot.
Result<OptionsEdit> set_crashkernel(const Entry& e, std::size_t index, std::string_view value,
                                    cmdline::Dialect d);

// Removes crashkernel= words from line `index` (all, or with `only_replaced_by` the ones
// a value of that kind replaces). A line left with no word is removed entirely (an empty
// `options` line would stop GRUB's parser), which is what reserve-then-remove needs when
// reserve added the line.
Result<OptionsEdit> remove_crashkernel(const Entry& e, std::size_t index, cmdline::Dialect d,
                                       std::optional<cmdline::Kind> only_replaced_by = std::nullopt);

}  // namespace kdump::bls
