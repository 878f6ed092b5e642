// Result<T, E>: a value or an error, for the lower layers (util, grammar, core,
// backends). Errors are values there; only the CLI layer turns them into messages
// and exit codes. C++20 has no std::expected, so this is the small in-house one.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "util/error.hpp"

namespace kdump {

template <typename E>
struct Failure {
  E error;
};

// Makes the error alternative of any Result: `return fail(Error{...});`.
template <typename E>
Failure<E> fail(E error) {
  return Failure<E>{std::move(error)};
}

template <typename T, typename E = Error>
class [[nodiscard]] Result {
public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
  template <typename E2>
  Result(Failure<E2> f) : m_v(std::in_place_index<1>, E(std::move(f.error))) {}

  bool has_value() const { return m_v.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(m_v); }
  const T& value() const& { assert(has_value()); return std::get<0>(m_v); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { assert(!has_value()); return std::get<1>(m_v); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(m_v)); }

private:
  std::variant<T, E> m_v;
};

// Result<void>: success carries nothing.
struct Ok {};

}  // namespace kdump

#define KDUMP_CONCAT_INNER(a, b) a##b
#define KDUMP_CONCAT(a, b) KDUMP_CONCAT_INNER(a, b)

// TRY(expr): evaluate a Result; on error return it from the enclosing function.
#define KDUMP_TRY(expr)                                  \
  do {                                                   \
    auto&& kdump_try_r_ = (expr);                        \
    if (!kdump_try_r_) return ::kdump::fail(std::move(kdump_try_r_).error()); \
  } while (0)

// TRY_ASSIGN(lhs, expr): evaluate a Result; on error return it from the enclosing
// function, else move its value into `lhs` (a declaration such as `auto facts` or an
// existing variable), as ccache's TRY_ASSIGN:
//   KDUMP_TRY_ASSIGN(auto config, load_config(root, file));
#define KDUMP_TRY_ASSIGN(lhs, expr) \
  KDUMP_TRY_ASSIGN_IMPL(lhs, expr, KDUMP_CONCAT(kdump_try_assign_r_, __LINE__))
#define KDUMP_TRY_ASSIGN_IMPL(lhs, expr, tmp)                        \
  auto&& tmp = (expr);                                               \
  if (!tmp) return ::kdump::fail(std::move(tmp).error());            \
  lhs = std::move(*tmp)
