// The PE section reader (grammar/pe_image.hpp) on real images: Debian's kernel (an EFI
// stub PE), and UKIs and add-ons built here by trixie's ukify (scripts/vm/fetch-uki-tools.sh;
// the tests that need it skip when its cache is absent), each checked against
// python3-pefile's reading of the same file; then truncated and garbage files, refused
// with the file and the byte offset.
#include <gtest/gtest.h>

#include "support/files.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "grammar/pe_image.hpp"

using namespace kdump;
namespace fs = std::filesystem;
using kdump::test::slurp;
using kdump::test::run_command;

namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::optional<fs::path> newest_kernel() {
  std::optional<fs::path> best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec))
    if (e.path().filename().string().rfind("vmlinuz-", 0) == 0 &&
        (!best || e.path().filename() > best->filename()))
      best = e.path();
  return best;
}

// python3-pefile's view: "name vsize vaddr rawsize rawptr" per section.
std::string pefile_sections(const fs::path& image) {
  return run_command("/usr/bin/python3 -c " +
             quote("import pefile,sys\n"
                   "pe = pefile.PE(sys.argv[1], fast_load=True)\n"
                   "for s in pe.sections:\n"
                   "    print(s.Name.rstrip(b'\\0').decode(), s.Misc_VirtualSize, s.VirtualAddress,"
                   " s.SizeOfRawData, s.PointerToRawData)\n") +
             " " + quote(image.string()));
}

std::string our_sections(const pe::Image& img) {
  std::string out;
  for (const auto& s : img.sections)
    out += s.name + " " + std::to_string(s.virtual_size) + " " +
           std::to_string(s.virtual_address) + " " + std::to_string(s.raw_size) + " " +
           std::to_string(s.raw_offset) + "\n";
  return out;
}

class TempDir {
public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "kdump-pe-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

// Trixie's ukify and stubs, as scripts/vm/fetch-uki-tools.sh leaves them.
std::optional<fs::path> uki_tools() {
  const char* env = std::getenv("KDUMP_UKI_TOOLS_DIR");
  fs::path dir = env ? fs::path(env) : fs::path(KDUMP_SOURCE_DIR) / "build/uki-tools";
  if (fs::exists(dir / "root/usr/lib/systemd/ukify") && fs::exists("/usr/bin/python3")) return dir;
  return std::nullopt;
}

std::string ukify(const fs::path& tools, const std::string& args) {
  return run_command("/usr/bin/python3 " + quote((tools / "root/usr/lib/systemd/ukify").string()) +
             " build " + args + " 2>&1");
}

std::string efi_stub(const fs::path& tools, const char* name) {
  return quote((tools / "root/usr/lib/systemd/boot/efi" / name).string());
}

// A small PE32+ image with the given sections (name, contents), laid out as linkers do:
// e_lfanew 64, optional header of 240 bytes, file alignment 512.
std::string make_pe(const std::vector<std::pair<std::string, std::string>>& sections,
                    std::uint16_t opt_magic = 0x20b) {
  auto put = [](std::string& b, std::size_t at, std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  const std::size_t table = 64 + 24 + 240;
  std::size_t data = (table + 40 * sections.size() + 511) / 512 * 512;
  std::string b(data, '\0');
  b[0] = 'M'; b[1] = 'Z';
  put(b, 0x3c, 64, 4);
  b.replace(64, 4, std::string("PE\0\0", 4));
  put(b, 68, 0x8664, 2);
  put(b, 70, static_cast<std::uint32_t>(sections.size()), 2);
  put(b, 84, 240, 2);
  put(b, 88, opt_magic, 2);
  put(b, 88 + 32, 0x1000, 4);  // SectionAlignment
  put(b, 88 + 36, 0x200, 4);   // FileAlignment
  put(b, 88 + 60, static_cast<std::uint32_t>(data), 4);  // SizeOfHeaders
  put(b, 88 + 108, 16, 4);     // NumberOfRvaAndSizes (PE32+)
  std::uint32_t va = 0x1000;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const auto& [name, body] = sections[i];
    const std::size_t h = table + 40 * i;
    b.replace(h, std::min<std::size_t>(name.size(), 8), name.substr(0, 8));
    const std::uint32_t raw = static_cast<std::uint32_t>((body.size() + 511) / 512 * 512);
    put(b, h + 8, static_cast<std::uint32_t>(body.size()), 4);
    put(b, h + 12, va, 4);
    put(b, h + 16, raw, 4);
    put(b, h + 20, static_cast<std::uint32_t>(b.size()), 4);
    std::string padded = body;
    padded.resize(raw, '\0');
    b += padded;
    va += (raw + 0xfff) / 0x1000 * 0x1000;
  }
  return b;
}

std::string text_of(const std::string& bytes, const pe::Image& img, const char* name,
                    int profile = -1) {
  const pe::Section* s = img.find(name, profile);
  if (!s) return "<none>";
  auto t = pe::section_text(bytes, *s, "x");
  return t ? *t : "<error " + t.error().message + ">";
}

}  // namespace

TEST(PeImage, DebianKernelIsAPeImageAsPefileReadsIt) {
  auto k = newest_kernel();
  if (!k) GTEST_SKIP() << "no /boot/vmlinuz-*";
  const std::string bytes = slurp(*k);
  auto img = pe::read_image(bytes, k->string());
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->machine, pe::kMachineX86_64);
  EXPECT_TRUE(img->pe32_plus);
  EXPECT_NE(img->find(".text"), nullptr);
  EXPECT_EQ(img->find(".linux"), nullptr);
  EXPECT_EQ(our_sections(*img), pefile_sections(*k));
}

TEST(PeImage, UkiBuiltByUkifyHasItsSections) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  auto k = newest_kernel();
  if (!k) GTEST_SKIP() << "no /boot/vmlinuz-*";
  TempDir t;
  std::ofstream(t.path / "initrd") << "initrd bytes";
  std::ofstream(t.path / "os-release") << "ID=debian\nVERSION_ID=12\n";
  const std::string cmdline = "console=ttyS0 root=/dev/vda quiet crashkernel=128M";
  ukify(*tools, "--linux=" + quote(k->string()) + " --initrd=" + quote((t.path / "initrd").string()) +
                    " --cmdline=" + quote(cmdline) + " --uname=6.1.0-test-amd64" +
                    " --os-release=@" + quote((t.path / "os-release").string()) +
                    " --stub=" + efi_stub(*tools, "linuxx64.efi.stub") +
                    " --output=" + quote((t.path / "uki.efi").string()));
  const std::string bytes = slurp(t.path / "uki.efi");
  auto img = pe::read_image(bytes, "uki.efi");
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->machine, pe::kMachineX86_64);
  EXPECT_EQ(text_of(bytes, *img, ".cmdline"), cmdline);
  EXPECT_EQ(text_of(bytes, *img, ".uname"), "6.1.0-test-amd64");
  EXPECT_EQ(text_of(bytes, *img, ".osrel"), "ID=debian\nVERSION_ID=12\n");
  EXPECT_EQ(text_of(bytes, *img, ".initrd"), "initrd bytes");
  ASSERT_NE(img->find(".linux"), nullptr);
  ASSERT_NE(img->find(".sbat"), nullptr);
  // .linux holds the kernel file byte for byte (within min(SizeOfRawData, VirtualSize)).
  auto linux_bytes = pe::section_bytes(bytes, *img->find(".linux"));
  ASSERT_TRUE(linux_bytes);
  EXPECT_EQ(std::string(*linux_bytes), slurp(*k));
  EXPECT_EQ(img->profiles(), 0);
  EXPECT_EQ(our_sections(*img), pefile_sections(t.path / "uki.efi"));
}

TEST(PeImage, AddonBuiltByUkifyHasOnlyACmdline) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  TempDir t;
  const fs::path out = t.path / "kdump-setup-crashkernel.addon.efi";
  ukify(*tools, "--cmdline=crashkernel=256M --stub=" + efi_stub(*tools, "addonx64.efi.stub") +
                    " --output=" + quote(out.string()));
  const std::string bytes = slurp(out);
  auto img = pe::read_image(bytes, out.string());
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(text_of(bytes, *img, ".cmdline"), "crashkernel=256M");
  EXPECT_EQ(img->find(".linux"), nullptr);
  EXPECT_EQ(img->find(".uname"), nullptr);
  EXPECT_NE(img->find(".sbat"), nullptr);
  EXPECT_EQ(our_sections(*img), pefile_sections(out));
}

TEST(PeImage, MultiProfileUkiPicksTheProfilesOwnSectionsOverTheBase) {
  auto tools = uki_tools();
  if (!tools) GTEST_SKIP() << "no UKI tools (scripts/vm/fetch-uki-tools.sh)";
  auto k = newest_kernel();
  if (!k) GTEST_SKIP() << "no /boot/vmlinuz-*";
  TempDir t;
  // Two profile PEs (ukify --profile/--cmdline on the add-on stub), joined into one UKI.
  for (int i = 0; i < 2; ++i)
    ukify(*tools, "--profile=TITLE=p" + std::to_string(i) + " " +
                      (i == 1 ? "--cmdline=crashkernel=512M " : "") +
                      "--stub=" + efi_stub(*tools, "addonx64.efi.stub") + " --output=" +
                      quote((t.path / ("p" + std::to_string(i) + ".efi")).string()));
  ukify(*tools, "--linux=" + quote(k->string()) + " --cmdline=quiet" +
                    " --stub=" + efi_stub(*tools, "linuxx64.efi.stub") + " --join-profile=" +
                    quote((t.path / "p0.efi").string()) + " --join-profile=" +
                    quote((t.path / "p1.efi").string()) + " --output=" +
                    quote((t.path / "uki.efi").string()));
  const std::string bytes = slurp(t.path / "uki.efi");
  auto img = pe::read_image(bytes, "uki.efi");
  ASSERT_TRUE(img) << img.error().message;
  // ukify 257 puts a .profile of its own (profile 0) after the base sections when
  // joining, then each joined profile's sections.
  EXPECT_EQ(img->profiles(), 3);
  EXPECT_EQ(text_of(bytes, *img, ".cmdline"), "quiet");
  EXPECT_EQ(text_of(bytes, *img, ".cmdline", 1), "quiet");  // p0 inherits the base's
  EXPECT_EQ(text_of(bytes, *img, ".cmdline", 2), "crashkernel=512M");
  EXPECT_EQ(text_of(bytes, *img, ".profile", 1), "TITLE=p0");
  EXPECT_EQ(text_of(bytes, *img, ".profile", 2), "TITLE=p1");
  EXPECT_EQ(img->find(".profile"), nullptr);  // the base has none
  EXPECT_EQ(our_sections(*img), pefile_sections(t.path / "uki.efi"));
}

TEST(PeImage, SyntheticImageSectionsAndVirtualSizeRules) {
  const std::string bytes = make_pe({{".cmdline", "a b"}, {".uname", std::string("6.1\0xx", 6)}});
  auto img = pe::read_image(bytes, "s.efi");
  ASSERT_TRUE(img) << img.error().message;
  ASSERT_EQ(img->sections.size(), 2u);
  EXPECT_EQ(img->sections[0].raw_size, 512u);
  EXPECT_EQ(img->sections[0].file_size(), 3u);  // VirtualSize < SizeOfRawData
  EXPECT_EQ(text_of(bytes, *img, ".cmdline"), "a b");
  EXPECT_EQ(text_of(bytes, *img, ".uname"), "6.1");  // up to the first NUL
  // A VirtualSize beyond SizeOfRawData: only SizeOfRawData bytes come from the file.
  pe::Section s = img->sections[0];
  s.virtual_size = 4096;
  auto b = pe::section_bytes(bytes, s);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 512u);
}

TEST(PeImage, GarbageAndTruncatedFilesAreRefusedWithTheOffset) {
  struct Case {
    std::string bytes;
    std::string offset;  // "at byte offset N"
  };
  const std::string good = make_pe({{".cmdline", "crashkernel=1G"}});
  const std::size_t table = 64 + 24 + 240;
  std::vector<Case> cases = {
      {"", "offset 0 "},
      {"garbage, not a PE file at all", "offset 0 "},
      {good.substr(0, 0x3e), "offset 60 "},          // e_lfanew cut
      {good.substr(0, 66), "offset 64 "},            // PE signature cut
      {good.substr(0, 80), "offset 68 "},            // COFF header cut
      {good.substr(0, table + 20), "offset 328 "},   // section table cut
  };
  std::string bad_sig = good;
  bad_sig[65] = 'X';
  cases.push_back({bad_sig, "offset 64 "});
  std::string low_lfanew = good;
  low_lfanew[0x3c] = 8;
  cases.push_back({low_lfanew, "offset 60 "});
  std::string huge_lfanew = good;
  huge_lfanew[0x3f] = '\x7f';
  cases.push_back({huge_lfanew, "offset 2130706496 "});
  std::string no_sections = good;
  no_sections[70] = 0;
  cases.push_back({no_sections, "offset 70 "});
  cases.push_back({make_pe({{".cmdline", "x"}}, 0x107), "offset 88 "});
  for (const auto& c : cases) {
    auto r = pe::read_image(c.bytes, "/efi/EFI/Linux/bad.efi");
    ASSERT_FALSE(r) << "accepted " << c.bytes.size() << " bytes";
    EXPECT_EQ(r.error().kind, ErrorKind::parse);
    EXPECT_EQ(r.error().file.value_or(""), "/efi/EFI/Linux/bad.efi");
    EXPECT_NE(r.error().message.find(c.offset), std::string::npos)
        << r.error().message << " (want " << c.offset << ")";
  }
  // Headers intact, the section's data cut: read_image succeeds, the data is refused at
  // the section header's offset.
  const std::string cut = good.substr(0, good.size() - 500);
  auto img = pe::read_image(cut, "cut.efi");
  ASSERT_TRUE(img);
  auto t = pe::section_text(cut, img->sections[0], "cut.efi");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("offset 328 "), std::string::npos) << t.error().message;
}

TEST(PeImage, EveryPrefixOfARealAddonIsRefusedOrReadWithoutOverrun) {
  const std::string good = make_pe({{".cmdline", "crashkernel=256M"}, {".sbat", "sbat,1\n"}});
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::string prefix = good.substr(0, n);
    auto img = pe::read_image(prefix);
    if (!img) continue;
    for (const auto& s : img->sections) {
      auto b = pe::section_bytes(prefix, s);
      if (b) EXPECT_LE(s.raw_offset + b->size(), prefix.size());
    }
  }
}

TEST(PeImageWrite, AddedSectionsAreReadBackAndAlignedAsUkifyLaysThemOut) {
  const std::string base = make_pe({{".text", "code"}});
  auto out = pe::add_sections(base, {{".cmdline", "crashkernel=256M"}, {".sbat", "sbat,1\n"}}, "b.efi");
  ASSERT_TRUE(out) << out.error().message;
  auto img = pe::read_image(*out);
  ASSERT_TRUE(img);
  ASSERT_EQ(img->sections.size(), 3u);
  const pe::Section& c = img->sections[1];
  EXPECT_EQ(c.name, ".cmdline");
  EXPECT_EQ(c.virtual_size, 16u);
  EXPECT_EQ(c.raw_size, 512u);
  EXPECT_EQ(c.raw_offset, base.size());
  EXPECT_EQ(c.virtual_address, 0x2000u);
  EXPECT_EQ(c.characteristics, 0x40000040u);
  EXPECT_EQ(text_of(*out, *img, ".cmdline"), "crashkernel=256M");
  EXPECT_EQ(text_of(*out, *img, ".sbat"), "sbat,1\n");
  EXPECT_EQ(out->size(), base.size() + 1024);
  // The original bytes before the section table's end are unchanged but for the counts.
  EXPECT_EQ(out->substr(base.size() - 512), base.substr(base.size() - 512) + out->substr(base.size()));
}

TEST(PeImageWrite, ExistingSectionIsSwappedInPlaceAndSpaceIsChecked) {
  const std::string base = make_pe({{".text", "code"}, {".sbat", "old sbat\n"}});
  auto out = pe::add_sections(base, {{".sbat", "new\n"}});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->size(), base.size());
  auto img = pe::read_image(*out);
  ASSERT_TRUE(img);
  EXPECT_EQ(text_of(*out, *img, ".sbat"), "new\n");
  EXPECT_EQ(pe::add_sections(base, {{".sbat", std::string(600, 'x')}}).error().kind,
            ErrorKind::unsupported);
  // Section data starts at 512: the table (at 328) has room for 3 more headers, not 4.
  const std::string one = make_pe({{".text", "code"}});
  EXPECT_TRUE(pe::add_sections(one, {{".a", "1"}, {".b", "2"}, {".c", "3"}}));
  auto full = pe::add_sections(one, {{".a", "1"}, {".b", "2"}, {".c", "3"}, {".d", "4"}});
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("offset 488 "), std::string::npos) << full.error().message;
  EXPECT_EQ(pe::add_sections(one, {{".toolongname", "1"}}).error().kind, ErrorKind::usage);
}

// A section whose raw data lies over the headers (PointerToRawData 0 with a size, as a
// fuzzer built it) or over another section's data: swapping bytes in place would overwrite
// the DOS header or the other section, so the writer refuses the image.
TEST(PeImageWrite, SectionDataOverlappingHeadersOrAnotherSectionIsRefused) {
  std::string over_headers = make_pe({{".text", "code"}, {".cmdline", "quiet"}});
  const std::size_t cmdline_header = 64 + 24 + 240 + 40;
  over_headers.replace(cmdline_header + 20, 4, std::string(4, '\0'));  // PointerToRawData 0
  ASSERT_TRUE(pe::read_image(over_headers));
  auto refused = pe::add_sections(over_headers, {{".cmdline", "crashkernel=256M"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::unsupported);
  EXPECT_NE(refused.error().message.find("overlaps"), std::string::npos) << refused.error().message;

  std::string shared = make_pe({{".text", "code"}, {".cmdline", "quiet"}});
  const std::string text_ptr = shared.substr(64 + 24 + 240 + 20, 4);
  shared.replace(cmdline_header + 20, 4, text_ptr);  // .cmdline's data is .text's data
  EXPECT_EQ(pe::add_sections(shared, {{".cmdline", "crashkernel=256M"}}).error().kind,
            ErrorKind::unsupported);
}
