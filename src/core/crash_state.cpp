// Crash kernel state of the running kernel: sysfs (kernel/ksysfs.c) is authoritative,
// /proc/iomem gives the regions, the kernel log is optional evidence.
#include "core/crash_state.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/iomem.hpp"
#include "util/root_dir.hpp"
#include "util/text.hpp"

namespace kdump {
namespace {

std::optional<std::uint64_t> parse_number(std::string_view text, int base) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc{} || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


std::optional<std::string> read(const RootDir& root, std::string_view abs) {
  auto r = root.read_text(abs, 64u << 20);
  if (!r) return std::nullopt;
  return std::move(*r);
}

}  // namespace

std::optional<std::vector<CrashRegion>> crash_regions_from_iomem(std::string_view iomem) {
  const Iomem map = parse_iomem(iomem);
  if (!map.addresses_visible) return std::nullopt;
  std::vector<CrashRegion> out;
  for (const IomemLine& l : map.lines)
    if (l.name == "Crash kernel") out.push_back({l.start, l.end});
  return out;
}

std::vector<CrashRegion> released_after_crash_regions(std::string_view iomem) {
  std::vector<CrashRegion> out;
  bool after_crash = false;     // the lines before, at this depth, were "Crash kernel" and tails
  std::uint64_t crash_end = 0;  // where the last of them ends
  std::size_t crash_indent = 0;
  for (const IomemLine& l : parse_iomem(iomem).lines) {
    if (l.indent > 0 && after_crash && l.indent == crash_indent && l.name == "System RAM" &&
        l.start == crash_end + 1) {
      out.push_back({l.start, l.end});
      crash_end = l.end;  // a second shrink's tail comes before the first one's
      continue;
    }
    if (l.name == "Crash kernel") {
      after_crash = true;
      crash_end = l.end;
      crash_indent = l.indent;
    } else if (l.indent <= crash_indent) {
      after_crash = false;
    }
  }
  return out;
}

std::vector<std::string> crashkernel_log_lines(std::string_view log) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t eol = log.find('\n', pos);
    std::string_view line = log.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? log.size() : eol + 1;
    std::string l = lower(line);
    // The command line itself ("Command line: ... crashkernel=...") is not evidence.
    if (l.find("command line") != std::string::npos) continue;
    if (l.find("crashkernel") == std::string::npos && l.find("crash kernel") == std::string::npos)
      continue;
    if (!line.empty() && line.front() == '<') {  // "<6>" priority prefix
      std::size_t gt = line.find('>');
      if (gt != std::string_view::npos) line.remove_prefix(gt + 1);
    }
    if (!line.empty() && line.front() == '[') {  // "[    0.000000] " timestamp
      std::size_t rb = line.find("] ");
      if (rb != std::string_view::npos) line.remove_prefix(rb + 2);
    }
    out.push_back(trim(line));
  }
  return out;
}

CrashLogKind classify_crash_log_line(std::string_view line) {
  auto has = [&](std::string_view t) { return line.find(t) != std::string_view::npos; };
  if (has("crashkernel CMA reservation failed") || has("CMA reservation not supported"))
    return CrashLogKind::failed;
  if (has("crashkernel CMA reserved")) return CrashLogKind::cma_reserved;
  if (has("reservation failed") || has("cannot allocate crashkernel") ||
      has("crashkernel low memory, please try smaller size") || has("Ignoring crashkernel"))
    return CrashLogKind::failed;
  if (has("crashkernel low memory reserved:") || (has("Reserving ") && has("MB of low memory at")))
    return CrashLogKind::low_reserved;
  if (has("crashkernel reserved:") || (has("Reserving ") && has("for crashkernel")))
    return CrashLogKind::reserved;
  if (has("expected") || has("unrecognized char") || has("end <= start") || has("invalid size") ||
      has("resulted in zero bytes"))
    return CrashLogKind::rejected;
  return CrashLogKind::other;
}

Result<CrashState> gather_crash_state(const FactSource& source) {
  std::optional<RootDir> owned;
  if (!source.dir) {
    KDUMP_TRY_ASSIGN(owned, RootDir::open(source.root));
  }
  const RootDir* root = source.dir ? source.dir : &*owned;
  CrashState s;
  // Mainline moved the file into /sys/kernel/kexec/ (2025); older kernels, 6.1 among
  // them, have /sys/kernel/kexec_crash_size. Either means CONFIG_KEXEC_CORE/CRASH_DUMP.
  for (std::string_view p : {"/sys/kernel/kexec/crash_size", "/sys/kernel/kexec_crash_size"}) {
    if (auto text = read(*root, p))
      if (auto v = parse_number(*text, 10)) {
        s.crash_size = Fact<std::uint64_t>{*v, root->display(p)};
        break;
      }
  }
  for (std::string_view p : {"/sys/kernel/kexec/crash_loaded", "/sys/kernel/kexec_crash_loaded"}) {
    if (auto text = read(*root, p))
      if (auto v = parse_number(*text, 10)) {
        s.loaded = Fact<bool>{*v != 0, root->display(p)};
        break;
      }
  }
  if (auto iomem = read(*root, "/proc/iomem")) {
    s.regions = crash_regions_from_iomem(*iomem);
    if (s.regions) s.released = released_after_crash_regions(*iomem);
    s.regions_source = root->display("/proc/iomem");
    if (!s.regions) s.regions_unknown = s.regions_source + " shows no addresses (run as root)";
  } else {
    s.regions_unknown = "cannot read " + root->display("/proc/iomem");
  }
  for (std::string_view p : {"/sys/kernel/fadump/enabled", "/sys/kernel/fadump_enabled"}) {
    if (auto text = read(*root, p))
      if (auto v = parse_number(*text, 10)) {
        s.fadump = Fact<bool>{*v != 0, root->display(p)};
        break;
      }
  }
  std::optional<std::string> log;
  if (source.live()) {
    log = read_kernel_log();
    s.log_source = "kernel log (syslog(2))";
  }
  if (!log) {
    log = read(*root, "/var/log/dmesg");
    s.log_source = root->display("/var/log/dmesg");
  }
  if (log) s.log_lines = crashkernel_log_lines(*log);
  else s.log_source.clear();
  return s;
}

}  // namespace kdump
