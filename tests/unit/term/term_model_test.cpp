// The term model: construction, accessors, normalisation of integers, maps, binaries, atoms,
// and terms deeper than any call stack.
#include <catch2/catch.hpp>

#include <cstring>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

TEST_CASE("small integers live in the word and bigs that fit are normalised back to small", "[term][model]") {
  CHECK(I(42).is_small());
  CHECK(I(Term::kSmallMax).is_small());
  CHECK(I(Term::kSmallMin).is_small());
  CHECK_FALSE(I(Term::kSmallMax + 1).is_small());
  CHECK_FALSE(I(Term::kSmallMin - 1).is_small());
  uint64_t five = 5;
  Term t = Term::big(true, std::span<const uint64_t>(&five, 1));
  REQUIRE(t.is_small());
  CHECK(t.small_value() == -5);
  uint64_t digits[] = {7, 0, 0};  // leading zero digits
  CHECK(Term::big(false, digits).is_small());
  CHECK(Term::big(true, std::span<const uint64_t>()).small_value() == 0);
  CHECK(Term::big_bytes(false, bytes({1, 0, 0, 0, 0, 0, 0, 0, 0, 0})).small_value() == 1);
}

TEST_CASE("integers convert to int64 and uint64 only when they fit", "[term][model]") {
  int64_t v;
  uint64_t u;
  REQUIRE(I(INT64_MIN).to_int64(v));
  CHECK(v == INT64_MIN);
  REQUIRE(I(INT64_MAX).to_int64(v));
  CHECK(v == INT64_MAX);
  CHECK_FALSE(pow2(63).to_int64(v));
  REQUIRE(pow2(63).to_uint64(u));
  CHECK(u == uint64_t(1) << 63);
  CHECK_FALSE(pow2(64).to_uint64(u));
  CHECK_FALSE(I(-1).to_uint64(u));
  CHECK_FALSE(A("a").to_int64(v));
}

TEST_CASE("tuples, lists and maps expose their parts", "[term][model]") {
  Term t = T({A("a"), I(2), B("x")});
  REQUIRE(t.is_tuple());
  CHECK(t.tuple_arity() == 3);
  CHECK(t.element(1) == I(2));
  CHECK(T({}).tuple_arity() == 0);

  Term l = L({I(1), I(2)});
  CHECK(l.is_list());
  CHECK(l.head() == I(1));
  CHECK(l.tail().head() == I(2));
  CHECK(l.tail().tail().is_nil());
  CHECK(list_length(l) == 2);
  CHECK(list_length(Term::cons(I(1), I(2))) == -1);
  CHECK(list_length(Term::nil()) == 0);

  Term m = Term::map({{A("b"), I(2)}, {A("a"), I(1)}});
  REQUIRE(m.map_size() == 2);
  CHECK(m.map_key(0) == A("a"));  // kept in key order
  CHECK(m.map_get(A("b")) == I(2));
  CHECK(m.map_get(A("c")).is_none());
}

TEST_CASE("a map built with a repeated key keeps the last value", "[term][model]") {
  Term m = Term::map({{A("k"), I(1)}, {A("j"), I(0)}, {A("k"), I(2)}});
  REQUIRE(m.map_size() == 2);
  CHECK(m.map_get(A("k")) == I(2));
}

TEST_CASE("map_take_unique refuses exactly equal keys but keeps 1 and 1.0 apart", "[term][model]") {
  Term kv[] = {I(1), A("a"), Term::floating(1.0), A("b")};
  Term m = Term::map_take_unique(kv, 2);
  REQUIRE(m.is_map());
  CHECK(m.map_size() == 2);
  Term dup[] = {A("x"), I(1), A("y"), I(2), A("x"), I(3)};
  CHECK(Term::map_take_unique(dup, 3).is_none());
  CHECK(dup[0] == A("x"));  // left as it was on refusal
  Term unsorted[] = {A("z"), I(1), I(5), I(2), A("a"), I(3)};
  Term u = Term::map_take_unique(unsorted, 3);
  REQUIRE(u.map_size() == 3);
  CHECK(u.map_key(0) == I(5));
  CHECK(u.map_key(1) == A("a"));
  CHECK(u.map_value(2) == I(1));
}

TEST_CASE("a binary slice shares its buffer and keeps it alive", "[term][model]") {
  Buffer* buf = Buffer::make(100);
  for (int i = 0; i < 100; ++i) buf->data[i] = static_cast<uint8_t>(i);
  Term s = Term::binary_slice(buf, 10, 20);
  CHECK(buf->refs.load() == 2);
  buf->release();
  REQUIRE(s.is_binary());
  CHECK(s.bytes().size() == 20);
  CHECK(s.bytes()[0] == 10);
  CHECK(s == Term::binary(std::span<const uint8_t>(s.bytes())));
}

TEST_CASE("a bitstring clears the unused bits of its last byte", "[term][model]") {
  Term b = Term::bitstring(bytes({0xff, 0xff}), 3);
  CHECK(b.is_bitstring());
  CHECK_FALSE(b.is_binary());
  CHECK(b.bit_size() == 11);
  CHECK(b.bytes()[1] == 0xe0);
  CHECK(b == Term::bitstring(bytes({0xff, 0xe5}), 3));
}

TEST_CASE("atoms are interned, validated as UTF-8 and at most 255 characters", "[term][model][atom]") {
  CHECK(Atom::make("hello") == Atom::make("hello"));
  CHECK(Atom::make("ok") == atoms::ok);
  CHECK(Atom::make("hello").name() == "hello");
  Atom a;
  const char* why = nullptr;
  CHECK(Atom::try_make(std::string(255, 'x'), a, &why));
  CHECK_FALSE(Atom::try_make(std::string(256, 'x'), a, &why));
  CHECK(std::string(why) == "atom longer than 255 characters");
  CHECK(Atom::try_make(repeat("\xe2\x82\xac", 255), a, &why));  // 765 bytes, 255 characters
  CHECK_FALSE(Atom::try_make(repeat("\xe2\x82\xac", 256), a, &why));
  CHECK_FALSE(Atom::try_make("\xc3", a, &why));
  CHECK(std::string(why) == "atom is not valid UTF-8");
  CHECK_FALSE(Atom::try_make("\xc0\x80", a, &why));          // overlong
  CHECK_FALSE(Atom::try_make("\xed\xa0\x80", a, &why));      // surrogate
  CHECK_THROWS_AS(Atom::make("\xff"), AtomError);
}

TEST_CASE("the atom table refuses new atoms past its limit and still finds old ones", "[term][model][atom]") {
  uint32_t old = atom_limit();
  set_atom_limit(atom_count());
  Atom a;
  const char* why = nullptr;
  CHECK_FALSE(Atom::try_make("never_seen_before_atom_limit_test", a, &why));
  CHECK(std::string(why) == "atom table full (raise the atom limit)");
  CHECK(Atom::try_make("ok", a, &why));
  set_atom_limit(old);
  CHECK(Atom::try_make("never_seen_before_atom_limit_test", a, &why));
}

TEST_CASE("pids, ports, references and funs keep their node, creation and parts", "[term][model]") {
  Atom node = Atom::make("n@h");
  Term p = Term::pid(node, 1, 2, 3);
  CHECK(p.kind() == Kind::Pid);
  CHECK(p.as<PidBox>()->serial == 2);
  CHECK(p.as<PidBox>()->creation == 3);
  Term port = Term::port(node, uint64_t(1) << 40, 9);
  CHECK(port.as<PortBox>()->id == uint64_t(1) << 40);
  uint32_t ids[] = {4, 5, 6};
  Term r = Term::reference(node, 7, ids);
  CHECK(r.as<RefBox>()->len == 3);
  CHECK(r.as<RefBox>()->ids[2] == 6);
  Term e = Term::export_fun(Atom::make("m"), Atom::make("f"), 2);
  CHECK(e.is_fun());
  uint8_t uniq[16] = {};
  Term fv[] = {I(1), B("x")};
  Term f = Term::local_fun(2, uniq, 4, Atom::make("m"), I(4), I(99), p, fv);
  REQUIRE(f.is_fun());
  CHECK(f.as<LocalFunBox>()->num_free == 2);
  CHECK(f.as<LocalFunBox>()->free_vars[1] == B("x"));
  CHECK(f.as<LocalFunBox>()->pid == p);
}

TEST_CASE("copies share boxes and the last copy frees them", "[term][model]") {
  Term a = T({B("payload"), I(1)});
  Term b = a;
  CHECK(a.raw() == b.raw());
  CHECK(a.box()->refs.load() == 2);
  b = Term();
  CHECK(a.box()->refs.load() == 1);
}

TEST_CASE("a 1,000,000-deep list and tuple are built, compared, hashed, printed and freed without recursion", "[term][model][deep]") {
  constexpr int depth = 1000000;
  Term list = Term::nil(), tuple = A("leaf");
  for (int i = 0; i < depth; ++i) {
    list = Term::cons(std::move(list), Term::nil());
    tuple = Term::tuple({std::move(tuple)});
  }
  Term list2 = Term::nil();
  for (int i = 0; i < depth; ++i) list2 = Term::cons(std::move(list2), Term::nil());
  CHECK(list == list2);
  CHECK(compare(list, list2) == 0);
  CHECK(hash(list) == hash(list2));
  CHECK(compare(tuple, list) < 0);
  std::string s = to_string(tuple, 64);
  CHECK(s.rfind("{{{{", 0) == 0);
  list = Term();
  list2 = Term();
  tuple = Term();  // freeing: a recursive free would overflow the stack here
  SUCCEED();
}
