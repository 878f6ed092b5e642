// The section table of a PE/COFF image, read as systemd-stub reads unified kernel images
// (UKIs) and their add-ons (systemd src/boot/efi/pe.c; the PE format: Microsoft's
// "PE Format" specification, sections "MS-DOS Stub", "Signature", "COFF File Header",
// "Optional Header", "Section Table"):
//
//   offset 0          "MZ", the MS-DOS header; its last field e_lfanew (offset 0x3c, 4 bytes)
//   e_lfanew          "PE\0\0", then the COFF header (20 bytes): Machine, NumberOfSections,
//                     ..., SizeOfOptionalHeader, Characteristics
//   e_lfanew + 24     the optional header, magic 0x10b (PE32) or 0x20b (PE32+)
//   e_lfanew + 24 + SizeOfOptionalHeader
//                     NumberOfSections headers of 40 bytes: Name[8], VirtualSize,
//                     VirtualAddress, SizeOfRawData, PointerToRawData, ...
//
// A section's bytes in the file are [PointerToRawData, + min(SizeOfRawData, VirtualSize)):
// SizeOfRawData is rounded up to FileAlignment, VirtualSize is not; a VirtualSize larger
// than SizeOfRawData is zero-filled in memory (systemd pe.c stores file_size =
// MIN(SizeOfRawData, VirtualSize)). Text sections (.cmdline, .osrel, .uname) end at the
// first NUL, as systemd-stub copies them with xstrndup8/xstrn8_to_16.
//
// Every offset is checked against the file's size; a file that is not such an image, or
// whose headers point outside it, is refused with ErrorKind::parse naming the file and the
// byte offset of the field that is wrong. Nothing here knows what a UKI is beyond the
// section names; core/uki.hpp does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace kdump::pe {

inline constexpr std::uint16_t kMachineX86_64 = 0x8664;
inline constexpr std::uint16_t kMachineI386 = 0x014c;
inline constexpr std::uint16_t kMachineAarch64 = 0xaa64;

struct Section {
  std::string name;                  // the 8-byte Name up to its first NUL
  std::uint32_t virtual_size = 0;
  std::uint32_t virtual_address = 0;
  std::uint32_t raw_size = 0;        // SizeOfRawData
  std::uint32_t raw_offset = 0;      // PointerToRawData
  std::uint32_t characteristics = 0;
  std::size_t header_offset = 0;     // file offset of this 40-byte section header
  // -1: the base (before the first .profile section); N: after the N+1-th .profile
  // (systemd 257 multi-profile UKIs, pe.c pe_locate_profile_sections).
  int profile = -1;

  // How many bytes of the section the file holds: min(SizeOfRawData, VirtualSize).
  std::uint32_t file_size() const { return raw_size < virtual_size ? raw_size : virtual_size; }
};

struct Image {
  std::uint16_t machine = 0;
  bool pe32_plus = false;            // optional header magic 0x20b
  std::size_t pe_offset = 0;         // e_lfanew
  std::vector<Section> sections;     // table order

  // The first section named `name` (compared over at most 8 bytes, as pe.c's
  // pe_section_name_equal) among the base sections, or, with `profile` >= 0, the
  // profile's own section if it has one, else the base's: how systemd-stub 257 picks a
  // UKI's sections for a profile. nullptr when there is none.
  const Section* find(std::string_view name, int profile = -1) const;
  // The first section named `name` in the whole table, profiles or not: how systemd-stub
  // 257 reads an add-on (pe_memory_locate_sections). nullptr when there is none.
  const Section* first(std::string_view name) const;
  // How many .profile sections the image has (0: not a multi-profile UKI).
  int profiles() const;
};

// Reads the headers and the section table. `file` is the name used in errors.
Result<Image> read_image(std::string_view bytes, std::string_view file = {});

// The bytes of `s` in the file (file_size() of them); ErrorKind::parse with the section
// header's offset when they lie outside the file.
Result<std::string_view> section_bytes(std::string_view bytes, const Section& s,
                                       std::string_view file = {});

// A text section as systemd-stub reads it: its bytes up to the first NUL.
Result<std::string> section_text(std::string_view bytes, const Section& s,
                                 std::string_view file = {});

// A section to add to an image.
struct NewSection {
  std::string name;   // at most 8 bytes
  std::string data;
};

// Appends `sections` to `image` as ukify 257 does when it builds a UKI or an add-on from
// a systemd stub (ukify pe_add_sections): each new header goes after the last one (it
// must fit below SizeOfHeaders, which is first rounded up to FileAlignment); VirtualSize
// = the data's size, PointerToRawData = the file's size rounded up to FileAlignment,
// SizeOfRawData = the data's size rounded up likewise, VirtualAddress = the end of the
// last section rounded up to SectionAlignment; characteristics MEM_READ |
// CNT_INITIALIZED_DATA; SizeOfInitializedData grows by the data's size. A name the
// image's own sections already have (.sbat of a UKI stub) gets its data swapped in
// place (it must fit the old SizeOfRawData). Then CheckSum = 0 and SizeOfImage = the end
// of the last section rounded up to SectionAlignment.
// Refused (ErrorKind::parse with the offset; ErrorKind::unsupported for a layout ukify
// would first rewrite): a signed image (a certificate table in the data directory), a
// symbol table, section data not aligned to FileAlignment, no header space, a name
// longer than 8 bytes, alignments that are zero or not powers of two.
Result<std::string> add_sections(std::string_view image, const std::vector<NewSection>& sections,
                                 std::string_view file = {});

}  // namespace kdump::pe
