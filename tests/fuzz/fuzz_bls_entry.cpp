// libFuzzer: the BLS entry parser and its options editor (grammar/bls_entry.hpp) must
// never crash, keep every line span inside the text, and an accepted edit must parse
// again with the value in place.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "grammar/bls_entry.hpp"

namespace b = kdump::bls;
namespace c = kdump::cmdline;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto e = b::Entry::parse(text, "fuzz.conf");
  if (!e) return 0;
  const std::size_t n = e->text().size();
  for (const auto& l : e->lines())
    if (l.begin > l.end || l.end > l.next || l.next > n || l.key_end > n || l.value_end > n) std::abort();
  for (std::size_t i : e->options_lines()) {
    for (auto d : {c::Dialect::grub, c::Dialect::kernel}) {
      auto set = b::set_crashkernel(*e, i, "256M", d);
      if (set) {
        auto again = b::Entry::parse(set->text, "fuzz.conf");
        if (!again) std::abort();
        if (again->options_lines().size() != e->options_lines().size()) std::abort();
      }
      (void)b::remove_crashkernel(*e, i, d);
    }
    (void)e->without_line(i);
  }
  (void)e->with_line_after(std::nullopt, "options", "crashkernel=256M");
  (void)e->first("title");
  return 0;
}
