#include "backends/systemd_boot/systemd_boot_backend.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <sstream>

#include "backends/bls/bls_backend.hpp"
#include "core/esp_probe.hpp"
#include "grammar/cmdline_edit.hpp"

namespace kdump {
namespace sdboot {

std::vector<std::string> BootDirs::all() const {
  std::vector<std::string> v;
  if (esp) v.push_back(*esp);
  if (xbootldr) v.push_back(*xbootldr);
  return v;
}

BootDirs find_boot_dirs(const RootDir& root) {
  BootDirs d;
  for (const char* p : {"/efi", "/boot", "/boot/efi"}) {
    if (!root.is_directory(std::string(p) + "/loader")) continue;
    d.esp = p;
    break;
  }
  if (d.esp && *d.esp != "/boot" && root.is_directory("/boot/loader/entries")) d.xbootldr = "/boot";
  return d;
}

Result<std::vector<EntryFile>> load_entries(const RootDir& root, const BootDirs& dirs) {
  std::vector<EntryFile> out;
  for (const auto& dir : dirs.all()) {
    const std::string edir = dir + "/loader/entries";
    auto names = root.list(edir);
    if (!names) return fail(std::move(names).error());
    for (const auto& n : *names) {
      if (!n.ends_with(".conf")) continue;
      const std::string path = edir + "/" + n;
      auto snap = root.read_snapshot(path);
      if (!snap) return fail(std::move(snap).error());
      auto e = bls::Entry::parse(std::move(snap->text), path);
      if (!e) return fail(std::move(e).error());
      EntryFile f;
      f.path = path;
      f.id = n;
      f.stamp = snap->stamp;
      f.entry = std::move(*e);
      f.version = bls::entry_version(f.entry, f.id);
      out.push_back(std::move(f));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const EntryFile& x, const EntryFile& y) {
    const int c = bls::vercmp(x.version, y.version);
    if (c != 0) return c > 0;
    return bls::vercmp(x.id, y.id) > 0;
  });
  return out;
}

std::vector<std::string> find_ukis(const RootDir& root, const BootDirs& dirs) {
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

namespace {

using sdboot::EntryFile;
constexpr auto kKernel = cmdline::Dialect::kernel;
constexpr std::string_view kKernelCmdline = "/etc/kernel/cmdline";

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

// The root's efivars directory for libefivar, which opens paths itself: only when it
// resolves (through symlinks) inside the root, as facts does for LoaderInfo.
std::optional<std::filesystem::path> efivars_dir(const RootDir& root) {
  std::error_code ec;
  const auto base = std::filesystem::canonical(root.path(), ec);
  if (ec) return std::nullopt;
  const auto dir = std::filesystem::canonical(root.path() / "sys/firmware/efi/efivars", ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) return std::nullopt;
  const auto b = base.string(), d = dir.string();
  if (b != "/" && d != b && d.rfind(b + "/", 0) != 0) return std::nullopt;
  return dir;
}

std::optional<std::string> efi_text(const RootDir& root, std::string_view name) {
  const auto dir = efivars_dir(root);
  if (!dir) return std::nullopt;
  auto v = read_efi_variable(*dir, sdboot::kLoaderGuid, name);
  if (!v || !*v) return std::nullopt;
  return efi_utf16_to_utf8((*v)->data);
}

std::optional<std::string> loader_conf(const RootDir& root, const sdboot::BootDirs& dirs) {
  if (!dirs.esp) return std::nullopt;
  auto t = root.read_text(*dirs.esp + "/loader/loader.conf");
  if (!t) return std::nullopt;
  return *t;
}

// Index into entries of the default one, and where that choice came from.
std::optional<std::size_t> default_entry(const std::vector<EntryFile>& entries, const RootDir& root,
                                         const sdboot::BootDirs& dirs, std::string& why) {
  if (entries.empty()) return std::nullopt;
  std::optional<std::string> pattern;
  if (auto v = efi_text(root, "LoaderEntryDefault"); v && !v->empty()) {
    pattern = *v;
    why = "LoaderEntryDefault EFI variable '" + *v + "'";
  } else if (auto c = loader_conf(root, dirs)) {
    if (auto d = sdboot::loader_conf_default(*c)) {
      pattern = *d;
      why = "loader.conf default '" + *d + "'";
    }
  }
  if (pattern) {
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (sdboot::default_matches(*pattern, entries[i].id)) return i;
    why += " matches no entry: the first entry in menu order";
  } else {
    why = "no default set: the first entry in menu order";
  }
  return 0;
}

bool selected(const EntryFile& f, const KernelSelection& k, std::optional<std::size_t> def, std::size_t i) {
  switch (k.kind) {
    case KernelSelection::Kind::all: return true;
    case KernelSelection::Kind::default_entry: return def && *def == i;
    case KernelSelection::Kind::release: return f.version == k.release;
  }
  return false;
}

void locate(std::string_view text, std::size_t off, Error& e) {
  unsigned line = 1, col = 1;
  for (std::size_t i = 0; i < off && i < text.size(); ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  e.line = line;
  e.column = col;
}

// Sets or removes crashkernel= in the options of one entry (see the header for where).
Result<std::optional<std::string>> edit_entry(const EntryFile& f, const ReserveRequest& r,
                                              std::vector<std::string>& notes) {
  const bool set = r.action == ReserveRequest::Action::set;
  bls::Entry e = f.entry;
  auto opts = e.options_lines();
  if (opts.empty()) {
    if (!set) return std::optional<std::string>{};
    notes.push_back(f.path + " has no options line: one is added with crashkernel= only");
    return std::optional<std::string>{e.with_line_after(std::nullopt, "options", "crashkernel=" + r.value)};
  }
  auto reparse = [&](std::string text) -> Result<bool> {
    auto p = bls::Entry::parse(std::move(text), f.path);
    if (!p) return fail(std::move(p).error());
    e = std::move(*p);
    return true;
  };
  if (!set) {
    // From the last line backwards, so that a removed line does not shift the others.
    for (auto it = opts.rbegin(); it != opts.rend(); ++it) {
      auto res = bls::remove_crashkernel(e, *it, kKernel);
      if (!res) return fail(std::move(res).error());
      if (auto rr = reparse(res->text); !rr) return fail(std::move(rr).error());
    }
  } else {
    std::size_t target = opts.back();
    for (auto i : opts)
      if (!cmdline::crashkernel_words(e.value(e.lines()[i]), kKernel).empty()) target = i;
    const auto kind = cmdline::kind_of_value(r.value);
    auto res = bls::set_crashkernel(e, target, r.value, kKernel);
    if (!res) return fail(std::move(res).error());
    for (const auto& w : res->edit.warnings) notes.push_back(f.path + ": " + w);
    if (auto rr = reparse(res->text); !rr) return fail(std::move(rr).error());
    // The other lines lose the words this value replaces (last line first).
    opts = e.options_lines();
    for (auto it = opts.rbegin(); it != opts.rend(); ++it) {
      if (*it == target) continue;
      auto rm = bls::remove_crashkernel(e, *it, kKernel, kind);
      if (!rm) return fail(std::move(rm).error());
      if (auto rr = reparse(rm->text); !rr) return fail(std::move(rr).error());
    }
  }
  if (e.text() == f.entry.text()) return std::optional<std::string>{};
  return std::optional<std::string>{e.text()};
}

// /etc/kernel/cmdline edited line by line; comment lines stay as they are.
Result<std::string> edit_kernel_cmdline(const std::string& text, const ReserveRequest& r,
                                        std::vector<std::string>& notes) {
  const bool set = r.action == ReserveRequest::Action::set;
  std::vector<std::string> lines;
  {
    std::size_t b = 0;
    while (b <= text.size()) {
      auto n = text.find('\n', b);
      if (n == std::string::npos) {
        if (b < text.size()) lines.push_back(text.substr(b));
        break;
      }
      lines.push_back(text.substr(b, n - b + 1));
      b = n + 1;
    }
  }
  auto is_text = [](const std::string& l) {
    const auto p = l.find_first_not_of(" \t\r\n");
    return p != std::string::npos && l[p] != '#';
  };
  // The value goes where the last crashkernel= is, else at the end of the last text line
  // (kernel-install joins the lines: a word at the end of a wrapped line would split one).
  std::optional<std::size_t> target, last_with_word;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_text(lines[i])) continue;
    target = i;
    if (!cmdline::crashkernel_words(lines[i], kKernel).empty()) last_with_word = i;
  }
  if (last_with_word) target = last_with_word;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t here = offset;
    offset += lines[i].size();
    if (!is_text(lines[i])) continue;
    Result<cmdline::EditResult> res =
        !set ? cmdline::remove_crashkernel(lines[i], kKernel)
        : (i == *target ? cmdline::set_crashkernel(lines[i], r.value, kKernel)
                        : cmdline::remove_replaced(lines[i], cmdline::kind_of_value(r.value), kKernel));
    if (!res) {
      Error e = std::move(res).error();
      e.file = std::string(kKernelCmdline);
      if (e.column) locate(text, here + *e.column - 1, e);
      return fail(std::move(e));
    }
    for (const auto& w : res->warnings) notes.push_back(std::string(kKernelCmdline) + ": " + w);
    lines[i] = res->text;
  }
  std::string out;
  for (const auto& l : lines) out += l;
  if (set && !target) {
    // Only comments: the words go on a line of their own.
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "crashkernel=" + r.value + "\n";
  }
  return out;
}

std::string uki_note(const std::vector<std::string>& ukis) {
  std::string list;
  for (const auto& u : ukis) list += (list.empty() ? "" : ", ") + u;
  return "unified kernel images (" + list +
         ") carry their command line inside the image (.cmdline section, covered by its signature): "
         "kdump-setup does not change them. Add crashkernel= with a signed add-on "
         "(EFI/Linux/<uki>.efi.extra.d/*.addon.efi, made by `ukify build --cmdline=...`) or "
         "rebuild the UKI (kernel-install/ukify, or dracut --uefi) after /etc/kernel/cmdline has it";
}

}  // namespace

Detection SystemdBootBackend::detect(const RootDir& root, const SystemFacts& facts) const {
  Detection det;
  const auto dirs = sdboot::find_boot_dirs(root);
  if (!dirs.esp) {
    det.reason = "no loader/ directory in /efi, /boot or /boot/efi";
    return det;
  }
  if (facts.loader_info) {
    if (facts.loader_info->value.find("systemd-boot") == std::string::npos) {
      det.reason = "LoaderInfo is '" + facts.loader_info->value + "', not systemd-boot";
      return det;
    }
    det.applies = true;
    det.reason = "LoaderInfo '" + facts.loader_info->value + "' and " + *dirs.esp + "/loader";
  } else if (root.exists(*dirs.esp + "/loader/loader.conf") || root.is_directory(*dirs.esp + "/EFI/systemd")) {
    det.applies = true;
    det.reason = *dirs.esp + "/loader/loader.conf or " + *dirs.esp +
                 "/EFI/systemd exists (no LoaderInfo EFI variable to confirm the loader in use)";
  } else {
    det.reason = *dirs.esp + "/loader has no loader.conf and no LoaderInfo names systemd-boot";
    return det;
  }
  // On the live system, the partition type of the mount (bootctl's check).
  if (root.is_host_root()) {
    auto mi = root.read_text("/proc/self/mountinfo");
    for (const auto& d : dirs.all()) {
      if (!mi) break;
      auto src = mount_source(*mi, d);
      if (!src || !src->starts_with("/dev/")) continue;
      auto t = probe_partition_type(*src);
      if (t && *t) {
        const auto kind = boot_partition_kind(**t);
        det.reason += "; " + d + " on " + *src + (kind.empty() ? " (partition type " + **t + ", neither ESP nor XBOOTLDR)"
                                                              : " (" + kind + " partition type)");
      }
    }
  }
  return det;
}

Result<std::vector<ConfiguredValue>> SystemdBootBackend::configured(const RootDir& root, const SystemFacts&) const {
  const auto dirs = sdboot::find_boot_dirs(root);
  auto entries = sdboot::load_entries(root, dirs);
  if (!entries) return fail(std::move(entries).error());
  std::vector<ConfiguredValue> out;
  for (const auto& f : *entries) {
    const std::string opts = joined_options(f.entry);
    auto words = cmdline::crashkernel_words(opts, kKernel);
    if (words.empty()) continue;
    out.push_back({f.path, "options (entry " + f.id + ")", words.back().value});
  }
  if (root.exists(kKernelCmdline)) {
    if (auto t = root.read_text(kKernelCmdline)) {
      // Comment lines are not part of the command line kernel-install copies.
      std::string text;
      std::istringstream in(*t);
      for (std::string line; std::getline(in, line);) {
        const auto b = line.find_first_not_of(" \t");
        if (b != std::string::npos && line[b] != '#') text += line + " ";
      }
      auto words = cmdline::crashkernel_words(text, kKernel);
      if (!words.empty()) out.push_back({std::string(kKernelCmdline), "kernel-install command line", words.back().value});
    }
  }
  return out;
}

Result<Plan> SystemdBootBackend::plan(const RootDir& root, const SystemFacts& facts, const ReserveRequest& request) const {
  Plan plan;
  plan.backend = "systemd-boot";
  const bool set = request.action == ReserveRequest::Action::set;
  const auto dirs = sdboot::find_boot_dirs(root);
  if (!dirs.esp) return fail(make_error(ErrorKind::unsupported, "no systemd-boot ESP (loader/ in /efi, /boot or /boot/efi)"));
  auto loaded = sdboot::load_entries(root, dirs);
  if (!loaded) return fail(std::move(loaded).error());
  const auto& entries = *loaded;
  const auto ukis = sdboot::find_ukis(root, dirs);
  if (entries.empty() && !ukis.empty()) {
    Error e = make_error(ErrorKind::unsupported, "the ESP holds only unified kernel images: nothing kdump-setup can edit");
    e.hints.push_back(uki_note(ukis));
    return fail(std::move(e));
  }
  if (!ukis.empty()) plan.notes.push_back(uki_note(ukis));

  std::string why;
  const auto def = default_entry(entries, root, dirs, why);
  const bool all = request.kernel.kind == KernelSelection::Kind::all;

  // 1. /etc/kernel/cmdline: what kernel-install gives kernels installed later.
  if (all) {
    if (root.exists(kKernelCmdline)) {
      auto snap = root.read_snapshot(kKernelCmdline);
      if (!snap) return fail(std::move(snap).error());
      auto after = edit_kernel_cmdline(snap->text, request, plan.notes);
      if (!after) return fail(std::move(after).error());
      if (*after != snap->text) {
        FileEdit fe;
        fe.path = std::string(kKernelCmdline);
        fe.before = snap->text;
        fe.stamp = snap->stamp;
        fe.after = *after;
        fe.reason = set ? "set crashkernel=" + request.value + " for kernels installed later"
                        : "remove crashkernel= for kernels installed later";
        plan.edits.push_back(std::move(fe));
      } else {
        plan.examined.push_back(std::string(kKernelCmdline));
      }
    } else if (set) {
      std::string seed, from;
      if (def) {
        seed = joined_options(entries[*def].entry);
        from = "the options of the default entry " + entries[*def].id;
      } else if (facts.running_cmdline) {
        seed = sdboot::cmdline_without_loader_words(facts.running_cmdline->value);
        from = "/proc/cmdline without BOOT_IMAGE= and initrd=";
      }
      if (from.empty()) {
        plan.notes.push_back(std::string(kKernelCmdline) +
                             " does not exist and there is no entry or /proc/cmdline to seed it from: not created");
      } else {
        auto res = cmdline::set_crashkernel(seed, request.value, kKernel);
        if (!res) return fail(std::move(res).error());
        FileEdit fe;
        fe.path = std::string(kKernelCmdline);
        fe.after = res->text + "\n";
        fe.reason = "create it from " + from + " with crashkernel=" + request.value +
                    " (kernel-install would otherwise copy /proc/cmdline into new entries)";
        plan.edits.push_back(std::move(fe));
      }
    }
  }

  // 2. the entries systemd-boot boots.
  std::size_t matched = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& f = entries[i];
    if (!selected(f, request.kernel, def, i)) continue;
    ++matched;
    auto after = edit_entry(f, request, plan.notes);
    if (!after) return fail(std::move(after).error());
    if (!*after) {
      plan.examined.push_back(f.path);
      continue;
    }
    FileEdit fe;
    fe.path = f.path;
    fe.before = f.entry.text();
    fe.stamp = f.stamp;
    fe.after = **after;
    fe.reason = (set ? "set crashkernel=" + request.value + " in" : std::string("remove crashkernel= from")) +
                " the options of entry " + f.id + (def && *def == i ? " (the default: " + why + ")" : "");
    plan.edits.push_back(std::move(fe));
  }
  if (request.kernel.kind == KernelSelection::Kind::release && matched == 0) {
    Error e = make_error(ErrorKind::usage, "--kernel " + request.kernel.release + ": no systemd-boot entry has that version");
    for (const auto& f : entries) e.hints.push_back(f.id + ": version " + f.version);
    return fail(std::move(e));
  }
  if (entries.empty()) plan.notes.push_back("no entries in " + *dirs.esp + "/loader/entries");
  plan.notes.push_back("systemd-boot reads the entries at boot: nothing to regenerate");
  return plan;
}

}  // namespace kdump
