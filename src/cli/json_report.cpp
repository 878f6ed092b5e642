#include "cli/json_report.hpp"

#include "cli/exit_codes.hpp"

namespace kdump::cli {

std::string_view exit_meaning(int exit_code) {
  switch (exit_code) {
    case exit_ok: return "ok";
    case exit_not_ok: return "not-ok";
    case exit_bad_input: return "bad-input";
    default: return "cannot-act";
  }
}

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return "usage";
    case ErrorKind::parse: return "parse";
    case ErrorKind::config: return "config";
    case ErrorKind::missing_fact: return "missing-fact";
    case ErrorKind::io: return "io";
    case ErrorKind::unsafe_path: return "unsafe-path";
    case ErrorKind::unsupported: return "unsupported";
    case ErrorKind::stale: return "stale";
    case ErrorKind::lock: return "lock";
    case ErrorKind::command: return "command";
    case ErrorKind::internal: break;
  }
  return "internal";
}

nlohmann::json error_json(const Error& e) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"kind", std::string(error_kind_name(e.kind))},
          {"message", e.message},
          {"file", opt(e.file)},
          {"line", opt(e.line)},
          {"column", opt(e.column)},
          {"hints", e.hints}};
}

void print_json_report(std::ostream& out, nlohmann::json report, std::optional<std::string_view> verb,
                       int exit_code) {
  report["schema_version"] = json_schema_version;
  report["verb"] = verb ? nlohmann::json(std::string(*verb)) : nlohmann::json(nullptr);
  report["exit_code"] = exit_code;
  report["exit_meaning"] = std::string(exit_meaning(exit_code));
  out << report.dump(2) << '\n';
}

void print_json_error(std::ostream& out, const Error& e, std::optional<std::string_view> verb,
                      nlohmann::json partial) {
  partial["error"] = error_json(e);
  print_json_report(out, std::move(partial), verb, exit_code_for(e.kind));
}

}  // namespace kdump::cli
