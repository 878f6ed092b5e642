#include "core/kdump_package.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "grammar/shell_assign.hpp"

namespace kdump {
namespace {

constexpr std::string_view k_defaults = "/etc/default/kdump-tools";

// The last literal top-level assignment of `name` in a shell file; a later one that is
// not literal makes it unknown again. `line` gets its line.
std::optional<std::string> last_literal(std::string_view text, std::string_view file, std::string_view name,
                                        unsigned& line) {
  auto doc = shell::parse(text, file);
  if (!doc) return std::nullopt;
  std::optional<std::string> found;
  for (const auto& st : doc->statements()) {
    const auto* a = std::get_if<shell::Assignment>(&st);
    if (!a || a->name != name) continue;
    found = a->unconditional() ? shell::literal_text(a->pieces) : std::nullopt;
    line = a->line;
  }
  return found;
}

bool sourced_conf_name(const std::string& n) {
  if (n.empty() || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  if (n.find(".dpkg-") != std::string::npos) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::string first_existing(const TreeView& root, std::initializer_list<std::string_view> paths) {
  for (auto p : paths)
    if (root.exists(p)) return std::string(p);
  return {};
}

PlannedCapture plan_kdump_tools(const TreeView& root, std::string_view release, std::string evidence) {
  PlannedCapture c;
  c.package = PlannedCapture::Package::kdump_tools;
  c.source = evidence;
  std::string where;
  const std::string modules = initramfs_tools_modules(root, where);
  const std::string rel(release);
  unsigned line = 0;
  std::optional<std::string> kernel;
  bool kernel_set = false;
  if (auto text = root.read_text(k_defaults)) {
    kernel = last_literal(*text, k_defaults, "KDUMP_KERNEL", line);
    kernel_set = line != 0;
    c.source += ", " + std::string(k_defaults);
  }
  if (kernel_set && kernel && kernel->empty()) kernel_set = false;  // KDUMP_KERNEL= is unset for kdump-config
  if (!kernel_set) {
    // locate_kdump_kernel(): the running kernel and its boot initramfs.
    const std::string boot = "/boot/initrd.img-" + rel;
    if (root.exists(boot)) c.existing_file = boot;
    c.image = modules == "most" ? PlannedImageKind::boot_initrd : PlannedImageKind::kdump_tools_dep;
    c.why = "kdump-tools without KDUMP_KERNEL in " + std::string(k_defaults) + " loads the boot initramfs " +
            boot + " (MODULES=" + modules + (where.empty() ? ", initramfs-tools' default" : " from " + where) + ")";
    return c;
  }
  c.image = PlannedImageKind::kdump_tools_dep;
  c.why = "kdump-tools is installed and will build /var/lib/kdump/initrd.img-" + rel +
          " with MODULES=" + (modules == "most" ? "dep (its hook's switch from MODULES=most" : modules + " (") +
          (where.empty() ? ", initramfs-tools' default)" : ", " + where + ")");
  if (modules != "most" && modules != "dep")
    c.why += ", sized as the measured MODULES=dep image, which holds more modules";
  return c;
}

PlannedCapture plan_dracut(const TreeView& root, std::string evidence) {
  PlannedCapture c;
  c.package = PlannedCapture::Package::dracut_kdump;
  c.image = PlannedImageKind::boot_initrd;
  c.source = evidence;
  std::string extra;
  if (auto conf = root.read_text("/etc/kdump.conf")) {
    c.source += ", /etc/kdump.conf";
    // Options that grow the image: more dracut modules, drivers, a network target.
    for (std::string_view key : {"dracut_args", "extra_modules", "nfs", "ssh"}) {
      std::size_t at = 0;
      const std::string& t = *conf;
      while ((at = t.find(key, at)) != std::string::npos) {
        const bool line_start = at == 0 || t[at - 1] == '\n';
        const std::size_t end = at + key.size();
        if (line_start && end < t.size() && (t[end] == ' ' || t[end] == '\t')) {
          extra += (extra.empty() ? "" : ", ") + std::string(key);
          break;
        }
        at = end;
      }
    }
  }
  c.why = "a dracut-based kdump package (" + evidence +
          ") will build its capture initramfs with mkdumprd, which was not measured: sized as the largest "
          "measured image, Debian's MODULES=most boot initramfs" +
          (extra.empty() ? std::string() : "; /etc/kdump.conf sets " + extra + ", which make it larger");
  return c;
}

}  // namespace

std::string initramfs_tools_modules(const TreeView& root, std::string& where) {
  std::string modules = "most";
  where.clear();
  auto take = [&](const std::string& file) {
    auto text = root.read_text(file);
    if (!text) return;
    unsigned line = 0;
    auto v = last_literal(*text, file, "MODULES", line);
    if (!line) return;
    if (v) {
      modules = *v;
      where = file + ":" + std::to_string(line);
    } else {
      modules = "most";
      where = file + ":" + std::to_string(line) + " (not a literal value: initramfs-tools' default assumed)";
    }
  };
  take("/etc/initramfs-tools/initramfs.conf");
  if (auto names = root.list("/etc/initramfs-tools/conf.d")) {
    std::vector<std::string> sorted = *names;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& n : sorted)
      if (sourced_conf_name(n)) take("/etc/initramfs-tools/conf.d/" + n);
  }
  return modules;
}

PlannedCapture plan_capture_initramfs(const TreeView& root, std::string_view release) {
  if (auto e = first_existing(root, {"/var/lib/dpkg/info/kdump-tools.list", "/usr/sbin/kdump-config",
                                     "/sbin/kdump-config", k_defaults});
      !e.empty())
    return plan_kdump_tools(root, release, e);
  if (auto e = first_existing(root, {"/usr/bin/kdumpctl", "/usr/sbin/kdumpctl", "/usr/sbin/mkdumprd",
                                     "/etc/kdump.conf", "/etc/sysconfig/kdump"});
      !e.empty())
    return plan_dracut(root, e);
  PlannedCapture c;
  c.why = "no kdump package is installed (no kdump-tools, kdumpctl, mkdumprd, /etc/kdump.conf or "
          "/etc/sysconfig/kdump)";
  return c;
}

}  // namespace kdump
