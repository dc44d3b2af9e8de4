// Helpers shared by the term unit tests: byte literals, short constructors, and a corpus of
// terms covering every kind (used by the round-trip, truncation and mutation tests).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "term/etf_decode.h"
#include "term/etf_encode.h"
#include "term/term.h"

namespace ergod::term::test {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes(std::initializer_list<int> v) {
  Bytes out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}
inline Bytes operator+(Bytes a, const Bytes& b) {
  // push_back, not insert: g++ 12 warns falsely (-Warray-bounds) on the inlined insert.
  a.reserve(a.size() + b.size());
  for (uint8_t x : b) a.push_back(x);
  return a;
}
inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline Term A(std::string_view name) { return Term::atom(name); }
inline Term I(int64_t v) { return Term::integer(v); }
inline Term T(std::initializer_list<Term> e) { return Term::tuple(e); }
inline Term L(std::initializer_list<Term> e) { return Term::list(e); }
// An improper (or explicitly tailed) list.
inline Term LT(std::initializer_list<Term> e, Term tail) {
  return Term::list(std::span<const Term>(e.begin(), e.size()), std::move(tail));
}
inline Term B(std::string_view s) { return Term::binary(s); }

// Decodes and requires success (the message is shown by Catch2 when it fails).
inline Term must_decode(const Bytes& b, const DecodeOptions& o = {}) {
  auto r = decode(b, o);
  if (!r) throw std::runtime_error("decode failed: " + r.error());
  return std::move(r).value();
}

// Decodes and returns the error message ("" when it decoded).
inline std::string decode_error(const Bytes& b, const DecodeOptions& o = {}) {
  auto r = decode(b, o);
  return r ? std::string() : r.error();
}

inline std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// 2^k as a term.
inline Term pow2(unsigned k, bool negative = false) {
  std::vector<uint64_t> d(k / 64 + 1, 0);
  d[k / 64] = uint64_t(1) << (k % 64);
  return Term::big(negative, d);
}

// A corpus with every kind and every encoding choice the encoder makes.
inline std::vector<Term> sample_terms() {
  Atom node = Atom::make("golden@host");
  uint8_t uniq[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  uint32_t ids3[] = {1, 2, 3}, ids5[] = {1, 2, 3, 4, 5};
  std::vector<Term> bytes_list;
  for (int i = 0; i < 300; ++i) bytes_list.push_back(I(i % 256));
  std::vector<Term> wide;
  for (int i = 0; i < 300; ++i) wide.push_back(I(i));
  Term pid = Term::pid(node, 77, 1, 5);
  Term free[] = {I(1), A("x"), pid};
  std::string big_bin(5000, 'z');
  return {
      I(0), I(255), I(256), I(-1), I(INT32_MAX), I(INT32_MIN), I(int64_t(INT32_MAX) + 1),
      I(int64_t(INT32_MIN) - 1), I(Term::kSmallMax), I(Term::kSmallMin), I(INT64_MAX), I(INT64_MIN),
      Term::unsigned_integer(UINT64_MAX), pow2(64), pow2(64, true), pow2(2039), pow2(2040), pow2(3000, true),
      Term::floating(0.0), Term::floating(-0.0), Term::floating(1.5), Term::floating(1e300),
      Term::floating(-5e-324),
      A(""), A("ok"), A("with space"), A("caf\xc3\xa9"), A("\xe2\x82\xac"), A(std::string(255, 'a')),
      A(repeat("\xe2\x82\xac", 255)),
      Term::nil(), T({}), T({A("a"), I(1)}), Term::tuple(wide), L({I(1), I(2), I(3)}),
      Term::list(bytes_list), Term::list(wide), L({A("a"), A("b")}), LT({I(1), I(2)}, I(3)),
      Term::cons(A("a"), A("b")), L({I(-1)}), L({I(256)}), L({L({}), L({I(1)})}),
      B(""), B("abc"), Term::binary(big_bin), Term::bitstring(bytes({0xff}), 1),
      Term::bitstring(bytes({1, 2, 0x30}), 4),
      Term::map({}), Term::map({{A("a"), I(1)}, {I(2), A("b")}, {Term::floating(1.0), A("c")}, {B("k"), L({})}}),
      Term::map({{Term::map({{A("in"), A("ner")}}), T({})}}),
      pid, Term::pid(node, 0xffffffffu, 0xffffffffu, 0xffffffffu), Term::port(node, 7, 5),
      Term::port(node, uint64_t(1) << 40, 5), Term::reference(node, 5, ids3), Term::reference(node, 0, ids5),
      Term::export_fun(A("lists").atom_value(), A("map").atom_value(), 2),
      Term::local_fun(1, uniq, 3, Atom::make("mod"), I(3), I(123456789), pid, free),
      Term::local_fun(0, uniq, 0, Atom::make("mod"), I(0), I(-5), pid, {}),
      T({A("$gen_call"), T({pid, Term::cons(A("alias"), Term::reference(node, 5, ids3))}),
         T({A("echo"), Term::binary(std::string(1024, '\1'))})}),
  };
}

}  // namespace ergod::term::test
