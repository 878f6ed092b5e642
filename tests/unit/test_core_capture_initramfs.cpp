// The capture initramfs fact: its unpacked size read from real archives (fixtures made
// by tests/data/initramfs/make.sh with cpio, gzip, zstd and xz), found in the kdump
// tools' places under --root, named by the configuration's capture_initramfs, and used
// by `recommend` and `reserve auto` through the estimate policy.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"
#include "core/config.hpp"
#include "core/facts.hpp"
#include "core/initramfs_layout.hpp"

using namespace kdump;
namespace fs = std::filesystem;

namespace {

std::string fixture(const char* name) {
  std::ifstream in(fs::path(KDUMP_SOURCE_DIR) / "tests/data/initramfs" / name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error(std::string("missing fixture ") + name);
  return ss.str();
}

class TempRoot {
public:
  TempRoot() {
    std::string t = (fs::temp_directory_path() / "kdump-initramfs-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& rel, std::string_view content) const {
    fs::path p = path / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  // A tree in which `recommend` finds arch, release and RAM (4 GiB).
  void machine(const std::string& release) const {
    write("proc/sys/kernel/arch", "x86_64\n");
    write("proc/sys/kernel/osrelease", release + "\n");
    write("proc/iomem", "00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n"
                        "100000000-13fffffff : System RAM\n");
  }
  fs::path path;
};

using kdump::testing::CliRun;
using kdump::testing::run_cli;

}  // namespace

TEST(InitramfsLayout, EachCompressionGivesTheArchiveSize) {
  const std::string cpio = fixture("main.cpio");
  for (const char* name : {"main.cpio", "main.cpio.gz", "main.cpio.zst", "main.cpio.xz"}) {
    auto l = measure_initramfs(fixture(name));
    ASSERT_TRUE(l.unpacked_bytes.has_value()) << name << ": " << l.unknown_reason;
    ASSERT_EQ(l.segments.size(), 1u) << name;
    if (std::string_view(name) == "main.cpio")
      // The archive up to its trailer entry; cpio's 512-byte block padding is NULs,
      // which the kernel skips as it does between segments.
      EXPECT_LE(*l.unpacked_bytes, cpio.size()) << name;
    else
      EXPECT_EQ(*l.unpacked_bytes, cpio.size()) << name;
  }
  EXPECT_EQ(measure_initramfs(fixture("main.cpio.gz")).segments.front(), "gzip");
  EXPECT_EQ(measure_initramfs(fixture("main.cpio.zst")).segments.front(), "zstd");
  EXPECT_EQ(measure_initramfs(fixture("main.cpio.xz")).segments.front(), "xz");
}

TEST(InitramfsLayout, SegmentsAddUpLikeTheKernelUnpacksThem) {
  // The layout of Debian's and dracut's images: an uncompressed early cpio, then the
  // compressed main archive; and the bench's: a distribution image, then a gzip'd one.
  const std::string early = fixture("early.cpio"), cpio = fixture("main.cpio");
  auto early_only = measure_initramfs(early);
  ASSERT_TRUE(early_only.unpacked_bytes);
  for (const char* main : {"main.cpio.gz", "main.cpio.zst", "main.cpio.xz"}) {
    auto l = measure_initramfs(early + fixture(main));
    ASSERT_TRUE(l.unpacked_bytes) << main << ": " << l.unknown_reason;
    EXPECT_EQ(*l.unpacked_bytes, *early_only.unpacked_bytes + cpio.size()) << main;
    EXPECT_EQ(l.segments.size(), 2u);
    EXPECT_EQ(l.segments.front(), "cpio");
  }
  auto stacked = measure_initramfs(fixture("main.cpio.zst") + std::string(3, '\0') + fixture("main.cpio.gz"));
  ASSERT_TRUE(stacked.unpacked_bytes) << stacked.unknown_reason;
  EXPECT_EQ(*stacked.unpacked_bytes, 2 * cpio.size());
  EXPECT_EQ(stacked.segments, (std::vector<std::string>{"zstd", "gzip"}));
}

TEST(InitramfsLayout, WhatCannotBeToldIsSaid) {
  auto nosize = measure_initramfs(fixture("main.cpio.nosize.zst"));
  EXPECT_FALSE(nosize.unpacked_bytes);
  EXPECT_NE(nosize.unknown_reason.find("does not record its content size"), std::string::npos);
  auto lz4 = measure_initramfs(std::string("\x02\x21\x4c\x18", 4) + std::string(100, 'x'));
  EXPECT_FALSE(lz4.unpacked_bytes);
  EXPECT_NE(lz4.unknown_reason.find("lz4"), std::string::npos);
  const std::string zst = fixture("main.cpio.zst");
  auto cut = measure_initramfs(zst.substr(0, zst.size() / 2));
  EXPECT_FALSE(cut.unpacked_bytes);
  EXPECT_NE(cut.unknown_reason.find("truncated"), std::string::npos);
  const std::string cpio = fixture("main.cpio");
  EXPECT_FALSE(measure_initramfs(cpio.substr(0, 200)).unpacked_bytes);
  EXPECT_FALSE(measure_initramfs("").unpacked_bytes);
  EXPECT_FALSE(measure_initramfs("not an initramfs").unpacked_bytes);
}

TEST(CaptureInitramfsFact, FoundInEachToolsPlaceForTheRelease) {
  const std::string img = fixture("early.cpio") + fixture("main.cpio.zst");
  const struct {
    const char* rel;
    const char* tool;
  } places[] = {
      {"var/lib/kdump/initrd.img-6.1.0-28-amd64", "Debian kdump-tools"},
      {"boot/initramfs-6.1.0-28-amd64kdump.img", "kdumpctl"},
      {"boot/initrd-6.1.0-28-amd64-kdump", "SUSE kdump"},
  };
  for (const auto& p : places) {
    TempRoot root;
    root.machine("6.1.0-28-amd64");
    root.write(p.rel, img);
    root.write("var/lib/kdump/initrd.img-6.0.0-1-amd64", "another release's image");
    auto f = gather_facts(FactSource{root.path, false}, FactOverrides{});
    ASSERT_TRUE(f.has_value()) << f.error().message;
    ASSERT_TRUE(f->capture_initramfs.has_value()) << p.rel;
    EXPECT_EQ(f->capture_initramfs->value.bytes, img.size());
    EXPECT_EQ(f->capture_initramfs->value.layout, "cpio+zstd");
    EXPECT_TRUE(f->capture_initramfs->value.unpacked_bytes);
    EXPECT_NE(f->capture_initramfs->source.find(p.tool), std::string::npos) << f->capture_initramfs->source;
    EXPECT_NE(f->capture_initramfs->value.path.find(p.rel), std::string::npos);
  }
  TempRoot none;
  none.machine("6.1.0-28-amd64");
  none.write("var/lib/kdump/initrd.img-6.0.0-1-amd64", "another release's image");
  auto f = gather_facts(FactSource{none.path, false}, FactOverrides{});
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->capture_initramfs.has_value());
  // --kernel-release chooses the release whose image counts.
  FactOverrides other;
  other.kernel_release = "6.0.0-1-amd64";
  auto o = gather_facts(FactSource{none.path, false}, other);
  ASSERT_TRUE(o && o->capture_initramfs);
  EXPECT_FALSE(o->capture_initramfs->value.unpacked_bytes);
}

// kdump-tools loads KDUMP_INITRD instead of its own image when the admin sets it; only
// a literal absolute path is taken (the file is shell, never run).
TEST(CaptureInitramfsFact, KdumpToolsKdumpInitrdWins) {
  const std::string img = fixture("main.cpio.gz");
  TempRoot root;
  root.machine("6.1.0-28-amd64");
  root.write("var/lib/kdump/initrd.img-6.1.0-28-amd64", fixture("early.cpio"));
  root.write("srv/kdump/initrd.img", img);
  root.write("etc/default/kdump-tools", "USE_KDUMP=1\n# KDUMP_INITRD=/nope\nKDUMP_INITRD=\"/srv/kdump/initrd.img\"\n");
  auto f = gather_facts(FactSource{root.path, false}, FactOverrides{});
  ASSERT_TRUE(f && f->capture_initramfs);
  EXPECT_EQ(f->capture_initramfs->value.bytes, img.size());
  EXPECT_NE(f->capture_initramfs->source.find("KDUMP_INITRD=/srv/kdump/initrd.img (/etc/default/kdump-tools:3)"),
            std::string::npos) << f->capture_initramfs->source;

  // Not knowable without running the shell (or missing): the tool's own place counts.
  for (const char* text : {"KDUMP_INITRD=$(ls /boot/initrd.img-* | tail -1)\n",
                           "KDUMP_INITRD=/srv/kdump/initrd.img\nKDUMP_INITRD=\"$DIR/x\"\n",
                           "[ -e /x ] && KDUMP_INITRD=/srv/kdump/initrd.img\n",
                           "KDUMP_INITRD=/srv/kdump/absent.img\n", "KDUMP_INITRD=relative.img\n"}) {
    root.write("etc/default/kdump-tools", text);
    auto g = gather_facts(FactSource{root.path, false}, FactOverrides{});
    ASSERT_TRUE(g && g->capture_initramfs) << text;
    EXPECT_EQ(g->capture_initramfs->value.bytes, fixture("early.cpio").size()) << text;
    EXPECT_NE(g->capture_initramfs->source.find("Debian kdump-tools"), std::string::npos) << text;
  }
}

TEST(CaptureInitramfsConfig, KeyIsParsedAndChecked) {
  auto c = parse_config("capture_initramfs = \"/srv/kdump/initrd-{release}.img\"\n", "k.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->capture_initramfs.value, "/srv/kdump/initrd-{release}.img");
  EXPECT_EQ(c->capture_initramfs.origin, "k.toml:1");
  auto rel = parse_config("capture_initramfs = \"initrd.img\"\n", "k.toml");
  ASSERT_FALSE(rel.has_value());
  EXPECT_EQ(rel.error().line, 1u);
  EXPECT_NE(rel.error().message.find("absolute path"), std::string::npos);
  EXPECT_FALSE(parse_config("capture_initramfs = 3\n", "k.toml").has_value());
}

TEST(CaptureInitramfsCli, RecommendSizesForTheFoundImageAndNamesIt) {
  TempRoot root;
  root.machine("6.1.0-28-amd64");
  const std::string img = fixture("early.cpio") + fixture("main.cpio.xz");
  root.write("var/lib/kdump/initrd.img-6.1.0-28-amd64", img);
  auto r = run_cli({"--root", root.path.string(), "recommend", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"], "estimate");
  auto fact = j["facts"]["capture_initramfs"];
  EXPECT_EQ(fact["value"]["bytes"], img.size());
  EXPECT_EQ(fact["value"]["layout"], "cpio+xz");
  EXPECT_NE(fact["source"].get<std::string>().find("Debian kdump-tools"), std::string::npos);
  std::string why;
  for (auto& l : j["rationale"]) why += l.get<std::string>() + "\n";
  EXPECT_NE(why.find("initrd.img-6.1.0-28-amd64"), std::string::npos) << why;
  EXPECT_NE(why.find(std::to_string(img.size()) + " bytes"), std::string::npos) << why;
  // A tiny image: the base and the tier rounding, nothing assumed.
  EXPECT_EQ(why.find("assumed"), std::string::npos) << why;
  const auto found = j["bytes_for_this_machine"].get<std::uint64_t>();

  // Without the image and without a kdump package: RHEL 7's 160 MiB rule, said in a note.
  TempRoot bare;
  bare.machine("6.1.0-28-amd64");
  auto b = run_cli({"--root", bare.path.string(), "recommend", "--json"});
  ASSERT_EQ(b.code, 0) << b.err;
  auto bj = nlohmann::json::parse(b.out);
  EXPECT_EQ(bj["policy_bytes"].get<std::uint64_t>(), 161 * MiB);
  EXPECT_GT(bj["bytes_for_this_machine"].get<std::uint64_t>(), found);
  EXPECT_FALSE(bj["facts"].contains("capture_initramfs"));
  ASSERT_EQ(bj["notes"].size(), 1u);
  EXPECT_NE(bj["notes"][0].get<std::string>().find("no kdump package"), std::string::npos);

  // The configuration names another file ({release} filled in): it wins.
  bare.write("srv/big-6.1.0-28-amd64.img", fixture("main.cpio.gz") + std::string(8 * MiB, 'z'));
  bare.write("etc/kdump-setup.toml", "capture_initramfs = \"/srv/big-{release}.img\"\n");
  auto c = run_cli({"--root", bare.path.string(), "recommend", "--json"});
  ASSERT_EQ(c.code, 0) << c.err;
  auto cj = nlohmann::json::parse(c.out);
  EXPECT_NE(cj["facts"]["capture_initramfs"]["source"].get<std::string>().find("kdump-setup.toml:1"),
            std::string::npos);
  EXPECT_GT(cj["bytes_for_this_machine"].get<std::uint64_t>(), found);
  // --initramfs-size wins over both.
  auto s = run_cli({"--root", bare.path.string(), "recommend", "--initramfs-size", "1M", "--json"});
  ASSERT_EQ(s.code, 0) << s.err;
  std::string swhy;
  const auto sj = nlohmann::json::parse(s.out);
  for (auto& l : sj["rationale"]) swhy += l.get<std::string>() + "\n";
  EXPECT_NE(swhy.find("--initramfs-size"), std::string::npos) << swhy;

  // A configured file that is not there: exit 3, naming the key and its line.
  bare.write("etc/kdump-setup.toml", "capture_initramfs = \"/srv/missing.img\"\n");
  auto m = run_cli({"--root", bare.path.string(), "recommend"});
  EXPECT_EQ(m.code, 3);
  EXPECT_NE(m.err.find("capture_initramfs ("), std::string::npos) << m.err;
  EXPECT_NE(m.err.find("kdump-setup.toml:1)"), std::string::npos) << m.err;
}

TEST(CaptureInitramfsCli, ReserveAutoWritesTheValueSizedForTheFoundImage) {
  // The bundled Debian 12 GRUB2 tree, with and without kdump-tools' capture initramfs.
  auto reserve_value = [](const fs::path& tree) {
    auto rec = run_cli({"--root", tree.string(), "--json", "recommend"});
    EXPECT_EQ(rec.code, 0) << rec.err;
    const std::string expr = nlohmann::json::parse(rec.out)["expression"].get<std::string>();
    auto r = run_cli({"--root", tree.string(), "reserve", "auto", "--dry-run", "--no-update"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("+GRUB_CMDLINE_LINUX=\"crashkernel=" + expr + "\""), std::string::npos) << r.out;
    // It says how auto was sized, naming the capture initramfs it sized for.
    EXPECT_NE(r.out.find("note: auto: the estimate policy gives "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(": capture initramfs of "), std::string::npos) << r.out;
    return expr;
  };
  TempRoot with, without;
  fs::copy(fs::path(KDUMP_SOURCE_DIR) / "examples/debian12-grub", with.path, fs::copy_options::recursive);
  fs::copy(fs::path(KDUMP_SOURCE_DIR) / "examples/debian12-grub", without.path, fs::copy_options::recursive);
  // Debian's kdump-tools is installed in both; its image is built in one only.
  for (const auto* t : {&with, &without}) {
    t->write("var/lib/dpkg/info/kdump-tools.list", "/usr/sbin/kdump-config\n");
    t->write("etc/default/kdump-tools", "KDUMP_KERNEL=/var/lib/kdump/vmlinuz\nKDUMP_INITRD=/var/lib/kdump/initrd.img\n");
  }
  // The release whose image counts is the next boot's (the GRUB entry of
  // /boot/vmlinuz-6.1.0-99-amd64), not the running 6.1.0-28: kdump-tools loads the
  // image of the kernel running after the reboot that makes crashkernel= effective.
  with.write("var/lib/kdump/initrd.img-6.1.0-28-amd64", std::string(64 * MiB, 'r'));
  with.write("var/lib/kdump/initrd.img-6.1.0-99-amd64", fixture("early.cpio") + fixture("main.cpio.zst"));
  const std::string small = reserve_value(with.path), planned = reserve_value(without.path);
  EXPECT_NE(small, planned);
  // The found 25 KB image costs the base only; the image kdump-tools will build
  // (MODULES=dep, as measured with 6.1) needed 128 MiB (bench/results/calibration.md).
  auto first_tier_mib = [](const std::string& e) { return std::stoull(e.substr(e.find(':') + 1)); };
  EXPECT_LT(first_tier_mib(small), 128u) << small;
  EXPECT_GE(first_tier_mib(planned), 128u) << planned;
  EXPECT_LE(first_tier_mib(planned) * 10, 128u * 13) << planned;
}
