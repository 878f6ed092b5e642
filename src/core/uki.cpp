// The effective command line of a UKI boot (core/uki.hpp), step by step as systemd-stub
// 257 (src/boot/efi/stub.c run(), determine_cmdline(), load_all_addons(), load_addons(),
// cmdline_append_and_measure_addons(), cmdline_append_and_measure_smbios()).
#include "core/uki.hpp"

#include <algorithm>
#include <cctype>

#include "grammar/cmdline_edit.hpp"
#include "grammar/pe_image.hpp"

namespace kdump::uki {
namespace {

bool shall_be_whitespace(unsigned char c) { return c <= 0x20 || c == 0x7f; }

bool ends_with_no_case(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  const std::string_view tail = s.substr(s.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

// util.c remove_boot_count: at the first '+' of the path, "+LEFT[-DONE]" followed by "."
// or the end is dropped; anything else after that '+' leaves the path as it is.
std::string remove_boot_count(std::string_view path) {
  const auto plus = path.find('+');
  if (plus == std::string_view::npos) return std::string(path);
  std::size_t i = plus + 1;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]))) ++i;
    return i > start;
  };
  if (!digits()) return std::string(path);
  if (i < path.size() && path[i] == '-') {
    ++i;
    if (!digits()) return std::string(path);
  }
  if (i < path.size() && path[i] != '.') return std::string(path);
  return std::string(path.substr(0, plus)) + std::string(path.substr(i));
}

// strneq8(uname, addon_uname, addon_uname_size): equal over at most n bytes, a NUL in
// both ends the comparison early.
bool uname_matches(std::string_view uki, const PeInfo& addon) {
  const std::string_view b = addon.uname_bytes;
  for (std::size_t i = 0; i < addon.uname_size; ++i) {
    const char ca = i < uki.size() ? uki[i] : '\0';
    const char cb = i < b.size() ? b[i] : '\0';  // beyond the file's bytes: zero-filled
    if (ca != cb) return false;
    if (ca == '\0') return true;
  }
  return true;
}

void append(std::string& to, std::string_view piece) {
  if (piece.empty()) return;
  if (!to.empty()) to += ' ';
  to += piece;
}

std::string join_path(std::string_view dir, std::string_view name) {
  return std::string(dir) + "/" + std::string(name);
}

// load_addons for one directory: the names it would try, sorted, and what it makes of each.
void apply_dir(const BootInput& in, std::string_view dir, std::vector<AddonFile> files,
               std::string& addons_cmdline, EffectiveCmdline& out) {
  std::erase_if(files, [](const AddonFile& f) { return !is_addon_file_name(f.name); });
  std::sort(files.begin(), files.end(),
            [](const AddonFile& a, const AddonFile& b) { return a.name < b.name; });
  const std::optional<int> major = stub_major(in.uki);
  for (const AddonFile& f : files) {
    const std::string path = join_path(dir, f.name);
    auto skip = [&](std::string reason) { out.skipped.push_back({path, std::move(reason)}); };
    if (major && *major < kMinAddonStub) {
      skip("the UKI's stub is systemd " + *in.uki.stub_version + ", which loads no add-ons (" +
           std::to_string(kMinAddonStub) + " or later does)");
      continue;
    }
    if (!f.info) {
      skip("not a PE image the firmware can load: " + f.info.error().message);
      continue;
    }
    if (in.secure_boot && !f.signature_accepted) {
      skip("Secure Boot is on and its signature is not accepted (db or shim's MOK)");
      continue;
    }
    const PeInfo& a = *f.info;
    if (!a.cmdline && !a.has_dtb && !a.has_ucode) {
      skip("it has no .cmdline, .dtb or .ucode section");
      continue;
    }
    if (a.has_linux) {
      skip("it has a .linux section: a UKI, not an add-on");
      continue;
    }
    if (in.uki.uname && a.uname && !uname_matches(*in.uki.uname, a)) {
      skip("its .uname '" + *a.uname + "' does not match the UKI's '" + *in.uki.uname + "'");
      continue;
    }
    if (!a.cmdline) continue;  // a .dtb/.ucode add-on: nothing for the command line
    const std::string piece = mangle_stub_cmdline(*a.cmdline);
    out.parts.push_back({Source::addon, path, piece});
    // load_addons joins with "%ls%ls%ls": a space after any non-empty text, even before
    // an empty piece, so an empty add-on between two others leaves two spaces.
    if (!addons_cmdline.empty()) addons_cmdline += ' ';
    addons_cmdline += piece;
  }
}

}  // namespace

std::string mangle_stub_cmdline(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size() && shall_be_whitespace(static_cast<unsigned char>(s[b]))) ++b;
  std::size_t e = s.size();
  while (e > b && shall_be_whitespace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string out(s.substr(b, e - b));
  for (char& c : out)
    if (shall_be_whitespace(static_cast<unsigned char>(c))) c = ' ';
  return out;
}

Result<PeInfo> read_pe_info(std::string_view bytes, std::string_view file, int profile,
                            bool whole_table) {
  auto img = pe::read_image(bytes, file);
  if (!img) return fail(std::move(img).error());
  // The first section of the name, which counts only when its VirtualSize is not 0
  // (pe.h PE_SECTION_VECTOR_IS_SET): an empty first one hides a later one.
  auto section = [&](std::string_view name) -> const pe::Section* {
    const pe::Section* s = whole_table ? img->first(name) : img->find(name, profile);
    return s && s->virtual_size != 0 ? s : nullptr;
  };
  PeInfo info;
  auto text = [&](std::string_view name, std::optional<std::string>& to) -> Result<Ok> {
    if (const pe::Section* s = section(name)) {
      auto t = pe::section_text(bytes, *s, file);
      if (!t) return fail(std::move(t).error());
      to = std::move(*t);
    }
    return Ok{};
  };
  KDUMP_TRY(text(".cmdline", info.cmdline));
  KDUMP_TRY(text(".osrel", info.osrel));
  KDUMP_TRY(text(".uname", info.uname));
  if (const pe::Section* s = section(".uname")) {
    auto b = pe::section_bytes(bytes, *s, file);
    if (!b) return fail(std::move(b).error());
    info.uname_bytes = std::string(*b);
    info.uname_size = s->virtual_size;
  }
  info.has_linux = section(".linux") != nullptr;
  info.has_dtb = section(".dtb") != nullptr;
  info.has_ucode = section(".ucode") != nullptr;
  info.profiles = img->profiles();
  std::optional<std::string> magic;
  KDUMP_TRY(text(".sdmagic", magic));
  // "#### LoaderInfo: <program> <version> ####" (stub.c DECLARE_NOALLOC_SECTION).
  constexpr std::string_view kPrefix = "#### LoaderInfo: ";
  if (magic && magic->rfind(kPrefix, 0) == 0) {
    std::string_view rest = std::string_view(*magic).substr(kPrefix.size());
    const auto sp = rest.find(' ');
    if (sp != std::string_view::npos) {
      info.stub_program = std::string(rest.substr(0, sp));
      rest = rest.substr(sp + 1);
      info.stub_version = std::string(rest.substr(0, rest.find(' ')));
    }
  }
  return info;
}

std::optional<int> stub_major(const PeInfo& info) {
  if (!info.stub_version) return std::nullopt;
  int v = 0;
  std::size_t i = 0;
  const std::string& s = *info.stub_version;
  for (; i < s.size() && i < 6 && std::isdigit(static_cast<unsigned char>(s[i])); ++i) v = v * 10 + (s[i] - '0');
  if (i == 0) return std::nullopt;
  return v;
}

bool is_addon_file_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 255) return false;
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return static_cast<unsigned char>(c) <= 127; }))
    return false;
  return ends_with_no_case(name, ".addon.efi");
}

AddonDirs addon_dirs(std::string_view uki_path) {
  std::string p(uki_path);
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  // get_extra_dir works on the whole path: the first '+' anywhere decides.
  return {"loader/addons", remove_boot_count(p) + ".extra.d"};
}

EffectiveCmdline effective_cmdline(const BootInput& in) {
  EffectiveCmdline out;
  const bool has_cmdline = in.uki.cmdline.has_value();
  const bool loader_given = in.loader_cmdline && !in.loader_cmdline->empty() &&
                            static_cast<unsigned char>(in.loader_cmdline->front()) > 0x1f;
  const bool locked = in.secure_boot && (has_cmdline || in.confidential_vm);
  if (loader_given && !locked) {
    out.parts.push_back({Source::loader, "", mangle_stub_cmdline(*in.loader_cmdline)});
  } else {
    out.loader_cmdline_ignored = loader_given;
    out.parts.push_back({Source::embedded, "", mangle_stub_cmdline(in.uki.cmdline.value_or(""))});
  }
  std::string cmdline = out.parts.front().cmdline;

  const AddonDirs dirs = addon_dirs(in.uki_path);
  std::string addons;
  apply_dir(in, dirs.global, in.global_addons, addons, out);
  apply_dir(in, dirs.per_uki, in.uki_addons, addons, out);
  append(cmdline, mangle_stub_cmdline(addons));

  if (in.smbios_cmdline_extra && !in.confidential_vm) {
    const std::string extra = mangle_stub_cmdline(*in.smbios_cmdline_extra);
    if (!extra.empty()) {
      out.parts.push_back({Source::smbios, "", extra});
      append(cmdline, extra);
    }
  }
  out.cmdline = std::move(cmdline);
  return out;
}

}  // namespace kdump::uki

// --- Writing an add-on ------------------------------------------------------------------
namespace kdump::uki {

Result<std::string> make_cmdline_addon(std::string_view stub, std::string_view cmdline,
                                       std::string_view stub_file) {
  for (char c : cmdline)
    if (shall_be_whitespace(static_cast<unsigned char>(c)) && c != ' ')
      return fail(make_error(ErrorKind::usage,
                             "an add-on's command line cannot hold control characters"));
  if (cmdline.empty())
    return fail(make_error(ErrorKind::usage, "an add-on's command line cannot be empty"));
  auto stub_img = pe::read_image(stub, stub_file);
  if (!stub_img) return fail(std::move(stub_img).error());
  if (stub_img->first(".linux") || stub_img->first(".cmdline")) {
    Error e = make_error(ErrorKind::unsupported,
                         "not systemd's add-on stub (it has a .linux or .cmdline section)");
    if (!stub_file.empty()) e.file = std::string(stub_file);
    return fail(std::move(e));
  }
  return pe::add_sections(stub, {{".cmdline", std::string(cmdline)}, {".sbat", std::string(kAddonSbat)}},
                          stub_file);
}

namespace {

std::uint32_t le32(std::string_view b, std::size_t off) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[off])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[off + 3])) << 24;
}

// File offsets of the optional header's CheckSum and of the Certificate Table entry
// (data directory 4): optional header + 64, and + 96 (PE32) or + 112 (PE32+) + 4 * 8.
std::optional<std::pair<std::size_t, std::size_t>> checksum_and_cert_entry(std::string_view bytes) {
  auto img = pe::read_image(bytes);
  if (!img) return std::nullopt;
  const std::size_t opt = img->pe_offset + 24;
  const std::size_t cert = opt + (img->pe32_plus ? 112 : 96) + 4 * 8;
  if (cert + 8 > bytes.size()) return std::nullopt;
  return std::pair{opt + 64, cert};
}

}  // namespace

bool is_signed_copy(std::string_view signed_image, std::string_view unsigned_image) {
  const auto s = checksum_and_cert_entry(signed_image);
  const auto u = checksum_and_cert_entry(unsigned_image);
  if (!s || !u || *s != *u) return false;
  const std::uint32_t table = le32(signed_image, s->second), size = le32(signed_image, s->second + 4);
  if (size == 0 || table < unsigned_image.size() || std::size_t{table} + size != signed_image.size()) return false;
  if (le32(unsigned_image, u->second + 4) != 0) return false;  // already signed: not the input sbsign got
  std::string a(signed_image.substr(0, table)), b(unsigned_image);
  for (auto* x : {&a, &b}) {
    std::fill_n(x->begin() + static_cast<std::ptrdiff_t>(s->first), 4, '\0');
    std::fill_n(x->begin() + static_cast<std::ptrdiff_t>(s->second), 8, '\0');
  }
  return a.compare(0, b.size(), b) == 0 &&
         std::all_of(a.begin() + static_cast<std::ptrdiff_t>(b.size()), a.end(), [](char c) { return c == '\0'; });
}

bool is_own_addon(std::string_view name, std::string_view bytes) {
  if (name != kAddonFileName) return false;
  auto img = pe::read_image(bytes);
  if (!img) return false;
  for (const char* other : {".linux", ".uname", ".dtb", ".ucode", ".initrd", ".osrel"})
    if (img->first(other)) return false;
  const pe::Section* c = img->first(".cmdline");
  const pe::Section* s = img->first(".sbat");
  if (!c || !s) return false;
  auto cmdline = pe::section_bytes(bytes, *c);
  auto sbat = pe::section_bytes(bytes, *s);
  // Any .sbat: a distribution's signed add-on that reserve copied under this name is ours too.
  if (!cmdline || !sbat) return false;
  const std::string_view v = *cmdline;
  return v.rfind("crashkernel=", 0) == 0 && v.size() > 12 &&
         std::none_of(v.begin(), v.end(), [](char ch) { return shall_be_whitespace(static_cast<unsigned char>(ch)); });
}

}  // namespace kdump::uki

// --- Vendor add-ons ------------------------------------------------------------------------
namespace kdump::uki {

std::vector<VendorAddon> find_vendor_addons(const TreeView& view, std::string_view uname) {
  std::vector<std::string> dirs{"/usr/lib/linux/extra.d"};
  const std::string u(uname);
  if (!u.empty() && u.find('/') == std::string::npos && u != "." && u != "..") {
    for (const std::string& base : {"/usr/lib/linux/" + u, "/usr/lib/modules/" + u}) {
      if (!view.is_directory(base)) continue;
      auto names = view.list(base);
      if (!names) continue;
      for (const auto& n : *names)
        if (n.ends_with(".efi.extra.d") && view.is_directory(base + "/" + n)) dirs.push_back(base + "/" + n);
    }
  }
  std::vector<VendorAddon> out;
  for (const auto& dir : dirs) {
    if (!view.is_directory(dir)) continue;
    auto names = view.list(dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (!is_addon_file_name(n)) continue;
      const std::string path = dir + "/" + n;
      auto bytes = view.read_text(path, std::size_t{64} << 20);
      if (!bytes) continue;
      auto info = read_pe_info(*bytes, path, -1, /*whole_table=*/true);
      if (!info || !info->cmdline || info->has_linux) continue;
      if (info->uname && *info->uname != u) continue;
      const auto words = cmdline::crashkernel_words(*info->cmdline, cmdline::Dialect::kernel);
      if (words.size() != 1 || mangle_stub_cmdline(*info->cmdline) != "crashkernel=" + words[0].value) continue;
      out.push_back({path, words[0].value, std::move(*bytes)});
    }
  }
  std::sort(out.begin(), out.end(), [](const VendorAddon& a, const VendorAddon& b) { return a.path < b.path; });
  return out;
}

}  // namespace kdump::uki

// --- On an ESP ---------------------------------------------------------------------------
namespace kdump::uki {
namespace {

constexpr std::size_t kUkiLimit = std::size_t{1} << 30;    // initrds make UKIs large
constexpr std::size_t kAddonLimit = std::size_t{64} << 20;

std::string esp_path(std::string_view esp, std::string_view rel) {
  std::string e(esp);
  while (!e.empty() && e.back() == '/') e.pop_back();
  std::string r(rel);
  while (!r.empty() && r.front() == '/') r.erase(r.begin());
  return e + "/" + r;
}

Result<std::vector<AddonFile>> read_addon_dir(const RootDir& root, const std::string& dir) {
  std::vector<AddonFile> out;
  auto names = root.list(dir);
  if (!names) return fail(std::move(names).error());
  for (const std::string& name : *names) {
    if (!is_addon_file_name(name)) continue;
    const std::string path = dir + "/" + name;
    if (root.is_directory(path)) continue;  // load_addons_from_dir skips directories
    AddonFile f;
    f.name = name;
    auto bytes = root.read_text(path, kAddonLimit);
    if (!bytes) {
      f.info = fail(std::move(bytes).error());
    } else {
      f.info = read_pe_info(*bytes, root.display(path), -1, /*whole_table=*/true);
      f.own = is_own_addon(name, *bytes);
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<BootInput> read_uki_boot(const RootDir& root, std::string_view esp, std::string_view uki_path) {
  BootInput in;
  in.uki_path = std::string(uki_path);
  while (!in.uki_path.empty() && in.uki_path.front() == '/') in.uki_path.erase(in.uki_path.begin());
  const std::string abs = esp_path(esp, in.uki_path);
  auto bytes = root.read_text(abs, kUkiLimit);
  if (!bytes) return fail(std::move(bytes).error());
  auto info = read_pe_info(*bytes, root.display(abs));
  if (!info) return fail(std::move(info).error());
  // A multi-profile UKI boots its first profile unless the loader names another
  // (systemd-stub 257: "@N" at the start of the command line).
  if (info->profiles > 0) {
    auto p0 = read_pe_info(*bytes, root.display(abs), 0);
    if (!p0) return fail(std::move(p0).error());
    info = std::move(p0);
  }
  in.uki = std::move(*info);
  const AddonDirs dirs = addon_dirs(in.uki_path);
  auto global = read_addon_dir(root, esp_path(esp, dirs.global));
  if (!global) return fail(std::move(global).error());
  in.global_addons = std::move(*global);
  auto own = read_addon_dir(root, esp_path(esp, dirs.per_uki));
  if (!own) return fail(std::move(own).error());
  in.uki_addons = std::move(*own);
  return in;
}

Result<FileEdit> addon_install_edit(const RootDir& root, std::string_view esp, std::string_view dir,
                                    std::string addon, std::string_view what) {
  FileEdit e;
  e.path = esp_path(esp, std::string(dir) + "/" + std::string(kAddonFileName));
  if (root.exists(e.path)) {
    auto snap = root.read_snapshot(e.path, kAddonLimit);
    if (!snap) return fail(std::move(snap).error());
    e.before = std::move(snap->text);
    e.stamp = snap->stamp;
  }
  e.after = std::move(addon);
  e.reason = "install the systemd-stub command-line add-on (" + std::string(what) + ", " +
             std::to_string(e.after.size()) + " bytes)";
  return e;
}

}  // namespace kdump::uki

// --- Deciding a reserve ------------------------------------------------------------------
namespace kdump::uki {
namespace {

// The value of the last crashkernel= word of a piece of the command line, split as the
// kernel splits it (grammar/cmdline_edit.hpp). Any crashkernel= counts, whatever its
// suffix: two values on one line compete even where the kernel would combine them.
std::optional<std::string> last_crashkernel(std::string_view line) {
  const auto words = cmdline::crashkernel_words(line, cmdline::Dialect::kernel);
  if (words.empty()) return std::nullopt;
  return words.back().value;
}

}  // namespace

std::vector<std::string> own_addon_paths(const BootInput& in) {
  const AddonDirs dirs = addon_dirs(in.uki_path);
  std::vector<std::string> out;
  for (const AddonFile& f : in.global_addons)
    if (f.own) out.push_back(dirs.global + "/" + f.name);
  for (const AddonFile& f : in.uki_addons)
    if (f.own) out.push_back(dirs.per_uki + "/" + f.name);
  return out;
}

Result<ReserveDecision> decide_reserve(const ReserveInput& in) {
  auto refuse = [](std::string msg, std::string hint) {
    Error e = make_error(ErrorKind::unsupported, std::move(msg));
    e.hints.push_back(std::move(hint));
    return fail(std::move(e));
  };
  if (const auto major = stub_major(in.boot.uki); major && *major < kMinAddonStub)
    return refuse("the UKI's systemd-stub " + *in.boot.uki.stub_version +
                      " loads no command-line add-ons (systemd " + std::to_string(kMinAddonStub) +
                      " or later does)",
                  "rebuild the UKI on a newer stub, or put crashkernel= into its embedded "
                  "command line (/etc/kernel/cmdline, then kernel-install)");
  if (in.boot.secure_boot && !in.can_sign)
    return refuse("Secure Boot is on and no key is configured to sign the add-on: the stub "
                  "would refuse an unsigned one",
                  "set SecureBootPrivateKey= and SecureBootCertificate= in /etc/kernel/uki.conf "
                  "(a key in db or shim's MOK list)");

  ReserveDecision d;
  const AddonDirs dirs = addon_dirs(in.boot.uki_path);
  d.dir = in.placement == Placement::global ? dirs.global : dirs.per_uki;
  d.addon_cmdline = "crashkernel=" + in.value;
  d.needs_signature = in.boot.secure_boot;

  // The boot as it will be: our add-on in its place, own ones elsewhere gone.
  BootInput after = in.boot;
  auto& mine = in.placement == Placement::global ? after.global_addons : after.uki_addons;
  auto& other = in.placement == Placement::global ? after.uki_addons : after.global_addons;
  const std::string other_dir = in.placement == Placement::global ? dirs.per_uki : dirs.global;
  std::erase_if(mine, [](const AddonFile& f) { return f.name == kAddonFileName; });
  for (const AddonFile& f : other)
    if (f.own) d.remove.push_back(other_dir + "/" + f.name);
  std::erase_if(other, [](const AddonFile& f) { return f.own; });
  AddonFile ours;
  ours.name = std::string(kAddonFileName);
  PeInfo info;
  info.cmdline = d.addon_cmdline;
  ours.info = info;
  ours.signature_accepted = true;  // signed with the configured key when Secure Boot is on
  ours.own = true;
  mine.push_back(std::move(ours));
  const EffectiveCmdline e = effective_cmdline(after);
  d.effective_after = e.cmdline;

  // Which piece carries the crashkernel= that wins, and which ones ours overrides.
  const Part* winner = nullptr;
  for (const Part& p : e.parts)
    if (last_crashkernel(p.cmdline)) winner = &p;
  const std::string our_path = d.dir + "/" + std::string(kAddonFileName);
  if (!winner || winner->path != our_path) {
    const std::string who = !winner ? "nothing" : winner->source == Source::smbios
                                                      ? "the SMBIOS io.systemd.stub.kernel-cmdline-extra string"
                                                      : winner->path;
    return refuse("crashkernel=" + in.value + " would not be the kernel's: " + who +
                      " comes later on the command line and carries crashkernel=" +
                      last_crashkernel(winner ? winner->cmdline : "").value_or(""),
                  "remove that crashkernel= first; the kernel takes the last one");
  }
  // A plain crashkernel= anywhere on the line wins over a ,high/,low one, wherever they
  // stand: the kernel looks for a plain one first and reads the suffixed ones only when
  // there is none (kernel/crash_reserve.c parse_crashkernel, get_last_crashkernel with
  // suffix NULL skips ",high"/",low"). The embedded .cmdline of a signed UKI cannot be
  // edited, so ours would lose: refused rather than leaving two competing values.
  if (cmdline::kind_of_value(in.value) != cmdline::Kind::plain) {
    for (const Part& p : e.parts) {
      if (&p == winner) continue;
      for (const auto& w : cmdline::crashkernel_words(p.cmdline, cmdline::Dialect::kernel)) {
        if (cmdline::kind_of_value(w.value) != cmdline::Kind::plain) continue;
        const std::string where = p.source == Source::embedded ? "the UKI's embedded command line"
                                  : p.source == Source::loader ? "the boot loader's command line"
                                                               : p.path;
        return refuse("crashkernel=" + in.value + " would not be the kernel's: " + where + " has crashkernel=" +
                          w.value + ", and the kernel takes a crashkernel= without ,high/,low over any with one",
                      "reserve a value without a suffix (it overrides crashkernel=" + w.value +
                          ", coming later), or rebuild the UKI without crashkernel= in its .cmdline");
      }
    }
  }
  for (const Part& p : e.parts) {
    if (&p == winner) continue;
    if (auto v = last_crashkernel(p.cmdline)) {
      const std::string where = p.source == Source::embedded ? "the UKI's embedded command line"
                                : p.source == Source::loader ? "the boot loader's command line"
                                                             : p.path;
      d.notes.push_back(where + " has crashkernel=" + *v + "; the add-on's crashkernel=" + in.value +
                        " comes later and is the one the kernel takes");
    }
  }
  for (const SkippedAddon& s : e.skipped)
    d.notes.push_back("systemd-stub will not apply " + s.path + ": " + s.reason);
  return d;
}

}  // namespace kdump::uki
