// Partition types of the ESP and XBOOTLDR, read with libblkid's low-level probe API, the
// way bootctl confirms them (systemd's src/shared/find-esp.c; UAPI.2 Discoverable
// Partitions Specification for the GUIDs). Core owns every libblkid call (docs/contract.md §2).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace kdump {

inline constexpr std::string_view kEspTypeGuid = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
inline constexpr std::string_view kXbootldrTypeGuid = "bc13c2ff-59e6-4262-a352-b275fd6f7172";

// One entry of a partition table.
struct PartitionEntry {
  int number = 0;             // 1-based, as the kernel names partitions
  std::string type;           // GPT type GUID (lower case) or MBR type "0xef"
  std::uint64_t start = 0;    // in 512-byte sectors
  std::uint64_t size = 0;
};

// The partition table of a whole disk or disk image (GPT or MBR). Empty when there is none.
Result<std::vector<PartitionEntry>> probe_partition_table(const std::filesystem::path& disk);

// PART_ENTRY_TYPE of a partition device (/dev/vda1): its type GUID in lower case;
// nullopt when the device is not a partition of a table libblkid knows.
Result<std::optional<std::string>> probe_partition_type(const std::filesystem::path& partition);

// The block device mounted at `mount_point`, from a mountinfo text (/proc/self/mountinfo):
// the mount source of the last mount on that exact point; nullopt when it is not a mount point.
std::optional<std::string> mount_source(std::string_view mountinfo, std::string_view mount_point);

// "esp", "xbootldr" or "" for a type GUID (case-insensitive).
std::string boot_partition_kind(std::string_view type_guid);

}  // namespace kdump
