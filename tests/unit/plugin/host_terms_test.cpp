// The host table's term functions: every builder and accessor round trip, and bad input
// (NULL handles, wrong types, bad UTF-8, bad reference ids) refused with NULL / EBADARG.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "plugin/host_table.h"
#include "plugin/term_handle.h"
#include "term/atom.h"

using ergod::plugin::host_table;
using ergod::term::Term;

namespace {

const ergod_host& H = *host_table();

// Owns a handle for the length of a test (rule T1).
struct Own {
  ergod_term t;
  Own(ergod_term h) : t(h) {}  // NOLINT: implicit on purpose
  ~Own() { H.release(t); }
  Own(const Own&) = delete;
  operator ergod_term() const { return t; }
};

std::string fmt(ergod_term t) {
  char buf[256];
  H.format(t, buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_CASE("the host table says its ABI version and size", "[plugin][terms]") {
  CHECK(H.abi_version == ERGOD_ABI_VERSION);
  CHECK(H.size == sizeof(ergod_host));
  CHECK(H.abort_on_crash != nullptr);
}

TEST_CASE("integers round trip through make_int, make_uint, make_big and the getters", "[plugin][terms]") {
  int64_t i;
  uint64_t u;
  Own a = H.make_int(-42);
  CHECK(H.type_of(a) == ERGOD_TYPE_INTEGER);
  REQUIRE(H.get_int64(a, &i) == ERGOD_OK);
  CHECK(i == -42);
  CHECK(H.get_uint64(a, &u) == ERGOD_EBADARG);

  Own big = H.make_uint(UINT64_MAX);
  REQUIRE(H.get_uint64(big, &u) == ERGOD_OK);
  CHECK(u == UINT64_MAX);
  CHECK(H.get_int64(big, &i) == ERGOD_EBADARG);
  CHECK(fmt(big) == "18446744073709551615");

  const uint8_t mag[] = {0, 0, 0, 0, 0, 0, 0, 0, 1};  // 2^64
  Own b = H.make_big(1, mag, sizeof mag);
  CHECK(fmt(b) == "-18446744073709551616");
  int neg = 0;
  uint8_t out[16] = {};
  REQUIRE(H.get_big(b, &neg, out, sizeof out) == 9);
  CHECK(neg == 1);
  CHECK(std::memcmp(out, mag, 9) == 0);
  CHECK(H.get_big(a, &neg, out, 1) == 1);
  CHECK((neg == 1 && out[0] == 42));
  Own zero = H.make_int(0);
  CHECK(H.get_big(zero, &neg, out, sizeof out) == 1);  // 0 only means "not an integer"
  Own f = H.make_float(1.5);
  CHECK(H.get_big(f, &neg, out, sizeof out) == 0);
  CHECK(H.make_big(0, nullptr, 3) == nullptr);
}

TEST_CASE("floats are floats only", "[plugin][terms]") {
  double d;
  Own f = H.make_float(2.5);
  CHECK(H.type_of(f) == ERGOD_TYPE_FLOAT);
  REQUIRE(H.get_float(f, &d) == ERGOD_OK);
  CHECK(d == 2.5);
  Own i = H.make_int(2);
  CHECK(H.get_float(i, &d) == ERGOD_EBADARG);
  CHECK(H.get_float(nullptr, &d) == ERGOD_EBADARG);
}

TEST_CASE("atoms are checked for UTF-8 and length and named back", "[plugin][terms]") {
  Own a = H.make_atom("hello", 5);
  CHECK(H.type_of(a) == ERGOD_TYPE_ATOM);
  size_t n = 0;
  CHECK(std::string(H.atom_name(a, &n)) == "hello");
  CHECK(n == 5);
  CHECK(H.is_atom(a, "hello") == 1);
  CHECK(H.is_atom(a, "hell") == 0);
  CHECK(H.make_atom("\xff", 1) == nullptr);
  CHECK(H.make_atom("\xc0\x80", 2) == nullptr);  // overlong
  std::string long_name(256, 'x');
  CHECK(H.make_atom(long_name.data(), long_name.size()) == nullptr);
  CHECK(H.make_atom(nullptr, 2) == nullptr);
  Own empty = H.make_atom(nullptr, 0);
  CHECK(H.is_atom(empty, "") == 1);
  Own i = H.make_int(1);
  CHECK(H.atom_name(i, &n) == nullptr);
}

TEST_CASE("a full atom table gives NULL from make_atom", "[plugin][terms]") {
  uint32_t old = ergod::term::atom_limit();
  ergod::term::set_atom_limit(ergod::term::atom_count());
  ergod_term t = H.make_atom("surely_a_brand_new_atom_4711", 28);
  ergod::term::set_atom_limit(old);
  CHECK(t == nullptr);
}

TEST_CASE("binaries and bitstrings keep their bytes and bits", "[plugin][terms]") {
  Own b = H.make_binary("abc", 3);
  CHECK(H.type_of(b) == ERGOD_TYPE_BINARY);
  size_t n;
  unsigned bits;
  const uint8_t* p = H.binary_data(b, &n, &bits);
  REQUIRE(p != nullptr);
  CHECK((n == 3 && bits == 0 && std::memcmp(p, "abc", 3) == 0));
  const uint8_t raw[] = {0xff, 0xff};
  Own bs = H.make_bitstring(raw, 2, 3);
  CHECK(H.type_of(bs) == ERGOD_TYPE_BITSTRING);
  p = H.binary_data(bs, &n, &bits);
  CHECK((n == 2 && bits == 3 && p[1] == 0xe0));
  CHECK(fmt(bs) == "<<255,7:3>>");
  Own empty = H.make_binary(nullptr, 0);
  CHECK(H.binary_data(empty, &n, &bits) != nullptr);
  CHECK(n == 0);
  CHECK(H.make_bitstring(raw, 2, 8) == nullptr);
  CHECK(H.make_bitstring(nullptr, 0, 3) == nullptr);
  Own i = H.make_int(1);
  CHECK(H.binary_data(i, &n, &bits) == nullptr);
}

TEST_CASE("strings are lists of code points from valid UTF-8 only", "[plugin][terms]") {
  Own s = H.make_string("h\xc3\xa9", 3);
  CHECK(fmt(s) == "[104,233]");
  CHECK(H.list_length(s) == 2);
  CHECK(H.make_string("\xed\xa0\x80", 3) == nullptr);  // a surrogate
  CHECK(H.make_string("\xe2\x82", 2) == nullptr);      // cut short
  Own e = H.make_string("", 0);
  CHECK(H.type_of(e) == ERGOD_TYPE_NIL);
}

TEST_CASE("lists are built with a tail and taken apart cell by cell", "[plugin][terms]") {
  Own one = H.make_int(1), two = H.make_int(2), tail = H.make_atom("t", 1);
  ergod_term items[] = {one, two};
  Own proper = H.make_list(items, 2, nullptr);
  CHECK(fmt(proper) == "[1,2]");
  CHECK(H.list_length(proper) == 2);
  Own improper = H.make_list(items, 2, tail);
  CHECK(fmt(improper) == "[1,2|t]");
  CHECK(H.list_length(improper) == -1);
  ergod_term head = nullptr, rest = nullptr;
  REQUIRE(H.list_cell(proper, &head, &rest) == ERGOD_OK);
  Own h(head), r(rest);
  CHECK(H.equal(h, one));
  CHECK(fmt(r) == "[2]");
  Own nil = H.make_nil();
  CHECK(H.type_of(nil) == ERGOD_TYPE_NIL);
  CHECK(H.list_cell(nil, &head, &rest) == ERGOD_EBADARG);
  CHECK(H.list_length(nil) == 0);
  ergod_term with_null[] = {one, nullptr};
  CHECK(H.make_list(with_null, 2, nullptr) == nullptr);
  CHECK(H.make_list(nullptr, 1, nullptr) == nullptr);
}

TEST_CASE("tuples borrow their elements and give back new handles", "[plugin][terms]") {
  Own a = H.make_atom("ok", 2), v = H.make_binary("x", 1);
  ergod_term items[] = {a, v};
  Own t = H.make_tuple(items, 2);
  CHECK(H.type_of(t) == ERGOD_TYPE_TUPLE);
  CHECK(H.tuple_arity(t) == 2);
  Own e1 = H.tuple_element(t, 1);
  CHECK(H.equal(e1, v));
  CHECK(H.tuple_element(t, 2) == nullptr);
  CHECK(H.tuple_arity(a) == 0);
  Own empty = H.make_tuple(nullptr, 0);
  CHECK(fmt(empty) == "{}");
}

TEST_CASE("maps keep the last of duplicate keys and list pairs in key order", "[plugin][terms]") {
  Own k1 = H.make_atom("b", 1), k2 = H.make_atom("a", 1), v1 = H.make_int(1), v2 = H.make_int(2), v3 = H.make_int(3);
  ergod_term keys[] = {k1, k2, k1};
  ergod_term values[] = {v1, v2, v3};
  Own m = H.make_map(keys, values, 3);
  CHECK(H.type_of(m) == ERGOD_TYPE_MAP);
  CHECK(H.map_size(m) == 2);
  Own got = H.map_get(m, k1);
  CHECK(H.equal(got, v3));
  Own missing_key = H.make_atom("zz", 2);
  CHECK(H.map_get(m, missing_key) == nullptr);
  ergod_term k = nullptr, v = nullptr;
  REQUIRE(H.map_entry(m, 0, &k, &v) == ERGOD_OK);
  Own ko(k), vo(v);
  CHECK(H.is_atom(ko, "a"));
  CHECK(H.map_entry(m, 2, &k, &v) == ERGOD_EBADARG);
  CHECK(H.map_size(k1) == 0);
}

TEST_CASE("pids, ports, references and export funs round trip through their parts", "[plugin][terms]") {
  const char* node;
  uint32_t id, serial, creation, arity;
  Own pid = H.make_pid("a@b", 5, 1, 7);
  REQUIRE(H.pid_parts(pid, &node, &id, &serial, &creation) == ERGOD_OK);
  CHECK((std::string(node) == "a@b" && id == 5 && serial == 1 && creation == 7));
  CHECK(H.type_of(pid) == ERGOD_TYPE_PID);

  uint64_t port_id;
  Own port = H.make_port("a@b", 1ull << 40, 3);
  REQUIRE(H.port_parts(port, &node, &port_id, &creation) == ERGOD_OK);
  CHECK((port_id == 1ull << 40 && creation == 3));
  CHECK(H.port_parts(pid, &node, &port_id, &creation) == ERGOD_EBADARG);

  const uint32_t ids[] = {1, 2, 3};
  Own ref = H.make_reference("a@b", 9, ids, 3);
  uint32_t out[5];
  size_t n = 5;
  REQUIRE(H.reference_parts(ref, &node, &creation, out, &n) == ERGOD_OK);
  CHECK((n == 3 && out[2] == 3 && creation == 9));
  n = 2;
  CHECK(H.reference_parts(ref, &node, &creation, out, &n) == ERGOD_EBADARG);
  CHECK(n == 3);
  const uint32_t six[] = {1, 2, 3, 4, 5, 6};
  CHECK(H.make_reference("a@b", 1, six, 6) == nullptr);
  CHECK(H.make_reference("a@b", 1, six, 0) == nullptr);
  CHECK(H.make_pid(nullptr, 1, 0, 0) == nullptr);

  const char *m, *f;
  Own fun = H.make_export_fun("lists", "map", 2);
  CHECK(H.type_of(fun) == ERGOD_TYPE_FUN);
  REQUIRE(H.fun_parts(fun, &m, &f, &arity) == ERGOD_OK);
  CHECK((std::string(m) == "lists" && std::string(f) == "map" && arity == 2));
  CHECK(fmt(fun) == "fun lists:map/2");
}

TEST_CASE("compare follows Erlang's term order and equal is exact", "[plugin][terms]") {
  Own one = H.make_int(1), onef = H.make_float(1.0), atom = H.make_atom("a", 1);
  CHECK(H.compare(one, onef) == 0);
  CHECK(H.equal(one, onef) == 0);
  CHECK(H.compare(one, atom) < 0);
  CHECK(H.compare(atom, one) > 0);
  CHECK(H.compare(nullptr, one) < 0);
  CHECK(H.equal(nullptr, nullptr) == 0);
}

TEST_CASE("format cuts to the buffer and returns the full length", "[plugin][terms]") {
  Own a = H.make_atom("hello", 5);
  char buf[4];
  CHECK(H.format(a, buf, sizeof buf) == 5);
  CHECK(std::string(buf) == "hel");
  CHECK(H.format(a, nullptr, 0) == 5);
}

TEST_CASE("ETF round trips and malformed input says why", "[plugin][terms]") {
  Own k = H.make_atom("k", 1), v = H.make_string("v", 1);
  ergod_term items[] = {k, v};
  Own t = H.make_tuple(items, 2);
  Own etf = H.to_etf(t);
  size_t n;
  unsigned bits;
  const uint8_t* bytes = H.binary_data(etf, &n, &bits);
  REQUIRE(bytes);
  CHECK(bytes[0] == 131);
  char err[128] = "x";
  Own back = H.from_etf(bytes, n, err, sizeof err);
  CHECK(H.equal(back, t));
  CHECK(std::string(err).empty());
  const uint8_t bad[] = {131, 108, 0xff, 0xff, 0xff, 0xff};
  CHECK(H.from_etf(bad, sizeof bad, err, sizeof err) == nullptr);
  CHECK(std::string(err).find("offset") != std::string::npos);
}

TEST_CASE("copy and release keep a boxed term alive exactly as long as its handles", "[plugin][terms]") {
  Term kept = Term::binary(std::string_view("shared bytes"));
  ergod_term h = ergod::plugin::to_handle(kept);
  CHECK(kept.box()->refs.load() == 2);
  ergod_term c = H.copy(h);
  CHECK(kept.box()->refs.load() == 3);
  H.release(h);
  H.release(c);
  CHECK(kept.box()->refs.load() == 1);
  H.release(nullptr);
  CHECK(H.copy(nullptr) == nullptr);
  CHECK(H.type_of(nullptr) == ERGOD_TYPE_NONE);
}
