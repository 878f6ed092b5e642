// System facts: RAM from real /proc/iomem shapes, memmap, memory blocks and
// MemTotal; fake roots for --root, including an efivarfs-format tree read by the real
// libefivar and LUKS headers probed by the real libblkid; missing facts and the option
// that supplies them; the host's /proc is never read under --root.
#include <gtest/gtest.h>

#include "support/files.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/facts.hpp"

using namespace kdump;
namespace fs = std::filesystem;
using kdump::test::slurp;

namespace {

std::string iomem_fixture(const char* name) {
  return slurp(fs::path(KDUMP_SOURCE_DIR) / "tests/data/facts/iomem" / name);
}

class TempDir {
public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "kdump-facts-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    m_path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }
  void write(const std::string& rel, std::string_view content) const {
    fs::path p = m_path / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  void mkdir(const std::string& rel) const { fs::create_directories(m_path / rel); }

private:
  fs::path m_path;
};

std::string efivar_file(std::uint32_t attributes, std::string_view data) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += static_cast<char>((attributes >> (8 * i)) & 0xff);
  s += data;
  return s;
}

std::string utf16z(std::string_view ascii) {
  std::string s;
  for (char c : ascii) {
    s += c;
    s += '\0';
  }
  s += std::string(2, '\0');
  return s;
}

constexpr const char* k_global = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
constexpr const char* k_loader = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

// A LUKS header as cryptsetup lays it out (only what libblkid and we read).
std::string luks_image(int version, std::string_view json = {}) {
  std::string img(64 * 1024, '\0');
  std::string magic = "LUKS\xba\xbe";
  img.replace(0, 6, magic);
  img[6] = 0;
  img[7] = static_cast<char>(version);
  img.replace(168, 36, "2c3b9d43-5a0e-4e38-9a5e-6f1cdc5b2e51");
  if (version == 2) {
    std::uint64_t hdr_size = 16384;
    for (int i = 0; i < 8; ++i) img[8 + i] = static_cast<char>((hdr_size >> (8 * (7 - i))) & 0xff);
    img.replace(72, 6, "sha256");
    img.replace(4096, json.size(), json);  // hdr_offset (256) stays 0: the primary header
  }
  return img;
}

const char* k_luks2_json =
    R"({"keyslots":{"0":{"type":"luks2","kdf":{"type":"argon2id","time":4,"memory":1048576,"cpus":4}},)"
    R"("1":{"type":"luks2","kdf":{"type":"argon2i","time":4,"memory":524288,"cpus":2}},)"
    R"("2":{"type":"luks2","kdf":{"type":"pbkdf2","hash":"sha256","iterations":1000}}},)"
    R"("tokens":{},"segments":{},"digests":{},"config":{"json_size":"12288"}})";

// A fake root of an x86_64 UEFI machine with everything the facts step looks at.
void populate_x86(const TempDir& d) {
  d.write("proc/iomem", iomem_fixture("x86-vm-24g.txt"));
  d.write("proc/sys/kernel/arch", "x86_64\n");
  d.write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
  d.write("proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro crashkernel=256M quiet\n");
  d.write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme sme hypervisor\n\nprocessor\t: 1\n");
  d.write("sys/devices/system/cpu/online", "0-3,6\n");
  d.mkdir("sys/firmware/efi/efivars");
  d.write(std::string("sys/firmware/efi/efivars/SecureBoot-") + k_global, efivar_file(6, "\x01"));
  d.write(std::string("sys/firmware/efi/efivars/SetupMode-") + k_global, efivar_file(6, std::string(1, '\0')));
  d.write(std::string("sys/firmware/efi/efivars/LoaderInfo-") + k_loader,
          efivar_file(6, utf16z("systemd-boot 252.39-1~deb12u2")));
  d.mkdir("sys/module/mlx5_core");
  d.mkdir("sys/devices/platform/serial8250");
  d.mkdir("sys/kernel");
  d.write("etc/crypttab", "# <target> <source> <key> <options>\ncryptroot UUID=2c3b9d43 none luks,discard\n");
}

}  // namespace

TEST(FactsIomem, RealShapes) {
  EXPECT_EQ(system_ram_from_iomem(iomem_fixture("x86-vm-24g.txt")), 25769405440ull);
  // "Crash kernel" is inside System RAM (counted once); "System RAM (kmem)" is not RAM
  // the kernel sized crashkernel= with.
  EXPECT_EQ(system_ram_from_iomem(iomem_fixture("x86-crashkernel-kmem.txt")), 8589406208ull);
  // arm64: NOMAP memory shows as top-level "reserved" (not counted, as kdumpctl does).
  EXPECT_EQ(system_ram_from_iomem(iomem_fixture("arm64-nomap.txt")), 2078146560ull);
  // Read without root: every address is zero.
  EXPECT_EQ(system_ram_from_iomem(iomem_fixture("x86-nonroot.txt")), std::nullopt);
  EXPECT_EQ(system_ram_from_iomem(""), std::nullopt);
  EXPECT_EQ(system_ram_from_iomem("zzzz-0001 : System RAM\n"), std::nullopt);
}

TEST(FactsParsers, CpulistMeminfo) {
  EXPECT_EQ(count_cpulist("0-3,5,7-8\n"), 7u);
  EXPECT_EQ(count_cpulist("0"), 1u);
  EXPECT_EQ(count_cpulist(""), std::nullopt);
  EXPECT_EQ(count_cpulist("3-1"), std::nullopt);
  EXPECT_EQ(memtotal_from_meminfo("MemTotal:       24681432 kB\nMemFree: 1 kB\n"), 24681432ull * 1024);
  EXPECT_EQ(memtotal_from_meminfo("MemFree: 1 kB\n"), std::nullopt);
}

TEST(FactsMemory, MemmapAndBlocks) {
  TempDir d;
  d.write("memmap/0/start", "0x0\n");
  d.write("memmap/0/end", "0x9fbff\n");
  d.write("memmap/0/type", "System RAM\n");
  d.write("memmap/1/start", "0x9fc00\n");
  d.write("memmap/1/end", "0x9ffff\n");
  d.write("memmap/1/type", "Reserved\n");
  d.write("memmap/2/start", "0x100000\n");
  d.write("memmap/2/end", "0x7ffdffff\n");
  d.write("memmap/2/type", "System RAM\n");
  EXPECT_EQ(system_ram_from_memmap(d.path() / "memmap"), 0x9fc00ull + (0x7ffe0000ull - 0x100000));
  EXPECT_EQ(system_ram_from_memmap(d.path() / "absent"), std::nullopt);

  d.write("memory/block_size_bytes", "8000000\n");
  for (int i = 0; i < 16; ++i) d.write("memory/memory" + std::to_string(i) + "/state", i == 3 ? "offline\n" : "online\n");
  d.write("memory/auto_online_blocks", "online\n");
  EXPECT_EQ(system_ram_from_memory_blocks(d.path() / "memory"), 15 * 128 * MiB);
}

TEST(FactsRoot, FullTree) {
  TempDir d;
  populate_x86(d);
  FactSource src{d.path()};
  auto f = gather_facts(src, {});
  ASSERT_TRUE(f.has_value()) << f.error().message;
  ASSERT_TRUE(f->arch);
  EXPECT_EQ(f->arch->value, Arch::x86_64);
  EXPECT_EQ(f->arch->source, (d.path() / "proc/sys/kernel/arch").string());
  ASSERT_TRUE(f->kernel_release);
  EXPECT_EQ(f->kernel_release->value, "6.1.0-28-amd64");
  ASSERT_TRUE(f->memory_bytes);
  EXPECT_EQ(f->memory_bytes->value, 25769405440ull);
  EXPECT_NE(f->memory_bytes->source.find("proc/iomem"), std::string::npos);
  ASSERT_TRUE(f->online_cpus);
  EXPECT_EQ(f->online_cpus->value, 5u);
  EXPECT_FALSE(f->page_size) << "no page size is guessed for an image";
  ASSERT_TRUE(f->running_cmdline);
  EXPECT_EQ(f->running_cmdline->value, "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro crashkernel=256M quiet");
  ASSERT_TRUE(f->firmware);
  EXPECT_EQ(f->firmware->value, Firmware::uefi);
  ASSERT_TRUE(f->secure_boot) << (f->warnings.empty() ? "" : f->warnings[0]);
  EXPECT_TRUE(f->secure_boot->value);
  // Below --root the efivarfs files are read as files, not through libefivar.
  EXPECT_NE(f->secure_boot->source.find("sys/firmware/efi/efivars"), std::string::npos);
  EXPECT_EQ(f->secure_boot->source.find("libefivar"), std::string::npos);
  ASSERT_TRUE(f->secure_boot_detail);
  EXPECT_EQ(f->secure_boot_detail->value, "SecureBoot=1 SetupMode=0");
  ASSERT_TRUE(f->loader_info);
  EXPECT_EQ(f->loader_info->value, "systemd-boot 252.39-1~deb12u2");
  ASSERT_TRUE(f->luks);
  EXPECT_TRUE(f->luks->value);
  EXPECT_EQ(f->luks_devices, std::vector<std::string>{"cryptroot"});
  ASSERT_TRUE(f->memory_encryption);
  EXPECT_TRUE(f->memory_encryption->value);
  EXPECT_NE(f->memory_encryption->source.find("flag sme"), std::string::npos);
  ASSERT_TRUE(f->mlx5);
  EXPECT_TRUE(f->mlx5->value);
  ASSERT_TRUE(f->arm_smmu);
  EXPECT_FALSE(f->arm_smmu->value);
  ASSERT_TRUE(f->fadump);
  EXPECT_FALSE(f->fadump->value);
  EXPECT_TRUE(f->warnings.empty());
}

// A second efivarfs tree in the same process: each tree's files are read as they are,
// with no library state that remembers the first directory.
TEST(FactsRoot, SecondEfivarfsTreeSecureBootOffAndGrub) {
  TempDir a, b;
  populate_x86(a);
  ASSERT_TRUE(gather_facts(FactSource{a.path()}, {}).has_value());
  b.mkdir("sys/firmware/efi/efivars");
  b.write(std::string("sys/firmware/efi/efivars/SecureBoot-") + k_global, efivar_file(6, std::string(1, '\0')));
  b.write(std::string("sys/firmware/efi/efivars/LoaderInfo-") + k_loader, efivar_file(6, utf16z("GRUB 2.12")));
  auto f = gather_facts(FactSource{b.path()}, {});
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->secure_boot) << (f->warnings.empty() ? "" : f->warnings[0]);
  EXPECT_FALSE(f->secure_boot->value);
  ASSERT_TRUE(f->loader_info);
  EXPECT_EQ(f->loader_info->value, "GRUB 2.12");
  // And the first tree still reads as before.
  auto again = read_efi_variable(a.path() / "sys/firmware/efi/efivars", k_global, "SecureBoot");
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE(*again);
  EXPECT_EQ((*again)->data, std::vector<std::uint8_t>{1});
  EXPECT_EQ((*again)->attributes, 6u);
  auto missing = read_efi_variable(a.path() / "sys/firmware/efi/efivars", k_global, "PK");
  ASSERT_TRUE(missing.has_value()) << missing.error().message;
  EXPECT_FALSE(*missing);
}

TEST(FactsRoot, EmptyRootMissesFactsAndNamesTheOption) {
  TempDir d;
  auto f = gather_facts(FactSource{d.path()}, {});
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->memory_bytes);
  EXPECT_FALSE(f->arch);
  EXPECT_FALSE(f->kernel_release);
  EXPECT_FALSE(f->firmware);
  EXPECT_FALSE(f->memory_encryption);
  EXPECT_FALSE(f->mlx5);
  auto m = require_memory(*f);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().kind, ErrorKind::missing_fact);
  ASSERT_FALSE(m.error().hints.empty());
  EXPECT_NE(m.error().hints[0].find("--memory"), std::string::npos);
  auto a = require_arch(*f);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().hints[0].find("--arch"), std::string::npos);
  // Overrides fill them, with their option as the source.
  FactOverrides o;
  o.memory_bytes = 16 * GiB;
  o.arch = Arch::aarch64;
  auto g = gather_facts(FactSource{d.path()}, o);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->memory_bytes->source, "--memory");
  EXPECT_EQ(g->arch->source, "--arch");
  EXPECT_EQ(*require_memory(*g), 16 * GiB);
}

TEST(FactsRoot, FallbacksMemmapBlocksMemTotal) {
  TempDir d;
  d.write("proc/iomem", iomem_fixture("x86-nonroot.txt"));
  d.write("sys/firmware/memmap/0/start", "0x100000\n");
  d.write("sys/firmware/memmap/0/end", "0x7fffffff\n");
  d.write("sys/firmware/memmap/0/type", "System RAM\n");
  auto f = gather_facts(FactSource{d.path()}, {});
  ASSERT_TRUE(f->memory_bytes);
  EXPECT_EQ(f->memory_bytes->value, 2 * GiB - MiB);
  EXPECT_NE(f->memory_bytes->source.find("sys/firmware/memmap"), std::string::npos);

  TempDir b;
  b.write("sys/devices/system/memory/block_size_bytes", "8000000\n");
  for (int i = 0; i < 8; ++i) b.write("sys/devices/system/memory/memory" + std::to_string(i) + "/state", "online\n");
  auto g = gather_facts(FactSource{b.path()}, {});
  ASSERT_TRUE(g->memory_bytes);
  EXPECT_EQ(g->memory_bytes->value, 1 * GiB);
  EXPECT_NE(g->memory_bytes->source.find("online blocks"), std::string::npos);
  EXPECT_TRUE(g->warnings.empty());

  TempDir c;
  c.write("proc/meminfo", "MemTotal:        1995344 kB\n");
  auto h = gather_facts(FactSource{c.path()}, {});
  ASSERT_TRUE(h->memory_bytes);
  EXPECT_EQ(h->memory_bytes->value, 1995344ull * 1024);
  EXPECT_NE(h->memory_bytes->source.find("MemTotal"), std::string::npos);
  ASSERT_EQ(h->warnings.size(), 1u);
  EXPECT_NE(h->warnings[0].find("undercounts"), std::string::npos);
}

// An image whose /proc is an absolute symlink to /proc: resolved inside the root, it
// loops instead of reaching the host's /proc.
TEST(FactsRoot, NeverReadsTheHostUnderRoot) {
  TempDir d;
  fs::create_symlink("/proc", d.path() / "proc");
  fs::create_directories(d.path() / "sys");
  fs::create_symlink("/sys/firmware", d.path() / "sys/firmware");
  fs::create_symlink("../../../../../../sys", d.path() / "sys/up");
  auto f = gather_facts(FactSource{d.path()}, {});
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->memory_bytes);
  EXPECT_FALSE(f->running_cmdline);
  EXPECT_FALSE(f->arch);
  EXPECT_FALSE(f->online_cpus);
  EXPECT_FALSE(f->memory_encryption);
}

TEST(FactsRoot, PowerFadumpAndCaptureCpus) {
  TempDir d;
  d.write("proc/sys/kernel/arch", "ppc64le\n");
  d.write("sys/kernel/fadump/enabled", "1\n");
  d.write("etc/sysconfig/kdump",
          "KDUMP_COMMANDLINE_APPEND=\"irqpoll maxcpus=1 nr_cpus=16 reset_devices\"\n");
  d.mkdir("sys/devices/platform/arm-smmu-v3.0.auto");
  auto f = gather_facts(FactSource{d.path()}, {});
  ASSERT_TRUE(f->arch);
  EXPECT_EQ(f->arch->value, Arch::ppc64le);
  ASSERT_TRUE(f->fadump);
  EXPECT_TRUE(f->fadump->value);
  ASSERT_TRUE(f->capture_cpus);
  EXPECT_EQ(f->capture_cpus->value, 16u);
  ASSERT_TRUE(f->arm_smmu);
  EXPECT_TRUE(f->arm_smmu->value);
}

TEST(FactsRoot, MemoryEncryptionFromDmesgText) {
  TempDir d;
  d.write("var/log/dmesg",
          "[    0.000000] Linux version 6.1.0-28-amd64\n"
          "[    0.000000] Memory Encryption Features active: AMD SEV SEV-ES\n");
  auto f = gather_facts(FactSource{d.path()}, {});
  ASSERT_TRUE(f->memory_encryption);
  EXPECT_TRUE(f->memory_encryption->value);
  EXPECT_NE(f->memory_encryption->source.find("AMD SEV SEV-ES"), std::string::npos);

  TempDir e;
  e.write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sev hypervisor_not\n");
  auto g = gather_facts(FactSource{e.path()}, {});
  ASSERT_TRUE(g->memory_encryption);
  EXPECT_FALSE(g->memory_encryption->value) << "sev on a host is a capability, not active";
}

TEST(FactsLuks, ProbesRealHeadersWithLibblkid) {
  TempDir d;
  d.write("luks2.img", luks_image(2, k_luks2_json));
  d.write("luks1.img", luks_image(1));
  d.write("plain.img", std::string(64 * 1024, '\0'));
  auto l2 = probe_luks(d.path() / "luks2.img");
  ASSERT_TRUE(l2.has_value()) << l2.error().message;
  EXPECT_TRUE(l2->luks);
  EXPECT_EQ(l2->version, 2);
  EXPECT_EQ(l2->kdf_memory, 1048576ull * 1024);
  auto l1 = probe_luks(d.path() / "luks1.img");
  ASSERT_TRUE(l1.has_value());
  EXPECT_TRUE(l1->luks);
  EXPECT_EQ(l1->version, 1);
  EXPECT_FALSE(l1->kdf_memory);
  auto p = probe_luks(d.path() / "plain.img");
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->luks);
  auto absent = probe_luks(d.path() / "absent.img");
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().kind, ErrorKind::io);
}

TEST(FactsLuks, Luks2Json) {
  EXPECT_EQ(luks2_kdf_memory_from_json(k_luks2_json), 1048576ull * 1024);
  EXPECT_EQ(luks2_kdf_memory_from_json(R"({"keyslots":{}})"), std::nullopt);
  EXPECT_EQ(luks2_kdf_memory_from_json("not json"), std::nullopt);
}

TEST(FactsEfi, Utf16) {
  std::vector<std::uint8_t> v{'s', 0, 'd', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde, 0, 0, 'x', 0};
  EXPECT_EQ(efi_utf16_to_utf8(v), "sd\xc3\xa9\xf0\x9f\x98\x80");
}

// The machine the tests run on: live facts, each with its source.
TEST(FactsLive, ThisMachine) {
  FactSource src;
  src.probe_block_devices = false;
  auto f = gather_facts(src, {});
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->arch);
  EXPECT_EQ(f->arch->source, "uname(2)");
  ASSERT_TRUE(f->kernel_release);
  ASSERT_TRUE(f->page_size);
  EXPECT_GE(f->page_size->value, 4096u);
  ASSERT_TRUE(f->online_cpus);
  EXPECT_GE(f->online_cpus->value, 1u);
  ASSERT_TRUE(f->memory_bytes) << "iomem, memmap, memory blocks or MemTotal";
  EXPECT_GT(f->memory_bytes->value, 64 * MiB);
  EXPECT_FALSE(f->memory_bytes->source.empty());
  ASSERT_TRUE(f->firmware);
}
