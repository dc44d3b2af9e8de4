// Every ETF tag both ways, with byte sequences that OTP 25's term_to_binary produced (or, for
// tags OTP only reads, that older nodes send), plus the codec's options: version byte, atom
// cache, zero-copy binaries, consumed, encoded_size.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

namespace {

const Bytes kNonode = bytes({100, 0, 13}) + text("nonode@nohost");  // ATOM_EXT 'nonode@nohost'

EncodeOptions latin1() {
  EncodeOptions o;
  o.atoms = AtomEncoding::latin1_when_possible;
  return o;
}

// bytes (after 131) decode to expected, and encoding expected gives `encoded` (after 131).
void both_ways(const Bytes& in, const Term& expected, const Bytes& encoded, const EncodeOptions& o = {}) {
  Term t = must_decode(bytes({131}) + in);
  INFO("decoded " << to_string(t, 300) << ", expected " << to_string(expected, 300));
  CHECK(t == expected);
  CHECK(encode(expected, o) == bytes({131}) + encoded);
  CHECK(encode(t, o) == bytes({131}) + encoded);
}
void both_ways(const Bytes& in, const Term& expected, const EncodeOptions& o = {}) {
  both_ways(in, expected, in, o);
}

}  // namespace

TEST_CASE("integers take SMALL_INTEGER_EXT for 0..255, INTEGER_EXT for int32, SMALL_BIG_EXT beyond", "[term][etf]") {
  both_ways(bytes({97, 0}), I(0));
  both_ways(bytes({97, 255}), I(255));
  both_ways(bytes({98, 0, 0, 1, 0}), I(256));
  both_ways(bytes({98, 255, 255, 255, 255}), I(-1));
  both_ways(bytes({98, 127, 255, 255, 255}), I(INT32_MAX));
  both_ways(bytes({98, 128, 0, 0, 0}), I(INT32_MIN));
  both_ways(bytes({110, 4, 0, 0, 0, 0, 128}), I(int64_t(1) << 31));
  both_ways(bytes({110, 4, 1, 1, 0, 0, 128}), I(-(int64_t(1) << 31) - 1));
  both_ways(bytes({110, 6, 0, 0, 0, 0, 0, 0, 1}), I(int64_t(1) << 40));
  both_ways(bytes({110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255}), Term::unsigned_integer(UINT64_MAX));
  both_ways(bytes({110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128}), I(INT64_MIN));
  both_ways(bytes({110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}), pow2(64, true));
}

TEST_CASE("bigs of more than 255 bytes take LARGE_BIG_EXT", "[term][etf]") {
  Bytes small_big = bytes({110, 255, 0}) + Bytes(254, 0) + bytes({128});  // 2^2039: 255 bytes
  both_ways(small_big, pow2(2039));
  Bytes large_big = bytes({111, 0, 0, 1, 0, 1}) + Bytes(255, 0) + bytes({1});  // -2^2040: 256 bytes
  both_ways(large_big, pow2(2040, true));
}

TEST_CASE("big encodings that OTP would not write still decode to the normalised integer", "[term][etf]") {
  CHECK(must_decode(bytes({131, 110, 0, 0})) == I(0));
  CHECK(must_decode(bytes({131, 110, 1, 1, 0})) == I(0));
  CHECK(must_decode(bytes({131, 110, 1, 2, 5})) == I(-5));  // any non-zero sign is negative
  CHECK(must_decode(bytes({131, 111, 0, 0, 0, 2, 0, 7, 0})) == I(7));
  CHECK(must_decode(bytes({131, 110, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})) == I(1));
}

TEST_CASE("floats take NEW_FLOAT_EXT; the old string FLOAT_EXT is read", "[term][etf]") {
  both_ways(bytes({70, 63, 248, 0, 0, 0, 0, 0, 0}), Term::floating(1.5));
  both_ways(bytes({70, 128, 0, 0, 0, 0, 0, 0, 0}), Term::floating(-0.0));
  Term minus_zero = must_decode(bytes({131, 70, 128, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(std::signbit(minus_zero.float_value()));
  Bytes old = bytes({99}) + text("1.50000000000000000000e+00") + Bytes(5, 0);
  both_ways(old, Term::floating(1.5), bytes({70, 63, 248, 0, 0, 0, 0, 0, 0}));
  Bytes neg = bytes({99}) + text("-1.00000000000000005278e+300") + Bytes(3, 0);
  CHECK(must_decode(bytes({131}) + neg) == Term::floating(-1e300));
}

TEST_CASE("atoms: UTF-8 forms for the distribution, ATOM_EXT for Latin-1 atoms like plain term_to_binary", "[term][etf][atom]") {
  both_ways(bytes({119, 3}) + text("abc"), A("abc"));
  both_ways(bytes({100, 0, 3}) + text("abc"), A("abc"), latin1());
  both_ways(bytes({100, 0, 1, 228}), A("\xc3\xa4"), latin1());  // 'ä' in Latin-1
  both_ways(bytes({115, 1, 228}), A("\xc3\xa4"), bytes({100, 0, 1, 228}), latin1());
  both_ways(bytes({115, 1, 228}), A("\xc3\xa4"), bytes({119, 2, 0xc3, 0xa4}));
  both_ways(bytes({119, 3, 0xe2, 0x82, 0xac}), A("\xe2\x82\xac"), latin1());  // '€' is not Latin-1
  both_ways(bytes({118, 0, 3, 0xe2, 0x82, 0xac}), A("\xe2\x82\xac"), bytes({119, 3, 0xe2, 0x82, 0xac}));
  std::string euros = repeat("\xe2\x82\xac", 255);
  both_ways(bytes({118, 2, 253}) + text(euros), A(euros));  // 765 bytes: 2-byte length
  both_ways(bytes({100, 0, 255}) + Bytes(255, 0xfc), A(repeat("\xc3\xbc", 255)), latin1());
  both_ways(bytes({119, 0}), A(""));
}

TEST_CASE("tuples take SMALL_TUPLE_EXT up to 255 elements and LARGE_TUPLE_EXT beyond", "[term][etf]") {
  both_ways(bytes({104, 0}), T({}));
  both_ways(bytes({104, 2, 97, 1, 97, 2}), T({I(1), I(2)}));
  std::vector<Term> e(256, I(0));
  Bytes large = bytes({105, 0, 0, 1, 0});
  for (int i = 0; i < 256; ++i) large = large + bytes({97, 0});
  both_ways(large, Term::tuple(e));
  std::vector<Term> e255(255, Term::nil());
  CHECK(encode(Term::tuple(e255))[1] == 104);
}

TEST_CASE("maps take MAP_EXT with keys in OTP's key order, integers before floats", "[term][etf][map]") {
  // term_to_binary(#{2 => a, 1.0 => b}) on OTP 25.
  Bytes m = bytes({116, 0, 0, 0, 2, 97, 2, 100, 0, 1, 97, 70, 63, 240, 0, 0, 0, 0, 0, 0, 100, 0, 1, 98});
  both_ways(m, Term::map({{Term::floating(1.0), A("b")}, {I(2), A("a")}}), latin1());
  both_ways(bytes({116, 0, 0, 0, 0}), Term::map({}));
  // Keys out of order are accepted and sorted.
  Term t = must_decode(bytes({131, 116, 0, 0, 0, 2, 100, 0, 1, 98, 97, 1, 100, 0, 1, 97, 97, 2}));
  CHECK(t.map_key(0) == A("a"));
  CHECK(t.map_get(A("b")) == I(1));
}

TEST_CASE("lists: NIL_EXT, STRING_EXT for up to 65535 bytes, LIST_EXT otherwise", "[term][etf][list]") {
  both_ways(bytes({106}), Term::nil());
  both_ways(bytes({107, 0, 3, 1, 2, 3}), L({I(1), I(2), I(3)}));
  both_ways(bytes({108, 0, 0, 0, 2, 97, 1, 97, 2, 97, 3}), LT({I(1), I(2)}, I(3)));
  both_ways(bytes({108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106}), L({I(256)}));
  both_ways(bytes({108, 0, 0, 0, 1, 98, 255, 255, 255, 255, 106}), L({I(-1)}));
  both_ways(bytes({108, 0, 0, 0, 2, 119, 1, 97, 107, 0, 1, 1, 106}), L({A("a"), L({I(1)})}));
  both_ways(bytes({108, 0, 0, 0, 1, 119, 1, 97, 119, 1, 98}), Term::cons(A("a"), A("b")));
  std::vector<Term> s(65535, I(7));
  Bytes enc = encode(Term::list(s));
  CHECK(enc.size() == 1 + 3 + 65535);
  CHECK(enc[1] == 107);
  s.push_back(I(7));
  enc = encode(Term::list(s));
  CHECK(enc[1] == 108);
  CHECK(must_decode(enc) == Term::list(s));
}

TEST_CASE("LIST_EXT of length 0 is just its tail, as binary_to_term reads it", "[term][etf][list]") {
  CHECK(must_decode(bytes({131, 108, 0, 0, 0, 0, 97, 1})) == I(1));
}

TEST_CASE("binaries take BINARY_EXT and bitstrings BIT_BINARY_EXT", "[term][etf][binary]") {
  both_ways(bytes({109, 0, 0, 0, 0}), B(""));
  both_ways(bytes({109, 0, 0, 0, 3, 1, 2, 3}), Term::binary(bytes({1, 2, 3})));
  both_ways(bytes({77, 0, 0, 0, 3, 4, 1, 2, 48}), Term::bitstring(bytes({1, 2, 0x30}), 4));
  // BIT_BINARY_EXT with 8 bits in the last byte is a binary; the unused low bits are ignored.
  both_ways(bytes({77, 0, 0, 0, 1, 8, 255}), Term::binary(bytes({255})), bytes({109, 0, 0, 0, 1, 255}));
  both_ways(bytes({77, 0, 0, 0, 1, 3, 255}), Term::bitstring(bytes({0xe0}), 3), bytes({77, 0, 0, 0, 1, 3, 0xe0}));
  both_ways(bytes({77, 0, 0, 0, 0, 0}), B(""), bytes({109, 0, 0, 0, 0}));
}

TEST_CASE("pids take NEW_PID_EXT; the old PID_EXT is read", "[term][etf][pid]") {
  Atom node = Atom::make("nonode@nohost");
  both_ways(bytes({88}) + kNonode + bytes({0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}), Term::pid(node, 9, 0, 0), latin1());
  both_ways(bytes({88, 119, 3}) + text("a@h") + bytes({0, 16, 0, 0, 0, 16, 0, 0, 0, 0, 0, 5}),
            Term::pid(Atom::make("a@h"), 1 << 20, 1 << 20, 5));
  both_ways(bytes({103}) + kNonode + bytes({0, 0, 0, 9, 0, 0, 0, 1, 2}), Term::pid(node, 9, 1, 2),
            bytes({88}) + kNonode + bytes({0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2}), latin1());
}

TEST_CASE("ports take NEW_PORT_EXT, and V4_PORT_EXT only for ids past 32 bits, as OTP 25", "[term][etf][port]") {
  Atom node = Atom::make("a@h");
  Bytes a = bytes({100, 0, 3}) + text("a@h");
  both_ways(bytes({89}) + a + bytes({0, 0, 0, 3, 0, 0, 0, 0}), Term::port(node, 3, 0), latin1());
  both_ways(bytes({120}) + a + bytes({0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}), Term::port(node, uint64_t(1) << 40, 1), latin1());
  both_ways(bytes({120}) + a + bytes({0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1}), Term::port(node, 3, 1),
            bytes({89}) + a + bytes({0, 0, 0, 3, 0, 0, 0, 1}), latin1());
  both_ways(bytes({102}) + a + bytes({0, 0, 0, 3, 2}), Term::port(node, 3, 2),
            bytes({89}) + a + bytes({0, 0, 0, 3, 0, 0, 0, 2}), latin1());
}

TEST_CASE("references take NEWER_REFERENCE_EXT; NEW_REFERENCE_EXT and REFERENCE_EXT are read", "[term][etf][ref]") {
  Atom node = Atom::make("nonode@nohost");
  // term_to_binary(make_ref()) on OTP 25.
  uint32_t ids[] = {0x0000bf6a, 0x6c3c0002, 0x44f51995};
  Bytes newer = bytes({90, 0, 3}) + kNonode +
                bytes({0, 0, 0, 0, 0, 0, 191, 106, 108, 60, 0, 2, 68, 245, 25, 149});
  both_ways(newer, Term::reference(node, 0, ids), latin1());
  uint32_t five[] = {1, 2, 3, 4, 5};
  Term r5 = Term::reference(node, 7, five);
  CHECK(must_decode(encode(r5)) == r5);
  uint32_t two[] = {5, 6};
  both_ways(bytes({114, 0, 2}) + kNonode + bytes({3, 0, 0, 0, 5, 0, 0, 0, 6}), Term::reference(node, 3, two),
            bytes({90, 0, 2}) + kNonode + bytes({0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 6}), latin1());
  uint32_t one[] = {42};
  both_ways(bytes({101}) + kNonode + bytes({0, 0, 0, 42, 1}), Term::reference(node, 1, one),
            bytes({90, 0, 1}) + kNonode + bytes({0, 0, 0, 1, 0, 0, 0, 42}), latin1());
}

TEST_CASE("export funs take EXPORT_EXT with a SMALL_INTEGER_EXT arity", "[term][etf][fun]") {
  Bytes e = bytes({113, 100, 0, 5}) + text("lists") + bytes({100, 0, 3}) + text("map") + bytes({97, 2});
  both_ways(e, Term::export_fun(Atom::make("lists"), Atom::make("map"), 2), latin1());
}

TEST_CASE("a local fun from OTP re-encodes byte for byte, Size included", "[term][etf][fun]") {
  // term_to_binary(fun() -> ok end) from a compiled module t2 on OTP 25.
  Bytes f = bytes({112, 0, 0, 0, 70, 0, 81, 138, 29, 138, 21, 78, 102, 79, 73, 78, 235, 253, 96, 212, 192, 25,
                   0, 0, 0, 1, 0, 0, 0, 0, 100, 0, 2, 116, 50, 97, 1, 98, 2, 140, 80, 236, 88}) +
            kNonode + bytes({0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0});
  Term t = must_decode(bytes({131}) + f);
  REQUIRE(t.is_fun());
  auto* lf = t.as<LocalFunBox>();
  CHECK(lf->arity == 0);
  CHECK(lf->index == 1);
  CHECK(lf->module == Atom::make("t2"));
  CHECK(lf->old_index == I(1));
  CHECK(lf->old_uniq == I(42750188));
  CHECK(lf->num_free == 0);
  CHECK(encode(t, latin1()) == bytes({131}) + f);
}

TEST_CASE("a local fun with free variables round-trips and its Size covers them", "[term][etf][fun]") {
  uint8_t uniq[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  Term pid = Term::pid(Atom::make("a@h"), 1, 0, 1);
  Term inner = Term::local_fun(0, uniq, 0, Atom::make("m"), I(0), I(1), pid, {});
  Term fv[] = {I(1), B("free"), inner, L({A("x")})};
  Term f = Term::local_fun(2, uniq, 5, Atom::make("m"), I(5), I(-7), pid, fv);
  Bytes enc = encode(f);
  uint32_t size = uint32_t(enc[2]) << 24 | enc[3] << 16 | enc[4] << 8 | enc[5];
  CHECK(size == enc.size() - 2);  // everything after the version byte and the tag
  Term back = must_decode(enc);
  CHECK(back == f);
  CHECK(back.as<LocalFunBox>()->pid == pid);
  CHECK(encode(back) == enc);
}

TEST_CASE("ATOM_CACHE_REF resolves through the header's atoms and the encoder's hook writes it", "[term][etf][atom]") {
  Atom header[] = {Atom::make("reg"), Atom::make("call")};
  AtomCacheRefs refs{header, 2};
  DecodeOptions d;
  d.expect_version = false;
  d.atom_cache = &refs;
  Bytes wire = bytes({104, 3, 82, 1, 82, 0, 119, 1, 120});
  CHECK(must_decode(wire, d) == T({A("call"), A("reg"), A("x")}));

  AtomCacheHook hook{[](void*, Atom a) { return a == Atom::make("call") ? 1 : a == Atom::make("reg") ? 0 : -1; },
                     nullptr};
  EncodeOptions e;
  e.version = false;
  e.atom_cache = &hook;
  CHECK(encode(T({A("call"), A("reg"), A("x")}), e) == wire);
  CHECK(encoded_size(T({A("call"), A("reg"), A("x")}), e) == wire.size());
}

TEST_CASE("without the version byte a term still decodes, and consumed allows what follows it", "[term][etf]") {
  DecodeOptions o;
  o.expect_version = false;
  Bytes two = bytes({97, 1, 104, 1, 106, 99});
  size_t used = 0;
  auto r = decode(two, o, &used);
  REQUIRE(r);
  CHECK(r.value() == I(1));
  CHECK(used == 2);
  auto r2 = decode(std::span<const uint8_t>(two).subspan(used), o, &used);
  REQUIRE(r2);
  CHECK(r2.value() == T({Term::nil()}));
  CHECK(used == 3);
  EncodeOptions e;
  e.version = false;
  CHECK(encode(I(1), e) == bytes({97, 1}));
}

TEST_CASE("binaries of 64 bytes and more become slices of the owning buffer, smaller ones are copied", "[term][etf][binary]") {
  Term t = T({Term::binary(std::string(100, 'x')), B("small"), Term::bitstring(Bytes(80, 0xff), 3)});
  Bytes enc = encode(t);
  Buffer* buf = Buffer::make(enc.size());
  std::memcpy(buf->data, enc.data(), enc.size());
  DecodeOptions o;
  o.owner = buf;
  auto r = decode(std::span<const uint8_t>(buf->data, buf->size), o);
  REQUIRE(r);
  const Term& big = r.value().element(0);
  CHECK(big.as<BinaryBox>()->buf == buf);
  CHECK(big.bytes().data() >= buf->data);
  CHECK(r.value().element(1).as<BinaryBox>()->buf == nullptr);
  CHECK(r.value().element(2).as<BinaryBox>()->buf == nullptr);  // bitstrings are copied
  CHECK(buf->refs.load() == 2);
  CHECK(r.value() == t);
  buf->release();  // the slice keeps the bytes alive
  CHECK(big.bytes()[99] == 'x');
}

TEST_CASE("an input outside the owner's bytes is copied, not sliced", "[term][etf][binary]") {
  Bytes enc = encode(Term::binary(std::string(100, 'y')));
  Buffer* other = Buffer::make(10);
  DecodeOptions o;
  o.owner = other;
  auto r = decode(enc, o);
  REQUIRE(r);
  CHECK(r.value().as<BinaryBox>()->buf == nullptr);
  other->release();
}

TEST_CASE("encoded_size equals the size encode writes, for every kind", "[term][etf]") {
  for (const Term& t : sample_terms()) {
    INFO(to_string(t, 200));
    CHECK(encoded_size(t) == encode(t).size());
    CHECK(encoded_size(t, latin1()) == encode(t, latin1()).size());
  }
}

TEST_CASE("every kind round-trips through encode and decode in both atom encodings", "[term][etf]") {
  for (const Term& t : sample_terms()) {
    INFO(to_string(t, 200));
    Bytes a = encode(t), b = encode(t, latin1());
    CHECK(must_decode(a) == t);
    CHECK(must_decode(b) == t);
    CHECK(encode(must_decode(a)) == a);
    CHECK(encode(must_decode(b), latin1()) == b);
  }
}

TEST_CASE("encode appends to what the buffer already holds", "[term][etf]") {
  Bytes out = bytes({1, 2, 3});
  encode(I(5), out);
  CHECK(out == bytes({1, 2, 3, 131, 97, 5}));
}

TEST_CASE("decoding and encoding on several threads at once give each thread its own terms", "[term][etf]") {
  auto corpus = sample_terms();
  std::vector<Bytes> encoded;
  for (const Term& t : corpus) encoded.push_back(encode(t));
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int round = 0; round < 50; ++round)
        for (size_t i = 0; i < encoded.size(); ++i) {
          size_t j = (i + size_t(k) * 7) % encoded.size();
          auto r = decode(encoded[j]);
          if (!r || !(r.value() == corpus[j]) || encode(r.value()) != encoded[j]) ++bad;
        }
    });
  for (auto& t : threads) t.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("big binaries left out as external bytes make the same encoding once put back", "[term][etf][external]") {
  std::string big(70000, 'x'), other(100000, 'y');
  uint8_t uniq[16] = {};
  Term pid = Term::pid(Atom::make("a@h"), 1, 0, 1);
  Term fv[] = {B(other)};  // inside a local fun: copied, never external
  Term fun = Term::local_fun(0, uniq, 0, Atom::make("m"), I(0), I(1), pid, fv);
  Term t = T({A("echo"), B(big), B("small"), fun, B(big)});
  std::vector<ExternalBinary> ext;
  EncodeOptions o;
  o.external = &ext;
  o.external_min = 65536;
  Bytes out;
  encode(t, out, o);
  REQUIRE(ext.size() == 2);
  CHECK(ext[0].size == big.size());
  CHECK(ext[0].at < ext[1].at);
  Bytes whole;
  size_t from = 0;
  for (auto& e : ext) {
    whole.insert(whole.end(), out.begin() + ptrdiff_t(from), out.begin() + ptrdiff_t(e.at));
    whole.insert(whole.end(), e.data, e.data + e.size);
    from = e.at;
  }
  whole.insert(whole.end(), out.begin() + ptrdiff_t(from), out.end());
  CHECK(whole == encode(t));
}
