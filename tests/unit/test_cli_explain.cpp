// The explain verb through the real CLI (in-process): rendered errors in full, the
// contract's JSON keys, exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"

namespace kdump {
namespace {

using kdump::testing::CliRun;
using kdump::testing::run_cli;

const std::vector<std::string> k_61{"--arch", "x86_64", "--kernel-release", "6.1.0-56-amd64"};

std::vector<std::string> with61(std::vector<std::string> a) {
  a.insert(a.end(), k_61.begin(), k_61.end());
  return a;
}

TEST(CliExplain, IssueExampleRoundsUp) {
  CliRun r = run_cli(with61({"explain", "512M-2G:64M,2G-:128M", "--memory", "2047M"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "kernel 6.1.0-56-amd64 (6.1 x86_64), RAM 2047 MiB (2 GiB for range matching)\n"
            "matched range 2G-\n"
            "reserves 128 MiB (134217728 bytes)\n"
            "/sys/kernel/kexec_crash_size will read 134217728\n");
}

TEST(CliExplain, EndBeforeStartRendersCaretAndKernelMessage) {
  CliRun r = run_cli(with61({"explain", "2G-1G:64M", "--memory", "4G"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "kdump-setup: invalid crashkernel= value (kernel 6.1 x86_64)\n"
            "  2G-1G:64M\n"
            "     ^\n"
            "  kernel: crashkernel: end <= start\n");
}

TEST(CliExplain, CmdlineColumnIsInTheLine) {
  CliRun r = run_cli(with61({"explain", "--json", "--cmdline", "ro crashkernel=2G:64M", "--memory", "4G"}));
  EXPECT_EQ(r.code, 2);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["error"]["column"], 18);  // 1-based: the ":" after "ro crashkernel=2G"
  EXPECT_EQ(j["error"]["kernel_message"], "crashkernel: '-' expected");
}

TEST(CliExplain, JsonKeysOfTheContract) {
  CliRun r = run_cli(with61({"--json", "explain", "512M-2G:64M,2G-:128M", "--memory", "2047M"}));
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"valid", "error", "memory_bytes", "crash", "low", "cma",
                          "kexec_crash_size", "warnings"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"bytes", "offset", "matched_range", "token"})
    EXPECT_TRUE(j["crash"].contains(key)) << key;
  EXPECT_TRUE(j["valid"].get<bool>());
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["memory_bytes"], 2047ull << 20);
  EXPECT_EQ(j["crash"]["bytes"], 128ull << 20);
  EXPECT_TRUE(j["crash"]["offset"].is_null());
  EXPECT_EQ(j["crash"]["matched_range"], "2G-");
  EXPECT_EQ(j["crash"]["token"], "crashkernel=512M-2G:64M,2G-:128M");
  EXPECT_EQ(j["low"]["bytes"], 0);
  EXPECT_EQ(j["cma"]["bytes"], 0);
  EXPECT_EQ(j["kexec_crash_size"], 128ull << 20);
  EXPECT_TRUE(j["warnings"].is_array());
}

TEST(CliExplain, WarningsForSurprisingValues) {
  CliRun r = run_cli(with61({"--json", "explain", "--cmdline",
                          "xcrashkernel=010M crashkernel=4096 crashkernel=64M,cma", "--memory", "4G"}));
  auto j = nlohmann::json::parse(r.out);
  std::string all;
  for (const auto& w : j["warnings"]) all += w.get<std::string>() + "\n";
  EXPECT_NE(all.find("substring search"), std::string::npos) << all;
  EXPECT_NE(all.find(",cma needs Linux 6.16"), std::string::npos) << all;
  EXPECT_NE(all.find("3 crashkernel= values"), std::string::npos) << all;

  CliRun octal = run_cli(with61({"--json", "explain", "010M", "--memory", "4G"}));
  EXPECT_NE(octal.out.find("octal"), std::string::npos);
  CliRun bytes = run_cli(with61({"--json", "explain", "4096", "--memory", "4G"}));
  EXPECT_NE(bytes.out.find("no unit suffix"), std::string::npos);
  CliRun junk = run_cli(with61({"--json", "explain", "1G-:256MB", "--memory", "4G"}));
  EXPECT_NE(junk.out.find("not well formed"), std::string::npos);
  CliRun autov = run_cli(with61({"--json", "explain", "auto", "--memory", "4G"}));
  EXPECT_EQ(autov.code, 2);
  EXPECT_NE(autov.out.find("RHEL 7/8"), std::string::npos);
}

TEST(CliExplain, BadOptionsExitTwo) {
  EXPECT_EQ(run_cli(with61({"explain", "256M", "--memory", "16X"})).code, 2);
  EXPECT_EQ(run_cli({"explain", "256M", "--memory", "4G", "--arch", "vax"}).code, 2);
  EXPECT_EQ(run_cli(with61({"explain", "256M", "--cmdline", "x", "--memory", "4G"})).code, 2);
  EXPECT_EQ(run_cli({"explain", "--no-such-option"}).code, 2);
  CliRun r = run_cli(with61({"explain", "256M", "--memory", "16X"}));
  EXPECT_EQ(r.err, "kdump-setup: --memory: '16X' is not a size\n"
                   "  hint: write it as the kernel does: 16G, 2048M, or plain bytes\n");
}

TEST(CliExplain, MissingMemoryUnderRootNamesTheOption) {
  char dir[] = "/tmp/kdump-empty-root-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  CliRun r = run_cli(with61({"--root", dir, "explain", "256M"}));
  rmdir(dir);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("--memory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kdump
