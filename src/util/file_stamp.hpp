// Identity of a file at the time it was read: the apply step refuses to replace a
// file that another tool rewrote between plan and apply (docs/contract.md §7).
#pragma once

#include <cstdint>

namespace kdump {

struct FileStamp {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t content_hash = 0;  // hash of the bytes that were read
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

}  // namespace kdump
