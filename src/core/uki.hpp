// Unified kernel images (UKIs, the UAPI Group's "Unified Kernel Image" specification) and
// command-line add-ons: what systemd-stub (systemd 257, src/boot/efi/stub.c; systemd-stub(7))
// hands the kernel as its command line. Pure: the caller reads the ESP (the UKI, the
// add-on directories) and the Secure Boot state; nothing here opens a file.
//
// What systemd-stub 257 does, in order:
//   1. The base command line. A command line the boot loader passes (LoadOptions;
//      systemd-boot passes an entry's options or an edited line) replaces the UKI's
//      embedded .cmdline, unless Secure Boot is on and the UKI has a .cmdline section
//      (or Secure Boot is on in a confidential VM): then it is ignored (use_load_options).
//      LoadOptions whose first character is a control character are ignored too.
//   2. Add-ons: first the global directory \loader\addons, then the UKI's own drop-in
//      directory "<UKI path>.extra.d" (boot counting "+N[-M]" removed from the name,
//      util.c get_extra_dir). In each directory, the files whose names end in
//      ".addon.efi" (any case), do not start with ".", are ASCII and at most 255
//      characters, sorted by name (strcmp16) (load_addons_from_dir, load_addons).
//      Each is loaded with LoadImage (so under Secure Boot its signature must be
//      accepted by db or shim's MOK), and skipped when it cannot be loaded, has none of
//      .cmdline/.dtb/.ucode, has a .linux section (a UKI, not an add-on), or has a
//      .uname that does not match the UKI's (strneq over the add-on's .uname size).
//      The .cmdline texts of the others are joined with spaces, after the base.
//      A stub older than systemd 254 (its .sdmagic says which) loads no add-ons at all.
//   3. SMBIOS Type 11 "io.systemd.stub.kernel-cmdline-extra" is appended last, except
//      in a confidential VM.
// Every piece goes through mangle_stub_cmdline (util.c): control characters become
// spaces, leading and trailing whitespace is dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/tree_view.hpp"

namespace kdump::uki {

// What systemd-stub reads from a UKI or an add-on's PE sections.
struct PeInfo {
  std::optional<std::string> cmdline;   // .cmdline text (up to its first NUL)
  std::optional<std::string> osrel;     // .osrel
  std::optional<std::string> uname;     // .uname text
  std::string uname_bytes;              // .uname as the file holds it (NULs included)
  std::uint32_t uname_size = 0;         // .uname VirtualSize: how far the stub compares
  bool has_linux = false;
  bool has_dtb = false;
  bool has_ucode = false;
  int profiles = 0;                     // .profile sections (multi-profile UKI)
  // From .sdmagic ("#### LoaderInfo: systemd-stub 257.13-1~deb13u1 ####"): the program
  // ("systemd-stub", "systemd-addon") and its version, when the image has one.
  std::optional<std::string> stub_program;
  std::optional<std::string> stub_version;
};

// The first systemd whose stub loads add-ons (systemd-stub(7)).
inline constexpr int kMinAddonStub = 254;

// The systemd major version of stub_version ("257.13-1~deb13u1" -> 257), if it has one.
std::optional<int> stub_major(const PeInfo& info);

// Reads the sections of a UKI (profile >= 0: that profile's over the base's, as the stub
// does for a multi-profile UKI) or of an add-on (profile = -1 and whole_table: the first
// section of each name in the whole table, as the stub reads add-ons).
// ErrorKind::parse from grammar/pe_image.hpp, with the file and byte offset.
Result<PeInfo> read_pe_info(std::string_view bytes, std::string_view file, int profile = -1,
                            bool whole_table = false);

// Whether systemd-stub would consider a directory entry named `name` (not a directory).
bool is_addon_file_name(std::string_view name);

// The two add-on directories of a UKI at ESP path `uki_path` ('/'-separated, relative
// to the ESP root, e.g. "EFI/Linux/debian-6.1.0-57-amd64+3-1.efi"):
//   global  = "loader/addons"
//   per_uki = "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d"
struct AddonDirs {
  std::string global;
  std::string per_uki;
};
AddonDirs addon_dirs(std::string_view uki_path);

// An add-on file found in one of the directories.
struct AddonFile {
  std::string name;                     // the file name in its directory
  Result<PeInfo> info = fail(make_error(ErrorKind::internal, "not read"));
  // Under Secure Boot: whether the firmware (db, or shim's MOK) accepts its signature.
  // The caller decides (e.g. sbverify against the enrolled certificates); unknown = false.
  bool signature_accepted = false;
  bool own = false;                     // is_own_addon(): kdump-setup wrote it
};

// A command-line add-on a distribution ships for this UKI's kernel, signed with its key
// (e.g. Fedora's kernel-uki-virt-addons: /usr/lib/modules/UNAME/vmlinuz-virt.efi.extra.d/
// crashkernel-256M-virt.fedora.x86_64.addon.efi), found where the UAPI Group's UKI
// specification puts packaged add-ons: /usr/lib/linux/extra.d/ (for every UKI),
// /usr/lib/linux/UNAME/NAME.efi.extra.d/, and Fedora's /usr/lib/modules/UNAME/NAME.efi.extra.d/.
// Only add-ons whose .cmdline is a single crashkernel= word (and no .linux, a .uname, if
// any, equal to the UKI's) are kept.
struct VendorAddon {
  std::string path;                     // inside the root
  std::string value;                    // after "crashkernel="
  std::string bytes;                    // the signed file, copied as it is
};

// The vendor add-ons of the tree for a kernel `uname`, read through `view`.
std::vector<VendorAddon> find_vendor_addons(const TreeView& view, std::string_view uname);

// One boot of one UKI.
struct BootInput {
  std::string uki_path;                 // ESP-relative, for the add-on directories
  PeInfo uki;
  std::vector<AddonFile> global_addons; // loader/addons, any order
  std::vector<AddonFile> uki_addons;    // <uki>.extra.d, any order
  std::optional<std::string> loader_cmdline;  // what the boot loader passes, if anything
  bool secure_boot = false;
  bool confidential_vm = false;
  std::optional<std::string> smbios_cmdline_extra;
  std::vector<VendorAddon> vendor_addons;  // find_vendor_addons for the UKI's .uname
};

// Where a piece of the effective command line comes from.
enum class Source { embedded, loader, addon, smbios };

struct Part {
  Source source = Source::embedded;
  std::string path;                     // ESP-relative path of the add-on; else empty
  std::string cmdline;                  // the piece as appended (mangled)
};

struct SkippedAddon {
  std::string path;                     // ESP-relative
  std::string reason;
};

struct EffectiveCmdline {
  std::string cmdline;                  // what the kernel is handed
  std::vector<Part> parts;              // in order; cmdline is their non-empty texts joined
  std::vector<SkippedAddon> skipped;    // add-ons the stub would not apply, and why
  bool loader_cmdline_ignored = false;  // given, but Secure Boot keeps the embedded one
};

EffectiveCmdline effective_cmdline(const BootInput& in);

// --- Writing an add-on --------------------------------------------------------------

// systemd's add-on stub (systemd-boot-efi >= 254 on Debian, systemd-ukify's dependency)
// and ukify's configuration (SecureBootPrivateKey=, SecureBootCertificate=), inside the root.
inline constexpr const char* kAddonStubPath = "/usr/lib/systemd/boot/efi/addonx64.efi.stub";
inline constexpr const char* kUkiConfPath = "/etc/kernel/uki.conf";

// The name kdump-setup gives the add-on it installs (in <uki>.efi.extra.d/ or
// loader/addons/).
inline constexpr std::string_view kAddonFileName = "kdump-setup-crashkernel.addon.efi";

// The .sbat ukify 257 gives an add-on (its ADDON_SBAT, closed by "\n\0" as its
// SBAT merge does).
inline constexpr std::string_view kAddonSbat{
    "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
    "uki-addon,1,UKI Addon,addon,1,https://www.freedesktop.org/software/systemd/man/latest/"
    "systemd-stub.html\n\0",
    181};

// A command-line add-on built from systemd's add-on stub (addonx64.efi.stub of
// systemd-boot-efi >= 254) and `cmdline`: the stub plus a .cmdline and a .sbat section,
// byte for byte what `ukify build --cmdline=CMDLINE --stub=STUB --output=...` of systemd
// 257 writes (grammar/pe_image.hpp add_sections). Unsigned: Secure Boot needs sbsign
// (or systemd-sbsign) with a key the firmware trusts. ErrorKind::usage for a command
// line with a NUL or control character (the stub would turn it into a space).
Result<std::string> make_cmdline_addon(std::string_view stub, std::string_view cmdline,
                                       std::string_view stub_file = {});

// Whether an add-on is one kdump-setup wrote: named kAddonFileName, and its sections are
// what make_cmdline_addon writes (a .cmdline of exactly one crashkernel= word, the
// .sbat above, no .linux, .uname, .dtb or .ucode). A signature appended by sbsign does not
// change the answer. Removal deletes only such files.
bool is_own_addon(std::string_view name, std::string_view bytes);

// Whether `signed_image` is `unsigned_image` with an Authenticode signature added as
// sbsign adds one (PE format, "The Attribute Certificate Table"): the Certificate Table
// data directory entry and the optional header's CheckSum set, zero padding to 8 bytes
// and the table appended; the other bytes are unchanged. A signature differs from run to
// run (its signing time), so reserve keeps an add-on that passes this with its key.
bool is_signed_copy(std::string_view signed_image, std::string_view unsigned_image);

// --- On an ESP -------------------------------------------------------------------------

// Reads, inside `root`, the UKI at `uki_path` (relative to the ESP mounted at `esp`, e.g.
// "/efi", "/boot/efi", "/boot") and every regular file the stub would consider in its two
// add-on directories (unparsable ones too: the stub skips them, and says so). Leaves
// loader_cmdline, secure_boot, signature_accepted, confidential_vm and the SMBIOS extra
// to the caller (facts). ErrorKind::parse (file, offset) when the UKI itself is not a PE
// image; io/unsafe_path from RootDir.
Result<BootInput> read_uki_boot(const RootDir& root, std::string_view esp, std::string_view uki_path);

// The edit that installs `addon` (make_cmdline_addon's bytes, signed or not) as
// <esp>/<dir>/kdump-setup-crashkernel.addon.efi, `dir` being addon_dirs(...).per_uki or
// .global: created when absent (apply_plan makes the directory), replaced when present.
// `what` is the add-on's command line, for the reason.
Result<FileEdit> addon_install_edit(const RootDir& root, std::string_view esp, std::string_view dir,
                                    std::string addon, std::string_view what);

// --- Deciding a reserve on a UKI boot (pure) ----------------------------------------------

enum class Placement {
  per_uki,  // <uki>.efi.extra.d/: this UKI only (a new kernel's UKI needs its own copy)
  global,   // loader/addons/: every UKI on the ESP, future ones too (and other OSes' UKIs)
};

struct ReserveInput {
  BootInput boot;                       // read_uki_boot + the facts (Secure Boot, ...)
  std::string value;                    // the crashkernel= value to reserve
  Placement placement = Placement::per_uki;
  bool can_sign = false;                // a key and certificate the firmware trusts are configured
};

struct ReserveDecision {
  std::string dir;                      // ESP-relative directory of kdump-setup's add-on
  std::string addon_cmdline;            // "crashkernel=VALUE"
  std::string effective_after;          // the command line the stub will build afterwards
  std::vector<std::string> remove;      // ESP-relative paths of kdump-setup add-ons elsewhere
  std::vector<std::string> notes;       // warnings for the user
  bool needs_signature = false;         // Secure Boot is on: sign before installing
};

// What `reserve VALUE` does on a UKI boot: kdump-setup's add-on in the chosen directory
// (an own add-on in the other directory is to be removed), predicted with
// effective_cmdline. ErrorKind::unsupported (exit 3) when it cannot work: the UKI's stub
// loads no add-ons (< 254); Secure Boot is on and nothing can sign; a crashkernel= the
// stub appends later (an add-on sorting after ours, the SMBIOS extra) would win over ours.
// A crashkernel= earlier in the line (the embedded .cmdline, an add-on before ours) is
// overridden, the kernel taking the last one (kernel/crash_reserve.c): a note says so.
Result<ReserveDecision> decide_reserve(const ReserveInput& in);

// What `remove` deletes on a UKI boot: the ESP-relative paths of kdump-setup's own
// add-ons (AddonFile::own) in both directories, and nothing else.
std::vector<std::string> own_addon_paths(const BootInput& in);

// mangle_stub_cmdline (systemd util.c): bytes <= 0x20 and 0x7f become spaces, leading
// and trailing ones are dropped (inner runs are kept).
std::string mangle_stub_cmdline(std::string_view s);

}  // namespace kdump::uki
