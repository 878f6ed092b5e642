#include "core/estimate_policy.hpp"

namespace kdump::estimate {

Policy make_policy() {
  Policy p;
  p.name = "estimate";
  p.description = "measured under QEMU (bench/results/calibration.md): " + human_size(fitted_need) +
                  " + capture initramfs file + 2 × its unpacked size + " + human_size(per_tib) +
                  " per TiB + " + human_size(safety_margin) + " safety margin, from " + human_size(min_memory) +
                  " of RAM";
  p.origin = "built-in";
  p.kind = RuleKind::formula;
  p.base = base;
  p.per_tib = per_tib;
  p.min_memory = min_memory;
  p.initramfs_per_mille = initramfs_per_mille;
  p.initramfs_unpacked_per_mille = initramfs_unpacked_per_mille;
  p.assumed_initramfs = assumed_initramfs_bytes;
  p.assumed_initramfs_unpacked = assumed_initramfs_unpacked_bytes;
  p.assumed_expansion_per_mille = assumed_expansion_per_mille;
  p.initramfs_basis = "the capture kernel unpacks it into a tmpfs of half its memory; calibration.md";
  for (const auto& g : generations) {
    Generation gen;
    gen.name = g.name;
    gen.major = g.major;
    gen.minor = g.minor;
    gen.base = g.fitted_need + safety_margin;
    gen.measured = g.measured;
    gen.kdump_tools_dep = CalibratedImage{g.dep_file, g.dep_unpacked,
                                          std::string("Debian kdump-tools' MODULES=dep image as measured with kernel ") +
                                              g.name};
    gen.boot_initrd = CalibratedImage{g.most_file, g.most_unpacked, g.most_what};
    p.generations.push_back(std::move(gen));
  }
  p.no_package_base = no_package_base;
  p.no_package_per_tib = no_package_per_tib;
  p.assumed_initramfs_basis =
      "Debian 12's /boot/initrd.img (MODULES=most), the largest image measured";
  return p;
}

}  // namespace kdump::estimate
