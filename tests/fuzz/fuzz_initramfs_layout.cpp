// libFuzzer: the initramfs layout reader (core/initramfs_layout.hpp) reads a file that
// anyone who can write /var/lib/kdump or /boot controls. It must never crash or read
// out of bounds (ASan), and its answer must be consistent: a known unpacked size comes
// with at least one segment and no reason; an unknown one with a reason. An uncompressed
// newc archive cannot unpack to more than its own bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/initramfs_layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view image(reinterpret_cast<const char*>(data), size);
  const kdump::InitramfsLayout l = kdump::measure_initramfs(image);
  if (l.unpacked_bytes) {
    if (l.segments.empty() || !l.unknown_reason.empty()) std::abort();
    bool only_cpio = true;
    for (const auto& s : l.segments) only_cpio = only_cpio && s == "cpio";
    if (only_cpio && *l.unpacked_bytes > size) std::abort();
  } else if (l.unknown_reason.empty()) {
    std::abort();
  }
  return 0;
}
