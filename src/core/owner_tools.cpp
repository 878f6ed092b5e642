#include "core/owner_tools.hpp"

#include <nlohmann/json.hpp>

namespace kdump {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.push_back(std::string(text.substr(0, nl)));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return out;
}

// The value of the last crashkernel= word of a command line text (comments skipped).
std::optional<std::string> crashkernel_in(std::string_view text) {
  std::optional<std::string> found;
  for (const auto& line : lines_of(text)) {
    if (trim(line).starts_with("#")) continue;
    std::size_t p = 0;
    while ((p = line.find("crashkernel=", p)) != std::string::npos) {
      if (p == 0 || line[p - 1] == ' ' || line[p - 1] == '\t' || line[p - 1] == '"') {
        std::size_t e = line.find_first_of(" \t\"", p);
        found = line.substr(p + 12, e == std::string::npos ? std::string::npos : e - p - 12);
      }
      p += 12;
    }
  }
  return found;
}

std::optional<std::string> read(const TreeView& root, std::string_view path) {
  auto t = root.read_text(path, 1u << 20);
  if (!t) return std::nullopt;
  return std::move(*t);
}

// The BLS entries of the places bootctl and GRUB's blscfg read.
std::vector<std::pair<std::string, std::string>> bls_entries(const TreeView& root) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* dir : {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"}) {
    auto names = root.list(dir);
    if (!names) continue;
    for (const auto& n : *names)
      if (n.ends_with(".conf"))
        if (auto t = read(root, std::string(dir) + "/" + n)) out.emplace_back(std::string(dir) + "/" + n, *t);
  }
  return out;
}

// The crashkernel= value of the last BLS entry's options that has one.
std::optional<std::string> bls_crashkernel(const TreeView& root) {
  std::optional<std::string> found;
  for (const auto& [path, text] : bls_entries(root))
    for (const auto& line : lines_of(text))
      if (trim(line).starts_with("options"))
        if (auto c = crashkernel_in(line)) found = c;
  return found;
}

// rpm-ostree / bootc: ostree deployments ("ostree=" in the entries' options,
// /run/ostree-booted, /ostree/repo); bootc when the image carries kargs.d.
std::optional<OwnerTool> detect_ostree(const TreeView& root) {
  OwnerTool o;
  if (root.exists("/run/ostree-booted")) o.evidence.push_back("/run/ostree-booted");
  if (root.is_directory("/ostree/repo")) o.evidence.push_back("/ostree/repo");
  for (const auto& [path, text] : bls_entries(root))
    for (const auto& line : lines_of(text))
      if (trim(line).starts_with("options") && line.find(" ostree=") != std::string::npos) {
        o.evidence.push_back(path + " (options carry ostree=)");
        o.current = crashkernel_in(line);
        break;
      }
  if (o.evidence.empty()) return std::nullopt;
  o.tool = "rpm-ostree";
  o.config_file = "the deployment's kernel arguments (rpm-ostree kargs)";
  if (root.is_directory("/usr/lib/bootc/kargs.d") || root.exists("/usr/bin/bootc")) {
    o.tool = "bootc";
    o.evidence.push_back(root.is_directory("/usr/lib/bootc/kargs.d") ? "/usr/lib/bootc/kargs.d" : "/usr/bin/bootc");
    o.config_file = "/usr/lib/bootc/kargs.d/*.toml of the image";
  }
  return o;
}

// kernelstub (Pop!_OS): /etc/kernelstub/configuration, JSON; "user"."kernel_options" is
// what it writes into <ESP>/loader/entries/<OS>-current.conf and the NVRAM entry.
std::optional<OwnerTool> detect_kernelstub(const TreeView& root) {
  auto text = read(root, "/etc/kernelstub/configuration");
  if (!text) return std::nullopt;
  OwnerTool o;
  o.tool = "kernelstub";
  o.config_file = "/etc/kernelstub/configuration";
  o.evidence.push_back("/etc/kernelstub/configuration");
  auto values = kernelstub_crashkernel(*text);
  if (!values.empty()) o.current = values.back();
  o.worked_through = kernelstub_edit(*text, std::nullopt).has_value();
  return o;
}

// proxmox-boot-tool: /etc/kernel/proxmox-boot-uuids lists the ESPs it keeps in sync;
// the command line comes from /etc/kernel/cmdline (systemd-boot) or /etc/default/grub.
std::optional<OwnerTool> detect_proxmox(const TreeView& root) {
  if (!root.exists("/etc/kernel/proxmox-boot-uuids")) return std::nullopt;
  OwnerTool o;
  o.tool = "proxmox-boot-tool";
  o.evidence.push_back("/etc/kernel/proxmox-boot-uuids");
  bool cmdline = root.exists("/etc/kernel/cmdline");
  o.config_file = cmdline ? "/etc/kernel/cmdline" : "/etc/default/grub";
  o.worked_through = cmdline;
  if (cmdline)
    if (auto t = read(root, "/etc/kernel/cmdline")) o.current = crashkernel_in(*t);
  return o;
}

// sdbootutil (openSUSE): entries per snapshot, "version SNAPSHOT@KVER", options from
// /etc/kernel/cmdline (+ /etc/kernel/cmdline.d).
std::optional<OwnerTool> detect_sdbootutil(const TreeView& root) {
  OwnerTool o;
  for (const char* bin : {"/usr/bin/sdbootutil", "/usr/sbin/sdbootutil"})
    if (root.exists(bin)) o.evidence.push_back(bin);
  for (const auto& [path, text] : bls_entries(root))
    for (const auto& line : lines_of(text)) {
      std::string l = trim(line);
      if (l.starts_with("version") && l.find('@') != std::string::npos) {
        o.evidence.push_back(path + " (" + l.substr(0, 40) + ")");
        break;
      }
    }
  if (o.evidence.empty()) return std::nullopt;
  o.tool = "sdbootutil";
  o.config_file = "/etc/kernel/cmdline";
  if (auto t = read(root, "/etc/kernel/cmdline")) o.current = crashkernel_in(*t);
  return o;
}

// mkinitcpio building UKIs: a preset in /etc/mkinitcpio.d with PRESET_uki= set; the
// command line is embedded from /etc/kernel/cmdline and /etc/cmdline.d/*.conf.
std::optional<OwnerTool> detect_mkinitcpio(const TreeView& root) {
  auto names = root.list("/etc/mkinitcpio.d");
  if (!names) return std::nullopt;
  OwnerTool o;
  for (const auto& n : *names) {
    if (!n.ends_with(".preset")) continue;
    auto t = read(root, "/etc/mkinitcpio.d/" + n);
    if (!t) continue;
    for (const auto& line : lines_of(*t)) {
      std::string l = trim(line);
      std::size_t eq = l.find('=');
      if (l.starts_with("#") || eq == std::string::npos) continue;
      std::string key = l.substr(0, eq);
      if (key.ends_with("_uki") || key.ends_with("_efi_image")) {
        o.evidence.push_back("/etc/mkinitcpio.d/" + n + " (" + l + ")");
        break;
      }
    }
  }
  if (o.evidence.empty()) return std::nullopt;
  o.tool = "mkinitcpio";
  bool dropins = root.is_directory("/etc/cmdline.d");
  o.config_file = root.exists("/etc/kernel/cmdline") || !dropins ? "/etc/kernel/cmdline" : "/etc/cmdline.d/";
  for (const char* f : {"/etc/kernel/cmdline"})
    if (auto t = read(root, f)) o.current = crashkernel_in(*t);
  if (auto d = root.list("/etc/cmdline.d"))
    for (const auto& n : *d)
      if (n.ends_with(".conf"))
        if (auto t = read(root, "/etc/cmdline.d/" + n))
          if (auto c = crashkernel_in(*t)) o.current = c;
  return o;
}

// zipl (s390x): /etc/zipl.conf sections with parameters=, or BLS entries read by zipl;
// either way the IPL record is written only when zipl runs.
std::optional<OwnerTool> detect_zipl(const TreeView& root) {
  OwnerTool o;
  o.tool = "zipl";
  if (auto t = read(root, "/etc/zipl.conf")) {
    o.evidence.push_back("/etc/zipl.conf");
    bool classic = false;
    for (const auto& line : lines_of(*t))
      if (trim(line).starts_with("parameters")) {
        classic = true;
        if (auto c = crashkernel_in(line)) o.current = c;
      }
    o.config_file = classic ? "/etc/zipl.conf" : "/boot/loader/entries/*.conf";
    if (!classic) o.current = bls_crashkernel(root);
    return o;
  }
  if (root.exists("/usr/lib/s390-tools/zipl.conf")) {
    o.evidence.push_back("/usr/lib/s390-tools/zipl.conf");
    o.config_file = "/boot/loader/entries/*.conf";
    o.current = bls_crashkernel(root);
    return o;
  }
  return std::nullopt;
}

using Json = nlohmann::ordered_json;

std::optional<Json> kernelstub_exact(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("user") || !j["user"].is_object() ||
      !j["user"].contains("kernel_options") || !j["user"]["kernel_options"].is_array())
    return std::nullopt;
  for (const auto& o : j["user"]["kernel_options"])
    if (!o.is_string()) return std::nullopt;
  if (j.dump(2, ' ', true) != text) return std::nullopt;
  return j;
}

}  // namespace

std::optional<std::string> kernelstub_edit(const std::string& text, const std::optional<std::string>& value) {
  auto j = kernelstub_exact(text);
  if (!j) return std::nullopt;
  Json& opts = (*j)["user"]["kernel_options"];
  Json out = Json::array();
  bool placed = false;
  for (const auto& o : opts) {
    const std::string s = o.get<std::string>();
    if (!s.starts_with("crashkernel=")) {
      out.push_back(s);
    } else if (value && !placed) {
      out.push_back("crashkernel=" + *value);
      placed = true;
    }
  }
  if (value && !placed) out.push_back("crashkernel=" + *value);
  opts = out;
  return j->dump(2, ' ', true);
}

std::vector<std::string> kernelstub_crashkernel(const std::string& text) {
  std::vector<std::string> out;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("user") || !j["user"].is_object() ||
      !j["user"].contains("kernel_options"))
    return out;
  const Json& k = j["user"]["kernel_options"];
  std::string joined = k.is_string() ? k.get<std::string>() : std::string();
  if (k.is_array())
    for (const auto& o : k)
      if (o.is_string()) joined += o.get<std::string>() + " ";
  std::size_t p = 0;
  while ((p = joined.find("crashkernel=", p)) != std::string::npos) {
    if (p == 0 || joined[p - 1] == ' ') {
      std::size_t e = joined.find(' ', p);
      out.push_back(joined.substr(p + 12, e == std::string::npos ? std::string::npos : e - p - 12));
    }
    p += 12;
  }
  return out;
}

std::string OwnerTool::reserve_command(const std::string& value) const {
  std::string v = "crashkernel=" + value;
  std::string old = current ? "crashkernel=" + *current : std::string();
  if (tool == "kernelstub")
    return (current ? "kernelstub -d " + old + " && " : std::string()) + "kernelstub -a " + v;
  if (tool == "rpm-ostree" || tool == "bootc") {
    std::string cmd = current ? "rpm-ostree kargs --replace=" + v : "rpm-ostree kargs --append=" + v;
    if (tool == "bootc")
      cmd += " (or, in the image: kargs = [\"" + v + "\"] in /usr/lib/bootc/kargs.d/50-crashkernel.toml)";
    return cmd;
  }
  std::string where = config_file == "/etc/cmdline.d/"    ? "a new file /etc/cmdline.d/crashkernel.conf"
                      : config_file == "/etc/default/grub" ? "GRUB_CMDLINE_LINUX in /etc/default/grub"
                                                           : config_file;
  std::string edit = current ? "replace " + old + " by " + v + " in " + config_file
                             : "add " + v + " to " + where;
  if (tool == "proxmox-boot-tool") return edit + ", then run: proxmox-boot-tool refresh";
  if (tool == "sdbootutil") return edit + ", then run: sdbootutil update-all-entries";
  if (tool == "mkinitcpio") return edit + ", then run: mkinitcpio -P";
  if (tool == "zipl")
    return (config_file == "/etc/zipl.conf" ? edit + " (the parameters= line of the boot section)"
                                            : edit + " (the options lines)") +
           ", then run: zipl";
  return edit;
}

std::string OwnerTool::remove_command() const {
  if (!current) return "nothing: no crashkernel= is configured in " + config_file;
  std::string old = "crashkernel=" + *current;
  if (tool == "kernelstub") return "kernelstub -d " + old;
  if (tool == "rpm-ostree" || tool == "bootc") return "rpm-ostree kargs --delete=" + old;
  std::string edit = "remove " + old + " from " + config_file;
  if (tool == "proxmox-boot-tool") return edit + ", then run: proxmox-boot-tool refresh";
  if (tool == "sdbootutil") return edit + ", then run: sdbootutil update-all-entries";
  if (tool == "mkinitcpio") return edit + ", then run: mkinitcpio -P";
  if (tool == "zipl") return edit + ", then run: zipl";
  return edit;
}

std::optional<OwnerTool> detect_owner_tool(const TreeView& root) {
  for (auto detect : {detect_ostree, detect_kernelstub, detect_proxmox, detect_sdbootutil,
                      detect_mkinitcpio, detect_zipl})
    if (auto o = detect(root)) return o;
  return std::nullopt;
}

Error owner_tool_error(const OwnerTool& o, const std::string& value) {
  std::string evidence;
  for (const auto& e : o.evidence) evidence += (evidence.empty() ? "" : ", ") + e;
  Error e = make_error(ErrorKind::unsupported,
                       "the boot entries here are generated by " + o.tool + " (" + evidence +
                           "): edits made behind its back are lost or never reach the kernel; "
                           "nothing was changed");
  if (value.empty() && !o.current) {
    e.hints.push_back("there is nothing to remove: no crashkernel= is configured in " + o.config_file);
  } else if (value.empty()) {
    e.hints.push_back("run: " + o.remove_command());
  } else if (value == "auto") {
    e.hints.push_back("size a value with: kdump-setup recommend");
    e.hints.push_back("then run: " + o.reserve_command("VALUE"));
  } else {
    e.hints.push_back("run: " + o.reserve_command(value));
  }
  return e;
}

}  // namespace kdump
