#include "backends/systemd_boot/systemd_boot_backend.hpp"

#include <algorithm>
#include <sstream>

#include "backends/common/boot_model.hpp"
#include "core/esp_probe.hpp"
#include "core/uki.hpp"
#include "core/uki_signing.hpp"
#include "util/atomic_file.hpp"
#include "grammar/cmdline_edit.hpp"
#include "grammar/memparse.hpp"

namespace kdump {
namespace {

constexpr auto kKernel = cmdline::Dialect::kernel;
constexpr std::string_view kKernelCmdline = kKernelCmdlinePath;

using sdboot::joined_options;

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



// --- Type #2 entries: systemd-stub's command-line add-ons (core/uki.hpp) ----------------

// Secure Boot: the key and certificate that sign the add-on (core/uki_signing.hpp), from
// kdump-setup's configuration, else ukify's /etc/kernel/uki.conf (read with the boot files).
Result<uki::SigningKeys> signing_keys(const BootFiles& root, const ReserveRequest& request) {
  std::optional<uki::UkiConf> conf;
  if (request.uki_key.path.empty() && request.uki_cert.path.empty() && root.exists(uki::kUkiConfPath)) {
    KDUMP_TRY_ASSIGN(auto text, root.read_text(uki::kUkiConfPath));
    KDUMP_TRY_ASSIGN(conf, uki::parse_uki_conf(text, uki::kUkiConfPath));
  }
  return uki::choose_signing_keys(request.uki_key, request.uki_cert, conf, uki::kUkiConfPath);
}

// The add-on stub inside the root, checked: systemd-stub >= 254's addonx64.efi.stub.
Result<std::string> addon_stub(const BootFiles& root) {
  auto missing = [](std::string why) {
    Error e = make_error(ErrorKind::unsupported, std::move(why));
    e.hints.push_back("install systemd-boot-efi " + std::to_string(uki::kMinAddonStub) +
                      " or later (Debian trixie's; bookworm's 252 has no add-on stub), which provides " +
                      std::string(uki::kAddonStubPath));
    return fail(std::move(e));
  };
  if (!root.exists(uki::kAddonStubPath))
    return missing(std::string(uki::kAddonStubPath) + " does not exist: kdump-setup cannot build a command-line add-on");
  auto snap = root.read(uki::kAddonStubPath, 64u << 20);
  if (!snap) return fail(std::move(snap).error());
  auto info = uki::read_pe_info(snap->text, root.display(uki::kAddonStubPath));
  if (!info) return fail(std::move(info).error());
  const auto major = uki::stub_major(*info);
  if (!major || *major < uki::kMinAddonStub)
    return missing(std::string(uki::kAddonStubPath) + " is " +
                   (info->stub_version ? "systemd " + *info->stub_version : std::string("of an unknown version")) +
                   ", older than " + std::to_string(uki::kMinAddonStub));
  return std::move(snap->text);
}

// The distribution's add-on to install: the one with exactly the requested value; for
// `reserve auto`, else the smallest plain fixed size (no range, no suffix) that meets the
// policy's figure for this machine. nullptr: build kdump-setup's own.
const uki::VendorAddon* pick_vendor_addon(const std::vector<uki::VendorAddon>& all, const ReserveRequest& r) {
  for (const auto& v : all)
    if (v.value == r.value) return &v;
  if (!r.policy_bytes) return nullptr;
  const uki::VendorAddon* best = nullptr;
  std::uint64_t best_bytes = 0;
  for (const auto& v : all) {
    const Memparsed m = memparse(v.value);
    if (m.length == 0 || m.length != v.value.size() || m.wrapped || m.value < *r.policy_bytes) continue;
    if (!best || m.value < best_bytes) best = &v, best_bytes = m.value;
  }
  return best;
}

bool uki_selected(const BootEntry& e, const KernelSelection& k, bool is_next) {
  switch (k.kind) {
    case KernelSelection::Kind::all: return true;
    case KernelSelection::Kind::release: return e.version == k.release;
    default: return is_next;
  }
}

// The deletion of kdump-setup's add-on at `abs` (binary: no diff, its bytes kept as the
// stale check's "before").
Result<FileEdit> addon_delete_edit(const BootFiles& root, const std::string& abs, std::string reason) {
  auto snap = root.read(abs, 64u << 20);
  if (!snap) return fail(std::move(snap).error());
  FileEdit fe;
  fe.path = abs;
  fe.before = std::move(snap->text);
  fe.stamp = snap->stamp;
  fe.remove = true;
  fe.binary = true;
  fe.summary = "kdump-setup's command-line add-on";
  fe.reason = std::move(reason);
  return fe;
}

// Plans the add-on edits for the selected UKIs: reserve installs kdump-setup's add-on in
// <uki>.efi.extra.d/ (this UKI only: an add-on in loader/addons/ would reach every UKI
// on the ESP, other distributions' too); remove deletes only kdump-setup's own add-ons.
Result<std::size_t> plan_ukis(const BootModel& model, const ReserveRequest& request, Plan& plan) {
  const BootFiles& root = model.files();
  const auto& all = model.entries(BootLoader::sdboot);
  const auto next = model.next_boot(BootLoader::sdboot);
  std::size_t matched = 0;
  std::optional<std::string> stub;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const BootEntry& e = all[i];
    if (e.kind != BootEntry::Kind::uki || !uki_selected(e, request.kernel, next && *next == i)) continue;
    ++matched;
    const auto* boot = model.uki_boot(e.path);
    if (!boot || !*boot) {
      Error err = make_error(ErrorKind::unsupported, e.path + ": " + (boot ? boot->error().message : "not read"));
      err.hints.push_back("kdump-setup reads a unified kernel image's sections (.cmdline, .uname, .sdmagic) to "
                          "place and predict its add-on: rebuild the image (ukify, kernel-install) or select "
                          "other kernels with --kernel");
      return fail(std::move(err));
    }
    const std::string esp = e.path.substr(0, e.path.size() - (*boot)->uki_path.size() - 1);
    auto delete_edit = [&](const std::string& rel) -> Result<Ok> {
      const std::string abs = esp + "/" + rel;
      // loader/addons/ is shared by every UKI: its add-on is deleted once.
      if (std::any_of(plan.edits.begin(), plan.edits.end(), [&](const FileEdit& x) { return x.path == abs; }))
        return Ok{};
      KDUMP_TRY_ASSIGN(auto fe, addon_delete_edit(root, abs, "remove kdump-setup's command-line add-on of " + e.id));
      plan.edits.push_back(std::move(fe));
      return Ok{};
    };
    if (request.action == ReserveRequest::Action::remove) {
      const auto own = uki::own_addon_paths(**boot);
      // The emptied add-on directory goes only if kdump-setup made it: core/ownership
      // (the state file records it) appends its deletion.
      for (const auto& rel : own) KDUMP_TRY(delete_edit(rel));
      // Where the add-on lives even when it is gone: a run killed after renaming it away
      // left its leftover there, which the apply step removes beside examined files.
      const uki::AddonDirs ad = uki::addon_dirs((*boot)->uki_path);
      for (const auto& dir : {ad.per_uki, ad.global}) {
        const std::string rel = dir + "/" + std::string(uki::kAddonFileName);
        if (std::find(own.begin(), own.end(), rel) == own.end()) plan.examined.push_back(esp + "/" + rel);
      }
      continue;
    }
    // A signed add-on the distribution ships with exactly this value is installed as it
    // is: its signature is the distribution's (trusted through shim), none is needed here.
    const uki::VendorAddon* vendor = pick_vendor_addon((*boot)->vendor_addons, request);
    if (!vendor && !stub) {
      auto s = addon_stub(root);
      if (!s) return fail(std::move(s).error());
      stub = std::move(*s);
    }
    uki::ReserveInput in;
    in.boot = **boot;
    in.value = vendor ? vendor->value : request.value;
    if (vendor && vendor->value != request.value) {
      plan.substituted.push_back({e.path, vendor->value, vendor->path});
      plan.notes.push_back(e.id + ": " + vendor->path + " (crashkernel=" + vendor->value +
                           ") meets the policy's figure of " + std::to_string(*request.policy_bytes) +
                           " bytes: installed instead of crashkernel=" + request.value);
    }
    std::optional<uki::SigningKeys> keys;
    if (in.boot.secure_boot && !vendor) {
      // Refused (exit 3) naming what is missing before anything is built.
      auto k = signing_keys(root, request);
      if (!k) return fail(std::move(k).error());
      if (!request.sign_addon) return fail(make_error(ErrorKind::internal, "no add-on signer was given"));
      keys = std::move(*k);
    }
    in.can_sign = keys.has_value() || vendor;
    auto d = uki::decide_reserve(in);
    if (!d) return fail(std::move(d).error());
    for (const auto& n : d->notes) plan.notes.push_back(e.id + ": " + n);
    auto bytes = vendor ? Result<std::string>(vendor->bytes)
                        : uki::make_cmdline_addon(*stub, d->addon_cmdline, uki::kAddonStubPath);
    if (!bytes) return fail(std::move(bytes).error());
    FileEdit fe;
    fe.path = esp + "/" + d->dir + "/" + std::string(uki::kAddonFileName);
    if (root.exists(fe.path)) {
      auto snap = root.read(fe.path, 64u << 20);
      if (!snap) return fail(std::move(snap).error());
      fe.before = std::move(snap->text);
      fe.stamp = snap->stamp;
    }
    fe.summary = ".cmdline '" + d->addon_cmdline + "'";
    if (vendor) {
      fe.summary += ", the distribution's signed add-on " + vendor->path;
    } else if (d->needs_signature) {
      // A signature is new bytes every time (sbsign's signing time): an add-on already
      // there that is these bytes signed stays as it is.
      if (fe.before && uki::is_signed_copy(*fe.before, *bytes)) {
        fe.after = *fe.before;
      } else {
        auto signed_bytes = request.sign_addon(*keys, *bytes);
        if (!signed_bytes) return fail(std::move(signed_bytes).error());
        bytes = std::move(signed_bytes);
      }
      fe.summary += ", signed with " + keys->key.path + " (" + keys->key.origin + ")";
    }
    if (fe.after.empty()) fe.after = std::move(*bytes);
    fe.binary = true;
    fe.reason = "install the systemd-stub command-line add-on for " + e.id + " (" + d->addon_cmdline +
                "; the stub will build: " + d->effective_after + ")";
    plan.edits.push_back(std::move(fe));
    for (const auto& rel : d->remove) KDUMP_TRY(delete_edit(rel));
  }
  return matched;
}

// A kernel-install command-line file as kernel-install reads it: comment lines left out,
// the lines joined with a space.
std::string kernel_install_words(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto e = line.find_last_not_of(" \t\r");
    out += (out.empty() ? "" : " ") + line.substr(b, e - b + 1);
  }
  return out;
}

// The package's /usr/lib/kernel/cmdline (kKernelCmdline replaces it for kernel-install).
struct VendorCmdline {
  std::string words;                  // as kernel-install reads it
  std::optional<std::string> value;   // its crashkernel= (the last one), if any
};
std::optional<VendorCmdline> vendor_cmdline(const BootFiles& root) {
  if (!root.exists(kVendorKernelCmdlinePath)) return std::nullopt;
  auto t = root.read_text(kVendorKernelCmdlinePath);
  if (!t) return std::nullopt;
  VendorCmdline v;
  v.words = kernel_install_words(*t);
  auto words = cmdline::crashkernel_words(v.words, kKernel);
  if (!words.empty()) v.value = words.back().value;
  return v;
}

// What reserve seeds a missing /etc/kernel/cmdline with: the package's
// /usr/lib/kernel/cmdline, which it replaces for kernel-install (every other word of it
// must stay); else the default entry's options, or /proc/cmdline without what the loader
// adds; "" when none is known.
std::string cmdline_seed(const std::vector<EntryFile>& entries, std::optional<std::size_t> def,
                         const SystemFacts& facts, const std::optional<VendorCmdline>& vendor, std::string* from) {
  if (vendor) {
    if (from) *from = std::string(kVendorKernelCmdlinePath) + " (the package's default, which it replaces)";
    return vendor->words;
  }
  if (def) {
    if (from) *from = "the options of the default entry " + entries[*def].file_name;
    return joined_options(entries[*def].entry);
  }
  if (facts.running_cmdline) {
    if (from) *from = "/proc/cmdline without BOOT_IMAGE= and initrd=";
    return sdboot::cmdline_without_loader_words(facts.running_cmdline->value);
  }
  return {};
}

// Whether /etc/kernel/cmdline holds exactly what reserve creates (the seed with its
// crashkernel= value, one line): then it is kdump-setup's, and remove deletes it. Any
// other byte (a comment, another word, a missing newline) makes it the administrator's.
bool is_created_cmdline(const std::string& text, const std::vector<EntryFile>& entries,
                        std::optional<std::size_t> def, const SystemFacts& facts,
                        const std::optional<VendorCmdline>& vendor) {
  const auto words = cmdline::crashkernel_words(text, kKernel);
  if (words.size() != 1) return false;
  std::string from;
  const std::string seed = cmdline_seed(entries, def, facts, vendor, &from);
  if (from.empty()) return false;
  auto res = cmdline::set_crashkernel(seed, words.front().value, kKernel);
  return res && text == res->text + "\n";
}

}  // namespace

Detection SystemdBootBackend::detect(const BootModel& model) const {
  const BootFiles& root = model.files();
  const SystemFacts& facts = model.facts();
  Detection det;
  const auto& dirs = model.boot_dirs();
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
  // On the live system, the partition type of the mount (bootctl's check), from the facts.
  for (const auto& d : dirs.all()) {
    auto it = facts.boot_partitions.find(d);
    if (it == facts.boot_partitions.end() || it->second.type.empty()) continue;
    const auto& [src, type] = it->second;
    const auto kind = boot_partition_kind(type);
    det.reason += "; " + d + " on " + src + (kind.empty() ? " (partition type " + type + ", neither ESP nor XBOOTLDR)"
                                                         : " (" + kind + " partition type)");
  }
  return det;
}

Result<std::vector<ConfiguredValue>> SystemdBootBackend::configured(const BootModel& model) const {
  const BootFiles& root = model.files();
  const auto& entries = model.sdboot_entries();
  if (!entries) return fail(entries.error());
  std::vector<ConfiguredValue> out;
  for (const auto& f : *entries) {
    const std::string opts = joined_options(f.entry);
    auto words = cmdline::crashkernel_words(opts, kKernel);
    if (words.empty()) continue;
    out.push_back({f.path, "options (entry " + f.file_name + ")", words.back().value});
  }
  // UKIs: the command line systemd-stub builds (embedded .cmdline, then the add-ons).
  const auto& all = model.entries(BootLoader::sdboot);
  const auto next = model.next_boot(BootLoader::sdboot);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const BootEntry& e = all[i];
    if (e.kind != BootEntry::Kind::uki || !e.cmdline) continue;
    auto words = cmdline::crashkernel_words(*e.cmdline, kKernel);
    if (words.empty()) continue;
    out.push_back({e.path, "unified kernel image " + e.id + " (.cmdline and add-ons)", words.back().value,
                   next && *next == i});
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
  } else if (auto v = vendor_cmdline(root); v && v->value) {
    out.push_back({std::string(kVendorKernelCmdlinePath), "kernel-install command line (a package's default)", *v->value});
  }
  return out;
}

Result<Plan> SystemdBootBackend::plan(const BootModel& model, const ReserveRequest& request) const {
  const BootFiles& root = model.files();
  const SystemFacts& facts = model.facts();
  Plan plan;
  plan.backend = "systemd-boot";
  const bool set = request.action == ReserveRequest::Action::set;
  const auto& dirs = model.boot_dirs();
  if (!dirs.esp) return fail(make_error(ErrorKind::unsupported, "no systemd-boot ESP (loader/ in /efi, /boot or /boot/efi)"));
  const auto& loaded = model.sdboot_entries();
  if (!loaded) return fail(loaded.error());
  const auto& entries = *loaded;
  const auto& ukis = model.ukis();
  // Unified kernel images: a command-line add-on beside the selected ones.
  auto uki_matched = plan_ukis(model, request, plan);
  if (!uki_matched) return fail(std::move(uki_matched).error());
  // `remove --kernel RELEASE` after kernel-install removed that kernel's UKI
  // (90-uki-copy.install, ENTRY_TOKEN-RELEASE.efi): kdump-setup's add-on left in its
  // .extra.d/ goes too, by its name only; the directory goes if kdump-setup made it
  // (core/ownership).
  if (request.action == ReserveRequest::Action::remove && request.kernel.kind == KernelSelection::Kind::release) {
    const std::string tail = request.kernel.release + ".efi.extra.d";
    for (const auto& addon : model.orphan_addons()) {
      const std::string dir = addon.substr(0, addon.rfind('/'));
      const std::string name = dir.substr(dir.rfind('/') + 1);
      if (name != tail && !name.ends_with("-" + tail)) continue;
      auto fe = addon_delete_edit(root, addon,
                                  "remove kdump-setup's command-line add-on of the removed kernel " +
                                      request.kernel.release + " (its unified kernel image is gone)");
      if (!fe) return fail(std::move(fe).error());
      plan.edits.push_back(std::move(*fe));
      ++*uki_matched;
    }
  }

  std::string why;
  const auto def = model.sdboot_default(&why);
  const bool all = request.kernel.kind == KernelSelection::Kind::all;
  // A package's /usr/lib/kernel/cmdline: read by kernel-install while /etc/kernel/cmdline
  // does not exist, never edited (it is under /usr: the package's next upgrade restores it).
  const auto vendor = vendor_cmdline(root);
  const std::string vendor_where =
      std::string(kVendorKernelCmdlinePath) + " (a package's default for kernel-install, under /usr)";

  // 1. /etc/kernel/cmdline: what kernel-install gives kernels installed later.
  if (all) {
    if (root.exists(kKernelCmdline)) {
      auto snap = root.read(kKernelCmdline);
      if (!snap) return fail(std::move(snap).error());
      auto after = edit_kernel_cmdline(snap->text, request, plan.notes);
      if (!after) return fail(std::move(after).error());
      if (!set && is_created_cmdline(snap->text, entries, def, facts, vendor)) {
        FileEdit fe;  // what reserve created, and nothing else: it goes again
        fe.path = std::string(kKernelCmdline);
        fe.before = snap->text;
        fe.stamp = snap->stamp;
        fe.remove = true;
        fe.reason = "delete it: it holds nothing but what kdump-setup created";
        plan.edits.push_back(std::move(fe));
        // kernel-install reads the package's file again, with its value.
        if (vendor && vendor->value) plan.kept.push_back({*vendor->value, vendor_where});
      } else if (*after != snap->text) {
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
    } else if (!set) {
      // Absent: an interrupted remove that deleted it may have left its hidden backup,
      // which the apply step removes beside examined files.
      plan.examined.push_back(std::string(kKernelCmdline));
      if (vendor && vendor->value) {
        plan.kept.push_back({*vendor->value, vendor_where});
        plan.notes.push_back("crashkernel=" + *vendor->value + " stays for kernels installed later: " + vendor_where +
                             " sets it, and kdump-setup does not edit a package's file");
      }
    } else if (vendor && vendor->value == request.value) {
      plan.examined.push_back(std::string(kKernelCmdline));
      plan.notes.push_back("kernels installed later already get crashkernel=" + request.value + ": " + vendor_where +
                           " sets it; " + std::string(kKernelCmdline) + " not created");
    } else {
      std::string from;
      const std::string seed = cmdline_seed(entries, def, facts, vendor, &from);
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
                    (vendor ? std::string(" (kernel-install reads it instead of the package's file)")
                            : std::string(" (kernel-install would otherwise copy /proc/cmdline into new entries)"));
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
                " the options of entry " + f.file_name + (def && *def == i ? " (the default: " + why + ")" : "");
    plan.edits.push_back(std::move(fe));
  }
  if (request.kernel.kind == KernelSelection::Kind::release && matched + *uki_matched == 0) {
    Error e = make_error(ErrorKind::usage, "--kernel " + request.kernel.release + ": no systemd-boot entry has that version");
    for (const auto& f : entries) e.hints.push_back(f.file_name + ": version " + f.version);
    return fail(std::move(e));
  }
  if (entries.empty() && ukis.empty()) plan.notes.push_back("no entries in " + *dirs.esp + "/loader/entries");
  plan.notes.push_back("systemd-boot reads the entries at boot: nothing to regenerate");
  return plan;
}

}  // namespace kdump
