// Erlang's term order and hashing, walking terms with an explicit stack so that depth never
// reaches the C++ call stack.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "term/term.h"

namespace ergod::term {
namespace {

int rank(const Term& t) {
  switch (t.kind()) {
    case Kind::Integer:
    case Kind::Float: return 0;
    case Kind::Atom: return 1;
    case Kind::Reference: return 2;
    case Kind::Fun: return 3;
    case Kind::Port: return 4;
    case Kind::Pid: return 5;
    case Kind::Tuple: return 6;
    case Kind::Map: return 7;
    case Kind::Nil: return 8;
    case Kind::List: return 9;
    case Kind::Binary: return 10;
  }
  return 11;
}

template <class T>
int cmp3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int cmp_atom(Atom a, Atom b) {
  if (a == b) return 0;
  std::string_view x = a.name(), y = b.name();
  size_t n = std::min(x.size(), y.size());
  int c = n ? std::memcmp(x.data(), y.data(), n) : 0;
  return c ? (c < 0 ? -1 : 1) : cmp3(x.size(), y.size());
}

int cmp_ints(const Term& a, const Term& b) {
  if (a.is_small() && b.is_small()) return cmp3(a.small_value(), b.small_value());
  // At least one is big: a big is always outside the small range.
  auto sign = [](const Term& t) {
    return t.is_small() ? (t.small_value() < 0 ? -1 : 1) : (t.as<BigBox>()->negative ? -1 : 1);
  };
  int sa = sign(a), sb = sign(b);
  if (sa != sb) return cmp3(sa, sb);
  if (a.is_small()) return sb > 0 ? -1 : 1;  // |small| < |big|
  if (b.is_small()) return sa > 0 ? 1 : -1;
  auto *x = a.as<BigBox>(), *y = b.as<BigBox>();
  int mag = cmp3(x->n, y->n);
  for (uint32_t i = x->n; mag == 0 && i-- > 0;) mag = cmp3(x->digits[i], y->digits[i]);
  return sa > 0 ? mag : -mag;
}

// An integer against a finite double, exactly (as the BEAM does: 2^70 + 1 > 2^70.0 although
// both round to the same long double). Doubles of magnitude >= 2^63 are whole numbers; they
// are turned into integers exactly. Smaller ones are compared with an int64 and a fraction.
int cmp_int_float(const Term& i, double d) {
  constexpr double two63 = 9223372036854775808.0;
  if (d >= two63 || d <= -two63) {
    int exp;
    double m = std::frexp(std::fabs(d), &exp);              // |d| = m * 2^exp, 0.5 <= m < 1
    uint64_t mant = static_cast<uint64_t>(std::ldexp(m, 53));  // exact: 53-bit mantissa
    int shift = exp - 53;                                   // >= 11 here
    std::vector<uint64_t> digits(static_cast<size_t>(shift / 64) + 2, 0);
    digits[static_cast<size_t>(shift / 64)] = mant << (shift % 64);
    if (shift % 64) digits[static_cast<size_t>(shift / 64) + 1] = mant >> (64 - shift % 64);
    return cmp_ints(i, Term::big(d < 0, digits));
  }
  int64_t v;
  if (!i.to_int64(v)) return i.as<BigBox>()->negative ? -1 : 1;  // beyond +-2^63 > |d|
  double whole = std::trunc(d);
  auto w = static_cast<int64_t>(whole);
  if (int c = cmp3(v, w)) return c;
  return cmp3(0.0, d - whole);
}

// Under exact order (=:= and map keys) an integer sorts before every float, whatever their
// values: OTP's map key order (maps:keys(#{2 => a, 1.0 => b}) is [2, 1.0]).
int cmp_numbers(const Term& a, const Term& b, bool exact) {
  bool fa = a.is_float(), fb = b.is_float();
  if (!fa && !fb) return cmp_ints(a, b);
  if (fa && fb) return cmp3(a.float_value(), b.float_value());
  if (exact) return fa ? 1 : -1;
  return fa ? -cmp_int_float(b, a.float_value()) : cmp_int_float(a, b.float_value());
}

int cmp_bytes(std::span<const uint8_t> x, std::span<const uint8_t> y) {
  size_t n = std::min(x.size(), y.size());
  int c = n ? std::memcmp(x.data(), y.data(), n) : 0;
  return c ? (c < 0 ? -1 : 1) : 0;
}

struct Pair {
  const Term* a;
  const Term* b;
  bool exact;  // map keys compare exactly even under ==
};

// References compare as numbers whose missing high words are zero: OTP 25 holds
// #Ref<1.2.3> =:= the same ids with a fourth, zero word.
int cmp_ref_ids(const RefBox* x, const RefBox* y) {
  int n = std::max(x->len, y->len);
  for (int i = n; i-- > 0;) {
    uint32_t a = i < x->len ? x->ids[i] : 0, b = i < y->len ? y->ids[i] : 0;
    if (a != b) return a < b ? -1 : 1;
  }
  return 0;
}

// Compares what can be compared without looking into children. Returns the result (non-zero
// decides); for equal composite shells pushes the child pairs in reverse order of comparison.
int shallow(const Term& a, const Term& b, bool exact, std::vector<Pair>& stack) {
  if (a.raw() == b.raw()) return 0;
  int ra = rank(a), rb = rank(b);
  if (ra != rb) return cmp3(ra, rb);
  switch (a.kind()) {
    case Kind::Integer:
    case Kind::Float: return cmp_numbers(a, b, exact);
    case Kind::Atom: return cmp_atom(a.atom_value(), b.atom_value());
    case Kind::Nil: return 0;
    // Orders checked against OTP 25 with lists:sort: references and ports compare node name,
    // creation, then ids; pids compare serial and id first, then node name and creation.
    case Kind::Reference: {
      auto *x = a.as<RefBox>(), *y = b.as<RefBox>();
      if (int c = cmp_atom(x->node, y->node)) return c;
      if (int c = cmp3(x->creation, y->creation)) return c;
      return cmp_ref_ids(x, y);
    }
    case Kind::Port: {
      auto *x = a.as<PortBox>(), *y = b.as<PortBox>();
      if (int c = cmp_atom(x->node, y->node)) return c;
      if (int c = cmp3(x->creation, y->creation)) return c;
      return cmp3(x->id, y->id);
    }
    case Kind::Pid: {
      auto *x = a.as<PidBox>(), *y = b.as<PidBox>();
      if (int c = cmp3(x->serial, y->serial)) return c;
      if (int c = cmp3(x->id, y->id)) return c;
      if (int c = cmp_atom(x->node, y->node)) return c;
      return cmp3(x->creation, y->creation);
    }
    case Kind::Binary: {
      if (int c = cmp_bytes(a.bytes(), b.bytes())) return c;
      return cmp3(a.bit_size(), b.bit_size());
    }
    case Kind::Fun: {
      bool ea = a.box()->kind == BoxKind::ExportFun, eb = b.box()->kind == BoxKind::ExportFun;
      if (ea != eb) return ea ? 1 : -1;
      if (ea) {
        auto *x = a.as<ExportFunBox>(), *y = b.as<ExportFunBox>();
        if (int c = cmp_atom(x->module, y->module)) return c;
        if (int c = cmp_atom(x->function, y->function)) return c;
        return cmp3(x->arity, y->arity);
      }
      // The creator pid is not part of a fun's identity: OTP 25 holds the same fun made by two
      // processes =:= (though they encode differently).
      auto *x = a.as<LocalFunBox>(), *y = b.as<LocalFunBox>();
      if (int c = cmp_atom(x->module, y->module)) return c;
      if (int c = cmp3(x->index, y->index)) return c;
      if (int c = std::memcmp(x->uniq, y->uniq, 16)) return c < 0 ? -1 : 1;
      if (int c = cmp3(x->arity, y->arity)) return c;
      if (int c = cmp3(x->num_free, y->num_free)) return c;
      for (uint32_t i = x->num_free; i-- > 0;) stack.push_back({&x->free_vars[i], &y->free_vars[i], exact});
      stack.push_back({&x->old_uniq, &y->old_uniq, exact});
      stack.push_back({&x->old_index, &y->old_index, exact});
      return 0;
    }
    case Kind::Tuple: {
      uint32_t n = a.tuple_arity();
      if (int c = cmp3(n, b.tuple_arity())) return c;
      for (uint32_t i = n; i-- > 0;) stack.push_back({&a.element(i), &b.element(i), exact});
      return 0;
    }
    case Kind::Map: {
      uint32_t n = a.map_size();
      if (int c = cmp3(n, b.map_size())) return c;
      // Keys in key order first, then values in key order (OTP: #{1 => a} < #{1.0 => a},
      // both under == and =:=, since keys always compare exactly).
      for (uint32_t i = n; i-- > 0;) stack.push_back({&a.map_value(i), &b.map_value(i), exact});
      for (uint32_t i = n; i-- > 0;) stack.push_back({&a.map_key(i), &b.map_key(i), true});
      return 0;
    }
    case Kind::List:
      stack.push_back({&a.tail(), &b.tail(), exact});
      stack.push_back({&a.head(), &b.head(), exact});
      return 0;
  }
  return 0;
}

int compare_impl(const Term& a, const Term& b, bool exact) {
  std::vector<Pair> stack;
  int c = shallow(a, b, exact, stack);
  while (c == 0 && !stack.empty()) {
    Pair p = stack.back();
    stack.pop_back();
    c = shallow(*p.a, *p.b, p.exact, stack);
  }
  return c;
}

inline size_t mix(size_t h, size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

int compare(const Term& a, const Term& b) { return compare_impl(a, b, false); }
int exact_compare(const Term& a, const Term& b) { return compare_impl(a, b, true); }

size_t hash(const Term& root) {
  size_t h = 0x12345;
  std::vector<const Term*> stack{&root};
  while (!stack.empty()) {
    const Term& t = *stack.back();
    stack.pop_back();
    h = mix(h, static_cast<size_t>(t.kind()));
    switch (t.kind()) {
      case Kind::Integer:
        if (t.is_small()) {
          h = mix(h, static_cast<size_t>(t.small_value()));
        } else {
          auto* b = t.as<BigBox>();
          h = mix(h, b->negative);
          for (uint32_t i = 0; i < b->n; ++i) h = mix(h, b->digits[i]);
        }
        break;
      case Kind::Float: {
        double v = t.float_value();
        if (v == 0) v = 0;  // 0.0 =:= -0.0 in OTP 25
        h = mix(h, std::bit_cast<uint64_t>(v));
        break;
      }
      case Kind::Atom: h = mix(h, t.atom_value().index()); break;
      case Kind::Nil: break;
      case Kind::Reference: {
        auto* r = t.as<RefBox>();
        h = mix(h, r->node.index());
        int len = r->len;
        while (len > 1 && r->ids[len - 1] == 0) --len;  // high zero words do not count
        for (int i = 0; i < len; ++i) h = mix(h, r->ids[i]);
        h = mix(h, r->creation);
        break;
      }
      case Kind::Port: {
        auto* p = t.as<PortBox>();
        h = mix(mix(mix(h, p->node.index()), p->id), p->creation);
        break;
      }
      case Kind::Pid: {
        auto* p = t.as<PidBox>();
        h = mix(mix(mix(mix(h, p->node.index()), p->id), p->serial), p->creation);
        break;
      }
      case Kind::Binary:
        for (uint8_t byte : t.bytes()) h = mix(h, byte);
        h = mix(h, t.bits_in_last());
        break;
      case Kind::Fun:
        if (t.box()->kind == BoxKind::ExportFun) {
          auto* f = t.as<ExportFunBox>();
          h = mix(mix(mix(h, f->module.index()), f->function.index()), f->arity);
        } else {
          auto* f = t.as<LocalFunBox>();
          h = mix(mix(h, f->module.index()), f->index);
          for (uint32_t i = 0; i < f->num_free; ++i) stack.push_back(&f->free_vars[i]);
        }
        break;
      case Kind::Tuple:
        h = mix(h, t.tuple_arity());
        for (uint32_t i = 0; i < t.tuple_arity(); ++i) stack.push_back(&t.element(i));
        break;
      case Kind::Map:
        h = mix(h, t.map_size());
        for (uint32_t i = 0; i < t.map_size(); ++i) {
          stack.push_back(&t.map_key(i));
          stack.push_back(&t.map_value(i));
        }
        break;
      case Kind::List:
        stack.push_back(&t.tail());
        stack.push_back(&t.head());
        break;
    }
  }
  return h;
}

}  // namespace ergod::term
