#include "backends/common/boot_model.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "backends/common/grub_files.hpp"
#include "grammar/cmdline_edit.hpp"

#include "core/uki.hpp"
#include "util/text.hpp"

namespace kdump {
namespace {

// "A B" as the shell's "$A $B" writes it, with the words of the parts as they are.
std::string join_args(std::string_view a, std::string_view b) {
  std::string out(a);
  out += ' ';
  out += b;
  return trim(out);
}

constexpr std::size_t kUkiLimit = std::size_t{1} << 30;  // initrds make UKIs large
constexpr std::size_t kAddonLimit = std::size_t{64} << 20;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Files the backends look at besides the ones derive() parses: read here, while the
// root is attached, so that planning never reaches the disk again.
void preload(const BootFiles& f, const std::optional<Result<grub2::Defaults>>& defaults) {
  (void)f.read(grub2::kMainFile);  // why it is missing (a dangling link, a loop), for detection
  for (const char* p : {"/usr/sbin/update-grub", "/sbin/update-grub", "/etc/machine-id",
                        "/lib/recovery-mode/recovery-menu"})
    (void)f.exists(p);
  if (f.exists(kKernelCmdlinePath)) (void)f.read(kKernelCmdlinePath);
  if (f.exists(kVendorKernelCmdlinePath)) (void)f.read(kVendorKernelCmdlinePath);
  if (!defaults || !*defaults) return;
  for (const auto& p : (*defaults)->ignored_drop_ins) (void)f.read_text(p);
  // Who owns a drop-in (dpkg conffiles), for the note when one is edited.
  const bool foreign = std::any_of((*defaults)->sources.begin(), (*defaults)->sources.end(),
                                   [](const grub2::Source& s) { return !s.main && !s.ours; });
  if (!foreign) return;
  if (auto names = f.list("/var/lib/dpkg/info"))
    for (const auto& n : *names)
      if (n.ends_with(".conffiles")) (void)f.read_text("/var/lib/dpkg/info/" + n, 1u << 20);
}

}  // namespace

std::string_view to_string(BootLoader l) {
  switch (l) {
    case BootLoader::grub: return "grub2";
    case BootLoader::bls: return "bls";
    case BootLoader::sdboot: return "systemd-boot";
  }
  return "?";
}

// The ESP (or XBOOTLDR) a UKI lies on: the part of its path before "/EFI/Linux/".
std::string uki_esp(const std::string& abs) {
  const auto k = abs.rfind("/EFI/Linux/");
  return k == std::string::npos ? std::string() : abs.substr(0, k);
}

// One add-on directory as systemd-stub reads it (uki.hpp, load_addons_from_dir).
std::vector<uki::AddonFile> read_addon_dir(const BootFiles& f, const std::string& dir) {
  std::vector<uki::AddonFile> out;
  if (!f.is_directory(dir)) return out;
  auto names = f.list(dir);
  if (!names) return out;
  for (const std::string& name : *names) {
    if (!uki::is_addon_file_name(name)) continue;
    const std::string path = dir + "/" + name;
    if (f.is_directory(path)) continue;
    uki::AddonFile a;
    a.name = name;
    auto bytes = f.read(path, kAddonLimit);
    if (!bytes) {
      a.info = fail(std::move(bytes).error());
    } else {
      a.info = uki::read_pe_info(bytes->text, f.display(path), -1, /*whole_table=*/true);
      a.own = uki::is_own_addon(name, bytes->text);
    }
    out.push_back(std::move(a));
  }
  return out;
}

// What systemd-stub builds from the UKI at `abs`: its sections, both add-on directories,
// Secure Boot from the facts. systemd-boot passes no command line to a Type #2 entry
// unless the user edits it at the menu, so there is no loader command line.
Result<uki::BootInput> read_uki_input(const BootFiles& f, const std::string& abs, const SystemFacts& facts) {
  const std::string esp = uki_esp(abs);
  auto bytes = f.read(abs, kUkiLimit);
  if (!bytes) return fail(std::move(bytes).error());
  auto info = uki::read_pe_info(bytes->text, f.display(abs));
  if (!info) return fail(std::move(info).error());
  if (info->profiles > 0) {  // the first profile boots unless the loader names another
    auto p0 = uki::read_pe_info(bytes->text, f.display(abs), 0);
    if (!p0) return fail(std::move(p0).error());
    info = std::move(p0);
  }
  uki::BootInput in;
  in.uki_path = abs.substr(esp.size() + 1);
  in.uki = std::move(*info);
  const uki::AddonDirs dirs = uki::addon_dirs(in.uki_path);
  in.global_addons = read_addon_dir(f, esp + "/" + dirs.global);
  in.uki_addons = read_addon_dir(f, esp + "/" + dirs.per_uki);
  in.secure_boot = facts.secure_boot && facts.secure_boot->value;
  // The distribution's signed crashkernel= add-ons for this kernel (core/uki.hpp).
  if (in.uki.uname) in.vendor_addons = uki::find_vendor_addons(f, *in.uki.uname);
  // Without the firmware's db here, an add-on under Secure Boot counts as accepted when
  // kdump-setup wrote it (it signs with the key the admin configured for UKIs) and as
  // rejected otherwise only when the caller knows better: assume accepted.
  for (auto* v : {&in.global_addons, &in.uki_addons})
    for (auto& a : *v) a.signature_accepted = true;
  return in;
}

Result<BootModel> BootModel::load(const RootDir& root, const SystemFacts& facts) {
  BootModel m(BootFiles(root), facts);
  m.derive();
  std::optional<Result<grub2::Defaults>> defaults;
  if (m.has_grub_defaults()) defaults = m.m_grub_defaults;
  preload(m.m_files, defaults);
  // Who generates the entries, through the same read-once files (core/owner_tools.hpp).
  m.m_owner = detect_owner_tool(m.m_files);
  m.m_files.detach();
  return m;
}

Result<BootModel> BootModel::after(const Plan& plan) const {
  BootModel m(m_files.with_edits(plan), m_facts);
  m.derive();
  m.m_active = m_active;
  m.m_owner = m_owner;
  return m;
}

bool BootModel::has_grub_defaults() const { return m_files.exists(grub2::kMainFile); }

std::optional<FileStamp> BootModel::grubenv_stamp() const {
  auto s = m_files.read(bls::kGrubenv, 64 * 1024);
  if (!s) return std::nullopt;
  return s->stamp;
}

namespace {
std::optional<RootDir::Snapshot> snapshot_if_present(const BootFiles& f, std::string_view path) {
  if (!f.exists(path)) return std::nullopt;
  auto s = f.read(path);
  if (!s) return std::nullopt;
  return *s;
}
}  // namespace

std::optional<RootDir::Snapshot> BootModel::kernel_cmdline() const {
  return snapshot_if_present(m_files, kKernelCmdlinePath);
}

std::optional<RootDir::Snapshot> BootModel::vendor_kernel_cmdline() const {
  return snapshot_if_present(m_files, kVendorKernelCmdlinePath);
}

void BootModel::derive() {
  const BootFiles& f = m_files;
  m_ostree = f.exists("/run/ostree-booted");
  m_grub_defaults = grub2::load_defaults(f);
  m_grub_vars.reset();
  if (m_grub_defaults) m_grub_vars = grub2::evaluate(*m_grub_defaults);
  m_grub_cfg = grub_cfg_path(f, m_facts);
  if (m_grub_cfg) (void)f.read_text(*m_grub_cfg);

  m_bls_entries = bls::load_entry_dir(f, bls::kEntriesDir);
  if (m_bls_entries) bls::sort_grub_order(*m_bls_entries);
  m_grubenv.reset();
  if (f.exists(bls::kGrubenv)) {
    auto snap = f.read(bls::kGrubenv, 64 * 1024);
    if (!snap) m_grubenv = Result<grubenv::Block>(fail(std::move(snap).error()));
    else m_grubenv = grubenv::Block::parse(std::move(snap->text), bls::kGrubenv);
  }

  m_boot_dirs = sdboot::find_boot_dirs(f);
  std::vector<EntryFile> sd;
  m_sdboot_entries = sd;
  for (const auto& dir : m_boot_dirs.all()) {
    auto more = bls::load_entry_dir(f, dir + "/loader/entries");
    if (!more) {
      m_sdboot_entries = fail(std::move(more).error());
      break;
    }
    for (auto& e : *more) {
      e.version = bls::entry_version(e.entry, e.file_name);  // systemd-boot's id keeps ".conf"
      m_sdboot_entries->push_back(std::move(e));
    }
  }
  if (m_sdboot_entries) sdboot::sort_menu_order(*m_sdboot_entries);
  m_ukis = sdboot::find_ukis(f, m_boot_dirs);
  m_uki_boots.clear();
  for (const auto& p : m_ukis) m_uki_boots.insert_or_assign(p, read_uki_input(f, p, m_facts));
  m_orphan_addons.clear();
  for (const auto& dir : m_boot_dirs.all()) {
    const std::string linux_dir = dir + "/EFI/Linux";
    auto names = f.list(linux_dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (!n.ends_with(".efi.extra.d")) continue;
      const std::string abs = linux_dir + "/" + n;
      const bool has_uki = std::any_of(m_ukis.begin(), m_ukis.end(), [&](const std::string& u) {
        return u.starts_with(dir + "/") && dir + "/" + uki::addon_dirs(u.substr(dir.size() + 1)).per_uki == abs;
      });
      const std::string addon = abs + "/" + std::string(uki::kAddonFileName);
      if (!has_uki && f.is_directory(abs) && f.exists(addon)) {
        (void)f.read(addon, kAddonLimit);
        (void)f.list(abs);
        m_orphan_addons.push_back(addon);
      }
    }
  }
  if (!m_ukis.empty())  // what the systemd-boot backend needs to write an add-on
    for (const char* p : {uki::kAddonStubPath, uki::kUkiConfPath})
      if (f.exists(p)) (void)f.read(p, kAddonLimit);
  m_loader_conf.reset();
  if (m_boot_dirs.esp) {
    const std::string lc = *m_boot_dirs.esp + "/loader/loader.conf";
    if (f.exists(lc)) {
      auto t = f.read_text(lc);
      if (t) m_loader_conf = *t;
      else if (t.error().kind == ErrorKind::parse && m_sdboot_entries) m_sdboot_entries = fail(t.error());
    }
    (void)f.is_directory(*m_boot_dirs.esp + "/EFI/systemd");
  }
  m_machine_id.clear();
  if (f.exists("/etc/machine-id"))
    if (auto t = f.read_text("/etc/machine-id")) m_machine_id = trim(*t);

  derive_grub_entries();
  derive_bls_entries();
  derive_sdboot_entries();
}

// --- GRUB (grub-mkconfig's 10_linux) ---------------------------------------------------

void BootModel::derive_grub_entries() {
  m_grub.clear();
  m_grub_next.reset();
  m_grub_why.clear();
  if (!m_grub_vars) return;
  const auto& ev = *m_grub_vars;
  std::vector<std::string> versions;
  if (auto names = m_files.list("/boot"))
    for (const auto& n : *names)
      if (n.starts_with("vmlinuz-") || n.starts_with("vmlinux-")) versions.push_back(n.substr(8));
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return bls::vercmp(a, b) > 0; });
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  // Shell code kdump-setup does not run, or an expansion it cannot evaluate, makes the
  // value unknown: the entries then say so instead of guessing.
  std::string unknown;
  for (const auto& var : {grub2::kLinux, grub2::kLinuxDefault}) {
    const auto& v = ev.get(var);
    if (!v.uncertain.empty()) unknown = std::string(var) + ": " + v.uncertain.front().reason;
    else if (std::any_of(v.chunks.begin(), v.chunks.end(), [](const grub2::Chunk& c) { return !c.origin; }))
      unknown = std::string(var) + " uses an expansion that kdump-setup does not evaluate";
    if (!unknown.empty()) break;
  }
  const std::string normal = join_args(ev.get(grub2::kLinux).text(), ev.get(grub2::kLinuxDefault).text());
  // Debian's 10_linux sets GRUB_CMDLINE_LINUX_RECOVERY itself: "recovery" where
  // Ubuntu's recovery menu is installed, else "single".
  const std::string recovery_word = m_files.exists("/lib/recovery-mode/recovery-menu") ? "recovery" : "single";
  const std::string recovery = join_args(recovery_word, ev.get(grub2::kLinux).text());
  const std::string submenu = ev.get("GRUB_DISABLE_SUBMENU").text();
  const bool no_submenu = submenu == "true" || submenu == "y" || submenu == "yes";
  const bool no_recovery = ev.get("GRUB_DISABLE_RECOVERY").text() == "true";
  for (std::size_t k = 0; k < versions.size(); ++k) {
    const std::string& v = versions[k];
    const std::string path = "/boot/vmlinuz-" + v;
    if (k == 0 && !no_submenu)
      m_grub.push_back({BootEntry::Kind::grub_simple, "simple", std::string(grub2::kMainFile), "(top level)", v, normal, {}});
    m_grub.push_back({BootEntry::Kind::grub_advanced, "advanced-" + v, std::string(grub2::kMainFile),
                      "with Linux " + v, v, normal, {}});
    if (!no_recovery)
      m_grub.push_back({BootEntry::Kind::grub_recovery, "recovery-" + v, std::string(grub2::kMainFile),
                        "with Linux " + v + " (recovery mode)", v, recovery, {}});
  }
  if (!unknown.empty())
    for (auto& e : m_grub) {
      e.cmdline.reset();
      e.cmdline_unknown = unknown;
    }
  if (m_grub.empty()) return;
  // GRUB_DEFAULT: a number counts the top level (0: the simple entry, 1: the submenu),
  // "N>M" the M-th entry of submenu N; "saved" what grub-set-default/grub-reboot stored.
  std::string def = ev.get("GRUB_DEFAULT").set ? ev.get("GRUB_DEFAULT").text() : "0";
  std::string from = "GRUB_DEFAULT=" + def;
  if (def == "saved") {
    std::optional<std::string> saved;
    if (m_files.exists("/boot/grub/grubenv"))
      if (auto s = m_files.read("/boot/grub/grubenv", 64 * 1024))
        if (auto b = grubenv::Block::parse(s->text, "/boot/grub/grubenv")) {
          saved = b->get("next_entry");
          if (!saved || saved->empty()) saved = b->get("saved_entry");
        }
    if (!saved || saved->empty()) {
      m_grub_next = 0;
      m_grub_why = "GRUB_DEFAULT=saved and no saved_entry: the first entry";
      return;
    }
    def = *saved;
    from = "saved_entry '" + *saved + "' in /boot/grub/grubenv";
  }
  const std::size_t advanced_base = no_submenu ? 0 : 1;
  if (all_digits(def)) {
    const std::size_t n = std::stoul(def);
    m_grub_next = (n == 0 || no_submenu) ? std::min(n, m_grub.size() - 1) : advanced_base;
    m_grub_why = from;
    return;
  }
  if (auto gt = def.find('>'); gt != std::string::npos && all_digits(def.substr(0, gt)) &&
                               all_digits(def.substr(gt + 1))) {
    const std::size_t m = std::stoul(def.substr(gt + 1));
    if (advanced_base + m < m_grub.size()) {
      m_grub_next = advanced_base + m;
      m_grub_why = from;
      return;
    }
  }
  // A title (or "submenu>title"): the part after the last '>' ends with the entry's title.
  const std::string last = def.substr(def.rfind('>') == std::string::npos ? 0 : def.rfind('>') + 1);
  for (std::size_t i = advanced_base; i < m_grub.size(); ++i)
    if (last.ends_with(", " + m_grub[i].title)) {
      m_grub_next = i;
      m_grub_why = from;
      return;
    }
  m_grub_next = 0;
  m_grub_why = from + " names no entry that can be told from here: the first entry";
}

// --- GRUB with blscfg ---------------------------------------------------------------------

std::optional<std::size_t> BootModel::bls_default(std::string* why) const {
  if (!m_bls_entries || m_bls_entries->empty()) return std::nullopt;
  const auto& entries = *m_bls_entries;
  std::string how;
  std::string def = "saved";
  if (m_grub_vars) {
    const auto& v = m_grub_vars->get("GRUB_DEFAULT");
    if (v.set && !v.text().empty()) def = v.text();
  }
  const auto by_name = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < entries.size(); ++k)
      if (entries[k].id == name || bls::entry_id(name) == entries[k].id || entries[k].title == name) return k;
    return std::nullopt;
  };
  std::optional<std::size_t> out = 0;
  if (def == "saved") {
    std::optional<std::string> saved;
    if (m_grubenv && *m_grubenv) saved = (*m_grubenv)->get("saved_entry");
    if (saved && !saved->empty()) {
      if (auto k = by_name(*saved)) {
        how = "saved_entry in " + std::string(bls::kGrubenv);
        out = k;
      } else {
        how = "saved_entry '" + *saved + "' names no entry; GRUB falls back to the first entry";
      }
    } else {
      how = "no saved_entry: the first entry in GRUB's order";
    }
  } else if (all_digits(def)) {
    const std::size_t n = std::stoul(def);
    how = "GRUB_DEFAULT=" + def;
    out = n < entries.size() ? n : 0;
  } else {
    how = "GRUB_DEFAULT=" + def;
    if (auto k = by_name(def)) out = k;
  }
  if (why) *why = how;
  return out;
}

void BootModel::derive_bls_entries() {
  m_bls.clear();
  if (!m_bls_entries) return;
  std::optional<std::string> ko;
  if (m_grubenv && *m_grubenv) ko = (*m_grubenv)->get("kernelopts");
  for (const auto& f : *m_bls_entries) {
    BootEntry e{BootEntry::Kind::type1, f.id, f.path, f.title, f.version, std::nullopt, {}};
    if (auto o = bls::first_options(f.entry)) {
      if (bls::uses_kernelopts(*o) && !ko) e.cmdline_unknown = "$kernelopts is not set in " + std::string(bls::kGrubenv);
      else e.cmdline = bls::expand_kernelopts(*o, ko);
    } else {
      e.cmdline_unknown = "no options line with a value: GRUB uses $default_kernelopts of grub.cfg";
    }
    m_bls.push_back(std::move(e));
  }
  m_bls_next = bls_default(&m_bls_why);
}

// --- systemd-boot ---------------------------------------------------------------------------

std::optional<std::size_t> BootModel::sdboot_default(std::string* why) const {
  if (!m_sdboot_entries || m_sdboot_entries->empty()) return std::nullopt;
  const auto& entries = *m_sdboot_entries;
  std::string how;
  std::optional<std::string> pattern;
  if (m_facts.loader_entry_oneshot && !m_facts.loader_entry_oneshot->value.empty()) {
    pattern = m_facts.loader_entry_oneshot->value;
    how = "LoaderEntryOneShot EFI variable '" + *pattern + "'";
  } else if (m_facts.loader_entry_default && !m_facts.loader_entry_default->value.empty()) {
    pattern = m_facts.loader_entry_default->value;
    how = "LoaderEntryDefault EFI variable '" + *pattern + "'";
  } else if (m_loader_conf) {
    if (auto d = sdboot::loader_conf_default(*m_loader_conf)) {
      pattern = *d;
      how = "loader.conf default '" + *d + "'";
    }
  }
  std::optional<std::size_t> out = 0;
  if (pattern) {
    bool found = false;
    for (std::size_t i = 0; i < entries.size() && !found; ++i)
      if (sdboot::default_matches(*pattern, entries[i].file_name)) {
        out = i;
        found = true;
      }
    if (!found) how += " matches no entry: the first entry in menu order";
  } else {
    how = "no default set: the first entry in menu order";
  }
  if (why) *why = how;
  return out;
}

void BootModel::derive_sdboot_entries() {
  m_sdboot.clear();
  if (!m_sdboot_entries) return;
  for (const auto& f : *m_sdboot_entries)
    m_sdboot.push_back({BootEntry::Kind::type1, f.file_name, f.path, f.title, f.version,
                        sdboot::joined_options(f.entry), {}});
  // Type #2 entries: after the Type #1 ones here (systemd-boot sorts them by their .osrel
  // keys among the others; kdump-setup keeps them after, which changes only the menu
  // order, not which one is the default when an EFI variable or loader.conf names it).
  for (const auto& p : m_ukis) {
    BootEntry e{BootEntry::Kind::uki, p.substr(p.rfind('/') + 1), p, {}, {}, std::nullopt, {}};
    auto it = m_uki_boots.find(p);
    if (it == m_uki_boots.end() || !it->second) {
      e.cmdline_unknown = it == m_uki_boots.end() ? "not read" : it->second.error().message;
    } else {
      const uki::BootInput& in = *it->second;
      e.cmdline = uki::effective_cmdline(in).cmdline;
      if (in.uki.uname) e.version = *in.uki.uname;
    }
    m_sdboot.push_back(std::move(e));
  }
  m_sdboot_next = sdboot_default(&m_sdboot_why);
  // LoaderEntryOneShot / LoaderEntryDefault may name a UKI.
  for (const auto* v : {&m_facts.loader_entry_oneshot, &m_facts.loader_entry_default}) {
    if (!*v || (*v)->value.empty()) continue;
    for (std::size_t i = m_sdboot_entries->size(); i < m_sdboot.size(); ++i)
      if (sdboot::default_matches((*v)->value, m_sdboot[i].id)) {
        m_sdboot_next = i;
        m_sdboot_why = "EFI variable names the unified kernel image " + m_sdboot[i].id;
      }
    break;
  }
  if (!m_sdboot_next && !m_sdboot.empty()) {
    m_sdboot_next = 0;
    m_sdboot_why = "no Type #1 entry: the first unified kernel image";
  }
}

// --- questions ------------------------------------------------------------------------------

const std::vector<BootEntry>& BootModel::entries(BootLoader l) const {
  switch (l) {
    case BootLoader::grub: return m_grub;
    case BootLoader::bls: return m_bls;
    case BootLoader::sdboot: return m_sdboot;
  }
  return m_grub;
}

std::optional<std::size_t> BootModel::next_boot(BootLoader l, std::string* why) const {
  const auto& [next, reason] = l == BootLoader::grub  ? std::tie(m_grub_next, m_grub_why)
                               : l == BootLoader::bls ? std::tie(m_bls_next, m_bls_why)
                                                      : std::tie(m_sdboot_next, m_sdboot_why);
  if (why) *why = reason;
  return next;
}

std::optional<std::size_t> BootModel::booted_sdboot_entry() const {
  if (!m_facts.loader_entry_selected) return std::nullopt;
  for (std::size_t i = 0; i < m_sdboot.size(); ++i)
    if (m_sdboot[i].id == m_facts.loader_entry_selected->value) return i;
  return std::nullopt;
}

const std::vector<BootEntry>& BootModel::entries() const {
  static const std::vector<BootEntry> none;
  return m_active ? entries(*m_active) : none;
}

const BootEntry* BootModel::next_boot() const {
  if (!m_active) return nullptr;
  auto k = next_boot(*m_active);
  return k ? &entries(*m_active)[*k] : nullptr;
}

}  // namespace kdump
