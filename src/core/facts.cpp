// System facts. Every file is read through RootDir, so under --root DIR
// nothing outside DIR is read; the libraries that open paths themselves (libefivar,
// libblkid, libudev) are pointed inside DIR or, for the live-only probes, not used
// under --root at all.
#include "core/facts.hpp"
#include "core/memory_map.hpp"

#include <sys/klog.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <blkid/blkid.h>
#include <libudev.h>
#include <nlohmann/json.hpp>
extern "C" {
#include <efivar/efivar.h>  // the header has no extern "C" of its own
}

#include "core/esp_probe.hpp"
#include "core/image_facts.hpp"
#include "core/iomem.hpp"
#include "core/initramfs_layout.hpp"
#include "grammar/shell_assign.hpp"
#include "util/root_dir.hpp"
#include "util/text.hpp"

namespace kdump {
namespace {

constexpr std::string_view k_efi_global_guid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
constexpr std::string_view k_loader_guid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

std::optional<std::uint64_t> parse_u64(std::string_view text, int base) {
  std::string t = trim(text);
  std::string_view v = t;
  if (base == 16 && v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) v.remove_prefix(2);
  if (v.empty()) return std::nullopt;
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out, base);
  if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
  return out;
}

// Reading below the root. Absent or unreadable files are "no answer", never a guess.
class Tree {
public:
  explicit Tree(const FactSource& s) : m_source(s) {
    if (s.dir) {
      m_root = s.dir;
      return;
    }
    auto r = RootDir::open(s.root);
    if (r) m_root = &m_owned.emplace(std::move(*r));
    else m_open_error = r.error().message;
  }
  bool ok() const { return m_root != nullptr; }
  const RootDir* root() const { return m_root; }
  const std::string& open_error() const { return m_open_error; }
  bool live() const { return m_source.live(); }

  std::optional<std::string> read(std::string_view abs, std::size_t limit = 4u << 20) const {
    if (!m_root) return std::nullopt;
    auto r = m_root->read_text(abs, limit);
    if (!r) return std::nullopt;
    return std::move(*r);
  }
  bool exists(std::string_view abs) const { return m_root && m_root->exists(abs); }
  bool is_directory(std::string_view abs) const { return m_root && m_root->is_directory(abs); }
  std::vector<std::string> list(std::string_view abs) const {
    if (!m_root) return {};
    auto r = m_root->list(abs);
    return r ? std::move(*r) : std::vector<std::string>{};
  }
  // The source string of a fact: the path as the user knows it.
  std::string show(std::string_view abs) const {
    if (live() || !m_root) return std::string(abs);
    return m_root->display(abs);
  }
  // A real path for libraries that open it themselves; nullopt when `abs` resolves
  // (through symlinks) outside the root.
  std::optional<std::filesystem::path> real_path(std::string_view abs) const {
    std::error_code ec;
    auto root = std::filesystem::canonical(m_source.root, ec);
    if (ec) return std::nullopt;
    auto p = std::filesystem::canonical(m_source.root / std::filesystem::path(abs).relative_path(), ec);
    if (ec) return std::nullopt;
    auto rs = root.string(), ps = p.string();
    if (rs != "/" && ps != rs && ps.rfind(rs + "/", 0) != 0) return std::nullopt;
    return p;
  }

private:
  FactSource m_source;
  std::optional<RootDir> m_owned;    // opened here when the source brings none
  const RootDir* m_root = nullptr;
  std::string m_open_error;
};

// ---------------------------------------------------------------------------------------
// RAM.

struct RamAnswer {
  std::uint64_t bytes = 0;
  std::string source;
};

std::optional<RamAnswer> ram_from_memory_blocks_udev() {
  udev* u = udev_new();
  if (!u) return std::nullopt;
  std::optional<RamAnswer> out;
  std::uint64_t block = 0;
  if (auto t = std::ifstream("/sys/devices/system/memory/block_size_bytes"); t) {
    std::string s;
    std::getline(t, s);
    block = parse_u64(s, 16).value_or(0);
  }
  udev_enumerate* e = udev_enumerate_new(u);
  if (e && block) {
    udev_enumerate_add_match_subsystem(e, "memory");
    if (udev_enumerate_scan_devices(e) >= 0) {
      std::uint64_t online = 0;
      udev_list_entry* entry = nullptr;
      udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
        udev_device* d = udev_device_new_from_syspath(u, udev_list_entry_get_name(entry));
        if (!d) continue;
        const char* state = udev_device_get_sysattr_value(d, "state");
        if (state && (std::string_view(state) == "online" || std::string_view(state) == "1")) ++online;
        udev_device_unref(d);
      }
      if (online)
        out = RamAnswer{online * block, "memory blocks (libudev subsystem memory: " +
                                            std::to_string(online) + " online × " +
                                            human_size(block) + ")"};
    }
  }
  if (e) udev_enumerate_unref(e);
  udev_unref(u);
  return out;
}

std::optional<RamAnswer> ram_from_tree_memmap(const Tree& t) {
  std::uint64_t total = 0;
  bool any = false;
  for (const auto& n : t.list("/sys/firmware/memmap")) {
    std::string base = "/sys/firmware/memmap/" + n;
    auto type = t.read(base + "/type");
    if (!type || trim(*type) != "System RAM") continue;
    auto s = t.read(base + "/start");
    auto e = t.read(base + "/end");
    if (!s || !e) continue;
    auto start = parse_u64(*s, 16), end = parse_u64(*e, 16);
    if (!start || !end || *end < *start) continue;
    total += *end - *start + 1;
    any = true;
  }
  if (!any) return std::nullopt;
  return RamAnswer{total, t.show("/sys/firmware/memmap") + " (sum of System RAM entries)"};
}

std::optional<RamAnswer> ram_from_tree_blocks(const Tree& t) {
  auto bs = t.read("/sys/devices/system/memory/block_size_bytes");
  if (!bs) return std::nullopt;
  auto block = parse_u64(*bs, 16);
  if (!block || !*block) return std::nullopt;
  std::uint64_t online = 0;
  for (const auto& n : t.list("/sys/devices/system/memory")) {
    if (n.rfind("memory", 0) != 0 || n.size() == 6) continue;
    auto st = t.read("/sys/devices/system/memory/" + n + "/state");
    if (st && (trim(*st) == "online" || trim(*st) == "1")) ++online;
  }
  if (!online) return std::nullopt;
  return RamAnswer{online * *block, t.show("/sys/devices/system/memory") + " (" +
                                        std::to_string(online) + " online blocks × " +
                                        human_size(*block) + ")"};
}

// ---------------------------------------------------------------------------------------
// Small parsers.

bool has_flag(std::string_view cpuinfo, std::string_view flag) {
  std::istringstream in{std::string(cpuinfo)};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    for (std::string w; words >> w;)
      if (w == flag) return true;
    return false;  // the first CPU's flags are enough
  }
  return false;
}

bool cpuinfo_has_flags_line(std::string_view cpuinfo) {
  return cpuinfo.find("\nflags") != std::string_view::npos || cpuinfo.rfind("flags", 0) == 0;
}

// "nr_cpus=N" in the value of a shell assignment VAR="..." (not sourced: only read).
std::optional<unsigned> nr_cpus_in_assignment(std::string_view text, std::string_view var) {
  std::istringstream in{std::string(text)};
  std::optional<unsigned> found;
  for (std::string line; std::getline(in, line);) {
    std::string l = trim(line);
    if (l.rfind(std::string(var) + "=", 0) != 0) continue;
    auto pos = l.find("nr_cpus=");
    if (pos == std::string::npos) {
      found.reset();
      continue;
    }
    unsigned n = 0;
    auto s = l.data() + pos + 8;
    auto [p, ec] = std::from_chars(s, l.data() + l.size(), n);
    if (ec == std::errc{} && p != s) found = n;
  }
  return found;
}

// ---------------------------------------------------------------------------------------

void gather_memory_encryption(const Tree& t, SystemFacts& f) {
  constexpr std::string_view marker = "Memory Encryption Features active: AMD";
  std::optional<std::string> log;
  std::string log_source;
  if (t.live()) {
    log = read_kernel_log();
    log_source = "kernel log (syslog(2))";
  } else if (auto d = t.read("/var/log/dmesg", 64u << 20)) {
    log = std::move(d);
    log_source = t.show("/var/log/dmesg");
  }
  if (log) {
    if (auto pos = log->find(marker); pos != std::string::npos) {
      auto eol = log->find('\n', pos);
      std::string line = log->substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      f.memory_encryption = Fact<bool>{true, log_source + ": \"" + trim(line) + "\""};
      return;
    }
    // The whole log since boot is there: the message would have been seen.
    if (log->find("Linux version") != std::string::npos) {
      f.memory_encryption = Fact<bool>{false, log_source + " since boot: no \"" +
                                                  std::string(marker) + "\""};
      return;
    }
  }
  if (auto cpu = t.read("/proc/cpuinfo", 16u << 20); cpu && cpuinfo_has_flags_line(*cpu)) {
    // The kernel clears "sme" when SME is not in use; "sev" in a guest means SEV is on.
    if (has_flag(*cpu, "sme")) {
      f.memory_encryption = Fact<bool>{true, t.show("/proc/cpuinfo") + " flag sme"};
    } else if (has_flag(*cpu, "sev") && has_flag(*cpu, "hypervisor")) {
      f.memory_encryption = Fact<bool>{true, t.show("/proc/cpuinfo") + " flags sev, hypervisor (SEV guest)"};
    } else {
      f.memory_encryption = Fact<bool>{false, t.show("/proc/cpuinfo") + " flags: no sme, no SEV guest"};
    }
  }
}

// ---------------------------------------------------------------------------------------
// LUKS.

void gather_luks(const Tree& t, const FactSource& s, SystemFacts& f) {
  if (!t.live()) {
    // An image: its crypttab says what the booted system will unlock. Its block devices
    // are not this machine's, so nothing is probed.
    auto ct = t.read("/etc/crypttab");
    if (!ct) {
      f.luks = Fact<bool>{false, "no " + t.show("/etc/crypttab")};
      return;
    }
    unsigned entries = 0;
    std::istringstream in(*ct);
    for (std::string line; std::getline(in, line);) {
      std::string l = trim(line);
      if (l.empty() || l[0] == '#') continue;
      ++entries;
      std::istringstream w(l);
      std::string name;
      w >> name;
      f.luks_devices.push_back(name);
    }
    f.luks = Fact<bool>{entries > 0, t.show("/etc/crypttab") + ": " + std::to_string(entries) +
                                         " encrypted volume(s)"};
    return;
  }
  if (!s.probe_block_devices) {
    f.unknown_reasons["luks"] = "block devices not probed";
    return;
  }
  unsigned probed = 0;
  std::string denied;
  std::uint64_t kdf = 0;
  std::string kdf_dev;
  for (const auto& name : t.list("/sys/class/block")) {
    if (name.rfind("loop", 0) == 0 || name.rfind("ram", 0) == 0 || name.rfind("zram", 0) == 0) continue;
    auto size = t.read("/sys/class/block/" + name + "/size");
    if (!size || parse_u64(*size, 10).value_or(0) == 0) continue;
    std::string dev = "/dev/" + name;
    auto p = probe_luks(dev);
    if (!p) {
      if (denied.empty()) denied = dev + ": " + p.error().message;
      continue;
    }
    ++probed;
    if (!p->luks) continue;
    f.luks_devices.push_back(dev);
    if (p->kdf_memory && *p->kdf_memory > kdf) {
      kdf = *p->kdf_memory;
      kdf_dev = dev;
    }
  }
  if (!f.luks_devices.empty()) {
    std::string list;
    for (auto& d : f.luks_devices) list += (list.empty() ? "" : ", ") + d;
    f.luks = Fact<bool>{true, "libblkid: crypto_LUKS on " + list};
    if (kdf) f.luks_kdf_memory = Fact<std::uint64_t>{kdf, "LUKS2 header of " + kdf_dev};
  } else if (denied.empty()) {
    f.luks = Fact<bool>{false, "libblkid: no crypto_LUKS on " + std::to_string(probed) + " block device(s)"};
  } else {
    f.unknown_reasons["luks"] = "cannot probe " + denied + (geteuid() != 0 ? " (run as root)" : "");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Public parsers.

std::optional<std::uint64_t> system_ram_from_iomem(std::string_view iomem) {
  std::uint64_t total = 0;
  bool any = false;
  for (const IomemLine& l : parse_iomem(iomem).lines) {
    // Top-level lines only: nested resources are indented by two spaces per level.
    if (l.indent != 0 || l.name != "System RAM") continue;
    if (l.start == 0 && l.end == 0) continue;  // read without root: every address is zero
    total += l.end - l.start + 1;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

std::optional<std::uint64_t> system_ram_from_memmap(const std::filesystem::path& memmap_dir) {
  FactSource s;
  s.root = memmap_dir;
  Tree t(s);
  std::uint64_t total = 0;
  bool any = false;
  for (const auto& n : t.list("/")) {
    auto type = t.read("/" + n + "/type");
    if (!type || trim(*type) != "System RAM") continue;
    auto a = t.read("/" + n + "/start"), b = t.read("/" + n + "/end");
    if (!a || !b) continue;
    auto start = parse_u64(*a, 16), end = parse_u64(*b, 16);
    if (!start || !end || *end < *start) continue;
    total += *end - *start + 1;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

std::optional<std::uint64_t> system_ram_from_memory_blocks(const std::filesystem::path& dir) {
  FactSource s;
  s.root = dir;
  Tree t(s);
  auto bs = t.read("/block_size_bytes");
  if (!bs) return std::nullopt;
  auto block = parse_u64(*bs, 16);
  if (!block || !*block) return std::nullopt;
  std::uint64_t online = 0;
  for (const auto& n : t.list("/")) {
    if (n.rfind("memory", 0) != 0 || n.size() == 6) continue;
    auto st = t.read("/" + n + "/state");
    if (st && (trim(*st) == "online" || trim(*st) == "1")) ++online;
  }
  if (!online) return std::nullopt;
  return online * *block;
}

std::optional<std::uint64_t> memtotal_from_meminfo(std::string_view meminfo) {
  std::istringstream in{std::string(meminfo)};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream w(line.substr(9));
    std::uint64_t kb = 0;
    std::string unit;
    if (!(w >> kb)) return std::nullopt;
    w >> unit;
    if (!unit.empty() && unit != "kB") return std::nullopt;
    return kb * KiB;
  }
  return std::nullopt;
}

std::optional<unsigned> count_cpulist(std::string_view list) {
  std::string t = trim(std::string(list));
  if (t.empty()) return std::nullopt;
  unsigned count = 0;
  std::istringstream in(t);
  for (std::string part; std::getline(in, part, ',');) {
    auto dash = part.find('-');
    auto a = parse_u64(part.substr(0, dash), 10);
    if (!a) return std::nullopt;
    std::uint64_t b = *a;
    if (dash != std::string::npos) {
      auto e = parse_u64(part.substr(dash + 1), 10);
      if (!e || *e < *a) return std::nullopt;
      b = *e;
    }
    count += static_cast<unsigned>(b - *a + 1);
  }
  return count;
}

std::optional<std::uint64_t> luks2_kdf_memory_from_json(std::string_view json) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keyslots") || !j["keyslots"].is_object())
    return std::nullopt;
  std::optional<std::uint64_t> best;
  for (auto& [id, slot] : j["keyslots"].items()) {
    (void)id;
    if (!slot.is_object() || !slot.contains("kdf") || !slot["kdf"].is_object()) continue;
    const auto& kdf = slot["kdf"];
    if (!kdf.contains("memory") || !kdf["memory"].is_number_unsigned()) continue;
    std::uint64_t bytes = kdf["memory"].get<std::uint64_t>() * KiB;  // LUKS2 stores KiB
    if (!best || bytes > *best) best = bytes;
  }
  return best;
}

Result<LuksProbe> probe_luks(const std::filesystem::path& device) {
  errno = 0;
  blkid_probe pr = blkid_new_probe_from_filename(device.c_str());
  if (!pr) {
    int e = errno ? errno : EIO;
    Error err = make_error(ErrorKind::io, std::string("cannot open for probing: ") + std::strerror(e));
    err.file = device.string();
    err.sys_errno = e;
    return fail(err);
  }
  blkid_probe_enable_superblocks(pr, 1);
  blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION);
  LuksProbe out;
  if (blkid_do_safeprobe(pr) == 0) {
    const char* type = nullptr;
    const char* version = nullptr;
    if (blkid_probe_lookup_value(pr, "TYPE", &type, nullptr) == 0 && type &&
        std::string_view(type) == "crypto_LUKS") {
      out.luks = true;
      if (blkid_probe_lookup_value(pr, "VERSION", &version, nullptr) == 0 && version)
        out.version = std::atoi(version);
    }
  }
  blkid_free_probe(pr);
  if (out.luks && out.version == 2) {
    // LUKS2 binary header: magic[6] version[2] hdr_size[8] (big endian), JSON from 4096.
    std::ifstream in(device, std::ios::binary);
    unsigned char hdr[16] = {};
    if (in.read(reinterpret_cast<char*>(hdr), sizeof hdr)) {
      std::uint64_t hdr_size = 0;
      for (int i = 8; i < 16; ++i) hdr_size = (hdr_size << 8) | hdr[i];
      if (hdr_size > 4096 && hdr_size <= (4u << 20)) {
        std::string json(hdr_size - 4096, '\0');
        in.seekg(4096);
        if (in.read(json.data(), static_cast<std::streamsize>(json.size()))) {
          json.resize(std::strlen(json.c_str()));
          out.kdf_memory = luks2_kdf_memory_from_json(json);
        }
      }
    }
  }
  return out;
}

std::string efi_utf16_to_utf8(const std::vector<std::uint8_t>& data) {
  std::string out;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    std::uint32_t c = data[i] | (static_cast<std::uint32_t>(data[i + 1]) << 8);
    if (c == 0) break;
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < data.size()) {
      std::uint32_t lo = data[i + 2] | (static_cast<std::uint32_t>(data[i + 3]) << 8);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      }
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::optional<EfiVariable> parse_efivarfs_file(std::string_view bytes) {
  // efivarfs (Documentation/filesystems/efivarfs.rst): the first 4 bytes of a file are
  // the variable's attributes (little endian), the rest its data.
  if (bytes.size() < 4) return std::nullopt;
  EfiVariable v;
  for (int i = 3; i >= 0; --i) v.attributes = (v.attributes << 8) | static_cast<std::uint8_t>(bytes[i]);
  v.data.assign(bytes.begin() + 4, bytes.end());
  return v;
}

namespace {

Result<std::optional<EfiVariable>> read_efi_variable_live(std::string_view guid, std::string_view name) {
  // libefivar picks its efivarfs directory once, at load time; the live system's is the
  // one it uses. Trees below --root are read as files (read_efivarfs_file), never by
  // redirecting the library.
  efi_guid_t g{};
  std::string guid_s(guid), name_s(name);
  if (efi_str_to_guid(guid_s.c_str(), &g) < 0)
    return fail(make_error(ErrorKind::internal, "bad EFI GUID " + guid_s));
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::uint32_t attributes = 0;
  errno = 0;
  int rc = efi_get_variable(g, name_s.c_str(), &data, &size, &attributes);
  int e = errno;
  efi_error_clear();
  if (rc < 0) {
    if (e == ENOENT) return std::optional<EfiVariable>{};
    Error err = make_error(ErrorKind::io, "cannot read EFI variable " + name_s + "-" + guid_s + ": " +
                                              std::strerror(e ? e : EIO));
    err.sys_errno = e;
    return fail(err);
  }
  EfiVariable v;
  v.data.assign(data, data + size);
  v.attributes = attributes;
  std::free(data);
  return std::optional<EfiVariable>{std::move(v)};
}

Result<std::optional<EfiVariable>> read_efivarfs_file(const RootDir& root, std::string_view dir,
                                                     std::string_view guid, std::string_view name) {
  const std::string path =
      (dir == "/" ? std::string() : std::string(dir)) + "/" + std::string(name) + "-" + std::string(guid);
  if (!root.exists(path)) return std::optional<EfiVariable>{};
  auto bytes = root.read_text(path, 1u << 20);
  if (!bytes) return fail(std::move(bytes).error());
  auto v = parse_efivarfs_file(*bytes);
  if (!v) {
    Error e = make_error(ErrorKind::parse, "an efivarfs file has 4 bytes of attributes before the data; this one has " +
                                               std::to_string(bytes->size()) + " bytes");
    e.file = path;
    return fail(std::move(e));
  }
  return std::optional<EfiVariable>{std::move(*v)};
}

}  // namespace

Result<std::optional<EfiVariable>> read_efi_variable(const std::filesystem::path& efivarfs_dir,
                                                     std::string_view guid, std::string_view name) {
  std::error_code ec;
  if (std::filesystem::equivalent(efivarfs_dir, kLiveEfivars, ec)) return read_efi_variable_live(guid, name);
  auto root = RootDir::open(efivarfs_dir);
  if (!root) return fail(std::move(root).error());
  return read_efivarfs_file(*root, "/", guid, name);
}

namespace {

// Reads one EFI variable: libefivar on the live system, the efivarfs file inside the
// root otherwise (read_efivarfs_file).
Result<std::optional<EfiVariable>> efi_variable(const Tree& t, std::string_view guid, std::string_view name) {
  if (t.live()) return read_efi_variable_live(guid, name);
  return read_efivarfs_file(*t.root(), kLiveEfivars, guid, name);
}

// SecureBoot, SetupMode and the Boot Loader Interface variables, each read once.
void gather_efi_variables(const Tree& t, SystemFacts& f) {
  const std::string shown = t.show(kLiveEfivars);
  const std::string how = t.live() ? "libefivar, " + shown : shown;
  auto sb = efi_variable(t, k_efi_global_guid, "SecureBoot");
  if (!sb) {
    f.warnings.push_back("EFI variables not read: " + sb.error().message);
    return;
  }
  if (*sb && !(*sb)->data.empty()) {
    bool on = (*sb)->data[0] == 1;
    std::string detail = "SecureBoot=" + std::to_string((*sb)->data[0]);
    auto sm = efi_variable(t, k_efi_global_guid, "SetupMode");
    if (sm && *sm && !(*sm)->data.empty()) {
      detail += " SetupMode=" + std::to_string((*sm)->data[0]);
      if ((*sm)->data[0] == 1) on = false;
    }
    f.secure_boot = Fact<bool>{on, "EFI variable SecureBoot (" + how + ")"};
    f.secure_boot_detail = Fact<std::string>{detail, shown};
  } else if (!*sb) {
    f.secure_boot = Fact<bool>{false, "no SecureBoot EFI variable (" + how + ")"};
  }
  const std::pair<const char*, std::optional<Fact<std::string>>*> loader_vars[] = {
      {"LoaderInfo", &f.loader_info},
      {"LoaderEntryDefault", &f.loader_entry_default},
      {"LoaderEntrySelected", &f.loader_entry_selected},
      {"LoaderEntryOneShot", &f.loader_entry_oneshot},
  };
  for (const auto& [name, out] : loader_vars) {
    auto v = efi_variable(t, k_loader_guid, name);
    if (!v) {
      f.warnings.push_back("EFI variable " + std::string(name) + " not read: " + v.error().message);
      continue;
    }
    if (*v) *out = Fact<std::string>{efi_utf16_to_utf8((*v)->data), "EFI variable " + std::string(name) + " (" + how + ")"};
  }
}

// The partitions mounted on the boot directories, with their type (bootctl's check).
void gather_boot_partitions(const Tree& t, SystemFacts& f) {
  auto mi = t.read("/proc/self/mountinfo");
  if (!mi) return;
  for (const char* dir : {"/efi", "/boot", "/boot/efi"}) {
    auto src = mount_source(*mi, dir);
    if (!src || !src->starts_with("/dev/")) continue;
    auto type = probe_partition_type(*src);
    f.boot_partitions[dir] = SystemFacts::BootPartition{*src, type && *type ? **type : std::string()};
  }
}

// An image without proc/: its files tell its architecture and kernels (core/image_facts).
void gather_image_facts(const Tree& t, SystemFacts& f) {
  if (!t.root()) return;
  if (!f.detected_arch) f.detected_arch = image_arch(*t.root());
  if (!f.kernel_release) f.kernel_release = image_kernel_release(*t.root());
}

}  // namespace

// ---------------------------------------------------------------------------------------

Result<SystemFacts> gather_facts(const FactSource& source, const FactOverrides& overrides) {
  SystemFacts f;
  Tree t(source);
  if (!t.ok()) {
    // open_error() already says "cannot open the root directory: ..."
    Error e = make_error(ErrorKind::io, t.open_error());
    e.file = source.root.string();
    return fail(e);
  }
  if (overrides.memory_bytes) f.memory_bytes = Fact<std::uint64_t>{*overrides.memory_bytes, "--memory"};
  if (overrides.arch) f.arch = Fact<Arch>{*overrides.arch, "--arch"};
  if (overrides.kernel_release)
    f.kernel_release = Fact<std::string>{*overrides.kernel_release, "--kernel-release"};

  // Architecture, kernel release, page size, CPUs.
  if (source.live()) {
    utsname u{};
    if (uname(&u) == 0) {
      if (auto a = parse_arch(u.machine)) f.detected_arch = Fact<Arch>{*a, "uname(2)"};
      if (!f.kernel_release) f.kernel_release = Fact<std::string>{u.release, "uname(2)"};
    }
    long ps = sysconf(_SC_PAGESIZE);
    if (ps > 0) f.page_size = Fact<std::uint64_t>{static_cast<std::uint64_t>(ps), "sysconf(_SC_PAGESIZE)"};
  } else {
    if (auto a = t.read("/proc/sys/kernel/arch"))
      if (auto arch = parse_arch(trim(*a)))
        f.detected_arch = Fact<Arch>{*arch, t.show("/proc/sys/kernel/arch")};
    if (!f.kernel_release)
      if (auto r = t.read("/proc/sys/kernel/osrelease"); r && !trim(*r).empty())
        f.kernel_release = Fact<std::string>{trim(*r), t.show("/proc/sys/kernel/osrelease")};
    gather_image_facts(t, f);
  }
  if (!f.arch) f.arch = f.detected_arch;
  if (auto online = t.read("/sys/devices/system/cpu/online"))
    if (auto n = count_cpulist(*online))
      f.online_cpus = Fact<unsigned>{*n, t.show("/sys/devices/system/cpu/online")};
  if (!f.online_cpus && source.live()) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n > 0) f.online_cpus = Fact<unsigned>{static_cast<unsigned>(n), "sysconf(_SC_NPROCESSORS_ONLN)"};
  }

  // RAM as the kernel counts it.
  if (!f.memory_bytes) {
    if (auto iomem = t.read("/proc/iomem"))
      if (auto ram = system_ram_from_iomem(*iomem))
        f.memory_bytes = Fact<std::uint64_t>{*ram, t.show("/proc/iomem") + " (sum of System RAM)"};
  }
  if (auto iomem = t.read("/proc/iomem"))  // core/memory_map.hpp: where placement can happen
    if (auto map = memory_map_from_iomem(*iomem))
      f.memory_map = Fact<MemoryMap>{std::move(*map), t.show("/proc/iomem")};
  if (!f.memory_bytes)
    if (auto r = ram_from_tree_memmap(t)) f.memory_bytes = Fact<std::uint64_t>{r->bytes, r->source};
  if (!f.memory_bytes) {
    auto r = source.live() ? ram_from_memory_blocks_udev() : ram_from_tree_blocks(t);
    if (!r && source.live()) r = ram_from_tree_blocks(t);
    if (r) f.memory_bytes = Fact<std::uint64_t>{r->bytes, r->source};
  }
  if (!f.memory_bytes)
    if (auto mi = t.read("/proc/meminfo"))
      if (auto total = memtotal_from_meminfo(*mi)) {
        f.memory_bytes = Fact<std::uint64_t>{*total, t.show("/proc/meminfo") + " MemTotal"};
        f.warnings.push_back("RAM taken from MemTotal, which undercounts what the kernel sizes "
                             "crashkernel= ranges with (no readable /proc/iomem, "
                             "/sys/firmware/memmap or memory blocks); pass --memory to be exact");
      }

  if (auto cmdline = t.read("/proc/cmdline")) {
    while (!cmdline->empty() && cmdline->back() == '\n') cmdline->pop_back();
    f.running_cmdline = Fact<std::string>{*cmdline, t.show("/proc/cmdline")};
  }

  // Firmware and EFI variables.
  if (t.is_directory("/sys/firmware/efi")) {
    f.firmware = Fact<Firmware>{Firmware::uefi, t.show("/sys/firmware/efi")};
  } else if (t.is_directory("/sys/firmware")) {
    f.firmware = Fact<Firmware>{Firmware::bios, "no " + t.show("/sys/firmware/efi")};
  }
  if (f.firmware && f.firmware->value == Firmware::uefi && t.is_directory("/sys/firmware/efi/efivars"))
    gather_efi_variables(t, f);
  if (source.live()) gather_boot_partitions(t, f);

  // What the policies add memory for.
  gather_luks(t, source, f);
  gather_memory_encryption(t, f);
  if (t.is_directory("/sys/module")) {
    bool mlx5 = t.is_directory("/sys/module/mlx5_core");
    f.mlx5 = Fact<bool>{mlx5, (mlx5 ? "" : "no ") + t.show("/sys/module/mlx5_core")};
  }
  if (t.is_directory("/sys/devices/platform")) {
    std::optional<std::string> smmu;
    for (const auto& n : t.list("/sys/devices/platform"))
      if (n.rfind("arm-smmu", 0) == 0) {
        smmu = n;
        break;
      }
    f.arm_smmu = Fact<bool>{smmu.has_value(), smmu ? t.show("/sys/devices/platform/" + *smmu)
                                                   : "no arm-smmu* in " + t.show("/sys/devices/platform")};
  }
  if (auto fa = t.read("/sys/kernel/fadump/enabled")) {
    f.fadump = Fact<bool>{trim(*fa) == "1", t.show("/sys/kernel/fadump/enabled")};
  } else if (auto fo = t.read("/sys/kernel/fadump_enabled")) {
    f.fadump = Fact<bool>{trim(*fo) == "1", t.show("/sys/kernel/fadump_enabled")};
  } else if (f.running_cmdline && f.running_cmdline->value.find("fadump=on") != std::string::npos) {
    f.fadump = Fact<bool>{true, f.running_cmdline->source + " fadump=on"};
  } else if (t.is_directory("/sys/kernel")) {
    f.fadump = Fact<bool>{false, "no " + t.show("/sys/kernel/fadump")};
  }
  const auto kdump_tools = t.read("/etc/default/kdump-tools");
  if (auto sc = t.read("/etc/sysconfig/kdump")) {
    if (auto n = nr_cpus_in_assignment(*sc, "KDUMP_COMMANDLINE_APPEND"))
      f.capture_cpus = Fact<unsigned>{*n, t.show("/etc/sysconfig/kdump") + " KDUMP_COMMANDLINE_APPEND"};
  } else if (kdump_tools) {
    if (auto n = nr_cpus_in_assignment(*kdump_tools, "KDUMP_CMDLINE_APPEND"))
      f.capture_cpus = Fact<unsigned>{*n, t.show("/etc/default/kdump-tools") + " KDUMP_CMDLINE_APPEND"};
  }
  if (f.kernel_release)
    f.capture_initramfs = find_capture_initramfs(source, f.kernel_release->value, kdump_tools.value_or(""));
  return f;
}

namespace {

constexpr std::string_view kKdumpToolsDefaults = "/etc/default/kdump-tools";

// An initramfs is read whole (a Debian MODULES=most image is ~31 MB); above this it is
// not a capture initramfs.
constexpr std::size_t k_initramfs_limit = std::size_t{1} << 30;

Result<CaptureInitramfs> measure_capture_initramfs(const RootDir& dir, const std::string& abs) {
  auto data = dir.read_text(abs, k_initramfs_limit);
  if (!data) return fail(std::move(data).error());
  CaptureInitramfs c;
  c.path = dir.is_host_root() ? abs : dir.display(abs);
  c.bytes = data->size();
  InitramfsLayout l = measure_initramfs(*data);
  for (const auto& seg : l.segments) c.layout += (c.layout.empty() ? "" : "+") + seg;
  c.unpacked_bytes = l.unpacked_bytes;
  c.unpacked_unknown = l.unknown_reason;
  return c;
}

// The source's opened root, or the root opened now into `owned`.
Result<const RootDir*> source_root(const FactSource& source, std::optional<RootDir>& owned) {
  if (source.dir) return source.dir;
  auto r = RootDir::open(source.root);
  if (!r) return fail(std::move(r).error());
  return &owned.emplace(std::move(*r));
}

std::string with_release(std::string_view pattern, std::string_view release) {
  std::string out(pattern);
  constexpr std::string_view token = "{release}";
  for (auto at = out.find(token); at != std::string::npos; at = out.find(token, at + release.size()))
    out.replace(at, token.size(), release);
  return out;
}

// KDUMP_INITRD of /etc/default/kdump-tools: the capture initramfs an admin named for
// Debian's kdump-tools, which kdump-config loads instead of its own image. The file is
// shell and is never run: only a top-level assignment of a literal absolute path counts,
// and a later assignment that is not one makes the value unknown again.
std::optional<std::pair<std::string, unsigned>> kdump_tools_initrd(std::string_view text) {
  auto doc = shell::parse(text, kKdumpToolsDefaults);
  if (!doc) return std::nullopt;
  std::optional<std::pair<std::string, unsigned>> found;
  for (const auto& st : doc->statements()) {
    const auto* a = std::get_if<shell::Assignment>(&st);
    if (!a || a->name != "KDUMP_INITRD") continue;
    auto v = a->unconditional() ? shell::literal_text(a->pieces) : std::nullopt;
    if (v && v->starts_with('/')) found = std::pair{*v, a->line};
    else found.reset();
  }
  return found;
}

}  // namespace

std::optional<Fact<CaptureInitramfs>> find_capture_initramfs(const FactSource& source, std::string_view release,
                                                             std::string_view kdump_tools_defaults) {
  if (release.empty()) return std::nullopt;
  std::optional<RootDir> owned;
  auto dir = source_root(source, owned);
  if (!dir) return std::nullopt;
  if (!kdump_tools_defaults.empty()) {
    if (auto named = kdump_tools_initrd(kdump_tools_defaults)) {
      if (auto c = measure_capture_initramfs(**dir, named->first)) {
        std::string shown = c->path;
        return Fact<CaptureInitramfs>{std::move(*c), "KDUMP_INITRD=" + named->first + " (" +
                                                         std::string(kKdumpToolsDefaults) + ":" +
                                                         std::to_string(named->second) + "): " + shown};
      }
    }
  }
  const std::string rel(release);
  const std::pair<std::string, const char*> places[] = {
      {"/var/lib/kdump/initrd.img-" + rel, "Debian kdump-tools"},
      {"/boot/initramfs-" + rel + "kdump.img", "kdumpctl (kdump-utils)"},
      {"/boot/initrd-" + rel + "-kdump", "SUSE kdump"},
  };
  for (const auto& [abs, tool] : places) {
    if (!(*dir)->exists(abs)) continue;
    auto c = measure_capture_initramfs(**dir, abs);
    if (!c) continue;  // not a readable regular file: not this tool's image
    std::string shown = c->path;
    return Fact<CaptureInitramfs>{std::move(*c), std::string(tool) + "'s capture initramfs " + shown};
  }
  return std::nullopt;
}

Result<Fact<CaptureInitramfs>> read_capture_initramfs(const FactSource& source, std::string_view configured,
                                                      std::string_view release, std::string_view origin) {
  std::string abs = with_release(configured, release);
  std::optional<RootDir> owned;
  auto dir = source_root(source, owned);
  if (!dir) return fail(std::move(dir).error());
  auto c = measure_capture_initramfs(**dir, abs);
  if (!c) {
    Error e = std::move(c).error();
    e.message = "capture_initramfs (" + std::string(origin) + "): " + e.message;
    return fail(e);
  }
  std::string shown = c->path;
  return Fact<CaptureInitramfs>{std::move(*c), "capture_initramfs = " + shown + " (" + std::string(origin) + ")"};
}

Result<std::uint64_t> require_memory(const SystemFacts& facts) {
  if (facts.memory_bytes) return facts.memory_bytes->value;
  Error e = make_error(ErrorKind::missing_fact,
                       "the RAM size is not known: no readable \"System RAM\" in /proc/iomem, "
                       "no /sys/firmware/memmap, no memory blocks, no /proc/meminfo");
  e.hints.push_back("pass --memory SIZE (for example --memory 16G)");
  return fail(e);
}

Result<Arch> require_arch(const SystemFacts& facts) {
  if (facts.arch) return facts.arch->value;
  Error e = make_error(ErrorKind::missing_fact, "the architecture is not known");
  e.hints.push_back("pass --arch ARCH (x86_64, aarch64, ppc64le, s390x, riscv64)");
  return fail(e);
}

Result<std::string> require_kernel_release(const SystemFacts& facts) {
  if (facts.kernel_release) return facts.kernel_release->value;
  Error e = make_error(ErrorKind::missing_fact, "the kernel release is not known");
  e.hints.push_back("pass --kernel-release RELEASE (for example 6.1.0-28-amd64)");
  return fail(e);
}

Result<KernelModel> require_model(const SystemFacts& facts) {
  KDUMP_TRY_ASSIGN(const Arch arch, require_arch(facts));
  KDUMP_TRY_ASSIGN(const std::string release, require_kernel_release(facts));
  auto model = model_for_release(arch, release);
  if (!model) {
    Error e = make_error(ErrorKind::usage, "kernel release '" + release + "' does not start with MAJOR.MINOR");
    e.hints.push_back("pass --kernel-release RELEASE");
    return fail(e);
  }
  return *model;
}

std::optional<std::string> read_kernel_log() {
  int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) return std::nullopt;
  std::string buf(static_cast<std::size_t>(size), '\0');
  int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace kdump
