// The compressed form (131, 80, size, zlib): both ways, OTP's choice of when to compress, and
// the lies a compressed input can tell about its size.
#include <catch2/catch.hpp>

#include <zlib.h>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

namespace {

// term_to_binary(lists:duplicate(20, a), [compressed]) on OTP 25.
const Bytes kOtpCompressed = bytes({131, 80, 0, 0, 0, 86, 120, 156, 203, 97, 96, 96, 16, 73, 97, 96, 76, 164,
                                    38, 206, 2, 0, 173, 210, 16, 99});

// 131, 80, size, zlib(inner): whatever inner is.
Bytes compressed(const Bytes& inner) {
  uLongf n = compressBound(inner.size());
  Bytes z(n);
  compress2(z.data(), &n, inner.data(), inner.size(), 6);
  z.resize(n);
  uint32_t size = static_cast<uint32_t>(inner.size());
  return bytes({131, 80, int(size >> 24), int(size >> 16 & 255), int(size >> 8 & 255), int(size & 255)}) + z;
}

Term twenty_a() { return Term::list(std::vector<Term>(20, A("a"))); }

Bytes with_size(Bytes b, uint32_t size) {
  b[2] = static_cast<uint8_t>(size >> 24);
  b[3] = static_cast<uint8_t>(size >> 16);
  b[4] = static_cast<uint8_t>(size >> 8);
  b[5] = static_cast<uint8_t>(size);
  return b;
}

}  // namespace

TEST_CASE("a term compressed by OTP decodes, and encode_compressed writes the same bytes", "[term][etf][compressed]") {
  CHECK(must_decode(kOtpCompressed) == twenty_a());
  CHECK(encode_compressed(twenty_a(), 6, AtomEncoding::latin1_when_possible) == kOtpCompressed);
  Bytes level1 = encode_compressed(twenty_a(), 1, AtomEncoding::latin1_when_possible);
  CHECK(level1[7] == 1);  // zlib's header names the level, as in term_to_binary(T, [{compressed, 1}])
  CHECK(must_decode(level1) == twenty_a());
  CHECK(encode_compressed(twenty_a(), 9, AtomEncoding::latin1_when_possible)[7] == 218);
}

TEST_CASE("encode_compressed writes the plain form when compressing does not pay or level is 0", "[term][etf][compressed]") {
  CHECK(encode_compressed(A("abc"), 6, AtomEncoding::latin1_when_possible) == bytes({131, 100, 0, 3, 97, 98, 99}));
  CHECK(encode_compressed(twenty_a(), 0) == encode(twenty_a()));
  Bytes noise(100);
  uint32_t s = 12345;
  for (auto& b : noise) b = static_cast<uint8_t>((s = s * 1103515245 + 12345) >> 16);
  CHECK(encode_compressed(Term::binary(noise)) == encode(Term::binary(noise)));
}

TEST_CASE("every kind round-trips through the compressed form", "[term][etf][compressed]") {
  for (const Term& t : sample_terms()) {
    INFO(to_string(t, 200));
    CHECK(must_decode(encode_compressed(t)) == t);
  }
}

TEST_CASE("binaries in a compressed term are slices of the inflated buffer", "[term][etf][compressed]") {
  Term t = T({Term::binary(std::string(4000, 'q')), B("tiny")});
  Bytes z = encode_compressed(t);
  REQUIRE(z[1] == 80);
  Term back = must_decode(z);
  CHECK(back == t);
  CHECK(back.element(0).as<BinaryBox>()->buf != nullptr);
  CHECK(back.element(0).as<BinaryBox>()->buf->refs.load() == 1);  // only the slice holds it
  CHECK(back.element(1).as<BinaryBox>()->buf == nullptr);
}

TEST_CASE("a compressed term whose announced size is wrong is refused", "[term][etf][compressed]") {
  CHECK(decode_error(with_size(kOtpCompressed, 85)) ==
        "offset 1: COMPRESSED: the decompressed data is longer than the 85 bytes announced");
  CHECK(decode_error(with_size(kOtpCompressed, 87)) ==
        "offset 1: COMPRESSED: the decompressed data is 86 bytes, not the 87 announced");
}

TEST_CASE("a compressed size beyond max_size or beyond what zlib can expand is refused before inflating", "[term][etf][compressed]") {
  DecodeOptions o;
  o.max_size = 80;
  CHECK(decode_error(kOtpCompressed, o) == "offset 1: COMPRESSED uncompressed size 86 exceeds max_size 80");
  CHECK(decode_error(with_size(kOtpCompressed, 60000000)) ==
        "offset 1: COMPRESSED claims 60000000 bytes from 20 compressed bytes");
}

TEST_CASE("a truncated or corrupt zlib stream is refused", "[term][etf][compressed]") {
  Bytes cut(kOtpCompressed.begin(), kOtpCompressed.end() - 3);
  CHECK(decode_error(cut) == "offset 1: COMPRESSED: the compressed data is truncated");
  Bytes bad = kOtpCompressed;
  bad[7] ^= 0xff;  // the zlib header
  CHECK(decode_error(bad).rfind("offset 1: COMPRESSED: the compressed data is corrupt (zlib: ", 0) == 0);
  CHECK(decode_error(bytes({131, 80, 0, 0})) == "offset 1: COMPRESSED truncated (needs 4 more bytes, 2 left)");
}

TEST_CASE("errors inside a compressed term name the offset in the decompressed bytes", "[term][etf][compressed]") {
  CHECK(decode_error(compressed(bytes({104, 3, 97, 1, 97, 2, 200}))) ==
        "in the decompressed term: offset 6: unknown tag 200");
  CHECK(decode_error(compressed(bytes({97, 1, 97, 2}))) == "in the decompressed term: offset 2: 2 bytes after the term");
  CHECK(decode_error(compressed(bytes({}))) == "in the decompressed term: offset 0: input ends where a term was expected");
}

TEST_CASE("bytes after a compressed term are refused unless consumed is asked for", "[term][etf][compressed]") {
  Bytes b = kOtpCompressed + bytes({7, 7});
  CHECK(decode_error(b) == "offset 26: 2 bytes after the term");
  size_t used = 0;
  auto r = decode(b, {}, &used);
  REQUIRE(r);
  CHECK(used == kOtpCompressed.size());
}
