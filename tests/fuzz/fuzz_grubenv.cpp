// libFuzzer: the GRUB environment block (grammar/grubenv.hpp) must never crash; an
// accepted block stays exactly 1024 bytes through set/unset and parses back with the
// value set.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "grammar/grubenv.hpp"

namespace g = kdump::grubenv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Also as a block: the input padded with '#' to 1024 bytes after the header.
  std::string padded = std::string(g::kHeader) + text;
  if (padded.size() < g::kBlockSize) padded.append(g::kBlockSize - padded.size(), '#');
  for (const std::string* t : {&text, &padded}) {
    auto blk = g::Block::parse(*t, "fuzz/grubenv");
    if (!blk) continue;
    if (blk->text().size() != g::kBlockSize) std::abort();
    auto old = blk->get("kernelopts").value_or("root=/dev/sda1");
    if (blk->set("kernelopts", old + " crashkernel=256M")) {
      if (blk->text().size() != g::kBlockSize) std::abort();
      auto back = g::Block::parse(blk->text(), "fuzz/grubenv");
      if (!back || back->get("kernelopts") != old + " crashkernel=256M") std::abort();
    }
    (void)blk->unset("kernelopts");
    if (blk->text().size() != g::kBlockSize) std::abort();
  }
  return 0;
}
