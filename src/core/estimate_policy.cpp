#include "core/estimate_policy.hpp"

namespace kdump::estimate {

Policy make_policy() {
  Policy p;
  p.name = "estimate";
  p.description =
      "measured under QEMU (bench/results/calibration.md): " + human_size(measured_min_minimal_initramfs) +
      " captured with a " + human_size(measured_minimal_initramfs_bytes) + " capture initramfs; base " +
      human_size(base) + " (that minimum without the image's share, + " + human_size(safety_margin) +
      " safety margin) + capture initramfs term + " + human_size(per_tib) + " per TiB, from " +
      human_size(min_memory) + " of RAM";
  p.origin = "built-in";
  p.kind = RuleKind::formula;
  p.base = base;
  p.per_tib = per_tib;
  p.min_memory = min_memory;
  p.initramfs_per_mille = initramfs_per_mille;
  p.assumed_initramfs = assumed_initramfs_bytes;
  p.initramfs_basis = "factor measured with padded capture initramfs images";
  return p;
}

}  // namespace kdump::estimate
