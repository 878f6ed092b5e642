// The kernel's parse of one crashkernel= token (kernel/crash_core.c in 6.1,
// kernel/crash_reserve.c from 6.9): __parse_crashkernel() and the three form parsers.
// Private to grammar/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "grammar/kernel.hpp"

namespace kdump::detail {

struct TokenParse {
  bool invalid = false;                  // -EINVAL
  std::optional<KernelMessage> warning;  // pr_warn text, when invalid
  std::optional<KernelMessage> info;     // pr_info ("crashkernel size resulted in zero bytes")
  std::uint64_t size = 0;
  std::uint64_t base = 0;
  std::optional<RangeSize> matched;
};

// The plain form: simple or extended, chosen by a ':' before the first space.
TokenParse parse_plain_token(const CmdlineToken& token, std::uint64_t system_ram,
                             const KernelModel& model);

// parse_crashkernel_suffix(): NUM followed by exactly `suffix`, then ' ' or NUL.
TokenParse parse_suffixed_token(const CmdlineToken& token, std::string_view suffix,
                                const KernelModel& model);

// get_last_crashkernel(): the last token that ends with `suffix` (or, for the plain
// search, the last that ends with none of the suffixes this kernel knows).
std::optional<CmdlineToken> last_token(const std::vector<CmdlineToken>& tokens,
                                       std::optional<std::string_view> suffix,
                                       const KernelModel& model);

// RHEL 7/8 crashkernel=auto (kernel_rhel_auto.cpp): 7 or 8 for such a release, else 0;
// and the parse of an "auto..." plain token on such a kernel.
int rhel_auto_release(std::string_view release);
TokenParse parse_rhel_auto(const CmdlineToken& token, std::uint64_t system_ram, const KernelModel& model);

}  // namespace kdump::detail
