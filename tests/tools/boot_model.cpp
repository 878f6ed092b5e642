// kdump_boot_model ROOT: what the boot model says the tree boots next, for the tests that
// boot a tree for real (tests/e2e/systemd_boot.sh compares it with the guest's
// /proc/cmdline). Prints "loader LOADER", "entry ID" and "cmdline WORDS" (or
// "cmdline-unknown WHY"); exit 1 when no backend applies or nothing boots.
#include <iostream>

#include "backends/common/boot_model.hpp"
#include "backends/registry.hpp"

int main(int argc, char** argv) {
  using namespace kdump;
  if (argc != 2) {
    std::cerr << "usage: kdump_boot_model ROOT\n";
    return 2;
  }
  FactSource src;
  src.root = argv[1];
  src.probe_block_devices = false;
  auto facts = gather_facts(src, {});
  auto root = RootDir::open(argv[1]);
  if (!facts || !root) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 1;
  }
  auto model = BootModel::load(*root, *facts);
  if (!model) {
    std::cerr << model.error().message << "\n";
    return 1;
  }
  auto backends = all_backends();
  auto chosen = choose_backend(backends, "auto", *model);
  const BootEntry* next = chosen ? model->next_boot() : nullptr;
  if (!next) {
    std::cerr << "no boot loader or no entry\n";
    return 1;
  }
  std::cout << "loader " << to_string(*model->active()) << "\nentry " << next->id << "\n";
  if (next->cmdline) std::cout << "cmdline " << *next->cmdline << "\n";
  else std::cout << "cmdline-unknown " << next->cmdline_unknown << "\n";
  return 0;
}
