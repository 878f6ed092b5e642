// shrink: plan_shrink's rules (kernel crash_shrink_memory()), the sysfs write on a
// scratch root, the freed tails read from /proc/iomem, and verify's "shrunk at run time".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "core/crash_state.hpp"
#include "core/shrink.hpp"
#include "core/verify.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t MiB_ = 1ull << 20;

CrashState reserved(std::uint64_t bytes) {
  CrashState s;
  s.crash_size = Fact<std::uint64_t>{bytes, "/sys/kernel/kexec_crash_size"};
  s.loaded = Fact<bool>{false, "/sys/kernel/kexec_crash_loaded"};
  return s;
}

TEST(CoreShrink, RoundsUpToTheAlignment) {
  EXPECT_EQ(crash_mem_align(Arch::x86_64, 4096), 4096u);
  EXPECT_EQ(crash_mem_align(Arch::aarch64, 65536), 65536u);
  EXPECT_EQ(crash_mem_align(Arch::s390x, 4096), MiB_);  // KEXEC_CRASH_MEM_ALIGN = HPAGE_SIZE
  EXPECT_EQ(crash_mem_align(Arch::x86_64, 0), 4096u);
  EXPECT_EQ(shrunk_size(200000001, 4096), 200003584u);
  EXPECT_EQ(shrunk_size(192 * MiB_, 4096), 192 * MiB_);
}

TEST(CoreShrink, PlansOnlyShrinking) {
  auto p = plan_shrink(reserved(512 * MiB_), 192 * MiB_, 4096);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->before_bytes, 512 * MiB_);
  EXPECT_EQ(p->after_bytes, 192 * MiB_);
  EXPECT_TRUE(p->changes());
  auto same = plan_shrink(reserved(512 * MiB_), 512 * MiB_ - 100, 4096);  // rounds to equal
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->changes());
  auto grow = plan_shrink(reserved(256 * MiB_), 512 * MiB_, 4096);
  ASSERT_FALSE(grow);
  EXPECT_EQ(grow.error().kind, ErrorKind::usage);
  auto zero = plan_shrink(reserved(256 * MiB_), 0, 4096);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().kind, ErrorKind::usage);
  auto nothing = plan_shrink(reserved(0), 64 * MiB_, 4096);
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().kind, ErrorKind::unsupported);
  auto unsupported = plan_shrink(CrashState{}, 64 * MiB_, 4096);
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().kind, ErrorKind::unsupported);
}

TEST(CoreShrink, WritesTheSysfsFileBelowTheRoot) {
  auto root = std::filesystem::temp_directory_path() / ("kds-shrink-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "sys/kernel");
  std::ofstream(root / "sys/kernel/kexec_crash_size") << "536870912\n";
  auto after = write_crash_size(root, 192 * MiB_);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(*after, 192 * MiB_);
  std::ifstream in(root / "sys/kernel/kexec_crash_size");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "201326592\n");
  std::filesystem::remove_all(root / "sys");
  auto missing = write_crash_size(root, 192 * MiB_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::unsupported);
  std::filesystem::remove_all(root);
}

// A Runner that knows some programs: the others cannot be started (ErrorKind::command).
class FakeRunner : public Runner {
public:
  std::map<std::string, int> status;  // program -> exit status
  std::vector<std::string> ran;
  Result<RunOutcome> run(const std::vector<std::string>& argv, const RunOptions&) override {
    auto it = status.find(argv[0]);
    if (it == status.end()) return fail(make_error(ErrorKind::command, argv[0] + ": not found"));
    ran.push_back(format_argv(argv));
    RunOutcome o;
    o.argv = argv;
    o.exit_status = it->second;
    return o;
  }
};

std::filesystem::path scratch_root(const char* name) {
  auto root = std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "sys/kernel");
  std::ofstream(root / "sys/kernel/kexec_crash_size") << "536870912\n";
  return root;
}

std::string crash_size_text(const std::filesystem::path& root) {
  std::ifstream in(root / "sys/kernel/kexec_crash_size");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(CoreShrink, ReloadUnloadsThroughTheFirstServiceThatRunsThenLoadsAgain) {
  auto root = scratch_root("kds-reload-");
  FakeRunner runner;
  runner.status = {{"kdumpctl", 0}};  // no kdump-config: kdump-utils
  auto r = shrink_running(root, 192 * MiB_, &runner);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->after_bytes, 192 * MiB_);
  EXPECT_EQ(r->package, "kdump-utils (Fedora, RHEL)");
  EXPECT_EQ(runner.ran, (std::vector<std::string>{"kdumpctl stop", "kdumpctl start"}));
  EXPECT_EQ(crash_size_text(root), "201326592\n");
  std::filesystem::remove_all(root);
}

TEST(CoreShrink, ReloadWritesNothingWhenTheUnloadFails) {
  auto root = scratch_root("kds-reload-fail-");
  FakeRunner runner;
  runner.status = {{"kdump-config", 1}};
  auto r = shrink_running(root, 192 * MiB_, &runner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::command);
  EXPECT_EQ(runner.ran, (std::vector<std::string>{"kdump-config unload"}));
  EXPECT_EQ(crash_size_text(root), "536870912\n");
  FakeRunner none;  // neither tool installed
  auto n = shrink_running(root, 192 * MiB_, &none);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(crash_size_text(root), "536870912\n");
  std::filesystem::remove_all(root);
}

// What Debian's 6.1 kernel (6.1.0-57-amd64, 2 GiB QEMU guest, crashkernel=512M at
// 5e000000-7dffffff) showed after `kdump-setup shrink --to 139460608`
// (tests/vm/shrink.sh), shortened.
constexpr std::uint64_t k_shrunk = 139460608;
constexpr const char* k_shrunk_iomem =
    "00001000-0009fbff : System RAM\n"
    "00100000-7ffdcfff : System RAM\n"
    "  03310000-043fffff : Kernel bss\n"
    "  5e000000-664fffff : Crash kernel\n"
    "  66500000-7dffffff : System RAM\n"
    "7ffdd000-7fffffff : Reserved\n";

TEST(CoreShrink, FindsTheFreedTailAfterTheCrashRegion) {
  auto tails = released_after_crash_regions(k_shrunk_iomem);
  ASSERT_EQ(tails.size(), 1u);
  EXPECT_EQ(tails[0].start, 0x66500000u);
  EXPECT_EQ(tails[0].end, 0x7dffffffu);
  // Two shrinks (512M -> 256M -> 133M) leave two tails, the newer one first.
  auto two = released_after_crash_regions("00100000-7ffdcfff : System RAM\n"
                                          "  5e000000-664fffff : Crash kernel\n"
                                          "  66500000-6dffffff : System RAM\n"
                                          "  6e000000-7dffffff : System RAM\n"
                                          "7ffdd000-7fffffff : Reserved\n");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].end, 0x7dffffffu);
  // A top-level System RAM after a region, or one that does not start right after it,
  // is no trace of a shrink.
  EXPECT_TRUE(released_after_crash_regions("00100000-7ffdffff : System RAM\n"
                                           "  5f000000-7effffff : Crash kernel\n"
                                           "7f000000-7fffffff : System RAM\n")
                  .empty());
  EXPECT_TRUE(released_after_crash_regions("00100000-7ffdffff : System RAM\n"
                                           "  5f000000-6affffff : Crash kernel\n"
                                           "  6c000000-7effffff : System RAM\n")
                  .empty());
}

VerifyInput booted_512m(std::uint64_t crash_size, const char* iomem) {
  VerifyInput in;
  in.running_cmdline = "root=/dev/vda crashkernel=512M";
  in.kernel_release = "6.1.0-57-amd64";
  in.memory_bytes = 2ull << 30;
  in.model = model_for_release(Arch::x86_64, in.kernel_release);
  in.crash = reserved(crash_size);
  in.crash.regions = crash_regions_from_iomem(iomem);
  in.crash.regions_source = "/proc/iomem";
  in.crash.released = released_after_crash_regions(iomem);
  return in;
}

TEST(CoreShrink, VerifySaysShrunkAtRunTime) {
  auto r = verify(booted_512m(k_shrunk, k_shrunk_iomem));
  EXPECT_EQ(r.status, VerifyStatus::ok) << r.message;
  EXPECT_EQ(r.shrunk_from_bytes, 512 * MiB_);
  EXPECT_EQ(r.reserved_bytes, k_shrunk);
  EXPECT_NE(r.message.find("shrunk at run time from 512 MiB to 133 MiB"), std::string::npos) << r.message;
  // Smaller without the kernel's trace: still a mismatch.
  auto bare = verify(booted_512m(k_shrunk, "00100000-7ffdcfff : System RAM\n  5e000000-664fffff : Crash kernel\n"));
  EXPECT_EQ(bare.status, VerifyStatus::mismatch);
  EXPECT_FALSE(bare.shrunk_from_bytes);
  // Not shrunk: no shrunk_from_bytes.
  auto full = verify(booted_512m(512 * MiB_, "00100000-7ffdcfff : System RAM\n  5e000000-7dffffff : Crash kernel\n"));
  EXPECT_EQ(full.status, VerifyStatus::ok) << full.message;
  EXPECT_FALSE(full.shrunk_from_bytes);
}

}  // namespace
}  // namespace kdump
