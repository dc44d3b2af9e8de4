// term.hpp: Term, an owned handle to an Erlang term (copy = host->copy, release in the
// destructor), its accessors, iteration, printing, ETF and order; TermRef, a term lent to a
// host function; the builders (atom, tuple, list, ...). Conversions are convert.hpp's.
// Part of ergod.hpp (include that).
// Threads: any thread (terms are immutable; only the host's term functions are used).
#pragma once

#include <ergod/sdk/host.hpp>

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ergod::sdk {

// ================================================================================================
// Term
// ================================================================================================

// A term that was not what a conversion or accessor expected.
class BadTerm : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Term;
template <class T>
Term to_term(const T& value);
template <class T>
T from_term(const Term& t);

// An Erlang term: owns one handle (or none: the empty Term, "no term", e.g. an absent map
// key). Terms are immutable; copies share them.
class Term {
 public:
  Term() noexcept = default;
  // Takes over a handle the host returned (rule T1).
  static Term adopt(ergod_term h) noexcept {
    Term t;
    t.h_ = h;
    return t;
  }
  // Keeps a handle that is only lent (a callback's argument, rule T3).
  static Term borrow(ergod_term h) { return adopt(h ? host().copy(h) : nullptr); }

  Term(const Term& o) : h_(o.h_ ? host().copy(o.h_) : nullptr) {}
  Term(Term&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Term& operator=(const Term& o) {
    if (this != &o) Term(o).swap(*this);
    return *this;
  }
  Term& operator=(Term&& o) noexcept {
    Term(std::move(o)).swap(*this);
    return *this;
  }
  ~Term() {
    if (h_) host().release(h_);
  }
  void swap(Term& o) noexcept { std::swap(h_, o.h_); }

  // The handle, still owned by this Term (to lend it to a host function, rule T2).
  ergod_term handle() const noexcept { return h_; }
  // Gives the handle away (into an ergod_result, rule T4): this Term becomes empty.
  [[nodiscard]] ergod_term release() noexcept { return std::exchange(h_, nullptr); }
  bool empty() const noexcept { return h_ == nullptr; }
  explicit operator bool() const noexcept { return h_ != nullptr; }

  // ---- types ----
  ergod_type type() const noexcept { return h_ ? host().type_of(h_) : ERGOD_TYPE_NONE; }
  bool is_integer() const noexcept { return type() == ERGOD_TYPE_INTEGER; }
  bool is_float() const noexcept { return type() == ERGOD_TYPE_FLOAT; }
  bool is_number() const noexcept { return is_integer() || is_float(); }
  bool is_atom() const noexcept { return type() == ERGOD_TYPE_ATOM; }
  bool is_atom(std::string_view name) const noexcept {
    size_t n = 0;
    const char* s = h_ ? host().atom_name(h_, &n) : nullptr;
    return s && std::string_view(s, n) == name;
  }
  bool is_binary() const noexcept { return type() == ERGOD_TYPE_BINARY; }
  bool is_bitstring() const noexcept { return is_binary() || type() == ERGOD_TYPE_BITSTRING; }
  bool is_tuple() const noexcept { return type() == ERGOD_TYPE_TUPLE; }
  // Erlang's is_record/3: a tuple of arity whose first element is the atom tag.
  bool is_record(std::string_view tag, size_t arity) const {
    return tuple_size() == arity && arity > 0 && (*this)[0].is_atom(tag);
  }
  bool is_nil() const noexcept { return type() == ERGOD_TYPE_NIL; }
  bool is_list() const noexcept { return is_nil() || type() == ERGOD_TYPE_LIST; }  // [] or a cons
  bool is_map() const noexcept { return type() == ERGOD_TYPE_MAP; }
  bool is_pid() const noexcept { return type() == ERGOD_TYPE_PID; }
  bool is_port() const noexcept { return type() == ERGOD_TYPE_PORT; }
  bool is_reference() const noexcept { return type() == ERGOD_TYPE_REFERENCE; }
  bool is_fun() const noexcept { return type() == ERGOD_TYPE_FUN; }

  // ---- accessors (BadTerm when the type is wrong) ----
  template <class T>
  T as() const {
    return from_term<T>(*this);
  }
  // The atom's name: lives as long as the daemon (rule T5).
  std::string_view atom_name() const;
  // A binary's bytes: live as long as this Term (rule T5), hence not on temporaries.
  std::string_view bytes() const&;
  std::string_view bytes() const&& = delete;
  size_t tuple_size() const noexcept { return h_ ? host().tuple_arity(h_) : 0; }
  // Tuple element i (0-based).
  Term operator[](size_t i) const;
  size_t map_size() const noexcept { return h_ ? host().map_size(h_) : 0; }
  // A map's value for key, or the empty Term when absent (or not a map).
  template <class K>
  Term get(const K& key) const;
  // The same, BadTerm when absent.
  template <class K>
  Term at(const K& key) const;
  // A proper list's length; -1 for anything else.
  int64_t length() const noexcept { return h_ ? host().list_length(h_) : -1; }

  // ---- iteration ----
  class ListIterator;
  class ListView;
  class MapIterator;
  class MapView;
  // for (const Term& e : t.list()): BadTerm when t is not a proper list.
  ListView list() const;
  // for (auto& [k, v] : t.map()): in key order; BadTerm when t is not a map.
  MapView map() const;
  // A tuple's elements (BadTerm when not a tuple).
  std::vector<Term> elements() const;

  // ---- printing, ETF ----
  // io_lib:format("~w"); "" for the empty Term.
  std::string to_string() const;
  // term_to_binary.
  std::string to_etf() const;
  // binary_to_term; BadTerm (with the host's reason) on malformed bytes.
  static Term from_etf(std::string_view bytes);

  // =:= (exact: 1 /= 1.0); the empty Term equals only itself.
  friend bool operator==(const Term& a, const Term& b) noexcept {
    if (!a.h_ || !b.h_) return a.h_ == b.h_;
    return host().equal(a.h_, b.h_) != 0;
  }
  // Erlang's term order (number < atom < reference < fun < port < pid < tuple < map < nil <
  // list < bitstring; 1 and 1.0 are equivalent); the empty Term sorts first.
  friend std::weak_ordering operator<=>(const Term& a, const Term& b) noexcept {
    if (!a.h_ || !b.h_) return (a.h_ != nullptr) <=> (b.h_ != nullptr);
    int c = host().compare(a.h_, b.h_);
    return c < 0 ? std::weak_ordering::less : c > 0 ? std::weak_ordering::greater : std::weak_ordering::equivalent;
  }

 private:
  ergod_term h_ = nullptr;
};

namespace detail {
// t printed for an error message, cut short.
inline std::string brief(const Term& t) {
  if (t.empty()) return "nothing";
  std::string s = t.to_string();
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}
[[noreturn]] inline void bad(std::string_view expected, const Term& got) {
  throw BadTerm("expected " + std::string(expected) + ", got " + brief(got));
}
inline Term checked(ergod_term h, std::string_view what) {
  if (!h) throw BadTerm("cannot make " + std::string(what));
  return Term::adopt(h);
}
}  // namespace detail

// A term lent to a host function: a Term's own handle, or a converted value it owns. It lets
// functions take any convertible value (send(pid, std::tuple{...})) without copying Terms.
class TermRef {
 public:
  TermRef(const Term& t) noexcept : h_(t.handle()) {}  // NOLINT: implicit by design
  template <class T>
    requires(!std::same_as<std::decay_t<T>, Term> && !std::same_as<std::decay_t<T>, TermRef>)
  TermRef(const T& v) : owned_(to_term(v)), h_(owned_.handle()) {}  // NOLINT
  TermRef(const TermRef&) = delete;
  TermRef& operator=(const TermRef&) = delete;
  ergod_term get() const noexcept { return h_; }

 private:
  Term owned_;
  ergod_term h_;
};

// ---- builders ------------------------------------------------------------------------------
// An atom (a BadTerm when the name is not valid UTF-8 or longer than 255 characters).
inline Term atom(std::string_view name) {
  return detail::checked(host().make_atom(name.data(), name.size()), "atom '" + std::string(name) + "'");
}
inline Term binary(std::string_view bytes) { return Term::adopt(host().make_binary(bytes.data(), bytes.size())); }
// An Erlang string: a list of code points (from UTF-8).
inline Term charlist(std::string_view utf8) {
  return detail::checked(host().make_string(utf8.data(), utf8.size()), "a string (not UTF-8)");
}
inline Term integer(int64_t v) { return Term::adopt(host().make_int(v)); }
inline Term nil() { return Term::adopt(host().make_nil()); }
inline Term tuple_of(const std::vector<Term>& elems) {
  std::vector<ergod_term> hs;
  hs.reserve(elems.size());
  for (const Term& e : elems) hs.push_back(e.handle());
  return Term::adopt(host().make_tuple(hs.data(), hs.size()));
}
// [e0, e1, ... | tail]; an empty tail is [].
inline Term list_of(const std::vector<Term>& elems, const Term& tail = Term()) {
  std::vector<ergod_term> hs;
  hs.reserve(elems.size());
  for (const Term& e : elems) hs.push_back(e.handle());
  return Term::adopt(host().make_list(hs.data(), hs.size(), tail.handle()));
}
inline Term map_of(const std::vector<std::pair<Term, Term>>& entries) {
  std::vector<ergod_term> ks, vs;
  ks.reserve(entries.size());
  vs.reserve(entries.size());
  for (const auto& [k, v] : entries) {
    ks.push_back(k.handle());
    vs.push_back(v.handle());
  }
  return Term::adopt(host().make_map(ks.data(), vs.data(), ks.size()));
}
// tuple(atom("ok"), 42, "bin"): each element through to_term.
template <class... A>
Term tuple(const A&... elems) {
  if constexpr (sizeof...(A) == 0) {
    return Term::adopt(host().make_tuple(nullptr, 0));
  } else {
    const TermRef refs[] = {TermRef(elems)...};
    ergod_term hs[sizeof...(A)];
    for (size_t i = 0; i < sizeof...(A); ++i) hs[i] = refs[i].get();
    return Term::adopt(host().make_tuple(hs, sizeof...(A)));
  }
}
template <class... A>
Term list(const A&... elems) {
  if constexpr (sizeof...(A) == 0) {
    return nil();
  } else {
    const TermRef refs[] = {TermRef(elems)...};
    ergod_term hs[sizeof...(A)];
    for (size_t i = 0; i < sizeof...(A); ++i) hs[i] = refs[i].get();
    return Term::adopt(host().make_list(hs, sizeof...(A), nullptr));
  }
}

// ---- Term members --------------------------------------------------------------------------
inline std::string_view Term::atom_name() const {
  size_t n = 0;
  const char* s = h_ ? host().atom_name(h_, &n) : nullptr;
  if (!s) detail::bad("an atom", *this);
  return {s, n};
}

inline std::string_view Term::bytes() const& {
  size_t n = 0;
  unsigned bits = 0;
  const uint8_t* p = is_binary() ? host().binary_data(h_, &n, &bits) : nullptr;
  if (!p && !is_binary()) detail::bad("a binary", *this);
  return {reinterpret_cast<const char*>(p), n};
}

inline Term Term::operator[](size_t i) const {
  ergod_term e = h_ ? host().tuple_element(h_, i) : nullptr;
  if (!e) detail::bad("a tuple of at least " + std::to_string(i + 1) + " elements", *this);
  return adopt(e);
}

template <class K>
Term Term::get(const K& key) const {
  if (!is_map()) return {};
  TermRef k(key);
  return adopt(host().map_get(h_, k.get()));
}

template <class K>
Term Term::at(const K& key) const {
  if (!is_map()) detail::bad("a map", *this);
  TermRef k(key);
  ergod_term v = host().map_get(h_, k.get());
  if (!v) throw BadTerm("no key " + detail::brief(Term::borrow(k.get())) + " in " + detail::brief(*this));
  return adopt(v);
}

inline std::vector<Term> Term::elements() const {
  if (!is_tuple()) detail::bad("a tuple", *this);
  size_t n = tuple_size();
  std::vector<Term> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(adopt(host().tuple_element(h_, i)));
  return out;
}

// Walks the cons cells; each step takes the head and tail handles.
class Term::ListIterator {
 public:
  using value_type = Term;
  using difference_type = std::ptrdiff_t;
  ListIterator() = default;
  explicit ListIterator(Term list) : rest_(std::move(list)) { next(); }
  const Term& operator*() const noexcept { return head_; }
  const Term* operator->() const noexcept { return &head_; }
  ListIterator& operator++() {
    next();
    return *this;
  }
  void operator++(int) { next(); }
  bool operator==(const ListIterator& o) const noexcept { return head_.empty() && o.head_.empty(); }

 private:
  void next() {
    ergod_term h = nullptr, t = nullptr;
    if (rest_.type() == ERGOD_TYPE_LIST && host().list_cell(rest_.handle(), &h, &t) == ERGOD_OK) {
      head_ = adopt(h);
      rest_ = adopt(t);
    } else {
      head_ = Term();
      rest_ = Term();
    }
  }
  Term head_, rest_;
};

class Term::ListView {
 public:
  explicit ListView(Term list) : list_(std::move(list)) {}
  ListIterator begin() const { return ListIterator(list_); }
  ListIterator end() const { return {}; }

 private:
  Term list_;
};

inline Term::ListView Term::list() const {
  if (length() < 0) detail::bad("a proper list", *this);
  return ListView(*this);
}

class Term::MapIterator {
 public:
  using value_type = std::pair<Term, Term>;
  using difference_type = std::ptrdiff_t;
  MapIterator() = default;
  MapIterator(const Term* map, size_t i) : map_(map), i_(i) { load(); }
  const value_type& operator*() const noexcept { return kv_; }
  const value_type* operator->() const noexcept { return &kv_; }
  MapIterator& operator++() {
    ++i_;
    load();
    return *this;
  }
  void operator++(int) { ++*this; }
  bool operator==(const MapIterator& o) const noexcept { return i_ == o.i_; }

 private:
  void load() {
    ergod_term k = nullptr, v = nullptr;
    if (map_ && i_ < map_->map_size() && host().map_entry(map_->handle(), i_, &k, &v) == ERGOD_OK)
      kv_ = {adopt(k), adopt(v)};
  }
  const Term* map_ = nullptr;
  size_t i_ = 0;
  value_type kv_;
};

class Term::MapView {
 public:
  explicit MapView(Term map) : map_(std::move(map)) {}
  MapIterator begin() const { return {&map_, 0}; }
  MapIterator end() const { return {nullptr, map_.map_size()}; }
  size_t size() const noexcept { return map_.map_size(); }

 private:
  Term map_;
};

inline Term::MapView Term::map() const {
  if (!is_map()) detail::bad("a map", *this);
  return MapView(*this);
}

inline std::string Term::to_string() const {
  if (!h_) return {};
  char small[128];
  size_t n = host().format(h_, small, sizeof small);
  if (n < sizeof small) return std::string(small, n);
  std::string s(n + 1, '\0');
  host().format(h_, s.data(), n + 1);
  s.resize(n);
  return s;
}

inline std::string Term::to_etf() const {
  if (!h_) throw BadTerm("to_etf of no term");
  Term bin = adopt(host().to_etf(h_));
  return std::string(bin.bytes());
}

inline Term Term::from_etf(std::string_view bytes) {
  char err[256] = {0};
  ergod_term t = host().from_etf(bytes.data(), bytes.size(), err, sizeof err);
  if (!t) throw BadTerm(std::string("malformed external term: ") + err);
  return adopt(t);
}

}  // namespace ergod::sdk
