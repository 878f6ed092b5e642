// The `estimate` sizing policy: a formula fitted to what the whole crash path needed
// when measured under QEMU (bench/calibrate-crashkernel.sh, results in
// bench/results/calibration.md), instead of a distribution's table.
//
//   reservation = base + initramfs factor × capture initramfs size + per-TiB × RAM
//                 + LUKS addition (the common rule, core/sizing.cpp) + safety margin
//
// Each constant names the measurement it comes from. The measurements: Debian 12 kernel
// 6.1.0-57-amd64, QEMU/TCG `-machine pc`, SeaBIOS, 1 vCPU, `nokaslr`; capture kernel =
// the same kernel with "irqpoll nr_cpus=1 reset_devices", busybox + kexec-tools +
// makedumpfile initramfs, `makedumpfile -F -l -d 31` streamed to a virtio disk; success
// = the host reassembled a dump with the "KDUMP   " signature. Grid: 16 MiB.
#pragma once

#include <cstdint>

#include "core/policy.hpp"

namespace kdump::estimate {

// Smallest crashkernel= that captured with the minimal (busybox) capture initramfs,
// at every guest RAM measured: 1, 2, 4, 8 and 16 GiB (calibration.md, "pad 0" rows;
// also 1, 4, 16 GiB in an earlier run of the same setup). 80 MiB failed at each.
inline constexpr std::uint64_t measured_min_minimal_initramfs = 96 * MiB;
// Size of that minimal capture initramfs (gzip'd cpio, calibration.md "pad 0").
inline constexpr std::uint64_t measured_minimal_initramfs_bytes = 2'983'283;
// Reservation per byte of capture initramfs, in 1/1000: the step of the measured
// minimum between the minimal image (2,983,283 bytes: 96 MiB) and the image padded
// with 30 MiB of incompressible data (34,448,863 bytes: 176 MiB, at 1 and 2 GiB;
// calibration.md): 80 MiB / 31,465,580 bytes = 2.67 (the 16 MiB grid bounds it to
// 2.1-3.2). More than the 2 one would expect (the compressed image in the reservation
// + its unpacked copy in tmpfs): below it the capture kernel logs "Initramfs
// unpacking failed: write error" or runs out of memory.
inline constexpr std::uint64_t initramfs_per_mille = 2700;
// Assumed capture initramfs when its size is not known: Debian 12's mkinitramfs
// image for 6.1 is about 31 MB (the build host's /boot/initrd.img-6.1.0-57-amd64:
// 31,176,018 bytes); kdump-tools builds its capture initramfs the same way.
inline constexpr std::uint64_t assumed_initramfs_bytes = 32 * MiB;
// Per TiB of RAM: makedumpfile's two page bitmaps (2 bits per 4 KiB page = 64 MiB per
// TiB) when it cannot work in cycles, the same figure RHEL 7 uses. Not resolvable in
// the measurements (at 1-16 GiB it is under 1 MiB, below the 16 MiB grid).
inline constexpr std::uint64_t per_tib = 64 * MiB;
// Safety margin over the measured minimum: one grid step for placement and run-to-run
// variance, one for what a real machine's drivers (NIC, HBA rings) allocate that
// QEMU's virtio devices do not. A judgement, not a measurement.
inline constexpr std::uint64_t safety_margin = 32 * MiB;
// Below the smallest guest measured, the policy says nothing.
inline constexpr std::uint64_t min_memory = 1 * GiB;

// The policy's base: the measured minimum without the minimal image's own share, plus
// the margin, rounded up to 1 MiB.
inline constexpr std::uint64_t base =
    (measured_min_minimal_initramfs - measured_minimal_initramfs_bytes * initramfs_per_mille / 1000 +
     safety_margin + MiB - 1) / MiB * MiB;

Policy make_policy();

}  // namespace kdump::estimate
