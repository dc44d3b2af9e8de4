// Erlang's term order (==, <, =:=) and the hash, with the orders OTP 25 gives checked by
// lists:sort on a real node (see the comments in term_compare.cpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

namespace {

Term pid(const char* node, uint32_t id, uint32_t serial, uint32_t creation) {
  return Term::pid(Atom::make(node), id, serial, creation);
}
Term ref(const char* node, uint32_t creation, std::initializer_list<uint32_t> ids) {
  return Term::reference(Atom::make(node), creation, std::span<const uint32_t>(ids.begin(), ids.size()));
}
Term port(const char* node, uint64_t id, uint32_t creation) { return Term::port(Atom::make(node), id, creation); }

// True when v is sorted strictly ascending by compare().
bool ascending(const std::vector<Term>& v) {
  for (size_t i = 1; i < v.size(); ++i)
    if (compare(v[i - 1], v[i]) >= 0 || compare(v[i], v[i - 1]) <= 0) return false;
  return true;
}

}  // namespace

TEST_CASE("kinds order as Erlang: number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring", "[term][order]") {
  uint8_t uniq[16] = {};
  std::vector<Term> v = {
      I(1),
      A("a"),
      ref("n@h", 1, {1}),
      Term::local_fun(0, uniq, 0, Atom::make("m"), I(0), I(0), pid("n@h", 1, 0, 1), {}),
      Term::export_fun(Atom::make("m"), Atom::make("f"), 0),  // an export fun sorts after local funs
      port("n@h", 1, 1),
      pid("n@h", 1, 0, 1),
      T({}),
      Term::map({}),
      Term::nil(),
      L({I(1)}),
      B(""),
  };
  CHECK(ascending(v));
}

TEST_CASE("== holds 1 and 1.0 equal, =:= does not, and under =:= every integer sorts before every float", "[term][order]") {
  CHECK(compare(I(1), Term::floating(1.0)) == 0);
  CHECK(exact_compare(I(1), Term::floating(1.0)) < 0);
  CHECK(exact_compare(I(2), Term::floating(1.0)) < 0);  // maps:keys(#{2 => a, 1.0 => b}) is [2, 1.0]
  CHECK(compare(I(2), Term::floating(1.0)) > 0);
  CHECK(compare(T({I(1)}), T({Term::floating(1.0)})) == 0);
  CHECK(T({I(1)}) != T({Term::floating(1.0)}));
  CHECK(compare(Term::floating(0.5), I(1)) < 0);
  CHECK(Term::floating(0.0) == Term::floating(-0.0));  // OTP 25: 0.0 =:= -0.0
  CHECK(hash(Term::floating(0.0)) == hash(Term::floating(-0.0)));
}

TEST_CASE("integers compare exactly with floats, also past 2^53 and past the long double range", "[term][order]") {
  Term two70 = pow2(70);
  Term two70_plus_1 = Term::big(false, std::vector<uint64_t>{1, 64});
  double f70 = std::ldexp(1.0, 70);
  CHECK(compare(two70, Term::floating(f70)) == 0);
  CHECK(compare(two70_plus_1, Term::floating(f70)) > 0);
  CHECK(compare(Term::floating(f70), two70_plus_1) < 0);
  CHECK(compare(I((int64_t(1) << 53) + 1), Term::floating(9007199254740992.0)) > 0);
  CHECK(compare(I(-3), Term::floating(-2.5)) < 0);
  CHECK(compare(I(2), Term::floating(2.5)) < 0);
  CHECK(compare(I(3), Term::floating(2.5)) > 0);
  CHECK(compare(pow2(20000), Term::floating(1e308)) > 0);
  CHECK(compare(pow2(20000, true), Term::floating(-1e308)) < 0);
  CHECK(compare(pow2(1023), Term::floating(std::ldexp(1.0, 1023))) == 0);
  CHECK(compare(I(INT64_MIN), Term::floating(-9223372036854775808.0)) == 0);
}

TEST_CASE("pids order by serial, then id, then node name, then creation", "[term][order][pid]") {
  // The order lists:sort gives on OTP 25.
  CHECK(ascending({pid("a@h", 1, 0, 1), pid("a@h", 1, 0, 2), pid("b@h", 1, 0, 1), pid("a@h", 2, 0, 1),
                   pid("a@h", 3, 0, 0), pid("a@h", 1, 1, 1)}));
  CHECK(compare(pid("a@h", 0x80000005u, 0, 1), pid("a@h", 1, 1, 1)) < 0);
}

TEST_CASE("ports order by node name, then creation, then id", "[term][order][port]") {
  CHECK(ascending({port("a@h", 3, 0), port("a@h", 2, 1), port("a@h", uint64_t(1) << 40, 1), port("a@h", 1, 2),
                   port("b@h", 1, 1)}));
}

TEST_CASE("references order by node, creation, then ids from the last, missing ids counting as zero", "[term][order][ref]") {
  CHECK(ascending({ref("a@h", 0, {9}), ref("a@h", 1, {5, 5}), ref("a@h", 1, {2, 1, 1}), ref("a@h", 1, {1, 2, 1}),
                   ref("a@h", 1, {1, 1, 2}), ref("a@h", 1, {1, 1, 1, 1, 1}), ref("a@h", 2, {1, 1, 1}),
                   ref("b@h", 1, {1, 2, 3})}));
  CHECK(compare(ref("a@h", 1, {9, 9, 9}), ref("a@h", 1, {1, 1, 1, 1})) < 0);
  // OTP 25 holds these =:= (the fourth word is zero); the hash must agree.
  CHECK(ref("a@h", 1, {1, 2, 3}) == ref("a@h", 1, {1, 2, 3, 0}));
  CHECK(hash(ref("a@h", 1, {1, 2, 3})) == hash(ref("a@h", 1, {1, 2, 3, 0})));
}

TEST_CASE("maps order by size, then keys in key order, then values; keys compare exactly even under ==", "[term][order][map]") {
  auto m1 = [](Term k, Term v) { return Term::map({{std::move(k), std::move(v)}}); };
  CHECK(ascending({m1(I(1), A("a")), m1(I(2), A("a")), m1(Term::floating(1.0), A("a")), m1(A("a"), I(1)),
                   m1(A("b"), I(0)), Term::map({{A("a"), I(0)}, {A("b"), I(0)}})}));
  CHECK(compare(m1(I(1), A("a")), m1(Term::floating(1.0), A("a"))) != 0);  // #{1 => a} /= #{1.0 => a}
  CHECK(compare(m1(A("a"), I(1)), m1(A("a"), Term::floating(1.0))) == 0);  // #{a => 1} == #{a => 1.0}
  CHECK(m1(A("a"), I(1)) != m1(A("a"), Term::floating(1.0)));
  CHECK(ascending({Term::map({{A("a"), I(1)}, {A("b"), I(2)}}), Term::map({{A("a"), I(2)}, {A("b"), I(1)}})}));
}

TEST_CASE("bitstrings order bit by bit and a prefix sorts first", "[term][order][binary]") {
  CHECK(ascending({B(""), Term::bitstring(bytes({0}), 1), Term::binary(bytes({0})), Term::binary(bytes({1})),
                   Term::bitstring(bytes({1, 0}), 1), Term::bitstring(bytes({0x80}), 1)}));
}

TEST_CASE("tuples order by size first, lists element by element", "[term][order]") {
  CHECK(ascending({T({I(9)}), T({I(1), I(1)}), T({I(1), I(2)})}));
  CHECK(ascending({L({I(1)}), L({I(1), I(1)}), L({I(2)})}));
  CHECK(compare(Term::cons(I(1), I(2)), L({I(1), I(2)})) < 0);  // tail 2 (number) < [2] (list)
}

TEST_CASE("a local fun's creator pid is not part of its identity", "[term][order][fun]") {
  uint8_t uniq[16] = {9};
  Term fv[] = {I(1)};
  Term a = Term::local_fun(0, uniq, 1, Atom::make("m"), I(1), I(7), pid("a@h", 1, 0, 1), fv);
  Term b = Term::local_fun(0, uniq, 1, Atom::make("m"), I(1), I(7), pid("a@h", 2, 0, 1), fv);
  CHECK(a == b);
  CHECK(hash(a) == hash(b));
  Term fv2[] = {I(2)};
  CHECK(compare(a, Term::local_fun(0, uniq, 1, Atom::make("m"), I(1), I(7), pid("a@h", 1, 0, 1), fv2)) < 0);
}

TEST_CASE("terms that are =:= hash alike across every kind", "[term][order][hash]") {
  auto a = sample_terms(), b = sample_terms();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(to_string(a[i], 200));
    CHECK(a[i] == b[i]);
    CHECK(hash(a[i]) == hash(b[i]));
  }
  // And the corpus is totally ordered: sorting twice gives the same order, each pair antisymmetric.
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a.size(); ++j) CHECK(exact_compare(a[i], a[j]) == -exact_compare(a[j], a[i]));
}
