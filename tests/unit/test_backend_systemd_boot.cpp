// The systemd-boot backend: golden trees (golden/systemd-boot/, layout in golden/README.md),
// LoaderInfo / LoaderEntryDefault read by the facts step from an efivarfs-format tree, and the
// ESP partition type through libblkid on a GPT image made by sfdisk.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backends/registry.hpp"
#include "backends/systemd_boot/systemd_boot_backend.hpp"
#include "core/esp_probe.hpp"
#include "core/render_plan.hpp"
#include "core/uki.hpp"
#include "core/uki_signing.hpp"
#include "util/runner.hpp"
#include "golden_support.hpp"

namespace kdump {
namespace {

namespace fs = std::filesystem;
using namespace golden;  // NOLINT: the shared golden-test helpers

const fs::path kGolden = fs::path(KDUMP_SOURCE_DIR) / "golden" / "systemd-boot";

// What systemd-boot hands the kernel for an entry: every options line joined by a space.
std::string joined(const std::string& entry_text) {
  auto e = bls::Entry::parse(entry_text);
  if (!e) return "<unparsable>";
  std::string out;
  for (auto i : e->options_lines()) out += (out.empty() ? "" : " ") + std::string(e->value(e->lines()[i]));
  return out;
}

class SdbootGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(SdbootGolden, PlanDiffIdempotenceRoundTrip) {
  const fs::path dir = GetParam();
  const ReserveRequest req = request_from_args(read_file(dir / "args"));
  Scratch s(dir / "root");
  const auto original = tree(s.dir);
  RootDir root = open_root(s.dir);
  SystemdBootBackend be;
  SystemFacts facts;
  // A tree with EFI variables (Secure Boot on): the facts step reads them from it.
  if (fs::exists(s.dir / "sys/firmware/efi/efivars")) {
    FactSource src;
    src.root = s.dir;
    src.probe_block_devices = false;
    auto f = gather_facts(src, {});
    ASSERT_TRUE(f) << f.error().message;
    facts = *f;
  }
  ASSERT_TRUE(be.detect(golden::model_of(root, facts)).applies) << be.detect(golden::model_of(root, facts)).reason;

  auto p = be.plan(golden::model_of(root, facts), req);
  if (!p) {
    golden::check(dir / "expected.txt", error_line(p.error()));
    golden::check(dir / "expected.diff", "");
    EXPECT_EQ(tree(s.dir), original);
    return;
  }
  EXPECT_EQ(p->backend, "systemd-boot");
  EXPECT_TRUE(p->commands.empty());
  const std::string diff = render_plan_diff(*p);
  apply_edits(s.dir, *p);
  std::string text = summary(*p);
  // What the kernel gets from each edited entry: crashkernel=VALUE exactly once (set), none
  // (remove); the other words are those of the original, in order.
  for (const auto& e : p->edits) {
    if (e.path.find("/loader/entries/") == std::string::npos) continue;
    const std::string after = joined(e.after);
    std::size_t n = 0, pos = 0;
    while ((pos = after.find("crashkernel=", pos)) != std::string::npos) ++n, ++pos;
    EXPECT_EQ(n, req.action == ReserveRequest::Action::set ? 1u : 0u) << e.path << ": " << after;
    if (req.action == ReserveRequest::Action::set)
      EXPECT_NE(after.find("crashkernel=" + req.value), std::string::npos) << after;
    text += "kernel gets " + e.path + ": " + after + "\n";
  }
  auto after_values = be.configured(golden::model_of(root, facts));
  ASSERT_TRUE(after_values);
  for (const auto& c : *after_values)
    text += "configured " + c.where + " in " + c.file + ": crashkernel=" + c.value + "\n";
  golden::check(dir / "expected.txt", text);
  golden::check(dir / "expected.diff", diff);

  auto again = be.plan(golden::model_of(root, facts), req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changes_anything()) << render_plan_diff(*again);

  check_round_trip(dir, be, facts);
}

INSTANTIATE_TEST_SUITE_P(Cases, SdbootGolden, ::testing::ValuesIn(golden::cases(kGolden)),
                         [](const auto& info) { return case_name(info.param); });

TEST(SdbootGoldenSet, EveryCorpusFileHasACase) {
  expect_corpus_covered(kGolden, fs::path(KDUMP_CORPUS_DIR), {"sdboot", "loader-conf", "kernel-cmdline"});
}

TEST(SdbootGoldenSet, UkiOnlyIsExit3Unsupported) {
  Scratch s(kGolden / "uki-only" / "root");
  RootDir root = open_root(s.dir);
  auto p = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), request_from_args("reserve 512M"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::unsupported);  // exit 3 (docs/contract.md §3-§5)
  ASSERT_FALSE(p.error().hints.empty());
  EXPECT_NE(p.error().message.find("byte offset"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().hints[0].find("rebuild the image"), std::string::npos);
}

// Secure Boot on and no key to sign the add-on with: refused (exit 3), naming the
// settings of /etc/kernel/uki.conf; nothing is planned.
TEST(SdbootGoldenSet, UkiSecureBootWithoutKeysIsExit3) {
  Scratch s(kGolden / "uki-arch-mkinitcpio-default" / "root");
  RootDir root = open_root(s.dir);
  SystemFacts facts;
  facts.secure_boot = Fact<bool>{true, "test"};
  auto p = SystemdBootBackend().plan(golden::model_of(root, facts), request_from_args("reserve 256M"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::unsupported);
  EXPECT_NE(p.error().message.find("Secure Boot is on"), std::string::npos) << p.error().message;
  ASSERT_FALSE(p.error().hints.empty());
  EXPECT_NE(p.error().hints[0].find("SecureBootPrivateKey= and SecureBootCertificate= in the [UKI] section of /etc/kernel/uki.conf"),
            std::string::npos) << p.error().hints[0];
  // Off: the same tree plans the add-on.
  auto ok = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), request_from_args("reserve 256M"));
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->edits.size(), 1u);
  EXPECT_TRUE(ok->edits[0].binary);
}

// The boot model after a UKI plan computes the add-on's value from the planned binary
// edit (BootModel::after lays the add-on's bytes into <uki>.efi.extra.d/, which the
// model reads back as systemd-stub would): the next boot carries crashkernel=256M after
// reserve and none after remove; the model after each plan equals the model of the tree
// the plan writes. The .extra.d/ that reserve made is recorded in the state file
// (core/ownership) and deleted by remove; one that existed before stays.
TEST(SdbootUki, ModelAfterPlanCarriesTheAddonValueAndRemoveGivesTheTreeBack) {
  Scratch s(kGolden / "uki-arch-mkinitcpio-default" / "root");
  const auto original = golden::tree_with_dirs(s.dir);
  using A = OwnershipChange::Action;
  auto record = [](const RootDir& r, Plan& p, A a) {
    auto state = load_state_file(r);
    ASSERT_TRUE(state) << state.error().message;
    add_ownership_edit(p, {a, std::move(*state), a == A::clear ? "" : "256M", std::nullopt}, &r);
  };
  RootDir root = open_root(s.dir);
  BootModel model = golden::model_of(root);
  model.set_active(BootLoader::sdboot);
  ASSERT_TRUE(model.next_boot() && model.next_boot()->cmdline);
  EXPECT_EQ(model.next_boot()->cmdline->find("crashkernel="), std::string::npos);
  auto plan = SystemdBootBackend().plan(model, request_from_args("reserve 256M"));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->edits.size(), 1u);
  EXPECT_EQ(plan->edits[0].path, "/efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi");
  auto after = model.after(*plan);
  ASSERT_TRUE(after) << after.error().message;
  after->set_active(BootLoader::sdboot);
  ASSERT_TRUE(after->next_boot() && after->next_boot()->cmdline);
  EXPECT_EQ(*after->next_boot()->cmdline, "root=UUID=5a1e4b4c-1f6a-4f0e-9a44-2a3b1d9e7c10 rw quiet crashkernel=256M");
  record(root, *plan, A::record_admin);
  ASSERT_EQ(plan->edits.size(), 2u);
  EXPECT_NE(plan->edits[1].after.find("created_directories = [\"/efi/EFI/Linux/arch-linux.efi.extra.d\", "
                                      "\"/var\", \"/var/lib\", \"/var/lib/kdump-setup\"]"),
            std::string::npos)
      << plan->edits[1].after;
  apply_edits(s.dir, *plan);

  RootDir written = open_root(s.dir);
  BootModel reserved = golden::model_of(written);
  reserved.set_active(BootLoader::sdboot);
  EXPECT_EQ(*reserved.next_boot()->cmdline, *after->next_boot()->cmdline);
  auto rm = SystemdBootBackend().plan(reserved, request_from_args("remove"));
  ASSERT_TRUE(rm) << rm.error().message;
  ASSERT_EQ(rm->edits.size(), 1u);
  EXPECT_TRUE(rm->edits[0].remove && !rm->edits[0].directory);
  auto gone = reserved.after(*rm);
  ASSERT_TRUE(gone) << gone.error().message;
  gone->set_active(BootLoader::sdboot);
  EXPECT_EQ(*gone->next_boot()->cmdline, "root=UUID=5a1e4b4c-1f6a-4f0e-9a44-2a3b1d9e7c10 rw quiet");
  record(written, *rm, A::clear);
  ASSERT_EQ(rm->edits.size(), 6u);  // add-on, state file, then the directories deepest first
  EXPECT_TRUE(rm->edits[2].remove && rm->edits[2].directory);
  EXPECT_EQ(rm->edits[2].path, "/efi/EFI/Linux/arch-linux.efi.extra.d");
  EXPECT_EQ(rm->edits[5].path, "/var");
  apply_edits(s.dir, *rm);
  EXPECT_FALSE(fs::exists(s.dir / "efi/EFI/Linux/arch-linux.efi.extra.d"));
  EXPECT_EQ(golden::tree_with_dirs(s.dir), original);

  // An add-on directory that was there before reserve stays, empty or not.
  for (const bool readme : {false, true}) {
    SCOPED_TRACE(readme ? "holding a README" : "empty");
    fs::create_directories(s.dir / "efi/EFI/Linux/arch-linux.efi.extra.d");
    if (readme) write_file(s.dir / "efi/EFI/Linux/arch-linux.efi.extra.d/README", "admin's\n");
    const auto before = golden::tree_with_dirs(s.dir);
    RootDir again = open_root(s.dir);
    auto p2 = SystemdBootBackend().plan(golden::model_of(again), request_from_args("reserve 256M"));
    ASSERT_TRUE(p2) << p2.error().message;
    record(again, *p2, A::record_admin);
    for (const auto& e : p2->edits) EXPECT_EQ(e.after.find(".extra.d\""), std::string::npos) << e.after;
    apply_edits(s.dir, *p2);
    RootDir again2 = open_root(s.dir);
    auto rm2 = SystemdBootBackend().plan(golden::model_of(again2), request_from_args("remove"));
    ASSERT_TRUE(rm2) << rm2.error().message;
    record(again2, *rm2, A::clear);
    for (const auto& e : rm2->edits) EXPECT_NE(e.path, "/efi/EFI/Linux/arch-linux.efi.extra.d");
    apply_edits(s.dir, *rm2);
    EXPECT_EQ(golden::tree_with_dirs(s.dir), before);
    fs::remove_all(s.dir / "efi/EFI/Linux/arch-linux.efi.extra.d");
  }
}

// Secure Boot on and a key configured: the add-on is signed with it, by the real sbsign
// (sbsigntool) with a key and certificate made here; sbverify accepts the result with the
// certificate; the signed add-on is still kdump-setup's own and the model after the plan
// carries its value; a rerun keeps it (is_signed_copy) instead of signing again. The key
// comes from kdump-setup's [uki] settings over /etc/kernel/uki.conf; a uki.conf naming
// only the key is refused naming SecureBootCertificate=.
TEST(SdbootUki, SecureBootSignsTheAddonWithTheConfiguredKey) {
  if (std::system("command -v sbsign >/dev/null 2>&1 && command -v sbverify >/dev/null 2>&1 && "
                  "command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "sbsigntool or openssl not installed (scripts/packages.txt)";
  Scratch s(kGolden / "uki-arch-mkinitcpio-default" / "root");
  fs::create_directories(s.dir / "etc/kernel/keys");
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=kdump-setup-test -days 3650 -keyout '" +
                          (s.dir / "etc/kernel/keys/db.key").string() + "' -out '" +
                          (s.dir / "etc/kernel/keys/db.crt").string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  write_file(s.dir / "etc/kernel/uki.conf", "[UKI]\nSecureBootPrivateKey=/etc/kernel/keys/db.key\n");
  SystemFacts facts;
  facts.secure_boot = Fact<bool>{true, "test"};
  RootDir root = open_root(s.dir);
  auto req = request_from_args("reserve 256M");
  req.sign_addon = [&](const uki::SigningKeys& k, std::string_view pe) {
    ProcessRunner runner;
    return uki::sbsign(root, runner, k, pe);
  };
  auto half = SystemdBootBackend().plan(golden::model_of(root, facts), req);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().kind, ErrorKind::unsupported);
  EXPECT_NE(half.error().message.find("/etc/kernel/uki.conf has no SecureBootCertificate="), std::string::npos)
      << half.error().message;

  write_file(s.dir / "etc/kernel/uki.conf",
             "# ukify's configuration\n[UKI]\nSecureBootPrivateKey = /etc/kernel/keys/db.key\n"
             "SecureBootCertificate=/etc/kernel/keys/db.crt\n");
  RootDir root2 = open_root(s.dir);
  req.sign_addon = [&](const uki::SigningKeys& k, std::string_view pe) {
    ProcessRunner runner;
    return uki::sbsign(root2, runner, k, pe);
  };
  BootModel model = golden::model_of(root2, facts);
  auto p = SystemdBootBackend().plan(model, req);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  const FileEdit& fe = p->edits[0];
  EXPECT_NE(fe.summary.find("signed with /etc/kernel/keys/db.key (/etc/kernel/uki.conf:3)"), std::string::npos)
      << fe.summary;
  EXPECT_TRUE(uki::is_own_addon(uki::kAddonFileName, fe.after));
  auto model_after = model.after(*p);
  ASSERT_TRUE(model_after);
  model_after->set_active(BootLoader::sdboot);
  EXPECT_NE(model_after->next_boot()->cmdline->find(" crashkernel=256M"), std::string::npos);
  apply_edits(s.dir, *p);
  const fs::path addon = s.dir / "efi/EFI/Linux/arch-linux.efi.extra.d/kdump-setup-crashkernel.addon.efi";
  const std::string verify = "sbverify --cert '" + (s.dir / "etc/kernel/keys/db.crt").string() + "' '" +
                             addon.string() + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0) << "sbverify rejects the signed add-on";
  // The unsigned bytes it was made from: is_signed_copy holds, and not for another value.
  auto stub = read_file(s.dir / "usr/lib/systemd/boot/efi/addonx64.efi.stub");
  auto unsigned_addon = uki::make_cmdline_addon(stub, "crashkernel=256M");
  auto other = uki::make_cmdline_addon(stub, "crashkernel=512M");
  ASSERT_TRUE(unsigned_addon && other);
  EXPECT_TRUE(uki::is_signed_copy(read_file(addon), *unsigned_addon));
  EXPECT_FALSE(uki::is_signed_copy(read_file(addon), *other));
  EXPECT_FALSE(uki::is_signed_copy(*unsigned_addon, *unsigned_addon));

  RootDir root3 = open_root(s.dir);
  auto again = SystemdBootBackend().plan(golden::model_of(root3, facts), req);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changes_anything()) << render_plan_diff(*again);

  // kdump-setup's own setting wins over uki.conf; half of it is refused.
  auto own = request_from_args("reserve 512M");
  own.sign_addon = req.sign_addon;
  own.uki_key = {"/etc/kernel/keys/db.key", "/etc/kdump-setup.toml:2"};
  auto half_own = SystemdBootBackend().plan(golden::model_of(root3, facts), own);
  ASSERT_FALSE(half_own);
  EXPECT_NE(half_own.error().message.find("secureboot_certificate is not"), std::string::npos)
      << half_own.error().message;
  own.uki_cert = {"/etc/kernel/keys/db.crt", "/etc/kdump-setup.toml:3"};
  auto p_own = SystemdBootBackend().plan(golden::model_of(root3, facts), own);
  ASSERT_TRUE(p_own) << p_own.error().message;
  EXPECT_NE(p_own->edits[0].summary.find("(/etc/kdump-setup.toml:2)"), std::string::npos) << p_own->edits[0].summary;
}

// The distribution's signed crashkernel add-ons (golden uki-vendor-addon: Fedora's
// kernel-uki-virt-addons layout): the exact value is copied as it is, no key needed under
// Secure Boot; for `reserve auto` the smallest plain size meeting the policy's figure;
// the copy is kdump-setup's own for remove; none fits: kdump-setup builds its own add-on,
// which under Secure Boot needs a key.
TEST(SdbootUki, VendorAddonMeetingTheFigureIsInstalledAsItIs) {
  const fs::path g = kGolden / "uki-vendor-addon" / "root";
  const std::string vdir = "/usr/lib/modules/6.12.1-arch1-1/vmlinuz-virt.efi.extra.d/";
  Scratch s(g);
  RootDir root = open_root(s.dir);
  SystemFacts facts;
  facts.secure_boot = Fact<bool>{true, "test"};
  BootModel model = golden::model_of(root, facts);
  const auto* boot = model.uki_boot("/efi/EFI/Linux/arch-linux.efi");
  ASSERT_TRUE(boot && *boot);
  ASSERT_EQ((*boot)->vendor_addons.size(), 3u);  // fips=1 is not a crashkernel add-on
  auto exact = SystemdBootBackend().plan(model, request_from_args("reserve 256M"));
  ASSERT_TRUE(exact) << exact.error().message;
  ASSERT_EQ(exact->edits.size(), 1u);
  EXPECT_EQ(exact->edits[0].after, read_file(g / (vdir.substr(1) + "crashkernel-256M-virt.example.x86_64.addon.efi")));
  EXPECT_TRUE(uki::is_own_addon(uki::kAddonFileName, exact->edits[0].after));

  auto automatic = request_from_args("reserve 1G-:300M");
  automatic.policy_bytes = 300u << 20;
  auto a = SystemdBootBackend().plan(model, automatic);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_NE(a->edits[0].summary.find("crashkernel-512M-virt"), std::string::npos) << a->edits[0].summary;
  auto after = model.after(*a);
  ASSERT_TRUE(after);
  after->set_active(BootLoader::sdboot);
  EXPECT_NE(after->next_boot()->cmdline->find(" crashkernel=512M"), std::string::npos) << *after->next_boot()->cmdline;

  auto none = SystemdBootBackend().plan(model, request_from_args("reserve 384M"));
  ASSERT_FALSE(none);  // no vendor add-on of that value, Secure Boot on, no key
  EXPECT_EQ(none.error().kind, ErrorKind::unsupported);
}

// efivarfs format: 4 bytes of attributes (little endian), then the data.
void write_efivar(const fs::path& dir, const std::string& name, const std::string& utf8) {
  std::string bytes("\x06\x00\x00\x00", 4);  // BOOTSERVICE_ACCESS | RUNTIME_ACCESS
  for (char c : utf8) {
    bytes.push_back(c);
    bytes.push_back('\0');
  }
  bytes.append(2, '\0');
  write_file(dir / (name + "-" + std::string(sdboot::kLoaderGuid)), bytes);
}

Scratch efi_tree(const std::string& loader_info) {
  Scratch s;
  const fs::path ev = s.dir / "sys/firmware/efi/efivars";
  fs::create_directories(ev);
  if (!loader_info.empty()) write_efivar(ev, "LoaderInfo", loader_info);
  write_file(s.dir / "efi/loader/entries/a.conf", "title A\nlinux /vmlinuz-1\noptions root=/dev/sda1\n");
  write_file(s.dir / "efi/loader/entries/b.conf", "title B\nlinux /vmlinuz-2\noptions root=/dev/sda1\n");
  fs::create_directories(s.dir / "etc");
  return s;
}

TEST(SdbootEfivar, LoaderInfoFromEfivarfsTreeDecidesDetection) {
  Scratch s = efi_tree("systemd-boot 252.38-1~deb12u1");
  FactSource src;
  src.root = s.dir;
  src.probe_block_devices = false;
  auto facts = gather_facts(src, {});
  ASSERT_TRUE(facts) << facts.error().message;
  ASSERT_TRUE(facts->loader_info);
  EXPECT_EQ(facts->loader_info->value, "systemd-boot 252.38-1~deb12u1");
  RootDir root = open_root(s.dir);
  auto d = SystemdBootBackend().detect(golden::model_of(root, *facts));
  EXPECT_TRUE(d.applies) << d.reason;
  EXPECT_NE(d.reason.find("LoaderInfo"), std::string::npos);

  // Another loader booted the system: not ours, even with loader/ on the ESP.
  Scratch g = efi_tree("GRUB 2.06");
  src.root = g.dir;
  auto gf = gather_facts(src, {});
  ASSERT_TRUE(gf);
  RootDir groot = open_root(g.dir);
  EXPECT_FALSE(SystemdBootBackend().detect(golden::model_of(groot, *gf)).applies);
  auto registry = all_backends();
  auto model = golden::model_of(root, *facts);
  auto chosen = choose_backend(registry, "auto", model);
  ASSERT_TRUE(chosen);
  EXPECT_EQ((*chosen)->name(), "systemd-boot");
}

TEST(SdbootEfivar, LoaderEntryDefaultWinsOverLoaderConf) {
  Scratch s = efi_tree("systemd-boot 252");
  write_file(s.dir / "efi/loader/loader.conf", "default b.conf\n");
  RootDir root = open_root(s.dir);
  auto req = request_from_args("reserve 256M --kernel default");
  auto p = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), req);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].path, "/efi/loader/entries/b.conf");

  // The facts step reads the EFI variables of the tree; the model takes them from there.
  write_efivar(s.dir / "sys/firmware/efi/efivars", "LoaderEntryDefault", "a.conf");
  FactSource src;
  src.root = s.dir;
  src.probe_block_devices = false;
  auto facts = gather_facts(src, {});
  ASSERT_TRUE(facts);
  ASSERT_TRUE(facts->loader_entry_default);
  EXPECT_EQ(facts->loader_entry_default->value, "a.conf");
  p = SystemdBootBackend().plan(golden::model_of(root, *facts), req);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].path, "/efi/loader/entries/a.conf");
  EXPECT_NE(p->edits[0].reason.find("LoaderEntryDefault"), std::string::npos);
}

TEST(SdbootDefault, GlobsWithAndWithoutConf) {
  EXPECT_TRUE(sdboot::default_matches("arch-lts.conf", "arch-lts.conf"));
  EXPECT_TRUE(sdboot::default_matches("arch-default", "arch-default.conf"));
  EXPECT_TRUE(sdboot::default_matches("arch-*", "arch-lts.conf"));
  EXPECT_FALSE(sdboot::default_matches("arch-lts", "arch-default.conf"));
  EXPECT_EQ(sdboot::loader_conf_default("default a\n# default b\ndefault  c  \n"), "c");
  EXPECT_EQ(sdboot::loader_conf_default("timeout 3\n"), std::nullopt);
}

TEST(SdbootSeed, ProcCmdlineWithoutLoaderWords) {
  EXPECT_EQ(sdboot::cmdline_without_loader_words("BOOT_IMAGE=/vmlinuz-6.1 root=/dev/sda1 initrd=\\initrd.img ro quiet"),
            "root=/dev/sda1 ro quiet");
  // No entry to seed from: /proc/cmdline (as facts read it) goes into /etc/kernel/cmdline.
  Scratch s;
  write_file(s.dir / "boot/loader/loader.conf", "timeout 0\n");
  fs::create_directories(s.dir / "boot/loader/entries");
  fs::create_directories(s.dir / "etc");
  SystemFacts f;
  f.running_cmdline = Fact<std::string>{"initrd=\\initrd.img root=/dev/vda2 rw", "/proc/cmdline"};
  RootDir root = open_root(s.dir);
  auto p = SystemdBootBackend().plan(golden::model_of(root, f), request_from_args("reserve 384M"));
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].path, "/etc/kernel/cmdline");
  EXPECT_EQ(p->edits[0].after, "root=/dev/vda2 rw crashkernel=384M\n");
}

TEST(SdbootDirs, BootctlOrderAndXbootldr) {
  Scratch s;
  fs::create_directories(s.dir / "efi/loader");
  fs::create_directories(s.dir / "boot/loader/entries");
  fs::create_directories(s.dir / "boot/efi/loader");
  RootDir root = open_root(s.dir);
  auto d = golden::model_of(root).boot_dirs();
  EXPECT_EQ(d.esp, "/efi");
  EXPECT_EQ(d.xbootldr, "/boot");
}

TEST(SdbootKernel, ReleaseSelectsByVersionAndUnknownIsUsage) {
  Scratch s = efi_tree("");
  RootDir root = open_root(s.dir);
  auto p = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), request_from_args("reserve 256M --kernel 2"));
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->edits.size(), 1u);
  EXPECT_EQ(p->edits[0].path, "/efi/loader/entries/b.conf");
  auto bad = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), request_from_args("reserve 256M --kernel 9.9"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::usage);
}

TEST(SdbootMountinfo, SourceOfExactMountPoint) {
  const std::string mi =
      "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n"
      "30 22 8:1 / /boot/efi rw,relatime shared:5 - vfat /dev/sda1 rw,fmask=0077\n"
      "31 22 0:5 / /my\\040efi rw - vfat /dev/sdb1 rw\n";
  EXPECT_EQ(mount_source(mi, "/boot/efi"), "/dev/sda1");
  EXPECT_EQ(mount_source(mi, "/my efi"), "/dev/sdb1");
  EXPECT_EQ(mount_source(mi, "/boot"), std::nullopt);
}

// libblkid on a real GPT image: sfdisk writes it, the probe reads the partition types.
TEST(SdbootBlkid, EspAndXbootldrTypesOnSfdiskImage) {
  if (std::system("command -v sfdisk >/dev/null 2>&1") != 0) GTEST_SKIP() << "sfdisk not installed (package fdisk)";
  Scratch s;
  const fs::path img = s.dir / "disk.img";
  const std::string cmd = "truncate -s 8M " + img.string() +
                          " && printf 'label: gpt\\nsize=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\\n"
                          "size=2048, type=BC13C2FF-59E6-4262-A352-B275FD6F7172\\n"
                          "type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n' | sfdisk -q " +
                          img.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto parts = probe_partition_table(img);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].type, kEspTypeGuid);
  EXPECT_EQ((*parts)[0].number, 1);
  EXPECT_EQ((*parts)[0].start, 2048u);
  EXPECT_EQ((*parts)[0].size, 2048u);
  EXPECT_EQ(boot_partition_kind((*parts)[0].type), "esp");
  EXPECT_EQ(boot_partition_kind((*parts)[1].type), "xbootldr");
  EXPECT_EQ(boot_partition_kind((*parts)[2].type), "");
  // A file without a partition table has none.
  write_file(s.dir / "plain", std::string(1 << 20, '\0'));
  auto none = probe_partition_table(s.dir / "plain");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace kdump
