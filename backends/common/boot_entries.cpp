#include "backends/common/boot_entries.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "grammar/cmdline_edit.hpp"

namespace kdump {
namespace bls {
namespace {

bool is_hex32(std::string_view s) {
  if (s.size() != 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string entry_id(std::string_view name) {
  if (name.ends_with(".conf")) name.remove_suffix(5);
  // Boot counting (UAPI.1): "+LEFT" or "+LEFT-DONE" at the end, digits only.
  const auto plus = name.rfind('+');
  if (plus != std::string_view::npos) {
    std::string_view c = name.substr(plus + 1);
    const auto dash = c.find('-');
    const auto digits = [](std::string_view s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    };
    if (dash == std::string_view::npos ? digits(c) : digits(c.substr(0, dash)) && digits(c.substr(dash + 1)))
      name = name.substr(0, plus);
  }
  return std::string(name);
}

int vercmp(std::string_view a, std::string_view b) {
  // rpmvercmp (rpm/rpmio/rpmvercmp.c): compare alternating digit / letter segments;
  // separators are skipped; `~` sorts before anything, even the end of the string.
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !alnum(a[i]) && a[i] != '~') ++i;
    while (j < b.size() && !alnum(b[j]) && b[j] != '~') ++j;
    const bool ta = i < a.size() && a[i] == '~', tb = j < b.size() && b[j] == '~';
    if (ta || tb) {
      if (!ta) return 1;
      if (!tb) return -1;
      ++i;
      ++j;
      continue;
    }
    if (i >= a.size() || j >= b.size()) break;
    const bool num = digit(a[i]);
    std::size_t si = i, sj = j;
    const auto same_kind = [&](char c) { return num ? digit(c) : (alnum(c) && !digit(c)); };
    while (i < a.size() && same_kind(a[i])) ++i;
    while (j < b.size() && same_kind(b[j])) ++j;
    std::string_view x = a.substr(si, i - si), y = b.substr(sj, j - sj);
    if (y.empty()) return num ? 1 : -1;  // numeric segments are newer than alphabetic ones
    if (num) {
      while (!x.empty() && x.front() == '0') x.remove_prefix(1);
      while (!y.empty() && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    }
    if (int c = x.compare(y); c != 0) return c < 0 ? -1 : 1;
  }
  if (i >= a.size() && j >= b.size()) return 0;
  return i >= a.size() ? -1 : 1;
}

Result<std::vector<EntryFile>> load_entry_dir(const BootFiles& files, std::string_view dir) {
  auto names = files.list(dir);
  if (!names) return fail(std::move(names).error());
  std::vector<EntryFile> out;
  for (const auto& n : *names) {
    if (!n.ends_with(".conf")) continue;
    const std::string path = std::string(dir) + "/" + n;
    auto snap = files.read(path);
    if (!snap) return fail(std::move(snap).error());
    auto e = Entry::parse(std::move(snap->text), path);
    if (!e) return fail(std::move(e).error());
    EntryFile f;
    f.path = path;
    f.file_name = n;
    f.id = entry_id(n);
    f.stamp = snap->stamp;
    f.entry = std::move(*e);
    f.title = f.entry.first("title").value_or("");
    f.version = entry_version(f.entry, f.id);
    if (auto m = f.entry.first("machine-id")) f.machine_id = *m;
    else if (f.id.size() > 32 && f.id[32] == '-' && is_hex32(f.id.substr(0, 32))) f.machine_id = f.id.substr(0, 32);
    f.rescue = f.id.find("-0-rescue") != std::string::npos || f.version.starts_with("0-rescue");
    out.push_back(std::move(f));
  }
  return out;
}

static bool is_kernelopts_word(std::string_view w) { return w == "$kernelopts" || w == "${kernelopts}"; }

bool uses_kernelopts(std::string_view options) {
  for (const auto& w : cmdline::split_words(options, cmdline::Dialect::grub))
    if (is_kernelopts_word(w.text)) return true;
  return false;
}

std::string expand_kernelopts(std::string_view options, const std::optional<std::string>& kernelopts) {
  std::string out;
  std::size_t pos = 0;
  for (const auto& w : cmdline::split_words(options, cmdline::Dialect::grub)) {
    if (!is_kernelopts_word(w.text)) continue;
    out.append(options.substr(pos, w.begin - pos));
    out += kernelopts.value_or("");
    pos = w.end;
  }
  out.append(options.substr(pos));
  return out;
}

std::optional<std::string> first_options(const Entry& e) {
  auto opts = e.options_lines();
  if (opts.empty() || e.lines()[opts.front()].kind != Line::Kind::key_value) return std::nullopt;
  return std::string(e.value(e.lines()[opts.front()]));
}

void sort_grub_order(std::vector<EntryFile>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const EntryFile& x, const EntryFile& y) {
    const int c = vercmp(x.version, y.version);
    if (c != 0) return c > 0;
    return vercmp(x.id, y.id) > 0;
  });
}

}  // namespace bls

namespace sdboot {

std::vector<std::string> BootDirs::all() const {
  std::vector<std::string> v;
  if (esp) v.push_back(*esp);
  if (xbootldr) v.push_back(*xbootldr);
  return v;
}

BootDirs find_boot_dirs(const BootFiles& root) {
  BootDirs d;
  for (const char* p : {"/efi", "/boot", "/boot/efi"}) {
    if (!root.is_directory(std::string(p) + "/loader")) continue;
    d.esp = p;
    break;
  }
  if (d.esp && *d.esp != "/boot" && root.is_directory("/boot/loader/entries")) d.xbootldr = "/boot";
  return d;
}

std::string joined_options(const bls::Entry& e) {
  std::string out;
  for (auto i : e.options_lines()) {
    const auto v = e.value(e.lines()[i]);
    if (v.empty()) continue;
    if (!out.empty()) out += ' ';
    out += v;
  }
  return out;
}

void sort_menu_order(std::vector<EntryFile>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const EntryFile& x, const EntryFile& y) {
    const int c = bls::vercmp(x.version, y.version);
    if (c != 0) return c > 0;
    return bls::vercmp(x.file_name, y.file_name) > 0;
  });
}

std::vector<std::string> find_ukis(const BootFiles& root, const BootDirs& dirs) {
  std::vector<std::string> out;
  for (const auto& dir : dirs.all()) {
    auto names = root.list(dir + "/EFI/Linux");
    if (!names) continue;
    for (const auto& n : *names) {
      std::string lower = n;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower.ends_with(".efi")) out.push_back(dir + "/EFI/Linux/" + n);
    }
  }
  return out;
}

bool default_matches(std::string_view pattern, std::string_view id) {
  const std::string p(pattern), full(id);
  std::string bare = full;
  if (bare.ends_with(".conf")) bare.resize(bare.size() - 5);
  return fnmatch(p.c_str(), full.c_str(), 0) == 0 || fnmatch(p.c_str(), bare.c_str(), 0) == 0;
}

std::optional<std::string> loader_conf_default(std::string_view text) {
  // loader.conf: "KEY VALUE" lines, '#' comments; the last assignment wins (systemd-boot
  // parses it line by line into one setting).
  std::optional<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto ke = line.find_first_of(" \t", b);
    if (ke == std::string::npos || line.substr(b, ke - b) != "default") continue;
    const auto vb = line.find_first_not_of(" \t", ke);
    if (vb == std::string::npos) continue;
    auto ve = line.find_last_not_of(" \t");
    out = line.substr(vb, ve - vb + 1);
  }
  return out;
}

std::string cmdline_without_loader_words(std::string_view cmdline) {
  std::string out;
  for (const auto& w : cmdline::split_words(cmdline, cmdline::Dialect::kernel)) {
    const std::string_view raw = cmdline.substr(w.begin, w.end - w.begin);
    if (raw.starts_with("BOOT_IMAGE=") || raw.starts_with("initrd=")) continue;
    if (!out.empty()) out += ' ';
    out += raw;
  }
  return out;
}

}  // namespace sdboot
}  // namespace kdump
