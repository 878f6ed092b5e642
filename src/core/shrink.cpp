// The runtime shrink of the crash kernel reservation (see shrink.hpp for the kernel's
// rules this follows).
#include "core/shrink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "grammar/crashkernel.hpp"
#include "util/root_dir.hpp"

namespace kdump {
namespace {

// Mainline's name first, as crash_state.cpp reads them.
constexpr std::string_view k_sysfs_names[] = {"/sys/kernel/kexec/crash_size",
                                              "/sys/kernel/kexec_crash_size"};

std::optional<std::uint64_t> parse_decimal(std::string_view t) {
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 10);
  if (t.empty() || ec != std::errc{} || p != t.data() + t.size()) return std::nullopt;
  return v;
}

Error write_refused(int err, const std::string& file, std::uint64_t bytes) {
  Error e = make_error(ErrorKind::io, "the kernel refused " + std::to_string(bytes) + " in " + file +
                                          ": " + std::strerror(err));
  e.file = file;
  e.sys_errno = err;
  switch (err) {
    case ENOENT:  // kexec_crash_image is set (crash_shrink_memory)
      e.kind = ErrorKind::unsupported;
      e.message = "a crash kernel is loaded: the kernel shrinks the reservation only while none is";
      break;
    case EINVAL:
      e.kind = ErrorKind::usage;
      e.message = std::to_string(bytes) + " bytes is more than is reserved: the kernel only shrinks";
      break;
    case EBUSY:
      e.kind = ErrorKind::lock;
      e.message = "the kexec lock is held (a crash kernel is being loaded or unloaded)";
      e.hints.push_back("try again in a moment");
      break;
    default: break;
  }
  return e;
}

}  // namespace

std::uint64_t crash_mem_align(Arch arch, std::uint64_t page_size) {
  if (arch == Arch::s390x) return 1u << 20;
  return page_size ? page_size : 4096;
}

std::uint64_t shrunk_size(std::uint64_t bytes, std::uint64_t align) {
  if (align == 0) return bytes;
  return (bytes + align - 1) / align * align;
}

Result<ShrinkPlan> plan_shrink(const CrashState& state, std::uint64_t requested, std::uint64_t align) {
  if (!state.crash_size)
    return fail(make_error(ErrorKind::unsupported,
                           "the running kernel has no /sys/kernel/kexec_crash_size (nor "
                           "/sys/kernel/kexec/crash_size): it has no crash dump support"));
  ShrinkPlan p;
  p.before_bytes = state.crash_size->value;
  p.sysfs = state.crash_size->source;
  p.requested_bytes = requested;
  p.after_bytes = shrunk_size(requested, align);
  if (p.before_bytes == 0) {
    Error e = make_error(ErrorKind::unsupported, "nothing is reserved (" + p.sysfs + " reads 0): nothing to shrink");
    e.hints.push_back("reserve memory with `kdump-setup reserve auto` and reboot");
    return fail(e);
  }
  if (requested == 0) {
    Error e = make_error(ErrorKind::usage, "--to: 0 would give back the whole reservation and disable kdump");
    e.hints.push_back("to stop reserving memory, `kdump-setup remove` and reboot");
    return fail(e);
  }
  if (p.after_bytes > p.before_bytes) {
    Error e = make_error(ErrorKind::usage,
                         "--to: " + human_size(p.after_bytes) + " (" + std::to_string(p.after_bytes) +
                             " bytes) is more than the " + human_size(p.before_bytes) + " (" +
                             std::to_string(p.before_bytes) + " bytes) reserved now: the kernel only shrinks "
                             "the reservation at run time");
    e.hints.push_back("a larger reservation needs `kdump-setup reserve SIZE` and a reboot");
    return fail(e);
  }
  return p;
}

Result<std::uint64_t> write_crash_size(const std::filesystem::path& root_path, std::uint64_t bytes) {
  auto root = RootDir::open(root_path);
  if (!root) return fail(std::move(root).error());
  std::string_view abs;
  for (auto name : k_sysfs_names)
    if (root->exists(name)) { abs = name; break; }
  if (abs.empty())
    return fail(make_error(ErrorKind::unsupported, "no " + root->display("/sys/kernel/kexec_crash_size") +
                                                       ": the kernel has no crash dump support"));
  const std::string file = root->display(abs);
  {
    // One write(2) of the whole number: kexec_crash_size_store() parses the buffer it
    // is given with kstrtoul(buf, 0) (kernel/ksysfs.c).
    auto fd = root->open_fd(abs, O_WRONLY | O_TRUNC);
    if (!fd) return fail(std::move(fd).error());
    const std::string text = std::to_string(bytes) + "\n";
    ssize_t n = ::write(fd->get(), text.data(), text.size());
    if (n < 0) return fail(write_refused(errno, file, bytes));
    if (static_cast<std::size_t>(n) != text.size()) {
      Error e = make_error(ErrorKind::io, "short write to " + file);
      e.file = file;
      return fail(e);
    }
  }
  auto back = root->read_text(abs, 4096);
  if (!back) return fail(std::move(back).error());
  auto v = parse_decimal(*back);
  if (!v) {
    Error e = make_error(ErrorKind::io, file + " reads '" + *back + "' after the write, not a number");
    e.file = file;
    return fail(e);
  }
  return *v;
}

const std::vector<KdumpService>& kdump_services() {
  static const std::vector<KdumpService> services = {
      {"kdump-tools (Debian, Ubuntu)", {"kdump-config", "unload"}, {"kdump-config", "load"}},
      {"kdump-utils (Fedora, RHEL)", {"kdumpctl", "stop"}, {"kdumpctl", "start"}},
  };
  return services;
}

namespace {

Error command_failed(const RunOutcome& o, const std::string& what) {
  Error e = make_error(ErrorKind::command, "`" + format_argv(o.argv) + "` " +
                                               (o.term_signal ? "was killed by signal " + std::to_string(*o.term_signal)
                                                              : "exited " + std::to_string(o.exit_status)) +
                                               what);
  std::string out = o.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty()) e.hints.push_back("it said: " + out);
  return e;
}

}  // namespace

Result<ShrinkRun> shrink_running(const std::filesystem::path& root, std::uint64_t bytes, Runner* reload) {
  ShrinkRun run;
  if (!reload) {
    auto written = write_crash_size(root, bytes);
    if (!written) return fail(std::move(written).error());
    run.after_bytes = *written;
    return run;
  }
  const KdumpService* service = nullptr;
  for (const auto& s : kdump_services()) {
    auto o = reload->run(s.unload);
    if (!o) {
      if (o.error().kind == ErrorKind::command) continue;  // not installed: the next one
      return fail(std::move(o).error());
    }
    run.commands.push_back(*o);
    if (!o->succeeded()) return fail(command_failed(*o, ": the crash kernel is still loaded, nothing changed"));
    service = &s;
    break;
  }
  if (!service) {
    Error e = make_error(ErrorKind::unsupported, "--reload: neither kdump-config (kdump-tools) nor kdumpctl "
                                                 "(kdump-utils) could be run");
    e.hints.push_back("unload the crash kernel yourself (kexec -p -u), run shrink, then load it again");
    return fail(e);
  }
  run.package = service->package;
  auto written = write_crash_size(root, bytes);
  auto loaded = reload->run(service->load);
  if (loaded) run.commands.push_back(*loaded);
  if (!written) return fail(std::move(written).error());
  run.after_bytes = *written;
  if (!loaded) return fail(std::move(loaded).error());
  if (!loaded->succeeded())
    return fail(command_failed(*loaded, ": the reservation is now " + std::to_string(run.after_bytes) +
                                            " bytes but no crash kernel is loaded"));
  return run;
}

}  // namespace kdump
