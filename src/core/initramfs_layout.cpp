#include "core/initramfs_layout.hpp"

#include <array>

namespace kdump {
namespace {

using u64 = std::uint64_t;

u64 le(std::string_view d, std::size_t at, unsigned n) {
  u64 v = 0;
  for (unsigned i = 0; i < n; ++i) v |= u64(static_cast<unsigned char>(d[at + i])) << (8 * i);
  return v;
}

bool starts(std::string_view d, std::size_t at, std::string_view magic) {
  return d.size() >= at + magic.size() && d.substr(at, magic.size()) == magic;
}

struct Step {
  std::size_t end = 0;  // offset after the segment
  u64 unpacked = 0;
  std::string error;    // non-empty: the size cannot be told
};

// A newc (or newc with CRC) cpio archive: 110-byte ASCII headers, name and data each
// padded to 4 bytes, ending with the entry "TRAILER!!!" (cpio(5), buffer-format.rst).
Step cpio_segment(std::string_view d, std::size_t at) {
  std::size_t p = at;
  auto hex = [&](std::size_t off) -> std::optional<u64> {
    u64 v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      char c = d[off + i];
      int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (x < 0) return std::nullopt;
      v = v * 16 + static_cast<u64>(x);
    }
    return v;
  };
  auto pad4 = [&](u64 off) { return (off + 3) / 4 * 4; };
  while (true) {
    if (p + 110 > d.size() || !(starts(d, p, "070701") || starts(d, p, "070702")))
      return {0, 0, "cpio archive at byte " + std::to_string(p) + " is truncated"};
    auto filesize = hex(p + 6 + 6 * 8), namesize = hex(p + 6 + 11 * 8);
    if (!filesize || !namesize) return {0, 0, "bad cpio header at byte " + std::to_string(p)};
    u64 name_end = pad4(p - at + 110 + *namesize) + at;
    u64 data_end = pad4(name_end - at + *filesize) + at;
    if (name_end > d.size() || data_end > d.size() + 3)
      return {0, 0, "cpio archive at byte " + std::to_string(p) + " is truncated"};
    bool trailer = *namesize == 11 && d.substr(p + 110, 10) == "TRAILER!!!";
    p = static_cast<std::size_t>(std::min<u64>(data_end, d.size()));
    if (trailer) return {p, p - at, ""};
  }
}

// Zstandard frames (RFC 8878 §3.1.1): the header's Frame_Content_Size, then the block
// headers (3 bytes: last flag, type, size) walked to the end, and the optional checksum.
Step zstd_frame(std::string_view d, std::size_t at) {
  const std::string err_trunc = "zstd frame at byte " + std::to_string(at) + " is truncated";
  if (at + 6 > d.size()) return {0, 0, err_trunc};
  const unsigned fhd = static_cast<unsigned char>(d[at + 4]);
  const unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dict = fhd & 3;
  std::size_t p = at + 5 + (single ? 0 : 1) + std::array<unsigned, 4>{0, 1, 2, 4}[dict];
  const unsigned fcs_size = fcs_flag == 0 ? (single ? 1 : 0) : 1u << fcs_flag;
  if (fcs_size == 0)
    return {0, 0, "zstd frame at byte " + std::to_string(at) + " does not record its content size"};
  if (p + fcs_size > d.size()) return {0, 0, err_trunc};
  u64 content = le(d, p, fcs_size) + (fcs_size == 2 ? 256 : 0);
  p += fcs_size;
  while (true) {
    if (p + 3 > d.size()) return {0, 0, err_trunc};
    const u64 h = le(d, p, 3);
    const unsigned type = (h >> 1) & 3;
    if (type == 3) return {0, 0, "zstd frame at byte " + std::to_string(at) + " has a reserved block type"};
    p += 3 + (type == 1 ? 1 : static_cast<std::size_t>(h >> 3));
    if (p > d.size()) return {0, 0, err_trunc};
    if (h & 1) break;
  }
  if (checksum) p += 4;
  if (p > d.size()) return {0, 0, err_trunc};
  return {p, content, ""};
}

// gzip as the last segment: ISIZE, the uncompressed size modulo 2^32 (RFC 1952 §2.3.1).
Step gzip_tail(std::string_view d, std::size_t at) {
  if (d.size() < at + 18) return {0, 0, "gzip member at byte " + std::to_string(at) + " is truncated"};
  return {d.size(), le(d, d.size() - 4, 4), ""};
}

// xz streams as the last segment, read backwards from the end: stream padding (NULs,
// multiple of 4), the footer (CRC32, Backward Size, flags, "YZ"), the index with each
// block's unpadded and uncompressed size (xz file format 1.0.4 §2.1.2, §4).
Step xz_tail(std::string_view d, std::size_t at) {
  const std::string bad = "xz stream at byte " + std::to_string(at) + " has no readable index";
  std::size_t end = d.size();
  u64 total = 0;
  while (end > at) {
    while (end >= at + 4 && le(d, end - 4, 4) == 0) end -= 4;
    if (end < at + 24 || !starts(d, end - 2, "YZ")) return {0, 0, bad};
    const u64 index_size = (le(d, end - 8, 4) + 1) * 4;
    if (index_size + 24 > end - at) return {0, 0, bad};
    std::size_t p = end - 12 - static_cast<std::size_t>(index_size);
    const std::size_t index_start = p;
    if (d[p++] != 0) return {0, 0, bad};
    auto varint = [&](u64& v) {
      v = 0;
      for (unsigned shift = 0; shift < 63 && p < index_start + index_size; shift += 7) {
        const unsigned char c = static_cast<unsigned char>(d[p++]);
        v |= u64(c & 0x7f) << shift;
        if (!(c & 0x80)) return true;
      }
      return false;
    };
    u64 records = 0, blocks = 0;
    if (!varint(records)) return {0, 0, bad};
    for (u64 i = 0; i < records; ++i) {
      u64 unpadded = 0, uncompressed = 0;
      if (!varint(unpadded) || !varint(uncompressed)) return {0, 0, bad};
      blocks += (unpadded + 3) / 4 * 4;
      total += uncompressed;
    }
    const u64 stream = 12 + blocks + index_size + 12;
    if (stream > end - at) return {0, 0, bad};
    end -= static_cast<std::size_t>(stream);
    if (!starts(d, end, std::string_view("\xfd" "7zXZ\0", 6))) return {0, 0, bad};
  }
  return {d.size(), total, ""};
}

}  // namespace

InitramfsLayout measure_initramfs(std::string_view d) {
  InitramfsLayout out;
  u64 total = 0;
  std::size_t p = 0;
  while (true) {
    while (p < d.size() && d[p] == '\0') ++p;  // the kernel skips NULs between segments
    if (p >= d.size()) break;
    Step s;
    if (starts(d, p, "070701") || starts(d, p, "070702")) {
      out.segments.push_back("cpio");
      s = cpio_segment(d, p);
    } else if (starts(d, p, "\x28\xb5\x2f\xfd")) {
      if (out.segments.empty() || out.segments.back() != "zstd") out.segments.push_back("zstd");
      s = zstd_frame(d, p);
    } else if (p + 8 <= d.size() && (le(d, p, 4) & 0xfffffff0u) == 0x184d2a50u) {
      s = {static_cast<std::size_t>(std::min<u64>(p + 8 + le(d, p + 4, 4), d.size())), 0, ""};  // skippable
    } else if (starts(d, p, "\x1f\x8b")) {
      out.segments.push_back("gzip");
      s = gzip_tail(d, p);
    } else if (starts(d, p, std::string_view("\xfd" "7zXZ\0", 6))) {
      out.segments.push_back("xz");
      s = xz_tail(d, p);
    } else {
      const unsigned char a = static_cast<unsigned char>(d[p]), b = p + 1 < d.size() ? static_cast<unsigned char>(d[p + 1]) : 0;
      std::string what = a == 0x02 && b == 0x21 ? "lz4" : a == 'B' && b == 'Z' ? "bzip2" : a == 0x5d ? "lzma"
                         : a == 0x89 && b == 'L' ? "lzo" : "unknown";
      out.segments.push_back(what);
      out.unknown_reason = "a " + what + " segment at byte " + std::to_string(p) +
                           (what == "unknown" ? "" : " (its unpacked size is not in a header)");
      return out;
    }
    if (!s.error.empty()) {
      out.unknown_reason = s.error;
      return out;
    }
    total += s.unpacked;
    p = s.end;
  }
  if (out.segments.empty()) {
    out.unknown_reason = "no initramfs segment in the file";
    return out;
  }
  out.unpacked_bytes = total;
  return out;
}

}  // namespace kdump
