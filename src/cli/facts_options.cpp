#include "cli/facts_options.hpp"

namespace kdump::cli {

void add_fact_options(CLI::App& sub, FactOptions& opt, FactOptionSet set) {
  sub.add_option("--memory", opt.memory, "RAM as the kernel counts it (16G, 2048M, bytes)")
      ->type_name("SIZE");
  sub.add_option("--arch", opt.arch, "Architecture (x86_64, aarch64, ppc64le, s390x, riscv64)")
      ->type_name("ARCH");
  if (set == FactOptionSet::with_release)
    sub.add_option("--kernel-release", opt.kernel_release,
                   "Kernel release to model and to size the capture kernel for (default: the running "
                   "kernel; e.g. 6.12.57+deb13-amd64)")
        ->type_name("REL");
}

Result<FactOverrides> parse_fact_options(const FactOptions& opt) {
  FactOverrides o;
  if (opt.memory) {
    o.memory_bytes = parse_size_argument(*opt.memory);
    if (!o.memory_bytes || *o.memory_bytes == 0) {
      Error e = make_error(ErrorKind::usage, "--memory: '" + *opt.memory + "' is not a size");
      e.hints.push_back("write it as the kernel does: 16G, 2048M, or plain bytes");
      return fail(e);
    }
  }
  if (opt.arch) {
    o.arch = parse_arch(*opt.arch);
    if (!o.arch) {
      Error e = make_error(ErrorKind::usage, "--arch: unknown architecture '" + *opt.arch + "'");
      e.hints.push_back("one of x86_64, i386, aarch64, ppc64le, s390x, riscv64, loongarch64");
      return fail(e);
    }
  }
  if (opt.kernel_release) {
    if (!model_for_release(Arch::x86_64, *opt.kernel_release))
      return fail(make_error(ErrorKind::usage, "--kernel-release: '" + *opt.kernel_release +
                                                   "' does not start with MAJOR.MINOR"));
    o.kernel_release = *opt.kernel_release;
  }
  return o;
}

Result<Ok> check_exclusive(bool a, const char* a_name, bool b, const char* b_name) {
  if (a && b)
    return fail(make_error(ErrorKind::usage,
                           std::string(a_name) + " and " + b_name + " cannot be used together"));
  return Ok{};
}

}  // namespace kdump::cli
