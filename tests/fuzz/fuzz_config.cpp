// libFuzzer: the TOML configuration (src/core/config.hpp, toml++) must never crash; an
// error names the file; an accepted file yields a usable configuration.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/run_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = kdump::parse_config(text, "fuzz.toml");
  if (!config) {
    if (config.error().file != "fuzz.toml") std::abort();
    return 0;
  }
  if (auto settings = kdump::resolve_settings(*config, {})) (void)settings->describe(*config);
  (void)kdump::select_policy(*config, std::nullopt);
  (void)kdump::select_policy(*config, std::string("rhel7"));
  return 0;
}
