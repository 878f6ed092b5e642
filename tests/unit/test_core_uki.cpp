// The effective command line of a UKI boot (core/uki.hpp): systemd-stub 257's order and
// rules, on hand-made inputs and on a UKI and add-ons built by trixie's ukify
// (scripts/vm/fetch-uki-tools.sh; those tests skip when its cache is absent).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/apply.hpp"
#include "core/uki.hpp"
#include "grammar/cmdline_edit.hpp"
#include "grammar/pe_image.hpp"

using namespace kdump;
using namespace kdump::uki;
namespace fs = std::filesystem;

namespace {

PeInfo uki_with(std::optional<std::string> cmdline, std::optional<std::string> uname = {}) {
  PeInfo p;
  p.cmdline = std::move(cmdline);
  p.has_linux = true;
  if (uname) {
    p.uname = *uname;
    p.uname_bytes = *uname;
    p.uname_size = static_cast<std::uint32_t>(uname->size());
  }
  return p;
}

AddonFile addon(std::string name, std::optional<std::string> cmdline, bool signed_ok = false) {
  PeInfo p;
  p.cmdline = std::move(cmdline);
  AddonFile f;
  f.name = std::move(name);
  f.info = p;
  f.signature_accepted = signed_ok;
  return f;
}

BootInput boot(PeInfo uki) {
  BootInput in;
  in.uki_path = "EFI/Linux/debian-6.1.0-57-amd64.efi";
  in.uki = std::move(uki);
  return in;
}

std::vector<std::string> applied(const EffectiveCmdline& e) {
  std::vector<std::string> v;
  for (const auto& p : e.parts)
    if (p.source == Source::addon) v.push_back(p.path);
  return v;
}

}  // namespace

TEST(UkiCmdline, MangleTurnsControlCharactersIntoSpacesAndTrims) {
  EXPECT_EQ(mangle_stub_cmdline("\n  quiet\tsplash\r\n"), "quiet splash");
  EXPECT_EQ(mangle_stub_cmdline("a  b"), "a  b");  // inner runs stay
  EXPECT_EQ(mangle_stub_cmdline("a\x7f" "b"), "a b");
  EXPECT_EQ(mangle_stub_cmdline(" \n\t"), "");
}

TEST(UkiCmdline, AddonDirectoriesAndBootCounting) {
  EXPECT_EQ(addon_dirs("EFI/Linux/debian.efi").global, "loader/addons");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian.efi").per_uki, "EFI/Linux/debian.efi.extra.d");
  EXPECT_EQ(addon_dirs("/EFI/Linux/debian.efi").per_uki, "EFI/Linux/debian.efi.extra.d");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian+3-1.efi").per_uki, "EFI/Linux/debian.efi.extra.d");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian+3.efi").per_uki, "EFI/Linux/debian.efi.extra.d");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian+x.efi").per_uki, "EFI/Linux/debian+x.efi.extra.d");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian+3-.efi").per_uki, "EFI/Linux/debian+3-.efi.extra.d");
  // Only the first '+' of the whole path is looked at, as util.c does.
  EXPECT_EQ(addon_dirs("EFI/a+b/debian+3.efi").per_uki, "EFI/a+b/debian+3.efi.extra.d");
  EXPECT_EQ(addon_dirs("EFI/Linux/debian+3").per_uki, "EFI/Linux/debian.extra.d");
}

TEST(UkiCmdline, WhichFileNamesTheStubConsiders) {
  EXPECT_TRUE(is_addon_file_name("kdump-setup-crashkernel.addon.efi"));
  EXPECT_TRUE(is_addon_file_name("VENDOR.ADDON.EFI"));
  EXPECT_FALSE(is_addon_file_name(".hidden.addon.efi"));
  EXPECT_FALSE(is_addon_file_name("crash.efi"));
  EXPECT_FALSE(is_addon_file_name("crash.addon.efi.bak"));
  EXPECT_FALSE(is_addon_file_name("caf\xc3\xa9.addon.efi"));
  EXPECT_FALSE(is_addon_file_name(std::string(246, 'a') + ".addon.efi"));  // 256 chars
  EXPECT_TRUE(is_addon_file_name(std::string(245, 'a') + ".addon.efi"));   // 255 chars
}

TEST(UkiCmdline, EmbeddedThenGlobalThenPerUkiAddonsEachSortedByName) {
  BootInput in = boot(uki_with("root=/dev/vda quiet"));
  in.global_addons = {addon("20-b.addon.efi", "g20"), addon("10-a.addon.efi", "g10"),
                      addon("notes.txt", "ignored")};
  in.uki_addons = {addon("z.addon.efi", "u-z"), addon("A.addon.efi", "u-A"),
                   addon("m.addon.efi", "u-m")};
  const EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "root=/dev/vda quiet g10 g20 u-A u-m u-z");
  EXPECT_EQ(applied(e), (std::vector<std::string>{
                            "loader/addons/10-a.addon.efi", "loader/addons/20-b.addon.efi",
                            "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/A.addon.efi",
                            "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/m.addon.efi",
                            "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/z.addon.efi"}));
  EXPECT_EQ(e.parts.front().source, Source::embedded);
  EXPECT_TRUE(e.skipped.empty());
}

TEST(UkiCmdline, LoaderCommandLineReplacesTheEmbeddedOneWithSecureBootOff) {
  BootInput in = boot(uki_with("root=/dev/vda crashkernel=64M"));
  in.loader_cmdline = "root=/dev/vda single";
  in.uki_addons = {addon("crash.addon.efi", "crashkernel=256M")};
  const EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "root=/dev/vda single crashkernel=256M");
  EXPECT_EQ(e.parts.front().source, Source::loader);
  EXPECT_FALSE(e.loader_cmdline_ignored);
}

TEST(UkiCmdline, SecureBootIgnoresTheLoaderCommandLineWhenTheUkiHasOne) {
  BootInput in = boot(uki_with("root=/dev/vda"));
  in.secure_boot = true;
  in.loader_cmdline = "init=/bin/sh";
  in.uki_addons = {addon("crash.addon.efi", "crashkernel=256M", /*signed_ok=*/true)};
  const EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "root=/dev/vda crashkernel=256M");
  EXPECT_TRUE(e.loader_cmdline_ignored);
  EXPECT_EQ(e.parts.front().source, Source::embedded);
}

TEST(UkiCmdline, SecureBootHonoursTheLoaderWhenTheUkiHasNoCmdlineExceptInAConfidentialVm) {
  BootInput in = boot(uki_with(std::nullopt));
  in.secure_boot = true;
  in.loader_cmdline = "root=/dev/vda";
  EXPECT_EQ(effective_cmdline(in).cmdline, "root=/dev/vda");
  in.confidential_vm = true;
  EXPECT_EQ(effective_cmdline(in).cmdline, "");
  EXPECT_TRUE(effective_cmdline(in).loader_cmdline_ignored);
}

TEST(UkiCmdline, EmptyOrControlCharacterLoadOptionsAreNotACommandLine) {
  BootInput in = boot(uki_with("quiet"));
  in.loader_cmdline = "";
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet");
  in.loader_cmdline = std::string("\x01garbage");
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet");
}

TEST(UkiCmdline, UnsignedAddonsAreSkippedUnderSecureBoot) {
  BootInput in = boot(uki_with("quiet"));
  in.global_addons = {addon("vendor.addon.efi", "crashkernel=1G", true),
                      addon("mine.addon.efi", "crashkernel=256M", false)};
  in.secure_boot = true;
  EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "quiet crashkernel=1G");
  ASSERT_EQ(e.skipped.size(), 1u);
  EXPECT_EQ(e.skipped[0].path, "loader/addons/mine.addon.efi");
  in.secure_boot = false;  // LoadImage checks no signature then
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet crashkernel=256M crashkernel=1G");
}

TEST(UkiCmdline, AddonsThatAreUkisHaveNoPayloadOrAnotherUnameAreSkipped) {
  BootInput in = boot(uki_with("quiet", "6.1.0-57-amd64"));
  AddonFile is_uki = addon("a-uki.addon.efi", "x=1");
  is_uki.info->has_linux = true;
  AddonFile empty = addon("b-empty.addon.efi", std::nullopt);
  AddonFile dtb_only = addon("c-dtb.addon.efi", std::nullopt);
  dtb_only.info->has_dtb = true;
  AddonFile other = addon("d-other.addon.efi", "y=1");
  other.info->uname = "6.12.0-1-amd64";
  other.info->uname_bytes = "6.12.0-1-amd64";
  other.info->uname_size = 14;
  AddonFile same = addon("e-same.addon.efi", "crashkernel=256M");
  same.info->uname = "6.1.0-57-amd64";
  same.info->uname_bytes = std::string("6.1.0-57-amd64\0\0", 16);
  same.info->uname_size = 16;
  AddonFile prefix = addon("f-prefix.addon.efi", "z=1");  // strneq over the add-on's size
  prefix.info->uname = "6.1";
  prefix.info->uname_bytes = "6.1";
  prefix.info->uname_size = 3;
  AddonFile longer = addon("g-longer.addon.efi", "w=1");  // NUL in the add-on's bytes
  longer.info->uname = "6.1";
  longer.info->uname_bytes = std::string("6.1\0", 4);
  longer.info->uname_size = 4;
  AddonFile broken = addon("h-broken.addon.efi", std::nullopt);
  broken.info = fail(make_error(ErrorKind::parse, "not a PE image at byte offset 0 (0x0)"));
  in.uki_addons = {is_uki, empty, dtb_only, other, same, prefix, longer, broken};
  const EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "quiet crashkernel=256M z=1");
  std::vector<std::string> skipped;
  for (const auto& s : e.skipped) skipped.push_back(s.path.substr(s.path.rfind('/') + 1));
  EXPECT_EQ(skipped, (std::vector<std::string>{"a-uki.addon.efi", "b-empty.addon.efi",
                                               "d-other.addon.efi", "g-longer.addon.efi",
                                               "h-broken.addon.efi"}));
}

TEST(UkiCmdline, AStubOlderThan254LoadsNoAddons) {
  PeInfo old = uki_with("quiet");
  old.stub_program = "systemd-stub";
  old.stub_version = "252.39-1~deb12u2";
  EXPECT_EQ(stub_major(old), 252);
  BootInput in = boot(old);
  in.uki_addons = {addon("crash.addon.efi", "crashkernel=256M")};
  EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "quiet");
  ASSERT_EQ(e.skipped.size(), 1u);
  EXPECT_NE(e.skipped[0].reason.find("252.39-1~deb12u2"), std::string::npos) << e.skipped[0].reason;
  in.uki.stub_version = "257.13-1~deb13u1";
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet crashkernel=256M");
}

TEST(UkiCmdline, AnEmptyAddonBetweenTwoLeavesTheStubsDoubleSpace) {
  BootInput in = boot(uki_with("quiet"));
  in.global_addons = {addon("1.addon.efi", "a"), addon("2.addon.efi", " \n"),
                      addon("3.addon.efi", "b")};
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet a  b");
}

TEST(UkiCmdline, SmbiosExtraComesLastExceptInAConfidentialVm) {
  BootInput in = boot(uki_with("quiet"));
  in.global_addons = {addon("1.addon.efi", "crashkernel=256M")};
  in.smbios_cmdline_extra = "crashkernel=1G";
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet crashkernel=256M crashkernel=1G");
  in.confidential_vm = true;
  EXPECT_EQ(effective_cmdline(in).cmdline, "quiet crashkernel=256M");
}

TEST(UkiCmdline, TheLastCrashkernelOfTheEffectiveLineIsTheOneThatCounts) {
  // An embedded crashkernel= and an add-on's: the kernel takes the last
  // (kernel/crash_reserve.c get_last_crashkernel), which is the add-on's.
  BootInput in = boot(uki_with("root=/dev/vda crashkernel=64M"));
  in.uki_addons = {addon("kdump-setup-crashkernel.addon.efi", "crashkernel=256M")};
  const auto words = cmdline::crashkernel_words(effective_cmdline(in).cmdline, cmdline::Dialect::kernel);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words.back().value, "256M");
}

// Real files: trixie's ukify builds a UKI and add-ons; read_pe_info reads them back.
namespace {

std::optional<fs::path> uki_tools() {
  const char* env = std::getenv("KDUMP_UKI_TOOLS_DIR");
  fs::path dir = env ? fs::path(env) : fs::path(KDUMP_SOURCE_DIR) / "build/uki-tools";
  if (fs::exists(dir / "root/usr/lib/systemd/ukify") && fs::exists("/usr/bin/python3")) return dir;
  return std::nullopt;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ukify(const fs::path& tools, const std::string& args) {
  const std::string cmd = "/usr/bin/python3 '" + (tools / "root/usr/lib/systemd/ukify").string() +
                          "' build " + args + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

}  // namespace

TEST(UkiCmdline, UkiAndAddonsBuiltByUkify) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  std::string t = (fs::temp_directory_path() / "kdump-uki-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  const fs::path dir = t;
  const std::string efi = (*tools / "root/usr/lib/systemd/boot/efi").string();
  std::ofstream(dir / "kernel") << "MZ not really a kernel";
  ukify(*tools, "--linux=" + (dir / "kernel").string() + " --uname=6.1.0-57-amd64" +
                    " --cmdline='root=/dev/vda crashkernel=64M' --stub=" + efi +
                    "/linuxx64.efi.stub --output=" + (dir / "uki.efi").string());
  ukify(*tools, "--cmdline=crashkernel=256M --stub=" + efi + "/addonx64.efi.stub --output=" +
                    (dir / "crash.addon.efi").string());
  ukify(*tools, "--cmdline=quiet --uname=6.12.0-1-amd64 --stub=" + efi +
                    "/addonx64.efi.stub --output=" + (dir / "other.addon.efi").string());

  auto uki = read_pe_info(slurp(dir / "uki.efi"), "uki.efi");
  ASSERT_TRUE(uki) << uki.error().message;
  EXPECT_TRUE(uki->has_linux);
  EXPECT_EQ(uki->uname.value_or(""), "6.1.0-57-amd64");
  EXPECT_EQ(uki->stub_program.value_or(""), "systemd-stub");
  EXPECT_EQ(stub_major(*uki), 257);
  BootInput in = boot(*uki);
  for (const char* name : {"crash.addon.efi", "other.addon.efi"}) {
    AddonFile f;
    f.name = name;
    f.info = read_pe_info(slurp(dir / name), name, -1, /*whole_table=*/true);
    ASSERT_TRUE(f.info) << f.info.error().message;
    EXPECT_EQ(f.info->stub_program.value_or(""), "systemd-addon");
    in.uki_addons.push_back(std::move(f));
  }
  const EffectiveCmdline e = effective_cmdline(in);
  EXPECT_EQ(e.cmdline, "root=/dev/vda crashkernel=64M crashkernel=256M");
  ASSERT_EQ(e.skipped.size(), 1u);
  EXPECT_NE(e.skipped[0].reason.find(".uname"), std::string::npos);
  fs::remove_all(dir);
}

// The add-on writer against ukify: the same stub and command line give the same bytes.
TEST(UkiAddonWriter, SameBytesAsUkify) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  const fs::path stub_path = *tools / "root/usr/lib/systemd/boot/efi/addonx64.efi.stub";
  const std::string stub = slurp(stub_path);
  std::string t = (fs::temp_directory_path() / "kdump-addon-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  const fs::path dir = t;
  // A short value, and one whose .cmdline needs two file-alignment blocks.
  std::string long_value = "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M";
  while (long_value.size() < 700) long_value += ",high";
  for (const std::string& cmdline : {std::string("crashkernel=256M"), long_value}) {
    const fs::path out = dir / "ukify.addon.efi";
    ukify(*tools, "--cmdline='" + cmdline + "' --stub='" + stub_path.string() + "' --output='" +
                      out.string() + "'");
    auto ours = make_cmdline_addon(stub, cmdline, stub_path.string());
    ASSERT_TRUE(ours) << ours.error().message;
    const std::string theirs = slurp(out);
    EXPECT_EQ(ours->size(), theirs.size());
    EXPECT_TRUE(*ours == theirs) << "differs from ukify's add-on for " << cmdline;
    auto info = read_pe_info(*ours, "ours", -1, true);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->cmdline.value_or(""), cmdline);
  }
  fs::remove_all(dir);
}

TEST(UkiAddonWriter, AnEmptySectionCountsAsAbsentAndHidesALaterOne) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  const std::string stub = slurp(*tools / "root/usr/lib/systemd/boot/efi/addonx64.efi.stub");
  auto img = pe::add_sections(stub, {{".cmdline", ""}, {".linux", ""}});
  ASSERT_TRUE(img) << img.error().message;
  auto info = read_pe_info(*img, "x", -1, true);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->cmdline);
  EXPECT_FALSE(info->has_linux);
  // A UKI whose .cmdline is empty has no embedded command line for Secure Boot's rule:
  // the loader's is honoured.
  BootInput in = boot(*info);
  in.secure_boot = true;
  in.loader_cmdline = "root=/dev/vda";
  EXPECT_EQ(effective_cmdline(in).cmdline, "root=/dev/vda");
}

TEST(UkiAddonWriter, RefusesWhatIsNotAnAddonStubAndBadCommandLines) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  const std::string stub = slurp(*tools / "root/usr/lib/systemd/boot/efi/addonx64.efi.stub");
  EXPECT_EQ(make_cmdline_addon(stub, "crashkernel=1G\nquiet").error().kind, ErrorKind::usage);
  EXPECT_EQ(make_cmdline_addon(stub, "").error().kind, ErrorKind::usage);
  auto addon = make_cmdline_addon(stub, "crashkernel=256M");
  ASSERT_TRUE(addon);
  // An add-on is not a stub: it already has a .cmdline.
  EXPECT_EQ(make_cmdline_addon(*addon, "crashkernel=1G").error().kind, ErrorKind::unsupported);
  auto garbage = make_cmdline_addon("MZ", "crashkernel=1G", "stub.efi");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::parse);
  EXPECT_EQ(garbage.error().file.value_or(""), "stub.efi");
}

TEST(UkiAddonWriter, OwnAddonsAreKnownByNameAndContentSignedOrNot) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  const std::string stub = slurp(*tools / "root/usr/lib/systemd/boot/efi/addonx64.efi.stub");
  auto ours = make_cmdline_addon(stub, "crashkernel=256M");
  ASSERT_TRUE(ours);
  EXPECT_TRUE(is_own_addon(kAddonFileName, *ours));
  EXPECT_FALSE(is_own_addon("vendor-crashkernel.addon.efi", *ours));
  EXPECT_FALSE(is_own_addon(kAddonFileName, *make_cmdline_addon(stub, "crashkernel=256M quiet")));
  EXPECT_FALSE(is_own_addon(kAddonFileName, *make_cmdline_addon(stub, "quiet")));
  EXPECT_FALSE(is_own_addon(kAddonFileName, stub));
  EXPECT_FALSE(is_own_addon(kAddonFileName, "garbage"));
  // Signed with sbsign (a certificate table appended): still ours.
  if (std::system("command -v sbsign >/dev/null && command -v openssl >/dev/null") != 0)
    GTEST_SKIP() << "no sbsign/openssl for the signed case";
  std::string t = (fs::temp_directory_path() / "kdump-addon-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  const fs::path dir = t;
  std::ofstream(dir / "in.efi", std::ios::binary) << *ours;
  const std::string cmd =
      "cd '" + dir.string() + "' && openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=test"
      " -keyout k.pem -out c.pem -days 1 >/dev/null 2>&1 && sbsign --key k.pem --cert c.pem"
      " --output out.efi in.efi >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string signed_addon = slurp(dir / "out.efi");
  EXPECT_GT(signed_addon.size(), ours->size());
  EXPECT_TRUE(is_own_addon(kAddonFileName, signed_addon));
  // And the writer refuses a signed image as its stub, as ukify does.
  EXPECT_EQ(pe::add_sections(signed_addon, {{".x", "y"}}).error().kind, ErrorKind::unsupported);
  fs::remove_all(dir);
}

// On an ESP under a root: read the UKI boot, install kdump-setup's add-on through the
// apply step, read it back. (Removal needs a delete edit in Plan; not here.)
namespace {

class NoCommands : public Runner {
public:
  Result<RunOutcome> run(const std::vector<std::string>& argv, const RunOptions&) override {
    ADD_FAILURE() << "no command expected: " << argv.front();
    return RunOutcome{};
  }
};

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

}  // namespace

TEST(UkiOnEsp, AddonInstalledThroughTheApplyStepChangesTheEffectiveCommandLine) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  std::string t = (fs::temp_directory_path() / "kdump-esp-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  const fs::path root_dir = t;
  const std::string efi = (*tools / "root/usr/lib/systemd/boot/efi").string();
  write_file(root_dir / "kernel", "MZ not really a kernel");
  const fs::path uki = root_dir / "efi/EFI/Linux/debian-6.1.0-57-amd64+2-1.efi";
  fs::create_directories(uki.parent_path());
  ukify(*tools, "--linux=" + (root_dir / "kernel").string() + " --uname=6.1.0-57-amd64" +
                    " --cmdline='root=/dev/vda quiet' --stub=" + efi + "/linuxx64.efi.stub --output=" +
                    uki.string());
  fs::create_directories(root_dir / "efi/loader/addons");
  ukify(*tools, "--cmdline=vendor=1 --stub=" + efi + "/addonx64.efi.stub --output=" +
                    (root_dir / "efi/loader/addons/vendor.addon.efi").string());
  fs::create_directories(root_dir / "efi/loader/addons/sub.addon.efi");  // a directory: skipped
  write_file(root_dir / "efi/loader/addons/broken.addon.efi", "MZ");      // skipped, with the reason

  auto root = RootDir::open(root_dir);
  ASSERT_TRUE(root);
  auto before = read_uki_boot(*root, "/efi", "EFI/Linux/debian-6.1.0-57-amd64+2-1.efi");
  ASSERT_TRUE(before) << before.error().message;
  EffectiveCmdline e = effective_cmdline(*before);
  EXPECT_EQ(e.cmdline, "root=/dev/vda quiet vendor=1");
  ASSERT_EQ(e.skipped.size(), 1u);
  EXPECT_EQ(e.skipped[0].path, "loader/addons/broken.addon.efi");
  EXPECT_NE(e.skipped[0].reason.find("byte offset"), std::string::npos) << e.skipped[0].reason;

  const std::string stub = slurp(efi + "/addonx64.efi.stub");
  auto addon = make_cmdline_addon(stub, "crashkernel=256M");
  ASSERT_TRUE(addon);
  const AddonDirs dirs = addon_dirs(before->uki_path);
  EXPECT_EQ(dirs.per_uki, "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d");  // boot count removed
  auto edit = addon_install_edit(*root, "/efi", dirs.per_uki, *addon, "crashkernel=256M");
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_FALSE(edit->before);
  Plan plan;
  plan.backend = "systemd-boot";
  plan.edits.push_back(*edit);
  NoCommands runner;
  auto report = apply_plan(plan, *root, runner);
  ASSERT_TRUE(report) << report.error().message;
  const fs::path installed =
      root_dir / "efi/EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/kdump-setup-crashkernel.addon.efi";
  EXPECT_EQ(slurp(installed), *addon);
  EXPECT_TRUE(is_own_addon(installed.filename().string(), slurp(installed)));

  auto after = read_uki_boot(*root, "/efi", "EFI/Linux/debian-6.1.0-57-amd64+2-1.efi");
  ASSERT_TRUE(after);
  EXPECT_EQ(effective_cmdline(*after).cmdline, "root=/dev/vda quiet vendor=1 crashkernel=256M");
  ASSERT_EQ(after->uki_addons.size(), 1u);
  EXPECT_TRUE(after->uki_addons[0].own);
  for (const auto& g : after->global_addons) EXPECT_FALSE(g.own) << g.name;
  EXPECT_EQ(own_addon_paths(*after),
            (std::vector<std::string>{
                "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/kdump-setup-crashkernel.addon.efi"}));
  EXPECT_TRUE(own_addon_paths(*before).empty());
  // Planned again: the same bytes are there, nothing changes.
  auto again = addon_install_edit(*root, "/efi", dirs.per_uki, *addon, "crashkernel=256M");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changes());
  fs::remove_all(root_dir);
}

TEST(UkiOnEsp, AUkiThatIsNotAPeImageIsRefusedWithFileAndOffset) {
  std::string t = (fs::temp_directory_path() / "kdump-esp-XXXXXX").string();
  ASSERT_NE(mkdtemp(t.data()), nullptr);
  const fs::path root_dir = t;
  write_file(root_dir / "efi/EFI/Linux/bad.efi", std::string("MZ") + std::string(10, '\0'));
  auto root = RootDir::open(root_dir);
  ASSERT_TRUE(root);
  auto r = read_uki_boot(*root, "/efi", "EFI/Linux/bad.efi");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_NE(r.error().file.value_or("").find("EFI/Linux/bad.efi"), std::string::npos);
  EXPECT_NE(r.error().message.find("byte offset 60"), std::string::npos) << r.error().message;
  fs::remove_all(root_dir);
}

// Deciding a reserve on a UKI boot.
namespace {

ReserveInput reserve_input(std::optional<std::string> embedded) {
  ReserveInput r;
  r.boot = boot(uki_with(std::move(embedded), "6.1.0-57-amd64"));
  r.boot.uki.stub_version = "257.13-1~deb13u1";
  r.value = "256M";
  return r;
}

}  // namespace

TEST(UkiReserve, PerUkiAddonAndThePredictedCommandLine) {
  ReserveInput r = reserve_input("root=/dev/vda quiet");
  auto d = decide_reserve(r);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->dir, "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d");
  EXPECT_EQ(d->addon_cmdline, "crashkernel=256M");
  EXPECT_EQ(d->effective_after, "root=/dev/vda quiet crashkernel=256M");
  EXPECT_TRUE(d->notes.empty());
  EXPECT_TRUE(d->remove.empty());
  EXPECT_FALSE(d->needs_signature);
}

TEST(UkiReserve, AnEmbeddedCrashkernelIsOverriddenWithANote) {
  ReserveInput r = reserve_input("root=/dev/vda crashkernel=1G-4G:192M,4G-:256M");
  auto d = decide_reserve(r);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->effective_after, "root=/dev/vda crashkernel=1G-4G:192M,4G-:256M crashkernel=256M");
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_NE(d->notes[0].find("embedded"), std::string::npos) << d->notes[0];
}

TEST(UkiReserve, AVendorAddonSortingAfterOursIsRefusedBeforeOursIsNoted) {
  ReserveInput r = reserve_input("root=/dev/vda");
  r.boot.uki_addons = {addon("zz-vendor-crashkernel.addon.efi", "crashkernel=1G")};
  auto later = decide_reserve(r);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().kind, ErrorKind::unsupported);
  EXPECT_NE(later.error().message.find("zz-vendor-crashkernel.addon.efi"), std::string::npos)
      << later.error().message;
  r.boot.uki_addons = {addon("00-vendor-crashkernel.addon.efi", "crashkernel=1G")};
  auto earlier = decide_reserve(r);
  ASSERT_TRUE(earlier) << earlier.error().message;
  ASSERT_EQ(earlier->notes.size(), 1u);
  EXPECT_NE(earlier->notes[0].find("00-vendor"), std::string::npos);
  // The global directory comes before every per-UKI add-on: a global add-on of ours
  // loses to a per-UKI vendor one whatever its name.
  r.placement = Placement::global;
  EXPECT_FALSE(decide_reserve(r));
}

// Competing values of different kinds: the kernel takes a plain crashkernel= over any
// ,high/,low one wherever they stand (kernel/crash_reserve.c), so a ,high add-on after
// an embedded plain value would be ignored: refused; a plain add-on after an embedded
// ,high one wins and is noted.
TEST(UkiReserve, ASuffixedValueAfterAnEmbeddedPlainOneIsRefused) {
  ReserveInput r = reserve_input("root=/dev/vda crashkernel=384M");
  r.value = "512M,high";
  auto d = decide_reserve(r);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::unsupported);
  EXPECT_NE(d.error().message.find("the UKI's embedded command line has crashkernel=384M"), std::string::npos)
      << d.error().message;
  ReserveInput h = reserve_input("root=/dev/vda crashkernel=512M,high");
  auto ok = decide_reserve(h);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->notes.size(), 1u);
  EXPECT_NE(ok->notes[0].find("crashkernel=512M,high"), std::string::npos) << ok->notes[0];
  ReserveInput both = reserve_input("root=/dev/vda");
  both.value = "512M,high";
  EXPECT_TRUE(decide_reserve(both));
}

TEST(UkiReserve, SmbiosCrashkernelWinsAndIsRefused) {
  ReserveInput r = reserve_input("root=/dev/vda");
  r.boot.smbios_cmdline_extra = "crashkernel=512M";
  auto d = decide_reserve(r);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("SMBIOS"), std::string::npos) << d.error().message;
}

TEST(UkiReserve, SecureBootNeedsAKeyAndOldStubsCannot) {
  ReserveInput r = reserve_input("root=/dev/vda");
  r.boot.secure_boot = true;
  auto no_key = decide_reserve(r);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().kind, ErrorKind::unsupported);
  ASSERT_FALSE(no_key.error().hints.empty());
  EXPECT_NE(no_key.error().hints[0].find("/etc/kernel/uki.conf"), std::string::npos);
  r.can_sign = true;
  auto signed_ok = decide_reserve(r);
  ASSERT_TRUE(signed_ok);
  EXPECT_TRUE(signed_ok->needs_signature);
  EXPECT_EQ(signed_ok->effective_after, "root=/dev/vda crashkernel=256M");
  r.boot.uki.stub_version = "252.39-1~deb12u2";
  auto old = decide_reserve(r);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("252.39"), std::string::npos);
}

TEST(UkiReserve, OwnAddonMovesBetweenDirectoriesAndAReRunReplacesIt) {
  ReserveInput r = reserve_input("root=/dev/vda");
  AddonFile old_own = addon(std::string(kAddonFileName), "crashkernel=128M");
  old_own.own = true;
  r.boot.uki_addons = {old_own};
  // Same directory: replaced in place, nothing else to remove, one value on the line.
  auto same = decide_reserve(r);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->effective_after, "root=/dev/vda crashkernel=256M");
  EXPECT_TRUE(same->remove.empty());
  // Global now: the per-UKI one is ours and goes.
  r.placement = Placement::global;
  auto moved = decide_reserve(r);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->dir, "loader/addons");
  EXPECT_EQ(moved->remove, (std::vector<std::string>{
                               "EFI/Linux/debian-6.1.0-57-amd64.efi.extra.d/kdump-setup-crashkernel.addon.efi"}));
  EXPECT_EQ(moved->effective_after, "root=/dev/vda crashkernel=256M");
}
