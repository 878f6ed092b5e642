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
  EXPECT_NE(p.error().hints[0].find("SecureBootPrivateKey= and SecureBootCertificate= in /etc/kernel/uki.conf"),
            std::string::npos) << p.error().hints[0];
  // Off: the same tree plans the add-on.
  auto ok = SystemdBootBackend().plan(golden::model_of(root, SystemFacts{}), request_from_args("reserve 256M"));
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->edits.size(), 1u);
  EXPECT_TRUE(ok->edits[0].binary);
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
