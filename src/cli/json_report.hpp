// The --json contract: every run with --json prints exactly one JSON object on stdout,
// the errors included. Every object carries the envelope keys
//   schema_version  integer, json_schema_version below (docs/kdump-setup.schema.json)
//   verb            the verb that ran, or null when the command line named none
//   exit_code       the process's exit status (0, 1, 2, 3)
//   exit_meaning    "ok", "not-ok", "bad-input", "cannot-act" (cli/exit_codes.hpp)
// and, when the run failed, "error": {kind, message, file, line, column, hints}.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace kdump::cli {

// Raised only when a key changes meaning or goes away; new keys keep it.
inline constexpr int json_schema_version = 1;

// "ok", "not-ok", "bad-input", "cannot-act" for 0..3.
std::string_view exit_meaning(int exit_code);

// "usage", "parse", "io", ... as ErrorKind is spelled.
std::string_view error_kind_name(ErrorKind kind);

// {kind, message, file, line, column, hints}; absent fields are null.
nlohmann::json error_json(const Error& e);

// A value, or null when absent (optional) or empty (text).
template <typename T>
nlohmann::json opt_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
inline nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// Adds the envelope keys to `report` and prints it (indented, one trailing newline).
void print_json_report(std::ostream& out, nlohmann::json report, std::optional<std::string_view> verb,
                       int exit_code);

// The object of a failed run: the envelope, "error", and whatever the verb had to say
// before it failed (`partial`, an object, may be empty).
void print_json_error(std::ostream& out, const Error& e, std::optional<std::string_view> verb,
                      nlohmann::json partial = nlohmann::json::object());

}  // namespace kdump::cli
