// The boot model: what this tree boots, loaded once per run from the facts and the boot
// files, in the spirit of systemd's bootspec.c (BootConfig). It answers, for
// the tree as it is and for the tree after a Plan's edits (after()):
//   - which entries exist (entries()), in the boot loader's menu order;
//   - which one boots next (next_boot());
//   - what command line each entry's kernel receives (effective_cmdline()).
// The sibling backends (grub2, bls, systemd-boot) detect and plan against it and never
// read the tree themselves; the files come from BootFiles, each read once.
//
// Three views, one per boot loader whose files are present (a tree may have several):
//   grub    GRUB2 menu entries that grub-mkconfig's 10_linux generates from
//           /etc/default/grub (+ grub.d drop-ins where the distribution reads them) for
//           each /boot/vmlinuz-*: a "simple" top-level entry for the newest kernel, then
//           per kernel an "advanced" entry (GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT)
//           and a recovery entry (GRUB_CMDLINE_LINUX_RECOVERY GRUB_CMDLINE_LINUX, where
//           Debian's 10_linux sets GRUB_CMDLINE_LINUX_RECOVERY=single).
//           Default: GRUB_DEFAULT (N, "N>M", "saved" with /boot/grub/grubenv
//           saved_entry, an id or title).
//   bls     Type #1 entries in /boot/loader/entries as GRUB's blscfg boots them: the
//           first `options` line, `$kernelopts` expanded from /boot/grub2/grubenv.
//           Default: GRUB_DEFAULT, `saved` or unset -> grubenv saved_entry -> first.
//   sdboot  Type #1 entries on the ESP and XBOOTLDR as systemd-boot boots them (every
//           `options` line joined), and Type #2 UKIs in EFI/Linux with the command
//           line systemd-stub builds (core/uki.hpp: the embedded .cmdline, then the
//           add-ons of loader/addons/ and <uki>.efi.extra.d/; uki_boot()). Default as systemd-boot chooses it:
//           LoaderEntryOneShot > LoaderEntryDefault > loader.conf `default` glob >
//           the first entry in menu order.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/common/boot_entries.hpp"
#include "backends/common/boot_files.hpp"
#include "backends/common/grub_defaults.hpp"
#include "core/facts.hpp"
#include "core/owner_tools.hpp"
#include "core/uki.hpp"
#include "grammar/grubenv.hpp"

namespace kdump {

enum class BootLoader { grub, bls, sdboot };
std::string_view to_string(BootLoader l);

struct BootEntry {
  enum class Kind { grub_simple, grub_advanced, grub_recovery, type1, uki };
  Kind kind = Kind::type1;
  std::string id;         // GRUB: "simple", "advanced-VERSION", "recovery-VERSION";
                          // blscfg: the entry id; systemd-boot: the file name
  std::string path;       // the file that defines it (entry, UKI, /etc/default/grub)
  std::string title;
  std::string version;    // kernel release, when known
  // What the kernel gets from the boot files (without what the loader adds by itself:
  // BOOT_IMAGE=, initrd=, GRUB's root=... ro). nullopt: unknown (cmdline_unknown says why).
  std::optional<std::string> cmdline;
  std::string cmdline_unknown;
};

class BootModel {
public:
  // Reads every boot file once (through BootFiles) and copies the facts it needs.
  static Result<BootModel> load(const RootDir& root, const SystemFacts& facts);
  // The same tree with the plan's edits in place (nothing is written).
  Result<BootModel> after(const Plan& plan) const;

  const BootFiles& files() const { return m_files; }
  const SystemFacts& facts() const { return m_facts; }

  // --- per boot loader -----------------------------------------------------------------
  // The entries in menu order; empty when that loader's files are absent.
  const std::vector<BootEntry>& entries(BootLoader l) const;
  // The index into entries(l) of the entry that boots next, and why.
  std::optional<std::size_t> next_boot(BootLoader l, std::string* why = nullptr) const;
  const std::optional<std::string>& effective_cmdline(const BootEntry& e) const { return e.cmdline; }
  // systemd-boot: the entry this system was booted from (LoaderEntrySelected), when the
  // firmware variable names one of the entries.
  std::optional<std::size_t> booted_sdboot_entry() const;

  // The loader this tree boots with, by the backends' detection order (systemd-boot,
  // GRUB with BLS, GRUB); nullopt when none applies. Set by the registry.
  std::optional<BootLoader> active() const { return m_active; }
  void set_active(std::optional<BootLoader> l) { m_active = l; }
  // The active loader's entries / next entry (empty / nullopt without one).
  const std::vector<BootEntry>& entries() const;
  const BootEntry* next_boot() const;

  // --- the parsed files the backends plan against ---------------------------------------
  bool ostree() const { return m_ostree; }
  // A tool that generates the boot entries (kernelstub, proxmox-boot-tool, sdbootutil,
  // mkinitcpio UKIs, zipl, rpm-ostree/bootc), found while loading; nullopt: none.
  const std::optional<OwnerTool>& owner() const { return m_owner; }
  // /etc/default/grub and drop-ins (errors kept: a backend that needs them reports them).
  const Result<grub2::Defaults>& grub_defaults() const { return m_grub_defaults; }
  bool has_grub_defaults() const;
  // Evaluated GRUB_* variables; nullopt when the files are missing or unparsable.
  const std::optional<grub2::Evaluation>& grub_vars() const { return m_grub_vars; }
  // grub.cfg as grub-mkconfig writes it here (not the 3-line EFI stub).
  const std::optional<std::string>& grub_cfg() const { return m_grub_cfg; }
  // /boot/loader/entries in blscfg's order.
  const Result<std::vector<EntryFile>>& bls_entries() const { return m_bls_entries; }
  // /boot/grub2/grubenv (nullopt: absent; error: unparsable).
  const std::optional<Result<grubenv::Block>>& grubenv() const { return m_grubenv; }
  std::optional<FileStamp> grubenv_stamp() const;
  // systemd-boot: the ESP/XBOOTLDR, their entries in menu order, the UKIs, loader.conf.
  const sdboot::BootDirs& boot_dirs() const { return m_boot_dirs; }
  const Result<std::vector<EntryFile>>& sdboot_entries() const { return m_sdboot_entries; }
  const std::vector<std::string>& ukis() const { return m_ukis; }
  // kdump-setup's add-on (by its name) in an EFI/Linux/NAME.efi.extra.d/ whose UKI is
  // gone (kernel-install's 90-uki-copy.install of systemd 253 to 256 removed the image and left
  // the directory): what `remove --kernel RELEASE` deletes when that kernel is removed.
  const std::vector<std::string>& orphan_addons() const { return m_orphan_addons; }
  const std::optional<std::string>& loader_conf() const { return m_loader_conf; }
  // /etc/kernel/cmdline (nullopt: absent).
  std::optional<RootDir::Snapshot> kernel_cmdline() const;
  // /usr/lib/kernel/cmdline, a package's default that kernel-install reads when
  // /etc/kernel/cmdline is absent (nullopt: absent).
  std::optional<RootDir::Snapshot> vendor_kernel_cmdline() const;
  const std::string& machine_id() const { return m_machine_id; }

  // The default Type #1 entry as GRUB's blscfg / systemd-boot choose it.
  std::optional<std::size_t> bls_default(std::string* why = nullptr) const;
  std::optional<std::size_t> sdboot_default(std::string* why = nullptr) const;

  // A UKI's boot as systemd-stub sees it (core/uki.hpp): its sections and both add-on
  // directories, read with the other boot files; the error when the image is unreadable.
  const Result<uki::BootInput>* uki_boot(const std::string& path) const {
    auto it = m_uki_boots.find(path);
    return it == m_uki_boots.end() ? nullptr : &it->second;
  }

private:
  BootModel(BootFiles files, SystemFacts facts) : m_files(std::move(files)), m_facts(std::move(facts)) {}
  void derive();
  void derive_grub_entries();
  void derive_bls_entries();
  void derive_sdboot_entries();

  BootFiles m_files;
  SystemFacts m_facts;
  std::optional<BootLoader> m_active;
  bool m_ostree = false;
  std::optional<OwnerTool> m_owner;
  Result<grub2::Defaults> m_grub_defaults = fail(make_error(ErrorKind::internal, "not loaded"));
  std::optional<grub2::Evaluation> m_grub_vars;
  std::optional<std::string> m_grub_cfg;
  Result<std::vector<EntryFile>> m_bls_entries = std::vector<EntryFile>{};
  std::optional<Result<grubenv::Block>> m_grubenv;
  sdboot::BootDirs m_boot_dirs;
  Result<std::vector<EntryFile>> m_sdboot_entries = std::vector<EntryFile>{};
  std::vector<std::string> m_ukis;
  std::vector<std::string> m_orphan_addons;
  std::map<std::string, Result<uki::BootInput>> m_uki_boots;
  std::optional<std::string> m_loader_conf;
  std::string m_machine_id;
  std::vector<BootEntry> m_grub, m_bls, m_sdboot;
  std::optional<std::size_t> m_grub_next, m_bls_next, m_sdboot_next;
  std::string m_grub_why, m_bls_why, m_sdboot_why;
};

}  // namespace kdump
