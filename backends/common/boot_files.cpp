#include "backends/common/boot_files.hpp"

#include <cerrno>

#include <algorithm>

#include "util/text.hpp"

namespace kdump {

bool is_boot_text_file(std::string_view abs) {
  const auto name_at = abs.rfind('/');
  const std::string_view dir = abs.substr(0, name_at == std::string_view::npos ? 0 : name_at);
  const std::string_view name = abs.substr(name_at == std::string_view::npos ? 0 : name_at + 1);
  if (abs == "/etc/default/grub" || abs == "/etc/kernel/cmdline" || abs == "/usr/lib/kernel/cmdline") return true;
  if (dir == "/etc/default/grub.d") return name.ends_with(".cfg");
  if (dir.ends_with("/loader/entries")) return name.ends_with(".conf");
  return abs.ends_with("/loader/loader.conf");
}

namespace {

// A text boot file with bytes that are not text is refused where it is read, once, for
// every reader: the parsers behind it (shell subset, BLS entries, loader.conf, the
// kernel command line) would otherwise each meet the byte in their own way, and an edit
// would carry it into the new file.
Result<RootDir::Snapshot> checked_text(std::string_view abs, Result<RootDir::Snapshot> r) {
  if (!r || !is_boot_text_file(abs)) return r;
  const auto bad = first_non_text(r->text);
  if (!bad) return r;
  Error e = make_error(ErrorKind::parse, bad->what + " (byte offset " + std::to_string(bad->offset) +
                                             "); a boot file must be UTF-8 text");
  e.file = std::string(abs);
  const auto [line, col] = line_column(r->text, bad->offset);
  e.line = line;
  e.column = col;
  e.hints.push_back("remove the byte (for example with a text editor), then run kdump-setup again");
  return fail(std::move(e));
}

}  // namespace

BootFiles::BootFiles(const RootDir& root)
    : m_root(&root), m_root_path(root.path().string()), m_host_root(root.is_host_root()) {}

std::string BootFiles::display(std::string_view abs) const {
  if (m_host_root) return std::string(abs);
  std::string base = m_root_path;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + std::string(abs);
}

Error BootFiles::not_loaded(std::string_view abs) const {
  Error e = make_error(ErrorKind::internal, "the boot model did not load this file");
  e.file = std::string(abs);
  return e;
}

void BootFiles::count(std::string_view abs) const {
  auto it = m_disk.find(abs);
  if (it == m_disk.end()) m_disk.emplace(std::string(abs), 1);
  else ++it->second;
}

bool BootFiles::exists(std::string_view abs) const {
  if (auto it = m_exists.find(abs); it != m_exists.end()) return it->second;
  // A file refused for its contents (not text) is there.
  if (auto it = m_files.find(abs); it != m_files.end() && (it->second || it->second.error().kind == ErrorKind::parse))
    return true;
  if (!m_root) return false;
  // Most files asked about are read next: one read answers both questions. Only what
  // is there but is not a regular file (a directory) costs a separate look.
  auto r = read(abs);
  bool e = r.has_value() || r.error().kind == ErrorKind::parse;
  if (!e && r.error().sys_errno != ENOENT && r.error().sys_errno != ENOTDIR) {
    count(abs);
    e = m_root->exists(abs);
  }
  m_exists.emplace(std::string(abs), e);
  return e;
}

bool BootFiles::is_directory(std::string_view abs) const {
  if (auto it = m_is_dir.find(abs); it != m_is_dir.end()) return it->second;
  if (!m_root) return false;
  count(abs);
  const bool d = m_root->is_directory(abs);
  m_is_dir.emplace(std::string(abs), d);
  return d;
}

Result<RootDir::Snapshot> BootFiles::read(std::string_view abs, std::size_t limit) const {
  auto it = m_files.find(abs);
  if (it == m_files.end()) {
    if (!m_root) return fail(not_loaded(abs));
    count(abs);
    it = m_files
             .emplace(std::string(abs),
                      checked_text(abs, m_root->read_snapshot(abs, std::max<std::size_t>(limit, 4u << 20))))
             .first;
  }
  if (!it->second) return fail(it->second.error());
  if (it->second->text.size() > limit) {
    Error e = path_error("read", abs, EFBIG);
    e.message = "refusing to read: larger than " + std::to_string(limit) + " bytes";
    return fail(std::move(e));
  }
  return *it->second;
}

Result<std::string> BootFiles::read_text(std::string_view abs, std::size_t limit) const {
  auto s = read(abs, limit);
  if (!s) return fail(std::move(s).error());
  return std::move(s->text);
}

Result<std::vector<std::string>> BootFiles::list(std::string_view abs_dir) const {
  auto it = m_dirs.find(abs_dir);
  if (it == m_dirs.end()) {
    if (!m_root) return fail(not_loaded(abs_dir));
    count(abs_dir);
    it = m_dirs.emplace(std::string(abs_dir), m_root->list(abs_dir)).first;
  }
  return it->second;
}

std::string BootFiles::resolved(std::string_view abs) const {
  if (auto it = m_resolved.find(abs); it != m_resolved.end()) return it->second;
  if (!m_root) return std::string(abs);
  auto loc = m_root->locate(abs);
  std::string out = loc ? loc->abs : std::string(abs);
  m_resolved.emplace(std::string(abs), out);
  return out;
}

BootFiles BootFiles::with_edits(const Plan& plan) const {
  BootFiles out = *this;
  out.m_root = nullptr;
  for (const auto& e : plan.edits) {
    if (e.remove) {  // gone: absent, and out of its directory's listing
      out.m_files.erase(e.path);
      out.m_exists.insert_or_assign(e.path, false);
      if (e.directory) {
        out.m_is_dir.insert_or_assign(e.path, false);
        out.m_dirs.erase(e.path);
      }
      const auto slash = e.path.rfind('/');
      auto d = out.m_dirs.find(slash == 0 ? "/" : e.path.substr(0, slash));
      if (d != out.m_dirs.end() && d->second) std::erase(*d->second, e.path.substr(slash + 1));
      continue;
    }
    RootDir::Snapshot s;
    s.text = e.after;
    if (e.stamp) s.stamp = *e.stamp;
    out.m_files.insert_or_assign(e.path, Result<RootDir::Snapshot>(std::move(s)));
    out.m_exists.insert_or_assign(e.path, true);
    const auto slash = e.path.rfind('/');
    const std::string dir = slash == 0 ? "/" : e.path.substr(0, slash);
    const std::string name = e.path.substr(slash + 1);
    auto d = out.m_dirs.find(dir);
    if (d == out.m_dirs.end() || !d->second) {  // a directory the plan creates
      out.m_dirs.insert_or_assign(dir, Result<std::vector<std::string>>(std::vector<std::string>{name}));
      out.m_is_dir.insert_or_assign(dir, true);
      out.m_exists.insert_or_assign(dir, true);
      out.m_is_dir.insert_or_assign(e.path, false);
    } else {
      auto& names = *d->second;
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
        std::sort(names.begin(), names.end());
      }
    }
  }
  return out;
}

}  // namespace kdump
