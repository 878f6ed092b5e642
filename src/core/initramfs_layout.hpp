// How much memory an initramfs takes once the kernel has unpacked it: the sum of its
// segments' uncompressed sizes, read from the formats' own headers and trailers without
// decompressing anything (the capture kernel keeps every unpacked byte in its rootfs,
// and the estimate policy sizes for it: core/estimate_policy.hpp).
//
// An initramfs is a sequence of segments (Documentation/driver-api/early-userspace/
// buffer-format.rst; init/initramfs.c unpack_to_rootfs): uncompressed newc cpio archives
// (the early microcode archive), compressed cpio archives, and NUL padding between them.
// What is read here:
//   newc cpio  the archive itself: every header's c_filesize, up to "TRAILER!!!"
//   zstd       each frame's Frame_Content_Size, walking the block headers to the
//              frame's end (RFC 8878 §3.1.1); skippable frames are skipped
//   gzip       ISIZE, the last 4 bytes (RFC 1952 §2.3.1): only when the gzip member
//              is the last segment, which is how mkinitramfs, dracut and
//              `cat a.img b.img` lay it out
//   xz         the stream index's uncompressed sizes, from the footer (xz file
//              format 1.0.4 §2.1.2, §4): only as the last segment
// Anything else (lz4, lzma, bzip2, lzo, a zstd frame without its content size, a gzip
// member followed by more data) leaves the unpacked size unknown, with the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kdump {

struct InitramfsLayout {
  std::vector<std::string> segments;        // "cpio", "zstd", "gzip", "xz", in file order
  std::optional<std::uint64_t> unpacked_bytes;  // sum of the segments' contents
  std::string unknown_reason;               // why unpacked_bytes is unknown
};

InitramfsLayout measure_initramfs(std::string_view image);

}  // namespace kdump
