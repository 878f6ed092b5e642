#include "core/uki_signing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/text.hpp"

namespace kdump::uki {
namespace {

Error conf_error(std::string_view file, unsigned line, unsigned column, std::string msg) {
  Error e = make_error(ErrorKind::parse, std::move(msg));
  e.file = std::string(file);
  e.line = line;
  e.column = column;
  return e;
}

// A private directory for sbsign's input and output, removed with everything in it.
class TempDir {
public:
  static Result<TempDir> make() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/kdump-setup-sign.XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      return fail(make_error(ErrorKind::io, "cannot create a temporary directory for sbsign: " +
                                                std::string(std::strerror(errno))));
    return TempDir(std::move(tmpl));
  }
  TempDir(TempDir&& o) noexcept : m_path(std::move(o.m_path)) { o.m_path.clear(); }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    if (m_path.empty()) return;
    for (const char* n : {"key.pem", "cert.pem", "in.efi", "out.efi"}) ::unlink((m_path + "/" + n).c_str());
    ::rmdir(m_path.c_str());
  }
  std::string file(const char* name) const { return m_path + "/" + name; }

  Result<Ok> put(const char* name, std::string_view bytes) const {
    const std::string p = file(name);
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(make_error(ErrorKind::io, p + ": " + std::strerror(errno)));
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return fail(make_error(ErrorKind::io, p + ": " + std::strerror(errno)));
      }
      off += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return Ok{};
  }

private:
  explicit TempDir(std::string p) : m_path(std::move(p)) {}
  std::string m_path;
};

}  // namespace

Result<UkiConf> parse_uki_conf(std::string_view text, std::string_view file) {
  UkiConf out;
  std::string section;
  unsigned line_no = 0;
  std::size_t b = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(b, e - b);
    b = e + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t indent = line.find_first_not_of(" \t");
    if (indent == std::string_view::npos) continue;
    const std::string_view l = line.substr(indent);
    if (l.front() == '#' || l.front() == ';') continue;
    if (indent > 0) continue;  // configparser: a continuation of the previous value
    if (l.front() == '[') {
      const auto close = l.find(']');
      if (close == std::string_view::npos)
        return fail(conf_error(file, line_no, static_cast<unsigned>(l.size() + 1), "section header without ']'"));
      section = std::string(l.substr(1, close - 1));
      continue;
    }
    const auto eq = l.find('=');
    if (eq == std::string_view::npos)
      return fail(conf_error(file, line_no, 1, "expected KEY=VALUE, a [SECTION] header or a comment"));
    const std::string key = trim(std::string(l.substr(0, eq)));
    const std::string value = trim(std::string(l.substr(eq + 1)));
    const std::string origin = std::string(file) + ":" + std::to_string(line_no);
    if (section != "UKI") continue;
    if (key == "SecureBootPrivateKey") out.key = {value, origin};
    else if (key == "SecureBootCertificate") out.cert = {value, origin};
    else if (key == "SecureBootSigningTool") out.signing_tool = value, out.signing_tool_origin = origin;
  }
  return out;
}

Result<SigningKeys> choose_signing_keys(const KeySetting& config_key, const KeySetting& config_cert,
                                        const std::optional<UkiConf>& conf, std::string_view conf_file) {
  auto refuse = [](std::string msg, std::string hint) {
    Error e = make_error(ErrorKind::unsupported, std::move(msg));
    e.hints.push_back(std::move(hint));
    return fail(std::move(e));
  };
  const std::string cf(conf_file);
  if (!config_key.path.empty() || !config_cert.path.empty()) {
    if (config_key.path.empty())
      return refuse("[uki] secureboot_certificate is set (" + config_cert.origin +
                        ") but secureboot_private_key is not: kdump-setup cannot sign the add-on",
                    "set secureboot_private_key in the [uki] table of kdump-setup's configuration");
    if (config_cert.path.empty())
      return refuse("[uki] secureboot_private_key is set (" + config_key.origin +
                        ") but secureboot_certificate is not: kdump-setup cannot sign the add-on",
                    "set secureboot_certificate in the [uki] table of kdump-setup's configuration");
    return SigningKeys{config_key, config_cert};
  }
  const std::string hint = "set SecureBootPrivateKey= and SecureBootCertificate= in the [UKI] section of " + cf +
                           " (a key in db or shim's MOK list), or secureboot_private_key and "
                           "secureboot_certificate in the [uki] table of /etc/kdump-setup.toml";
  if (!conf)
    return refuse("Secure Boot is on and no key is configured to sign the add-on (" + cf +
                      " does not exist; kdump-setup's configuration has no [uki] secureboot_private_key): "
                      "the stub would refuse an unsigned one",
                  hint);
  std::string missing;
  if (conf->key.path.empty()) missing = "SecureBootPrivateKey=";
  if (conf->cert.path.empty()) missing += std::string(missing.empty() ? "" : " and ") + "SecureBootCertificate=";
  if (!missing.empty())
    return refuse("Secure Boot is on and " + cf + " has no " + missing +
                      " in its [UKI] section: kdump-setup cannot sign the add-on, and the stub would refuse "
                      "an unsigned one",
                  hint);
  if (!conf->signing_tool.empty() && conf->signing_tool != "sbsign" && conf->signing_tool != "systemd-sbsign")
    return refuse(conf->signing_tool_origin + ": SecureBootSigningTool=" + conf->signing_tool +
                      ": kdump-setup signs with sbsign and key files only",
                  "name a key file and certificate (SecureBootPrivateKey=, SecureBootCertificate=) that "
                  "sbsign can use, or set them in the [uki] table of /etc/kdump-setup.toml");
  for (const KeySetting* k : {&conf->key, &conf->cert})
    if (k->path.front() != '/')
      return refuse(k->origin + ": '" + k->path + "' is not a file path (an engine or provider URI?): kdump-setup "
                                                   "signs with key files only",
                    "set secureboot_private_key and secureboot_certificate in the [uki] table of "
                    "/etc/kdump-setup.toml to files");
  return SigningKeys{conf->key, conf->cert};
}

Result<std::string> sbsign(const RootDir& root, Runner& runner, const SigningKeys& keys, std::string_view pe) {
  KDUMP_TRY_ASSIGN(auto key, root.read_text(keys.key.path, 1u << 20));
  KDUMP_TRY_ASSIGN(auto cert, root.read_text(keys.cert.path, 1u << 20));
  KDUMP_TRY_ASSIGN(auto dir, TempDir::make());
  KDUMP_TRY(dir.put("key.pem", key));
  KDUMP_TRY(dir.put("cert.pem", cert));
  KDUMP_TRY(dir.put("in.efi", pe));
  const std::vector<std::string> argv{"sbsign", "--key", dir.file("key.pem"), "--cert", dir.file("cert.pem"),
                                      dir.file("in.efi"), "--output", dir.file("out.efi")};
  RunOptions opt;
  opt.timeout = std::chrono::seconds(60);
  KDUMP_TRY_ASSIGN(auto outcome, runner.run(argv, opt));
  if (!outcome.succeeded()) {
    Error e = make_error(ErrorKind::command, "sbsign failed signing the add-on with " + keys.key.path + " (" +
                                                 keys.key.origin + "): " + trim(outcome.output));
    e.hints.push_back("check that " + keys.key.path + " and " + keys.cert.path + " are a matching PEM key and certificate");
    return fail(std::move(e));
  }
  std::ifstream in(dir.file("out.efi"), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return fail(make_error(ErrorKind::io, "cannot read what sbsign wrote"));
  return ss.str();
}

}  // namespace kdump::uki
