// GRUB environment block (grammar/grubenv.hpp), after grub-core/lib/envblk.c.
#include "grammar/grubenv.hpp"

namespace kdump::grubenv {
namespace {

Error block_error(std::string_view file, std::string message, std::optional<unsigned> line = {},
                  std::optional<unsigned> column = {}) {
  Error e = make_error(ErrorKind::parse, std::move(message));
  if (!file.empty()) e.file = std::string(file);
  e.line = line;
  e.column = column;
  return e;
}

// Where the data ends: after the last "\n" that precedes only '#' bytes.
std::optional<std::size_t> data_end(std::string_view t) {
  std::size_t p = t.size();
  while (p > 0 && t[p - 1] == '#') --p;
  if (p == 0 || t[p - 1] != '\n') return std::nullopt;
  return p;
}

}  // namespace

std::string escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '\n') out += '\\';
    out += c;
  }
  return out;
}

Result<Block> Block::parse(std::string text, std::string_view file) {
  if (text.size() != kBlockSize)
    return fail(block_error(file, "a GRUB environment block must be exactly " + std::to_string(kBlockSize) +
                                      " bytes; this file has " + std::to_string(text.size()) +
                                      "; it is not resized (GRUB's own writer finds no free space in such a block either)"));
  if (std::string_view(text).substr(0, kHeader.size()) != kHeader)
    return fail(block_error(file, "not a GRUB environment block: the first line is not \"# GRUB Environment Block\"",
                            1u, 1u));
  auto end = data_end(text);
  if (!end)
    return fail(block_error(file, "broken GRUB environment block: the '#' padding does not follow a line end"));
  Block b;
  b.m_text = std::move(text);
  b.m_data_end = *end;
  b.m_file = std::string(file);
  // Check every line before accepting the block.
  std::size_t pos = 0;
  unsigned line = 1;
  while (pos < b.m_data_end) {
    std::size_t p = pos;
    const bool comment = b.m_text[p] == '#';
    std::optional<std::size_t> eq;
    unsigned lines_in = 0;
    while (p < b.m_data_end && b.m_text[p] != '\n') {
      if (!comment && !eq && b.m_text[p] == '=') eq = p;
      if (!comment && b.m_text[p] == '\\') {
        // Also an escaped last line end: the variable would never end, and a variable
        // set after it would become part of its value (found by fuzz_grubenv).
        if (p + 1 >= b.m_data_end || (b.m_text[p + 1] == '\n' && p + 2 >= b.m_data_end))
          return fail(block_error(file, "an escape at the end of the data", line, static_cast<unsigned>(p - pos + 1)));
        if (b.m_text[p + 1] == '\n') ++lines_in;
        ++p;
      }
      ++p;
    }
    if (!comment && p > pos && !eq)
      return fail(block_error(file, "a line without '=' in the GRUB environment block", line, 1u));
    pos = p + 1;
    line += 1 + lines_in;
  }
  b.reindex();
  return b;
}

void Block::reindex() {
  m_vars.clear();
  std::size_t pos = 0;
  while (pos < m_data_end) {
    std::size_t p = pos;
    if (m_text[p] == '#' || m_text[p] == '\n') {
      while (p < m_data_end && m_text[p] != '\n') ++p;
      pos = p + 1;
      continue;
    }
    Variable v;
    v.begin = pos;
    while (m_text[p] != '=') v.name += m_text[p++];
    ++p;
    while (p < m_data_end && m_text[p] != '\n') {
      if (m_text[p] == '\\') ++p;
      v.value += m_text[p++];
    }
    v.end = p + 1;
    pos = v.end;
    m_vars.push_back(std::move(v));
  }
}

std::optional<std::string> Block::get(std::string_view name) const {
  for (const auto& v : m_vars)
    if (v.name == name) return v.value;
  return std::nullopt;
}

Result<Ok> Block::set(std::string_view name, std::string_view value) {
  if (name.empty() || name.find_first_of("=\n\\") != std::string_view::npos || name.front() == '#')
    return fail(make_error(ErrorKind::usage, "'" + std::string(name) + "' cannot be a GRUB environment variable name"));
  const std::string line = std::string(name) + "=" + escape(value) + "\n";
  std::size_t b = m_data_end, e = m_data_end;
  for (const auto& v : m_vars)
    if (v.name == name) {
      b = v.begin;
      e = v.end;
      break;
    }
  const std::size_t new_end = m_data_end - (e - b) + line.size();
  if (new_end > kBlockSize) {
    Error err = make_error(ErrorKind::unsupported,
                           std::string(name) + " does not fit into the 1024-byte GRUB environment block (" +
                               std::to_string(new_end - kBlockSize) + " bytes too many)");
    if (!m_file.empty()) err.file = m_file;
    return fail(std::move(err));
  }
  std::string data = m_text.substr(0, m_data_end);
  data.replace(b, e - b, line);
  m_data_end = data.size();
  data.append(kBlockSize - data.size(), '#');
  m_text = std::move(data);
  reindex();
  return Ok{};
}

bool Block::unset(std::string_view name) {
  for (const auto& v : m_vars)
    if (v.name == name) {
      std::string data = m_text.substr(0, m_data_end);
      data.erase(v.begin, v.end - v.begin);
      m_data_end = data.size();
      data.append(kBlockSize - data.size(), '#');
      m_text = std::move(data);
      reindex();
      return true;
    }
  return false;
}

}  // namespace kdump::grubenv
