// Golden tests against the real OTP: run_golden.sh has erl write a corpus (ergod_golden.erl),
// then runs this, then has erl check what this wrote. Here: every case decodes in all three
// forms to one term, which equals the structure built in C++ where the case is not tied to
// the running node; ergod's encoding equals OTP's byte for byte where OTP is deterministic;
// and ergod's encodings are written to ours.bin for erl to decode and compare (=:=).
// The corpus directory comes in ERGOD_GOLDEN_DIR.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "term/etf_decode.h"
#include "term/etf_encode.h"
#include "term/term.h"

using namespace ergod::term;
using Bytes = std::vector<uint8_t>;

namespace {

struct Case {
  bool deterministic = true;
  Bytes forms[3];  // term_to_binary(T), [{minor_version, 2}], [compressed]
};

std::string dir() {
  const char* d = std::getenv("ERGOD_GOLDEN_DIR");
  if (!d) throw std::runtime_error("ERGOD_GOLDEN_DIR is not set (run through run_golden.sh)");
  return d;
}

const std::map<std::string, Case>& corpus() {
  static const std::map<std::string, Case> cases = [] {
    std::ifstream in(dir() + "/corpus.bin", std::ios::binary);
    Bytes all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::string, Case> out;
    size_t p = 0;
    auto need = [&](size_t n) {
      if (all.size() - p < n) throw std::runtime_error("corpus.bin is cut short");
    };
    while (p < all.size()) {
      need(2);
      size_t nl = size_t(all[p]) << 8 | all[p + 1];
      p += 2;
      need(nl + 5);
      std::string name(all.begin() + long(p), all.begin() + long(p + nl));
      p += nl;
      uint8_t flags = all[p];
      uint32_t len = uint32_t(all[p + 1]) << 24 | uint32_t(all[p + 2]) << 16 | uint32_t(all[p + 3]) << 8 | all[p + 4];
      p += 5;
      need(len);
      Case& c = out[name];
      c.deterministic = flags & 1;
      c.forms[(flags >> 1) & 3] = Bytes(all.begin() + long(p), all.begin() + long(p + len));
      p += len;
    }
    return out;
  }();
  return cases;
}

Term A(std::string_view s) { return Term::atom(s); }
Term I(int64_t v) { return Term::integer(v); }
Term pow2(unsigned k, bool negative = false) {
  std::vector<uint64_t> d(k / 64 + 1, 0);
  d[k / 64] = uint64_t(1) << (k % 64);
  return Term::big(negative, d);
}
Term decimal(std::string_view s, bool negative) {
  std::vector<uint64_t> d{0};
  for (char c : s) {
    unsigned __int128 carry = static_cast<unsigned>(c - '0');
    for (auto& digit : d) {
      unsigned __int128 v = static_cast<unsigned __int128>(digit) * 10 + carry;
      digit = static_cast<uint64_t>(v);
      carry = v >> 64;
    }
    if (carry) d.push_back(static_cast<uint64_t>(carry));
  }
  return Term::big(negative, d);
}
std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}
Term seq_tuple(int from, int to) {
  std::vector<Term> v;
  for (int i = from; i <= to; ++i) v.push_back(I(i));
  return Term::tuple(v);
}
Term same_list(Term t, size_t n) { return Term::list(std::vector<Term>(n, t)); }

// The structure of every case that does not depend on the node erl ran on, built in C++.
std::map<std::string, Term> expected() {
  Atom ah = Atom::make("a@h");
  uint32_t ids3[] = {1, 2, 3}, ids5[] = {1, 2, 3, 4, 5};
  std::vector<std::pair<Term, Term>> m32, m33, m100;
  for (int k = 1; k <= 32; ++k) m32.push_back({I(k), I(2 * k)});
  for (int k = 1; k <= 33; ++k) m33.push_back({I(k), I(k)});
  for (int k = 1; k <= 100; ++k) {
    std::string s = std::to_string(k);
    std::vector<Term> chars;
    for (char c : s) chars.push_back(I(c));
    m100.push_back({Term::tuple({A("k"), I(k)}), Term::list(chars)});
  }
  Term deep_list = Term::nil(), deep_tuple = A("leaf"), deep_map = Term::map({});
  for (int i = 0; i < 10000; ++i) {
    deep_list = Term::list({deep_list});
    deep_tuple = Term::tuple({deep_tuple});
  }
  for (int i = 0; i < 1000; ++i) deep_map = Term::map({{A("k"), deep_map}});
  Bytes b64;
  for (int i = 0; i < 64; ++i) b64.push_back(static_cast<uint8_t>(i));
  std::string big(1000, '7');
  return {
      {"int_0", I(0)}, {"int_255", I(255)}, {"int_256", I(256)}, {"int_m1", I(-1)}, {"int_m256", I(-256)},
      {"int_2p31m1", I(INT32_MAX)}, {"int_m2p31", I(INT32_MIN)}, {"int_2p31", I(int64_t(1) << 31)},
      {"int_m2p31m1", I(-(int64_t(1) << 31) - 1)}, {"int_2p60m1", I((int64_t(1) << 60) - 1)},
      {"int_2p60", I(int64_t(1) << 60)}, {"int_m2p60", I(-(int64_t(1) << 60))},
      {"int_m2p60m1", I(-(int64_t(1) << 60) - 1)}, {"int_2p63m1", I(INT64_MAX)}, {"int_2p63", pow2(63)},
      {"int_m2p63", I(INT64_MIN)}, {"int_2p64m1", Term::unsigned_integer(UINT64_MAX)}, {"int_2p64", pow2(64)},
      {"int_m2p64", pow2(64, true)}, {"int_2p2039", pow2(2039)}, {"int_2p2040", pow2(2040)},
      {"int_m2p4000", pow2(4000, true)}, {"big_1000_digits", decimal(big, false)},
      {"big_m1000_digits", decimal(big, true)},
      {"float_0", Term::floating(0.0)}, {"float_m0", Term::floating(-0.0)}, {"float_1", Term::floating(1.0)},
      {"float_m1_5", Term::floating(-1.5)}, {"float_1e300", Term::floating(1e300)},
      {"float_m1em300", Term::floating(-1e-300)}, {"float_denormal", Term::floating(5e-324)},
      {"float_max", Term::floating(1.7976931348623157e308)}, {"float_pi", Term::floating(3.141592653589793)},
      {"atom_empty", A("")}, {"atom_ok", A("ok")}, {"atom_space", A("hello world")},
      {"atom_latin1", A("caf\xc3\xa9")}, {"atom_euro", A("\xe2\x82\xac")}, {"atom_emoji", A("\xf0\x9f\x98\x80!")},
      {"atom_255_ascii", A(std::string(255, 'a'))}, {"atom_255_latin1", A(repeat("\xc3\xbc", 255))},
      {"atom_255_euro", A(repeat("\xe2\x82\xac", 255))},
      {"tuple_empty", Term::tuple({})}, {"tuple_2", Term::tuple({A("a"), I(1)})},
      {"tuple_255", seq_tuple(1, 255)}, {"tuple_256", seq_tuple(1, 256)},
      {"tuple_nested", Term::tuple({A("a"), Term::tuple({A("b"), Term::tuple({A("c"), Term::nil()})})})},
      {"list_nil", Term::nil()}, {"list_string", Term::list({I('a'), I('b'), I('c')})},
      {"list_bytes", Term::list({I(0), I(1), I(255)})}, {"list_256", Term::list({I(256)})},
      {"list_improper", Term::cons(A("a"), A("b"))},
      {"list_improper_bytes", Term::cons(I(1), Term::cons(I(2), I(3)))}, {"list_negative", Term::list({I(-1)})},
      {"list_string_65535", same_list(I('x'), 65535)}, {"list_65536", same_list(I('x'), 65536)},
      {"list_mixed", Term::list({A("a"), I(1), Term::list({I('s')}), Term::binary("b"), Term::floating(2.5)})},
      {"list_unicode", Term::list({I(0x20ac), I('a')})},
      {"list_of_strings", Term::list({Term::list({I('a'), I('b')}), Term::list({I('c'), I('d')}), Term::nil()})},
      {"bin_empty", Term::binary("")}, {"bin_3", Term::binary(Bytes{1, 2, 3})}, {"bin_64", Term::binary(b64)},
      {"bin_100k", Term::binary(std::string(100000, 'x'))}, {"bits_1", Term::bitstring(Bytes{0x80}, 1)},
      {"bits_28", Term::bitstring(Bytes{1, 2, 0x30}, 4)}, {"bits_7", Term::bitstring(Bytes{0}, 7)},
      {"map_empty", Term::map({})}, {"map_1", Term::map({{A("a"), I(1)}})},
      {"map_mixed_keys", Term::map({{I(1), A("a")}, {Term::floating(1.0), A("b")}, {A("a"), A("c")},
                                    {Term::list({I('s')}), A("d")}, {Term::tuple({A("t")}), A("e")},
                                    {Term::binary("b"), A("f")}, {Term::nil(), A("g")}, {I(2), A("h")},
                                    {I(-1), A("i")}})},
      {"map_32", Term::map(m32)}, {"map_33", Term::map(m33)}, {"map_100_mixed", Term::map(m100)},
      {"map_nested", Term::map({{A("m"), Term::map({{A("n"), Term::map({})}})}})},
      {"map_map_key", Term::map({{Term::map({{A("k"), A("v")}}), I(1)}, {Term::nil(), I(2)}})},
      {"pid_other_node", Term::pid(ah, 1, 2, 3)}, {"pid_old_form", Term::pid(Atom::make("b@h"), 7, 1, 2)},
      {"port_other_node", Term::port(ah, 5, 7)}, {"port_v4", Term::port(ah, uint64_t(1) << 40, 3)},
      {"ref_other_node", Term::reference(ah, 9, ids3)}, {"ref_5_ids", Term::reference(ah, 9, ids5)},
      {"fun_export", Term::export_fun(Atom::make("lists"), Atom::make("map"), 2)},
      {"fun_export_bif", Term::export_fun(Atom::make("erlang"), Atom::make("self"), 0)},
      {"deep_list_10000", deep_list}, {"deep_tuple_10000", deep_tuple}, {"deep_map_1000", deep_map},
      {"compressible_atoms", same_list(A("hello"), 1000)},
      {"compressible_binary", Term::binary(repeat("abc", 5000))},
  };
}

Term must_decode(const Bytes& b) {
  auto r = decode(b);
  if (!r) throw std::runtime_error(r.error());
  return std::move(r).value();
}

EncodeOptions form_options(int form) {
  EncodeOptions o;
  o.atoms = form == 1 ? AtomEncoding::utf8 : AtomEncoding::latin1_when_possible;
  return o;
}

}  // namespace

TEST_CASE("the corpus erl wrote holds every case in all three forms", "[term][golden]") {
  REQUIRE(corpus().size() > 90);
  for (const auto& [name, c] : corpus())
    for (int f = 0; f < 3; ++f) {
      INFO(name << " form " << f);
      CHECK_FALSE(c.forms[f].empty());
    }
  for (const auto& [name, t] : expected()) {
    INFO(name);
    CHECK(corpus().count(name) == 1);
  }
}

TEST_CASE("every term erl encoded decodes to the same term from all three forms", "[term][golden]") {
  for (const auto& [name, c] : corpus()) {
    INFO(name);
    Term plain = must_decode(c.forms[0]);
    CHECK(must_decode(c.forms[1]) == plain);
    CHECK(must_decode(c.forms[2]) == plain);
  }
}

TEST_CASE("decoded terms have the structure they were built with", "[term][golden]") {
  auto want = expected();
  for (const auto& [name, c] : corpus()) {
    auto it = want.find(name);
    if (it == want.end()) continue;  // tied to the node erl ran on: checked by erl below
    INFO(name << ": decoded " << to_string(must_decode(c.forms[0]), 200) << ", expected "
              << to_string(it->second, 200));
    CHECK(must_decode(c.forms[0]) == it->second);
  }
  // The node-bound cases still have the right kinds.
  CHECK(must_decode(corpus().at("pid_self").forms[0]).is_pid());
  CHECK(must_decode(corpus().at("port_first").forms[0]).is_port());
  CHECK(must_decode(corpus().at("ref_alias").forms[0]).is_reference());
  CHECK(must_decode(corpus().at("fun_local_free_vars").forms[0]).as<LocalFunBox>()->num_free == 3);
  CHECK(must_decode(corpus().at("fun_arity_3").forms[0]).as<LocalFunBox>()->arity == 3);
}

TEST_CASE("ergod encodes every term as OTP does, byte for byte, in all three forms", "[term][golden]") {
  int compared = 0;
  auto want = expected();
  for (const auto& [name, c] : corpus()) {
    Term t = must_decode(c.forms[0]);
    Bytes ours[3] = {encode(t, form_options(0)), encode(t, form_options(1)),
                     encode_compressed(t, 6, AtomEncoding::latin1_when_possible)};
    for (int f = 0; f < 3; ++f) {
      INFO(name << " form " << f);
      if (c.deterministic) {
        CHECK(ours[f] == c.forms[f]);
        ++compared;
      } else if (f < 2) {
        CHECK(ours[f].size() == c.forms[f].size());  // same pieces, another order (hash maps)
      }
    }
    // Terms built in C++ (not decoded) encode the same way too.
    auto it = want.find(name);
    if (it != want.end() && c.deterministic) {
      INFO(name << " built in C++");
      CHECK(encode(it->second, form_options(0)) == c.forms[0]);
      CHECK(encode(it->second, form_options(1)) == c.forms[1]);
    }
  }
  CHECK(compared > 270);
}

TEST_CASE("ergod's encodings go to erl, which decodes each and compares it with its original", "[term][golden]") {
  std::ofstream out(dir() + "/ours.bin", std::ios::binary);
  auto put = [&](const std::string& name, const Bytes& b) {
    uint8_t head[2] = {uint8_t(name.size() >> 8), uint8_t(name.size())};
    uint8_t len[4] = {uint8_t(b.size() >> 24), uint8_t(b.size() >> 16), uint8_t(b.size() >> 8), uint8_t(b.size())};
    out.write(reinterpret_cast<const char*>(head), 2);
    out << name;
    out.write(reinterpret_cast<const char*>(len), 4);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  for (const auto& [name, c] : corpus()) {
    Term t = must_decode(c.forms[0]);
    put(name, encode(t));
    put("latin1:" + name, encode(t, form_options(0)));
    put("compressed:" + name, encode_compressed(t, 9));
  }
  for (const auto& [name, t] : expected()) put("cxx:" + name, encode(t));
  out.close();
  CHECK(out.good());
}
