// Depth and length: a million levels of nesting and a million elements decode, encode,
// compare and free with the heap as their stack, never the C++ call stack.
#include <catch2/catch.hpp>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

namespace {

constexpr int kDepth = 1000000;

// [[[...[]...]]]: each level LIST_EXT of one element, then its NIL_EXT tail.
Bytes deep_list_bytes(int depth) {
  Bytes b;
  b.reserve(size_t(depth) * 6 + 2);
  b.push_back(131);
  for (int i = 0; i < depth; ++i) b.insert(b.end(), {108, 0, 0, 0, 1});
  b.push_back(106);
  b.insert(b.end(), size_t(depth), 106);
  return b;
}

}  // namespace

TEST_CASE("a 1,000,000-deep list decodes, re-encodes byte for byte, compares and frees without recursion", "[term][etf][deep]") {
  Bytes b = deep_list_bytes(kDepth);
  Term t = must_decode(b);
  const Term* cur = &t;
  int depth = 0;
  while (cur->is_cons()) {
    cur = &cur->head();
    ++depth;
  }
  CHECK(depth == kDepth);
  CHECK(encode(t) == b);
  CHECK(encoded_size(t) == b.size());
  Term again = must_decode(b);
  CHECK(t == again);
  CHECK(hash(t) == hash(again));
  t = Term();
  again = Term();
}

TEST_CASE("a 1,000,000-deep tuple and map decode and encode without recursion", "[term][etf][deep]") {
  Bytes tuple{131};
  for (int i = 0; i < kDepth; ++i) tuple.insert(tuple.end(), {104, 1});
  tuple.insert(tuple.end(), {97, 7});
  Term t = must_decode(tuple);
  CHECK(encode(t) == tuple);

  Bytes map{131};
  for (int i = 0; i < kDepth; ++i) map.insert(map.end(), {116, 0, 0, 0, 1, 119, 1, 107});
  map.push_back(106);
  Term m = must_decode(map);
  CHECK(encode(m) == map);
  CHECK(compare(t, m) < 0);  // tuple < map
}

TEST_CASE("a 100,000-deep chain of funs' free variables decodes and encodes", "[term][etf][deep]") {
  uint8_t uniq[16] = {};
  Term pid = Term::pid(Atom::make("a@h"), 1, 0, 1);
  Term t = I(0);
  for (int i = 0; i < 100000; ++i) {
    Term fv[] = {std::move(t)};
    t = Term::local_fun(0, uniq, 0, Atom::make("m"), I(0), I(0), pid, fv);
  }
  Bytes b = encode(t);
  Term back = must_decode(b);
  CHECK(back == t);
  CHECK(encode(back) == b);
}

TEST_CASE("a list of 1,000,000 elements and a long improper list round-trip", "[term][etf][deep]") {
  std::vector<Term> elems;
  elems.reserve(kDepth);
  for (int i = 0; i < kDepth; ++i) elems.push_back(I(i));
  Term l = Term::list(elems, A("tail"));
  Bytes b = encode(l);
  CHECK(b[1] == 108);
  Term back = must_decode(b);
  CHECK(list_length(back) == -1);
  CHECK(back == l);
  CHECK(encode(back) == b);
}
