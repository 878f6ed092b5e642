// bench_bls_reserve: `reserve 256M` through the bls backend on BLS trees of 10, 100 and
// 500 entries (plan + apply_plan: parse, edit, lock, temp files, fsync, renames, stale
// checks), next to a plain atomic rewrite of the same files with the same bytes (temp,
// write, fsync, rename, fsync of the directory) as the floor set by the file system; and
// the --dry-run work (plan + diff) on 500 entries. Prints figures; asserts nothing.
// Run: build/bench/bench_bls_reserve [DIR]  (DIR: where the trees go, default /tmp).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "backends/bls/bls_backend.hpp"
#include "backends/common/boot_model.hpp"
#include "core/apply.hpp"
#include "core/render_plan.hpp"
#include "util/runner.hpp"

namespace fs = std::filesystem;
using namespace kdump;
using Clock = std::chrono::steady_clock;

namespace {

void put(const fs::path& p, const std::string& t) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << t;
}

const char* kMid = "fbb2514d30d245e09bacef0b91f01c45";

void make_tree(const fs::path& root, int n) {
  fs::remove_all(root);
  put(root / "etc/default/grub",
      "GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n");
  put(root / "etc/kernel/cmdline", "root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 ro rhgb quiet\n");
  put(root / "etc/machine-id", std::string(kMid) + "\n");
  put(root / "boot/grub2/grub.cfg", "insmod blscfg\nblscfg\n");
  std::string env = "# GRUB Environment Block\nsaved_entry=" + std::string(kMid) + "-6.5.0-1.fc39.x86_64\n";
  env.append(1024 - env.size(), '#');
  put(root / "boot/grub2/grubenv", env);
  for (int k = 0; k < n; ++k) {
    const std::string rel = "6.5." + std::to_string(k) + "-1.fc39.x86_64";
    put(root / "boot/loader/entries" / (std::string(kMid) + "-" + rel + ".conf"),
        "title Fedora Linux (" + rel + ") 39\nversion " + rel + "\nlinux /vmlinuz-" + rel + "\ninitrd /initramfs-" +
            rel + ".img\noptions root=UUID=5bfc6a3e-1d2f-4a7e-9d2b-2a5f0e2c1a11 ro rhgb quiet\n"
            "grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n");
  }
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Temp + write + fsync per file, then the renames, then one fsync per directory.
void atomic_rewrite(const std::vector<std::pair<fs::path, std::string>>& files) {
  std::vector<fs::path> temps;
  for (const auto& [p, bytes] : files) {
    fs::path t = p.parent_path() / ("." + p.filename().string() + ".bench.tmp");
    int fd = ::open(t.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) || ::fsync(fd) != 0)
      std::perror("bench write");
    ::close(fd);
    temps.push_back(t);
  }
  std::vector<fs::path> dirs;
  for (std::size_t k = 0; k < files.size(); ++k) {
    if (::rename(temps[k].c_str(), files[k].first.c_str()) != 0) std::perror("bench rename");
    if (std::find(dirs.begin(), dirs.end(), files[k].first.parent_path()) == dirs.end())
      dirs.push_back(files[k].first.parent_path());
  }
  for (const auto& d : dirs) {
    int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ::fsync(fd);
    ::close(fd);
  }
}

Result<Plan> plan_on(const fs::path& dir, const ReserveRequest& r) {
  auto root = RootDir::open(dir);
  if (!root) return fail(std::move(root).error());
  return BlsBackend{}.plan(*BootModel::load(*root, SystemFacts{}), r);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path base = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path();
  const fs::path dir = base / "kdump-bench-bls";
  ReserveRequest reserve;
  reserve.value = "256M";
  ProcessRunner runner;
  constexpr int kReps = 3;
  std::printf("%-8s %8s %14s %16s %8s\n", "entries", "files", "reserve_ms", "atomic_write_ms", "ratio");
  for (int n : {10, 100, 500}) {
    std::vector<double> ours, floor;
    std::size_t nfiles = 0;
    for (int rep = 0; rep < kReps; ++rep) {
      make_tree(dir, n);
      ::sync();
      const auto t0 = Clock::now();
      auto root = RootDir::open(dir);
      auto p = BlsBackend{}.plan(*BootModel::load(*root, SystemFacts{}), reserve);
      if (!p) {
        std::fprintf(stderr, "plan failed: %s\n", p.error().message.c_str());
        return 1;
      }
      auto rep_r = apply_plan(*p, *root, runner);
      if (!rep_r) {
        std::fprintf(stderr, "apply failed: %s\n", rep_r.error().message.c_str());
        return 1;
      }
      ours.push_back(ms(Clock::now() - t0));
      nfiles = p->edits.size();
      // The same bytes again, written the plain way.
      std::vector<std::pair<fs::path, std::string>> files;
      for (const auto& e : p->edits) files.emplace_back(dir / e.path.substr(1), e.after);
      ::sync();
      const auto t1 = Clock::now();
      atomic_rewrite(files);
      floor.push_back(ms(Clock::now() - t1));
    }
    const double a = median(ours), b = median(floor);
    std::printf("%-8d %8zu %14.2f %16.2f %8.2f\n", n, nfiles, a, b, a / b);
  }
  // --dry-run on 500: plan and the rendered diff, nothing written.
  make_tree(dir, 500);
  std::vector<double> dry;
  std::size_t diff_bytes = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    const auto t0 = Clock::now();
    auto p = plan_on(dir, reserve);
    if (!p) return 1;
    diff_bytes = render_plan_diff(*p).size();
    dry.push_back(ms(Clock::now() - t0));
  }
  std::printf("dry-run on 500 entries: %.2f ms (plan + diff of %zu bytes, median of %d)\n", median(dry), diff_bytes,
              kReps);
  fs::remove_all(dir);
  return 0;
}
