// A small expected-like result for parsers and lookups whose failure is an ordinary outcome.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace notify {

// The failure half of Expected: a human-readable message, no trailing period.
struct Unexpected {
    std::string message;
};

// Holds either a T or an Unexpected. libstdc++ 12 has no std::expected.
template <class T>
class Expected {
  public:
    Expected(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Expected(Unexpected failure) : m_state(std::in_place_index<1>, std::move(failure)) {}

    bool has_value() const { return m_state.index() == 0; }
    explicit operator bool() const { return has_value(); }

    // Precondition: has_value().
    const T& value() const& { return std::get<0>(m_state); }
    T& value() & { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }

    // Precondition: !has_value().
    const std::string& error() const { return std::get<1>(m_state).message; }

  private:
    std::variant<T, Unexpected> m_state;
};

} // namespace notify
