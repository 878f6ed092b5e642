// Sizing before the capture initramfs exists (core/kdump_package.hpp): the image the
// installed kdump package will build, read from its configuration; the no-package rule;
// the estimate policy's per-generation calibration (core/estimate_policy.hpp), chosen by
// the capture kernel's release (--kernel-release on recommend and reserve auto).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_run.hpp"
#include "core/estimate_policy.hpp"
#include "core/kdump_package.hpp"
#include "core/policy.hpp"
#include "core/sizing.hpp"
#include "util/root_dir.hpp"

using namespace kdump;
namespace fs = std::filesystem;
using kdump::testing::run_cli;

namespace {

class Tree {
public:
  Tree() {
    std::string t = (fs::temp_directory_path() / "kdump-package-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  const Tree& write(const std::string& rel, std::string_view content) const {
    fs::path p = path / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return *this;
  }
  // A machine recommend can size: arch, release, 4 GiB of RAM.
  const Tree& machine(const std::string& release) const {
    write("proc/sys/kernel/arch", "x86_64\n");
    write("proc/sys/kernel/osrelease", release + "\n");
    return write("proc/iomem", "00001000-0009ffff : System RAM\n00100000-ffffffff : System RAM\n"
                               "100000000-13fffffff : System RAM\n");
  }
  // Debian kdump-tools 1:1.8.1 as installed: its dpkg file list, its shipped defaults,
  // initramfs-tools' shipped initramfs.conf (MODULES=most).
  const Tree& kdump_tools(std::string_view defaults = "USE_KDUMP=1\nKDUMP_KERNEL=/var/lib/kdump/vmlinuz\n"
                                                      "KDUMP_INITRD=/var/lib/kdump/initrd.img\n") const {
    write("var/lib/dpkg/info/kdump-tools.list", "/usr/sbin/kdump-config\n");
    write("etc/default/kdump-tools", defaults);
    return write("etc/initramfs-tools/initramfs.conf", "MODULES=most\nBUSYBOX=auto\nCOMPRESS=zstd\n");
  }
  PlannedCapture plan(std::string_view release) const {
    auto root = RootDir::open(path);
    if (!root) throw std::runtime_error(root.error().message);
    return plan_capture_initramfs(*root, release);
  }
  fs::path path;
};

const Policy& estimate_policy() { return *find_builtin_policy("estimate"); }

SizingInput input(std::uint64_t ram, std::string release) {
  SizingInput in;
  in.arch = Arch::x86_64;
  in.memory_bytes = ram;
  for (auto c : {Condition::memory_encryption, Condition::mlx5, Condition::page_64k, Condition::arm_smmu,
                 Condition::fadump, Condition::luks})
    in.conditions[c] = ConditionState{false, "test"};
  in.model = model_for_release(Arch::x86_64, release);
  in.capture_kernel_release = std::move(release);
  in.capture_kernel_source = "test";
  return in;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

std::string joined(const nlohmann::json& a) {
  std::string s;
  for (const auto& l : a) s += l.get<std::string>() + "\n";
  return s;
}

}  // namespace

TEST(KdumpPackage, KdumpToolsWillBuildItsModulesDepImage) {
  Tree t;
  t.kdump_tools();
  auto p = t.plan("6.12.57+deb13-amd64");
  EXPECT_EQ(p.package, PlannedCapture::Package::kdump_tools);
  EXPECT_EQ(p.image, PlannedImageKind::kdump_tools_dep);
  EXPECT_FALSE(p.existing_file);
  EXPECT_NE(p.why.find("/var/lib/kdump/initrd.img-6.12.57+deb13-amd64"), std::string::npos) << p.why;
  EXPECT_NE(p.why.find("MODULES=dep"), std::string::npos) << p.why;
  EXPECT_NE(p.why.find("/etc/initramfs-tools/initramfs.conf:1"), std::string::npos) << p.why;
}

TEST(KdumpPackage, ConfDOverridesModulesInNameOrderAndSkipsDpkgFiles) {
  Tree t;
  t.kdump_tools();
  t.write("etc/initramfs-tools/conf.d/10-netboot", "MODULES=netboot\n");
  t.write("etc/initramfs-tools/conf.d/20-x.dpkg-old", "MODULES=list\n");
  std::string where;
  auto root = RootDir::open(t.path);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(initramfs_tools_modules(*root, where), "netboot");
  EXPECT_EQ(where, "/etc/initramfs-tools/conf.d/10-netboot:1");
  auto p = t.plan("6.1.0-28-amd64");
  EXPECT_EQ(p.image, PlannedImageKind::kdump_tools_dep);
  EXPECT_NE(p.why.find("MODULES=netboot"), std::string::npos) << p.why;
  EXPECT_NE(p.why.find("sized as the measured MODULES=dep image"), std::string::npos) << p.why;
  // No initramfs.conf at all: initramfs-tools' default, most.
  Tree bare;
  auto broot = RootDir::open(bare.path);
  EXPECT_EQ(initramfs_tools_modules(*broot, where), "most");
  EXPECT_EQ(where, "");
}

TEST(KdumpPackage, WithoutKdumpKernelKdumpConfigLoadsTheBootInitramfs) {
  Tree t;
  t.kdump_tools("USE_KDUMP=1\n#KDUMP_KERNEL=/var/lib/kdump/vmlinuz\n");
  auto p = t.plan("6.1.0-28-amd64");
  EXPECT_EQ(p.image, PlannedImageKind::boot_initrd);
  EXPECT_FALSE(p.existing_file);
  EXPECT_NE(p.why.find("/boot/initrd.img-6.1.0-28-amd64"), std::string::npos) << p.why;
  t.write("boot/initrd.img-6.1.0-28-amd64", "x");
  auto q = t.plan("6.1.0-28-amd64");
  ASSERT_TRUE(q.existing_file);
  EXPECT_EQ(*q.existing_file, "/boot/initrd.img-6.1.0-28-amd64");
}

TEST(KdumpPackage, DracutKdumpAndNoPackage) {
  Tree t;
  t.write("usr/bin/kdumpctl", "#!/bin/sh\n").write("etc/kdump.conf", "path /var/crash\ndracut_args --add lvm\n");
  auto p = t.plan("6.12.0-55.el10.x86_64");
  EXPECT_EQ(p.package, PlannedCapture::Package::dracut_kdump);
  EXPECT_EQ(p.image, PlannedImageKind::boot_initrd);
  EXPECT_NE(p.why.find("not measured"), std::string::npos) << p.why;
  EXPECT_NE(p.why.find("dracut_args"), std::string::npos) << p.why;
  Tree none;
  auto n = none.plan("6.1.0-28-amd64");
  EXPECT_EQ(n.package, PlannedCapture::Package::none);
  EXPECT_NE(n.why.find("no kdump package"), std::string::npos);
}

TEST(EstimateGenerations, SelectedByTheCaptureKernelsRelease) {
  const Policy& p = estimate_policy();
  ASSERT_GE(p.generations.size(), 3u);
  auto name = [&](const char* rel) {
    const Generation* g = generation_for(p, rel);
    return g ? g->name : std::string("none");
  };
  EXPECT_EQ(name("6.1.0-28-amd64"), "6.1");
  EXPECT_EQ(name("5.10.0-30-amd64"), "6.1");  // older than measured: the oldest calibration
  EXPECT_EQ(name("6.11.9"), "6.1");
  EXPECT_EQ(name("6.12.57+deb13-amd64"), "6.12");
  EXPECT_EQ(name("6.19.14-amd64"), "6.12");
  EXPECT_EQ(name("7.0.13-amd64"), "7.x");
  EXPECT_EQ(name("7.2.6-amd64"), "7.x");
  EXPECT_EQ(name("garbage"), "none");
  // The generations differ where measured: 6.12 needs less than 6.1.
  EXPECT_LT(generation_for(p, "6.12.1")->base, generation_for(p, "6.1.1")->base);
}

TEST(EstimateGenerations, RecommendUsesTheGenerationsBaseAndSaysSo) {
  for (const char* rel : {"6.1.0-28-amd64", "6.12.57+deb13-amd64", "7.0.13-amd64"}) {
    auto in = input(4 * GiB, rel);
    in.capture_initramfs_bytes = 3'000'000;
    in.capture_initramfs_unpacked_bytes = 6'600'000;
    in.capture_initramfs_source = "test image";
    auto r = recommend(estimate_policy(), in);
    ASSERT_TRUE(r.has_value());
    const Generation* g = generation_for(estimate_policy(), rel);
    EXPECT_EQ(r->generation, g->name);
    // base + F + 2U (rounded up to 1 MiB) + the per-TiB term, then the tier's rounding.
    EXPECT_GE(r->policy_bytes, g->base + 16 * MiB) << rel;
    EXPECT_LT(r->policy_bytes, g->base + 18 * MiB) << rel;
    EXPECT_NE(joined(r->rationale).find("kernel generation " + g->name), std::string::npos);
  }
  // An unknown release: the largest fixed need, and a note saying so.
  auto in = input(4 * GiB, "");
  in.capture_initramfs_bytes = 3'000'000;
  in.capture_initramfs_unpacked_bytes = 6'600'000;
  auto r = recommend(estimate_policy(), in);
  ASSERT_TRUE(r.has_value());
  std::uint64_t largest = 0;
  for (const auto& g : estimate_policy().generations) largest = std::max(largest, g.base);
  EXPECT_NE(joined(r->notes).find("release is not known"), std::string::npos) << joined(r->notes);
  EXPECT_GE(r->policy_bytes, largest + 16 * MiB);
}

TEST(EstimateGenerations, PlannedImageIsTheGenerationsMeasuredImage) {
  for (auto kind : {PlannedImageKind::kdump_tools_dep, PlannedImageKind::boot_initrd}) {
    for (const char* rel : {"6.1.0-28-amd64", "6.12.57+deb13-amd64", "7.0.13-amd64"}) {
      const Generation* g = generation_for(estimate_policy(), rel);
      const CalibratedImage& img = kind == PlannedImageKind::boot_initrd ? g->boot_initrd : g->kdump_tools_dep;
      auto planned = input(8 * GiB, rel);
      planned.planned_initramfs = SizingInput::PlannedInitramfs{kind, "the test says so", "test"};
      auto known = input(8 * GiB, rel);
      known.capture_initramfs_bytes = img.file_bytes;
      known.capture_initramfs_unpacked_bytes = img.unpacked_bytes;
      known.capture_initramfs_source = "x";
      auto a = recommend(estimate_policy(), planned), b = recommend(estimate_policy(), known);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(a->bytes_for_this_machine, b->bytes_for_this_machine) << rel;
      ASSERT_TRUE(a->capture_initramfs);
      EXPECT_TRUE(a->capture_initramfs->planned);
      EXPECT_FALSE(a->capture_initramfs->found);
      ASSERT_EQ(a->notes.size(), 1u);
      EXPECT_NE(a->notes[0].find(img.what + " because the test says so"), std::string::npos) << a->notes[0];
    }
  }
}

TEST(EstimateGenerations, NoPackageFallsBackToTheRhel7Rule) {
  auto in = input(8 * GiB, "6.1.0-28-amd64");
  in.no_kdump_package = "no kdump package is installed (test)";
  auto r = recommend(estimate_policy(), in);
  ASSERT_TRUE(r.has_value());
  // 160 MiB + 64 MiB per TiB: 160.5 MiB at 8 GiB, then the range tier.
  EXPECT_EQ(r->policy_bytes, 161 * MiB);
  EXPECT_GE(r->bytes_for_this_machine, 161 * MiB);
  EXPECT_LE(r->bytes_for_this_machine, 169 * MiB);
  EXPECT_FALSE(r->capture_initramfs.has_value());
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("no kdump package is installed (test)"), std::string::npos);
  EXPECT_NE(r->notes[0].find("RHEL 7's rule, 160 MiB + 64 MiB per TiB"), std::string::npos) << r->notes[0];
  // A found image wins over the rule.
  in.capture_initramfs_bytes = 3'000'000;
  in.capture_initramfs_unpacked_bytes = 6'600'000;
  auto f = recommend(estimate_policy(), in);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->notes.empty());
  EXPECT_LT(f->policy_bytes, 161 * MiB);
}

TEST(EstimateGenerationsCli, TreesWithAndWithoutThePackageOrImage) {
  const std::string rel = "6.12.57+deb13-amd64";
  // No package, no image: the 160 MiB rule and the note.
  Tree none;
  none.machine(rel);
  auto n = run_cli({"--root", none.path.string(), "--json", "recommend"});
  ASSERT_EQ(n.code, 0) << n.err;
  auto nj = nlohmann::json::parse(n.out);
  EXPECT_EQ(nj["policy_bytes"], 161 * MiB);
  EXPECT_NE(joined(nj["notes"]).find("RHEL 7's rule"), std::string::npos) << n.out;
  // kdump-tools installed, its image not built yet: the generation's MODULES=dep image.
  Tree kt;
  kt.machine(rel).kdump_tools();
  auto k = run_cli({"--root", kt.path.string(), "--json", "recommend"});
  ASSERT_EQ(k.code, 0) << k.err;
  auto kj = nlohmann::json::parse(k.out);
  EXPECT_EQ(kj["calibration_generation"], "6.12");
  EXPECT_EQ(kj["capture_initramfs"]["planned"], true);
  EXPECT_NE(joined(kj["notes"]).find("MODULES=dep"), std::string::npos) << k.out;
  const auto* g = generation_for(estimate_policy(), rel);
  EXPECT_GE(kj["policy_bytes"].get<std::uint64_t>(),
            g->base + g->kdump_tools_dep.file_bytes + 2 * g->kdump_tools_dep.unpacked_bytes);
  // The text output says it as a note.
  auto kt_text = run_cli({"--root", kt.path.string(), "recommend"});
  EXPECT_NE(kt_text.out.find("note: the capture initramfs does not exist yet: sized for "), std::string::npos)
      << kt_text.out;
  // The image exists: it is measured, nothing planned.
  kt.write("var/lib/kdump/initrd.img-" + rel, std::string(1000, 'x'));
  auto e = run_cli({"--root", kt.path.string(), "--json", "recommend"});
  ASSERT_EQ(e.code, 0) << e.err;
  auto ej = nlohmann::json::parse(e.out);
  EXPECT_EQ(ej["capture_initramfs"]["found"], true);
  EXPECT_EQ(ej["capture_initramfs"]["planned"], false);
  EXPECT_TRUE(ej["notes"].empty()) << e.out;
}

TEST(EstimateGenerationsCli, KernelReleaseOnRecommendAndReserveAuto) {
  Tree t;
  fs::copy(fs::path(KDUMP_SOURCE_DIR) / "examples/debian12-grub", t.path, fs::copy_options::recursive);
  t.kdump_tools();
  auto value = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"--root", t.path.string(), "--json", "recommend"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  // Without the option: the kernel of the entry that boots next (GRUB's first entry,
  // /boot/vmlinuz-6.1.0-99-amd64), not the running 6.1.0-28.
  auto next = value({});
  EXPECT_EQ(next["facts"]["kernel_release"]["value"], "6.1.0-99-amd64");
  EXPECT_NE(next["facts"]["kernel_release"]["source"].get<std::string>().find("the entry that boots next"),
            std::string::npos);
  EXPECT_NE(joined(next["notes"]).find("initrd.img-6.1.0-99-amd64"), std::string::npos) << next.dump();
  auto old_gen = value({"--kernel-release", "6.1.0-28-amd64"});
  auto new_gen = value({"--kernel-release", "6.12.57+deb13-amd64"});
  EXPECT_EQ(old_gen["calibration_generation"], "6.1");
  EXPECT_EQ(new_gen["calibration_generation"], "6.12");
  EXPECT_EQ(new_gen["facts"]["kernel_release"]["source"], "--kernel-release");
  EXPECT_NE(old_gen["policy_bytes"], new_gen["policy_bytes"]);
  // reserve auto writes what recommend gives for the same release.
  auto r = run_cli({"--root", t.path.string(), "reserve", "auto", "--dry-run", "--no-update", "--kernel-release",
                    "6.12.57+deb13-amd64"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("crashkernel=" + new_gen["expression"].get<std::string>() + "\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not exist yet"), std::string::npos) << r.out;
  // A release without MAJOR.MINOR is a usage error naming the option.
  for (const char* verb : {"recommend", "reserve"}) {
    std::vector<std::string> args{"--root", t.path.string(), verb};
    if (std::string(verb) == "reserve") args.push_back("auto");
    args.insert(args.end(), {"--kernel-release", "banana"});
    auto bad = run_cli(args);
    EXPECT_EQ(bad.code, 2) << verb;
    EXPECT_NE(bad.err.find("--kernel-release"), std::string::npos) << bad.err;
  }
}

// The per-generation points of bench/results/calibration.md (rows @k6.12, @k7.x): the
// estimate captures (at least the minimum, at least the margin over the failing value)
// and stays within 1.3 × the minimum.
TEST(EstimateGenerations, EveryMeasuredPointCapturesWithin130Percent) {
  struct Point {
    const char* release;
    std::uint64_t ram_gib, file, unpacked, min_mib;
  };
  constexpr Point points[] = {
      {"6.12.117+deb13-amd64", 2, 2'931'572, 6'433'792, 80},
      {"6.12.117+deb13-amd64", 8, 2'931'572, 6'433'792, 80},
      {"6.12.117+deb13-amd64", 2, 9'969'877, 25'786'368, 128},
      {"6.12.117+deb13-amd64", 8, 9'969'877, 25'786'368, 128},
      {"7.2.13+deb14-amd64", 2, 2'934'564, 6'439'936, 96},
      {"7.2.13+deb14-amd64", 8, 2'934'564, 6'439'936, 96},
      {"7.2.13+deb14-amd64", 2, 10'062'506, 26'157'568, 128},
      {"7.2.13+deb14-amd64", 8, 10'062'506, 26'157'568, 128},
  };
  for (const auto& p : points) {
    auto in = input(p.ram_gib * GiB - 512 * KiB, p.release);
    in.capture_initramfs_bytes = p.file;
    in.capture_initramfs_unpacked_bytes = p.unpacked;
    in.capture_initramfs_source = "test image";
    auto r = recommend(estimate_policy(), in);
    ASSERT_TRUE(r.has_value());
    const std::uint64_t min = p.min_mib * MiB;
    EXPECT_GE(r->bytes_for_this_machine, min) << p.release << " " << p.file;
    EXPECT_LE(r->bytes_for_this_machine * 10, min * 13) << p.release << " " << p.file << ": "
                                                        << r->bytes_for_this_machine / MiB << " MiB";
    EXPECT_GE(r->bytes_for_this_machine, min - 16 * MiB + estimate::safety_margin) << p.release;
  }
}
