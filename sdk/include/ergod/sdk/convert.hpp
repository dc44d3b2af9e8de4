// convert.hpp: to_term(x) and from_term<T>(t), declared once per type as Convert<T>: bool,
// integers (range-checked), floats, strings (binaries), Atom, vectors (lists), maps, tuples
// and pairs, optionals (undefined | Value), Term; ERGOD_STRUCT for user structs (maps with
// atom keys). A term of the wrong shape throws BadTerm saying what was expected and where.
// Part of ergod.hpp (include that).
// Threads: any thread.
#pragma once

#include <ergod/sdk/term.hpp>

#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ergod::sdk {

// ================================================================================================
// Conversions: to_term(x) and from_term<T>(t), declared once per type as Convert<T>
// ================================================================================================

// An atom as a C++ value (to_term(std::string) is a binary; Atom is an atom).
struct Atom {
  std::string name;
  Atom() = default;
  Atom(std::string_view n) : name(n) {}  // NOLINT: Atom("ok")
  Atom(const char* n) : name(n) {}       // NOLINT
  bool operator==(const Atom&) const = default;
  auto operator<=>(const Atom&) const = default;
};

namespace detail {
// The hooks ERGOD_STRUCT defines beside the struct, found by argument-dependent lookup.
template <class T>
concept HasStructHooks = requires(const T& v, T& out, const Term& t) {
  { ergod_to_term(v) } -> std::same_as<Term>;
  ergod_from_term(t, out);
};
}  // namespace detail

// Primary: user structs declared with ERGOD_STRUCT. Specialize Convert<T> for other types:
// static Term to(const T&) and static T from(const Term&) (throwing BadTerm).
template <class T>
struct Convert {
  static_assert(detail::HasStructHooks<T>,
                "no conversion to/from ergod::sdk::Term for this type: declare it with ERGOD_STRUCT or "
                "specialize ergod::sdk::Convert<T>");
  static Term to(const T& v) { return ergod_to_term(v); }
  static T from(const Term& t) {
    T v{};
    ergod_from_term(t, v);
    return v;
  }
};

// std::decay: to_term("text") is the binary <<"text">>.
template <class T>
Term to_term(const T& value) {
  return Convert<std::decay_t<T>>::to(value);
}
template <class T>
T from_term(const Term& t) {
  return Convert<T>::from(t);
}

template <>
struct Convert<Term> {
  static Term to(const Term& t) { return t; }
  static Term from(const Term& t) { return t; }
};

template <>
struct Convert<Atom> {
  static Term to(const Atom& a) { return atom(a.name); }
  static Atom from(const Term& t) { return Atom(t.atom_name()); }
};

// true / false.
template <>
struct Convert<bool> {
  static Term to(bool b) { return atom(b ? "true" : "false"); }
  static bool from(const Term& t) {
    if (t.is_atom("true")) return true;
    if (t.is_atom("false")) return false;
    detail::bad("true or false", t);
  }
};

// Every integer type, range-checked on the way back.
template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct Convert<T> {
  static Term to(T v) {
    if constexpr (std::is_signed_v<T>)
      return Term::adopt(host().make_int(static_cast<int64_t>(v)));
    else
      return Term::adopt(host().make_uint(static_cast<uint64_t>(v)));
  }
  static T from(const Term& t) {
    using L = std::numeric_limits<T>;
    if constexpr (std::is_signed_v<T>) {
      int64_t v = 0;
      if (t.is_integer() && host().get_int64(t.handle(), &v) == ERGOD_OK && v >= L::min() && v <= L::max())
        return static_cast<T>(v);
      detail::bad("an integer in [" + std::to_string(static_cast<int64_t>(L::min())) + ", " +
                      std::to_string(static_cast<int64_t>(L::max())) + "]",
                  t);
    } else {
      uint64_t v = 0;
      if (t.is_integer() && host().get_uint64(t.handle(), &v) == ERGOD_OK && v <= L::max()) return static_cast<T>(v);
      detail::bad("an integer in [0, " + std::to_string(static_cast<uint64_t>(L::max())) + "]", t);
    }
  }
};

// Floats; an integer converts too (as Erlang's arithmetic would).
template <class T>
  requires std::is_floating_point_v<T>
struct Convert<T> {
  static Term to(T v) { return Term::adopt(host().make_float(static_cast<double>(v))); }
  static T from(const Term& t) {
    double d = 0;
    if (t.is_float() && host().get_float(t.handle(), &d) == ERGOD_OK) return static_cast<T>(d);
    int64_t i = 0;
    if (t.is_integer() && host().get_int64(t.handle(), &i) == ERGOD_OK) return static_cast<T>(i);
    detail::bad("a number", t);
  }
};

// Strings are binaries (Erlang strings, lists of code points: charlist()).
template <>
struct Convert<std::string> {
  static Term to(const std::string& s) { return binary(s); }
  static std::string from(const Term& t) {
    if (!t.is_binary()) detail::bad("a binary", t);
    return std::string(t.bytes());
  }
};
template <>
struct Convert<std::string_view> {
  static Term to(std::string_view s) { return binary(s); }
  // No from: the bytes would outlive their handle (rule T5); use std::string or Term::bytes().
};
template <>
struct Convert<const char*> {
  static Term to(const char* s) { return binary(s); }
};
template <>
struct Convert<char*> {
  static Term to(const char* s) { return binary(s); }
};

// Lists.
template <class T, class A>
struct Convert<std::vector<T, A>> {
  static Term to(const std::vector<T, A>& v) {
    std::vector<Term> elems;
    elems.reserve(v.size());
    for (const auto& e : v) elems.push_back(to_term(static_cast<const T&>(e)));
    return list_of(elems);
  }
  static std::vector<T, A> from(const Term& t) {
    if (t.length() < 0) detail::bad("a proper list", t);
    std::vector<T, A> out;
    out.reserve(static_cast<size_t>(t.length()));
    size_t i = 0;
    for (const Term& e : t.list()) {
      try {
        out.push_back(from_term<T>(e));
      } catch (const BadTerm& err) {
        throw BadTerm("list element " + std::to_string(i) + ": " + err.what());
      }
      ++i;
    }
    return out;
  }
};

namespace detail {
template <class M>
Term map_to_term(const M& m) {
  std::vector<std::pair<Term, Term>> entries;
  entries.reserve(m.size());
  for (const auto& [k, v] : m) entries.emplace_back(to_term(k), to_term(v));
  return map_of(entries);
}
template <class M>
M map_from_term(const Term& t) {
  using K = typename M::key_type;
  using V = typename M::mapped_type;
  if (!t.is_map()) bad("a map", t);
  M out;
  for (const auto& [k, v] : t.map()) {
    K key;
    try {
      key = from_term<K>(k);
    } catch (const BadTerm& err) {
      throw BadTerm("map key " + brief(k) + ": " + err.what());
    }
    try {
      out.emplace(std::move(key), from_term<V>(v));
    } catch (const BadTerm& err) {
      throw BadTerm("map value of " + brief(k) + ": " + err.what());
    }
  }
  return out;
}
}  // namespace detail

// Maps.
template <class K, class V, class C, class A>
struct Convert<std::map<K, V, C, A>> {
  static Term to(const std::map<K, V, C, A>& m) { return detail::map_to_term(m); }
  static std::map<K, V, C, A> from(const Term& t) { return detail::map_from_term<std::map<K, V, C, A>>(t); }
};
template <class K, class V, class H, class E, class A>
struct Convert<std::unordered_map<K, V, H, E, A>> {
  using M = std::unordered_map<K, V, H, E, A>;
  static Term to(const M& m) { return detail::map_to_term(m); }
  static M from(const Term& t) { return detail::map_from_term<M>(t); }
};

// Tuples, of the same arity.
template <class... T>
struct Convert<std::tuple<T...>> {
  static Term to(const std::tuple<T...>& v) {
    return std::apply([](const auto&... e) { return tuple(e...); }, v);
  }
  static std::tuple<T...> from(const Term& t) {
    if (t.tuple_size() != sizeof...(T) || (sizeof...(T) == 0 && !t.is_tuple()))
      detail::bad("a tuple of " + std::to_string(sizeof...(T)) + " elements", t);
    return from_elements(t, std::index_sequence_for<T...>{});
  }

 private:
  template <size_t... I>
  static std::tuple<T...> from_elements(const Term& t, std::index_sequence<I...>) {
    return std::tuple<T...>{element<I, T>(t)...};
  }
  template <size_t I, class E>
  static E element(const Term& t) {
    try {
      return from_term<E>(t[I]);
    } catch (const BadTerm& err) {
      throw BadTerm("tuple element " + std::to_string(I) + ": " + err.what());
    }
  }
};
template <class A, class B>
struct Convert<std::pair<A, B>> {
  static Term to(const std::pair<A, B>& p) { return tuple(p.first, p.second); }
  static std::pair<A, B> from(const Term& t) {
    auto [a, b] = from_term<std::tuple<A, B>>(t);
    return {std::move(a), std::move(b)};
  }
};

// undefined | Value (as OTP's optional fields). std::optional<Atom> cannot hold `undefined`.
template <class T>
struct Convert<std::optional<T>> {
  static Term to(const std::optional<T>& v) { return v ? to_term(*v) : atom("undefined"); }
  static std::optional<T> from(const Term& t) {
    if (t.empty() || t.is_atom("undefined")) return std::nullopt;
    return from_term<T>(t);
  }
};

// ---- ERGOD_STRUCT ----------------------------------------------------------------------------
// ERGOD_STRUCT(Point, x, y), at namespace scope beside struct Point (any namespace): Point
// converts to the map #{x => X, y => Y} (atom keys named as the members, values through
// to_term) and back. Back needs every key (std::optional members may be absent) and ignores
// keys it does not know; a missing or wrong field throws BadTerm naming Point and the field.
// The struct must be default-constructible.
namespace detail {
class StructWriter {
 public:
  template <class F>
  void put(const char* name, const F& value) {
    entries_.emplace_back(atom(name), to_term(value));
  }
  Term done() { return map_of(entries_); }

 private:
  std::vector<std::pair<Term, Term>> entries_;
};

class StructReader {
 public:
  StructReader(const Term& t, const char* type) : t_(t), type_(type) {
    if (!t.is_map()) throw BadTerm(std::string(type) + ": expected a map, got " + brief(t));
  }
  template <class F>
  void get(const char* name, F& field) {
    Term v = t_.get(atom(name));
    if (v.empty()) {
      if constexpr (requires { field.reset(); }) {
        field.reset();
        return;
      }
      throw BadTerm(std::string(type_) + ": missing field " + name + " in " + brief(t_));
    }
    try {
      field = from_term<F>(v);
    } catch (const BadTerm& err) {
      throw BadTerm(std::string(type_) + "." + name + ": " + err.what());
    }
  }

 private:
  const Term& t_;
  const char* type_;
};
}  // namespace detail

#define ERGOD_PP_PARENS_ ()
#define ERGOD_PP_EXPAND_(...) ERGOD_PP_EXPAND3_(ERGOD_PP_EXPAND3_(ERGOD_PP_EXPAND3_(ERGOD_PP_EXPAND3_(__VA_ARGS__))))
#define ERGOD_PP_EXPAND3_(...) ERGOD_PP_EXPAND2_(ERGOD_PP_EXPAND2_(ERGOD_PP_EXPAND2_(ERGOD_PP_EXPAND2_(__VA_ARGS__))))
#define ERGOD_PP_EXPAND2_(...) ERGOD_PP_EXPAND1_(ERGOD_PP_EXPAND1_(ERGOD_PP_EXPAND1_(ERGOD_PP_EXPAND1_(__VA_ARGS__))))
#define ERGOD_PP_EXPAND1_(...) __VA_ARGS__
#define ERGOD_PP_FOR_EACH_(m, ...) __VA_OPT__(ERGOD_PP_EXPAND_(ERGOD_PP_FOR_EACH_STEP_(m, __VA_ARGS__)))
#define ERGOD_PP_FOR_EACH_STEP_(m, a, ...) m(a) __VA_OPT__(ERGOD_PP_FOR_EACH_AGAIN_ ERGOD_PP_PARENS_(m, __VA_ARGS__))
#define ERGOD_PP_FOR_EACH_AGAIN_() ERGOD_PP_FOR_EACH_STEP_
#define ERGOD_STRUCT_PUT_(f) ergod_w.put(#f, ergod_v.f);
#define ERGOD_STRUCT_GET_(f) ergod_r.get(#f, ergod_v.f);

#define ERGOD_STRUCT(Type, ...)                                                         \
  [[maybe_unused]] inline ::ergod::sdk::Term ergod_to_term(const Type& ergod_v) {            \
    ::ergod::sdk::detail::StructWriter ergod_w;                                              \
    ERGOD_PP_FOR_EACH_(ERGOD_STRUCT_PUT_, __VA_ARGS__)                                  \
    return ergod_w.done();                                                              \
  }                                                                                     \
  [[maybe_unused]] inline void ergod_from_term(const ::ergod::sdk::Term& ergod_t, Type& ergod_v) { \
    ::ergod::sdk::detail::StructReader ergod_r(ergod_t, #Type);                              \
    ERGOD_PP_FOR_EACH_(ERGOD_STRUCT_GET_, __VA_ARGS__)                                  \
  }

}  // namespace ergod::sdk
