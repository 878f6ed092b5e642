// PE/COFF section table reader (grammar/pe_image.hpp). Little-endian fields are read
// byte by byte from a bounds-checked view; nothing is cast from the file's bytes.
#include "grammar/pe_image.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace kdump::pe {
namespace {

// Field offsets (PE Format specification).
constexpr std::size_t kDosHeaderSize = 64;        // systemd pe.c: ExeHeader >= sizeof(DosFileHeader)
constexpr std::size_t kLfanewOffset = 0x3c;
constexpr std::size_t kCoffHeaderSize = 20;
constexpr std::size_t kSignatureSize = 4;         // "PE\0\0"
constexpr std::size_t kSectionHeaderSize = 40;
constexpr std::uint16_t kOptMagicPe32 = 0x10b;
constexpr std::uint16_t kOptMagicPe32Plus = 0x20b;

std::string hex(std::size_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

Error refuse(std::string_view file, std::size_t offset, const std::string& what) {
  Error e = make_error(ErrorKind::parse, what + " at byte offset " + std::to_string(offset) +
                                             " (" + hex(offset) + ")");
  if (!file.empty()) e.file = std::string(file);
  return e;
}

class Reader {
public:
  Reader(std::string_view bytes, std::string_view file) : m_bytes(bytes), m_file(file) {}

  bool has(std::size_t offset, std::size_t n) const {
    return offset <= m_bytes.size() && n <= m_bytes.size() - offset;
  }
  std::uint32_t le(std::size_t offset, std::size_t n) const {
    std::uint32_t v = 0;
    for (std::size_t i = n; i-- > 0;)
      v = (v << 8) | static_cast<unsigned char>(m_bytes[offset + i]);
    return v;
  }
  // Reads an n-byte little-endian field, or refuses: "<what> is beyond the end of the
  // file (N bytes)".
  Result<std::uint32_t> field(std::size_t offset, std::size_t n, const char* what) const {
    if (!has(offset, n))
      return fail(refuse(m_file, offset,
                         std::string(what) + " is beyond the end of the file (" +
                             std::to_string(m_bytes.size()) + " bytes)"));
    return le(offset, n);
  }
  std::string_view bytes() const { return m_bytes; }
  std::string_view file() const { return m_file; }

private:
  std::string_view m_bytes;
  std::string_view m_file;
};

bool name_equal(std::string_view a, std::string_view b) {
  // pe.c pe_section_name_equal: at most 8 bytes, a NUL ends a shorter name.
  return a.substr(0, 8) == b.substr(0, 8);
}

Result<Section> read_section(const Reader& r, std::size_t at) {
  Section s;
  s.header_offset = at;
  const std::string_view raw = r.bytes().substr(at, 8);
  s.name = std::string(raw.substr(0, std::min(raw.find('\0'), raw.size())));
  s.virtual_size = r.le(at + 8, 4);
  s.virtual_address = r.le(at + 12, 4);
  s.raw_size = r.le(at + 16, 4);
  s.raw_offset = r.le(at + 20, 4);
  s.characteristics = r.le(at + 36, 4);
  return s;
}

}  // namespace

const Section* Image::find(std::string_view name, int profile) const {
  const Section* base = nullptr;
  const Section* own = nullptr;
  for (const Section& s : sections) {
    if (!name_equal(s.name, name)) continue;
    if (s.profile == -1 && !base) base = &s;
    // A profile's sections begin with its .profile section itself.
    if (profile >= 0 && s.profile == profile && !own) own = &s;
  }
  return own ? own : base;
}

const Section* Image::first(std::string_view name) const {
  for (const Section& s : sections)
    if (name_equal(s.name, name)) return &s;
  return nullptr;
}

int Image::profiles() const {
  int n = 0;
  for (const Section& s : sections) n += name_equal(s.name, ".profile") ? 1 : 0;
  return n;
}

Result<Image> read_image(std::string_view bytes, std::string_view file) {
  const Reader r(bytes, file);
  if (!r.has(0, 2) || bytes.substr(0, 2) != "MZ")
    return fail(refuse(file, 0, "not a PE image: no \"MZ\" signature"));
  auto lfanew = r.field(kLfanewOffset, 4, "the MS-DOS header's e_lfanew");
  if (!lfanew) return fail(std::move(lfanew).error());
  Image img;
  img.pe_offset = *lfanew;
  if (img.pe_offset < kDosHeaderSize)
    return fail(refuse(file, kLfanewOffset,
                       "e_lfanew " + std::to_string(img.pe_offset) +
                           " points into the MS-DOS header"));
  if (!r.has(img.pe_offset, kSignatureSize))
    return fail(refuse(file, img.pe_offset,
                       "the PE signature (e_lfanew) is beyond the end of the file (" +
                           std::to_string(bytes.size()) + " bytes)"));
  if (bytes.substr(img.pe_offset, kSignatureSize) != std::string_view("PE\0\0", 4))
    return fail(refuse(file, img.pe_offset, "no \"PE\\0\\0\" signature"));

  const std::size_t coff = img.pe_offset + kSignatureSize;
  if (!r.has(coff, kCoffHeaderSize))
    return fail(refuse(file, coff,
                       "the COFF header is beyond the end of the file (" +
                           std::to_string(bytes.size()) + " bytes)"));
  img.machine = static_cast<std::uint16_t>(r.le(coff, 2));
  const std::size_t n_sections = r.le(coff + 2, 2);
  const std::size_t opt_size = r.le(coff + 16, 2);
  if (n_sections == 0) return fail(refuse(file, coff + 2, "the image has no sections"));

  const std::size_t opt = coff + kCoffHeaderSize;
  if (opt_size < 2) return fail(refuse(file, coff + 16, "no optional header"));
  auto magic = r.field(opt, 2, "the optional header");
  if (!magic) return fail(std::move(magic).error());
  if (*magic != kOptMagicPe32 && *magic != kOptMagicPe32Plus)
    return fail(refuse(file, opt,
                       "optional header magic " + hex(*magic) + " is neither PE32 nor PE32+"));
  img.pe32_plus = *magic == kOptMagicPe32Plus;

  const std::size_t table = opt + opt_size;
  if (!r.has(table, n_sections * kSectionHeaderSize))
    return fail(refuse(file, table,
                       "the section table (" + std::to_string(n_sections) +
                           " sections) is beyond the end of the file (" +
                           std::to_string(bytes.size()) + " bytes)"));
  int profile = -1;
  for (std::size_t i = 0; i < n_sections; ++i) {
    auto s = read_section(r, table + i * kSectionHeaderSize);
    if (!s) return fail(std::move(s).error());
    if (name_equal(s->name, ".profile")) ++profile;
    s->profile = profile;
    img.sections.push_back(std::move(*s));
  }
  return img;
}

Result<std::string_view> section_bytes(std::string_view bytes, const Section& s,
                                       std::string_view file) {
  const Reader r(bytes, file);
  if (!r.has(s.raw_offset, s.file_size()))
    return fail(refuse(file, s.header_offset,
                       "section " + s.name + " (" + std::to_string(s.file_size()) +
                           " bytes at " + std::to_string(s.raw_offset) +
                           ") is beyond the end of the file (" + std::to_string(bytes.size()) +
                           " bytes)"));
  return bytes.substr(s.raw_offset, s.file_size());
}

Result<std::string> section_text(std::string_view bytes, const Section& s,
                                 std::string_view file) {
  auto b = section_bytes(bytes, s, file);
  if (!b) return fail(std::move(b).error());
  const std::string_view v = *b;
  return std::string(v.substr(0, std::min(v.find('\0'), v.size())));
}

}  // namespace kdump::pe

// --- Writing: ukify's pe_add_sections ------------------------------------------------
namespace kdump::pe {
namespace {

// Optional header field offsets (same in PE32 and PE32+ up to CheckSum).
constexpr std::size_t kOptSizeOfInitializedData = 8;
constexpr std::size_t kOptSectionAlignment = 32;
constexpr std::size_t kOptFileAlignment = 36;
constexpr std::size_t kOptSizeOfImage = 56;
constexpr std::size_t kOptSizeOfHeaders = 60;
constexpr std::size_t kOptCheckSum = 64;
constexpr std::size_t kSecurityDirectory = 4;  // IMAGE_DIRECTORY_ENTRY_SECURITY
constexpr std::uint32_t kScnInitializedData = 0x00000040;
constexpr std::uint32_t kScnMemRead = 0x40000000;

void put_le(std::string& b, std::size_t at, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t round_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

bool power_of_two(std::uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

Error unsupported(std::string_view file, std::size_t offset, const std::string& what) {
  Error e = refuse(file, offset, what);
  e.kind = ErrorKind::unsupported;
  return e;
}

// The first section (in file order) whose raw data starts inside the section table or
// inside the previous section's data; sections without raw data are skipped.
const Section* find_overlap(const Image& img, std::size_t section_table) {
  std::vector<const Section*> by_offset;
  for (const Section& s : img.sections)
    if (s.raw_size != 0) by_offset.push_back(&s);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Section* a, const Section* b) { return a->raw_offset < b->raw_offset; });
  std::uint64_t end = section_table + img.sections.size() * kSectionHeaderSize;
  for (const Section* s : by_offset) {
    if (s->raw_offset < end) return s;
    end = std::uint64_t{s->raw_offset} + s->raw_size;
  }
  return nullptr;
}

}  // namespace

Result<std::string> add_sections(std::string_view image, const std::vector<NewSection>& sections,
                                 std::string_view file) {
  auto parsed = read_image(image, file);
  if (!parsed) return fail(std::move(parsed).error());
  Image img = std::move(*parsed);
  const Reader r(image, file);
  const std::size_t coff = img.pe_offset + kSignatureSize;
  const std::size_t opt = coff + kCoffHeaderSize;
  const std::size_t opt_size = r.le(coff + 16, 2);
  // The data directory: after 96 (PE32) or 112 (PE32+) bytes, NumberOfRvaAndSizes before it.
  const std::size_t dirs = opt + (img.pe32_plus ? 112 : 96);
  if (opt_size < dirs - opt || !r.has(opt, dirs - opt))
    return fail(refuse(file, opt, "the optional header is too short for its fields"));
  const std::uint32_t n_dirs = r.le(dirs - 4, 4);
  const std::size_t sec_dir = dirs + kSecurityDirectory * 8;
  if (n_dirs > kSecurityDirectory && sec_dir + 8 <= opt + opt_size && r.has(sec_dir, 8) &&
      r.le(sec_dir, 4) != 0)
    return fail(unsupported(file, sec_dir, "the image is signed (it has a certificate table)"));
  if (r.le(coff + 8, 4) != 0)
    return fail(unsupported(file, coff + 8, "the image has a COFF symbol table"));
  const std::uint32_t sa = r.le(opt + kOptSectionAlignment, 4);
  const std::uint32_t fa = r.le(opt + kOptFileAlignment, 4);
  // The PE Format: FileAlignment a power of two from 512 to 64 KiB (smaller ones occur in
  // hand-made images; larger ones only in broken ones, and would pad the file by GiBs).
  if (!power_of_two(sa) || !power_of_two(fa) || fa > 0x10000)
    return fail(refuse(file, opt + kOptSectionAlignment,
                       "section or file alignment is zero, not a power of two, or above 64 KiB"));
  for (const Section& s : img.sections) {
    if (s.raw_offset % fa != 0 || s.raw_size % fa != 0)
      return fail(unsupported(file, s.header_offset,
                              "section " + s.name + "'s data is not aligned to the file alignment"));
    auto data = section_bytes(image, s, file);
    if (!data) return fail(std::move(data).error());
  }
  // Data written in place must land in that section's bytes alone: a section whose raw
  // data overlaps the headers or another section's data would overwrite them (real images
  // never do this; hand-made ones can).
  if (auto overlap = find_overlap(img, opt + opt_size); overlap)
    return fail(unsupported(file, overlap->header_offset,
                            "section " + overlap->name +
                                "'s data overlaps the headers or another section's data"));
  // New headers must not reach into any section's data.
  std::uint64_t first_data = UINT32_MAX;
  for (const Section& s : img.sections)
    if (s.raw_size != 0 && s.raw_offset < first_data) first_data = s.raw_offset;

  std::string out(image);
  const std::uint64_t headers = round_up(r.le(opt + kOptSizeOfHeaders, 4), fa);
  put_le(out, opt + kOptSizeOfHeaders, headers, 4);
  std::uint64_t init_data = r.le(opt + kOptSizeOfInitializedData, 4);
  std::size_t n_sections = img.sections.size();
  const std::size_t n_original = n_sections;
  std::uint64_t last_end = 0;  // VirtualAddress + VirtualSize of the last section
  {
    const Section& last = img.sections.back();
    last_end = std::uint64_t{last.virtual_address} + last.virtual_size;
  }
  for (const NewSection& ns : sections) {
    if (ns.name.empty() || ns.name.size() > 8)
      return fail(make_error(ErrorKind::usage, "a PE section name has 1 to 8 bytes: '" + ns.name + "'"));
    // A section the stub already has: swap the data in place (ukify's .sbat case).
    bool swapped = false;
    for (std::size_t i = 0; i < n_original; ++i) {
      Section& s = img.sections[i];
      if (!name_equal(s.name, ns.name)) continue;
      if (std::uint64_t{s.raw_offset} + s.raw_size > out.size())
        return fail(refuse(file, s.header_offset,
                           "section " + s.name + "'s raw data is beyond the end of the file"));
      if (ns.data.size() > s.raw_size)
        return fail(unsupported(file, s.header_offset,
                                "not enough space in section " + s.name + " for the new data"));
      std::string padded = ns.data;
      padded.resize(s.raw_size, '\0');
      out.replace(s.raw_offset, s.raw_size, padded);
      s.virtual_size = static_cast<std::uint32_t>(ns.data.size());
      put_le(out, s.header_offset + 8, s.virtual_size, 4);
      if (i + 1 == n_sections) last_end = std::uint64_t{s.virtual_address} + s.virtual_size;
      swapped = true;
      break;
    }
    if (swapped) continue;
    const std::size_t header = opt + opt_size + n_sections * kSectionHeaderSize;
    if (header + kSectionHeaderSize > headers || header + kSectionHeaderSize > first_data ||
        header + kSectionHeaderSize > out.size() ||
        n_sections >= 0xffff)
      return fail(unsupported(file, header, "no header space for section " + ns.name));
    const std::uint64_t raw_offset = round_up(out.size(), fa);
    const std::uint64_t raw_size = round_up(ns.data.size(), fa);
    const std::uint64_t va = round_up(last_end, sa);
    if (raw_offset + raw_size > UINT32_MAX || va + ns.data.size() > UINT32_MAX)
      return fail(make_error(ErrorKind::unsupported, "the image would exceed 4 GiB"));
    std::string h(kSectionHeaderSize, '\0');
    h.replace(0, ns.name.size(), ns.name);
    put_le(h, 8, ns.data.size(), 4);
    put_le(h, 12, va, 4);
    put_le(h, 16, raw_size, 4);
    put_le(h, 20, raw_offset, 4);
    put_le(h, 36, kScnMemRead | kScnInitializedData, 4);
    out.replace(header, kSectionHeaderSize, h);
    out.resize(raw_offset, '\0');
    out += ns.data;
    out.resize(raw_offset + raw_size, '\0');
    ++n_sections;
    init_data += ns.data.size();
    last_end = va + ns.data.size();
  }
  put_le(out, coff + 2, n_sections, 2);
  put_le(out, opt + kOptSizeOfInitializedData, init_data, 4);
  put_le(out, opt + kOptCheckSum, 0, 4);
  put_le(out, opt + kOptSizeOfImage, round_up(last_end, sa), 4);
  return out;
}

}  // namespace kdump::pe
