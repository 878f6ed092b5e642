// libFuzzer: the PE section reader (grammar/pe_image.hpp) reads UKIs and add-ons from an
// ESP that anyone with write access to it controls. It must never crash or read out of
// bounds (ASan), and its answers must be consistent: an accepted image has at least one
// section, every section's bytes it hands out lie inside the input, a text section is
// never longer than the section's bytes in the file, and find() returns a section of the
// image with the name asked for. The writer (add_sections) either refuses the image or
// gives one the reader accepts, with the added section's bytes where it says.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grammar/pe_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto img = kdump::pe::read_image(bytes, "fuzz.efi");
  if (!img) {
    if (img.error().message.find("at byte offset ") == std::string_view::npos) std::abort();
    return 0;
  }
  if (img->sections.empty()) std::abort();
  for (const auto& s : img->sections) {
    auto b = kdump::pe::section_bytes(bytes, s);
    if (b) {
      if (b->data() < bytes.data() || b->data() + b->size() > bytes.data() + bytes.size()) std::abort();
      if (b->size() != s.file_size()) std::abort();
      auto t = kdump::pe::section_text(bytes, s);
      if (!t || t->size() > b->size()) std::abort();
    }
  }
  for (const char* name : {".cmdline", ".linux", ".uname", ".osrel", ".profile"}) {
    for (int p = -1; p < 3; ++p) {
      const kdump::pe::Section* s = img->find(name, p);
      if (s && (s < img->sections.data() || s >= img->sections.data() + img->sections.size()))
        std::abort();
      if (s && std::string_view(s->name).substr(0, 8) != std::string_view(name).substr(0, 8)) std::abort();
    }
  }
  auto out = kdump::pe::add_sections(bytes, {{".cmdline", "crashkernel=256M"}});
  if (out) {
    auto back = kdump::pe::read_image(*out);
    // A .cmdline the image already has gets the new bytes in place; else one is appended.
    const bool swapped = img->first(".cmdline") != nullptr;
    if (!back || back->sections.size() != img->sections.size() + (swapped ? 0 : 1)) std::abort();
    auto text = kdump::pe::section_text(*out, swapped ? *back->first(".cmdline") : back->sections.back());
    if (!text || *text != "crashkernel=256M") std::abort();
  }
  return 0;
}
