// GRUB's environment block (/boot/grub2/grubenv), read and written as GRUB's own
// grub-core/lib/envblk.c does:
//   - the file is exactly 1024 bytes and starts with "# GRUB Environment Block\n";
//   - then `name=value\n` lines; lines starting with `#` are skipped (Red Hat's second
//     header line "# WARNING: ..." among them);
//   - in a value, a backslash escapes the next byte: `\\` is a backslash, a backslash
//     followed by a newline byte is a newline in the value (envblk.c writes a `\` before
//     every `\` and `\n` of a value and the byte itself; it does not write the letter n);
//   - the rest is `#` padding to the end, and the byte before the padding is `\n`
//     (otherwise GRUB calls the block broken and finds no free space).
// An edit works like grub_envblk_set(): a variable's line is replaced in place (or a new
// one is appended before the padding), the padding shrinks or grows so that the size
// stays 1024, and every other byte stays. A value that does not fit is refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace kdump::grubenv {

inline constexpr std::size_t kBlockSize = 1024;
inline constexpr std::string_view kHeader = "# GRUB Environment Block\n";

struct Variable {
  std::string name;
  std::string value;            // unescaped
  std::size_t begin = 0;        // of its line
  std::size_t end = 0;          // after its "\n"
};

class Block {
public:
  // ErrorKind::parse (file, line, column where it applies): not 1024 bytes, no header,
  // no padding / broken block, a line without `=`, an escape at the end of the data.
  static Result<Block> parse(std::string text, std::string_view file = {});

  const std::string& text() const { return m_text; }
  const std::vector<Variable>& variables() const { return m_vars; }
  std::optional<std::string> get(std::string_view name) const;
  std::size_t free_bytes() const { return m_text.size() - m_data_end; }

  // Sets `name` to `value` (escaped as GRUB escapes it). ErrorKind::unsupported when the
  // block would grow past 1024 bytes; ErrorKind::usage for a name GRUB cannot store
  // (empty, or with `=`, `\n` or a leading `#`).
  Result<Ok> set(std::string_view name, std::string_view value);
  // Deletes `name` (padding grows); false when it was not set.
  bool unset(std::string_view name);

private:
  std::string m_text;
  std::size_t m_data_end = 0;   // where the padding starts
  std::vector<Variable> m_vars;
  std::string m_file;
  void reindex();
};

// GRUB's escaping of a value.
std::string escape(std::string_view value);

}  // namespace kdump::grubenv
