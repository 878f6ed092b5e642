#include "core/esp_probe.hpp"

#include <blkid/blkid.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <sstream>

namespace kdump {
namespace {

struct ProbeDeleter {
  void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<Probe> open_probe(const std::filesystem::path& p) {
  errno = 0;
  Probe pr{blkid_new_probe_from_filename(p.c_str())};
  if (!pr) {
    Error e = make_error(ErrorKind::io, "libblkid cannot open " + p.string());
    e.file = p.string();
    e.sys_errno = errno;
    return fail(std::move(e));
  }
  return pr;
}

// mountinfo escapes blanks and backslashes as \ooo (proc(5)).
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<PartitionEntry>> probe_partition_table(const std::filesystem::path& disk) {
  auto pr = open_probe(disk);
  if (!pr) return fail(std::move(pr).error());
  blkid_probe p = pr->get();
  blkid_probe_enable_superblocks(p, 0);
  blkid_probe_enable_partitions(p, 1);
  blkid_probe_set_partitions_flags(p, BLKID_PARTS_ENTRY_DETAILS);
  std::vector<PartitionEntry> out;
  blkid_partlist list = blkid_probe_get_partitions(p);
  if (!list) return out;
  const int n = blkid_partlist_numof_partitions(list);
  for (int i = 0; i < n; ++i) {
    blkid_partition part = blkid_partlist_get_partition(list, i);
    PartitionEntry e;
    e.number = blkid_partition_get_partno(part);
    if (const char* t = blkid_partition_get_type_string(part)) {
      e.type = lower(t);
    } else {
      std::ostringstream os;
      os << "0x" << std::hex << blkid_partition_get_type(part);
      e.type = os.str();
    }
    e.start = static_cast<std::uint64_t>(blkid_partition_get_start(part));
    e.size = static_cast<std::uint64_t>(blkid_partition_get_size(part));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<std::string>> probe_partition_type(const std::filesystem::path& partition) {
  auto pr = open_probe(partition);
  if (!pr) return fail(std::move(pr).error());
  blkid_probe p = pr->get();
  blkid_probe_enable_superblocks(p, 0);
  blkid_probe_enable_partitions(p, 1);
  blkid_probe_set_partitions_flags(p, BLKID_PARTS_ENTRY_DETAILS);
  if (blkid_do_safeprobe(p) < 0) {
    Error e = make_error(ErrorKind::io, "libblkid cannot probe " + partition.string());
    e.file = partition.string();
    return fail(std::move(e));
  }
  const char* v = nullptr;
  if (blkid_probe_lookup_value(p, "PART_ENTRY_TYPE", &v, nullptr) == 0 && v) return std::optional<std::string>{lower(v)};
  return std::optional<std::string>{};
}

std::optional<std::string> mount_source(std::string_view mountinfo, std::string_view mount_point) {
  std::optional<std::string> found;
  std::istringstream in{std::string(mountinfo)};
  std::string line;
  while (std::getline(in, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    std::istringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    if (f.size() < 7 || unescape(f[4]) != mount_point) continue;
    auto dash = std::find(f.begin() + 6, f.end(), "-");
    if (dash == f.end() || std::distance(dash, f.end()) < 3) continue;
    found = unescape(*(dash + 2));
  }
  return found;
}

std::string boot_partition_kind(std::string_view type_guid) {
  const std::string t = lower(std::string(type_guid));
  if (t == kEspTypeGuid) return "esp";
  if (t == kXbootldrTypeGuid) return "xbootldr";
  return "";
}

}  // namespace kdump
