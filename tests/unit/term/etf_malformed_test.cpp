// Malformed ETF: every truncation, every length that lies, bad tags, atom limits, and random
// mutations. The decoder must refuse each with the offset and what was wrong, read nothing
// past the input (the ASan build checks that) and allocate nothing a length merely claims.
#include <catch2/catch.hpp>

#include <cstring>

#include "term_test_util.h"

using namespace ergod::term;
using namespace ergod::term::test;

TEST_CASE("a 4-byte list length larger than the input is refused with its offset", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 108, 255, 255, 255, 255, 97, 1, 97, 2, 106})) ==
        "offset 1: LIST_EXT length 4294967295 exceeds the 5 bytes left");
  // Nested: the offset is the list's own tag, 17 here.
  Bytes nested = bytes({131, 104, 2, 119, 12}) + text("twelve_bytes") + bytes({108, 255, 255, 255, 255}) + Bytes(12, 106);
  CHECK(decode_error(nested) == "offset 17: LIST_EXT length 4294967295 exceeds the 12 bytes left");
  CHECK(decode_error(bytes({131, 108, 0, 0, 0, 2, 97, 1})) == "offset 1: LIST_EXT length 2 leaves no byte for its tail");
  CHECK(decode_error(bytes({131, 108, 0, 0, 0, 2, 97, 1, 97})) ==
        "offset 8: SMALL_INTEGER_EXT truncated (needs 1 more bytes, 0 left)");
}

TEST_CASE("every sized tag refuses a length beyond the bytes present before allocating", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 105, 255, 255, 255, 255, 97, 1})) ==
        "offset 1: LARGE_TUPLE_EXT length 4294967295 exceeds the 2 bytes left");
  CHECK(decode_error(bytes({131, 104, 3, 97, 1})) == "offset 1: SMALL_TUPLE_EXT length 3 exceeds the 2 bytes left");
  CHECK(decode_error(bytes({131, 116, 128, 0, 0, 0})) == "offset 1: MAP_EXT length 2147483648 exceeds the 0 bytes left");
  CHECK(decode_error(bytes({131, 109, 0, 0, 0, 10, 1, 2})) == "offset 1: BINARY_EXT length 10 exceeds the 2 bytes left");
  CHECK(decode_error(bytes({131, 77, 255, 255, 255, 255, 3, 1})) ==
        "offset 1: BIT_BINARY_EXT length 4294967295 exceeds the 1 bytes left");
  CHECK(decode_error(bytes({131, 107, 0, 5, 1})) == "offset 1: STRING_EXT length 5 exceeds the 1 bytes left");
  CHECK(decode_error(bytes({131, 111, 255, 255, 255, 255, 0, 1})) ==
        "offset 1: LARGE_BIG_EXT length 4294967295 exceeds the 1 bytes left");
  CHECK(decode_error(bytes({131, 110, 9, 0, 1})) == "offset 1: SMALL_BIG_EXT length 9 exceeds the 1 bytes left");
  CHECK(decode_error(bytes({131, 118, 1, 0, 97})) == "offset 1: ATOM_UTF8_EXT length 256 exceeds the 1 bytes left");
  CHECK(decode_error(bytes({131, 100, 0, 9, 97})) == "offset 1: ATOM_EXT length 9 exceeds the 1 bytes left");
  Bytes fun = bytes({131, 112, 255, 255, 255, 255}) + Bytes(25, 0);
  CHECK(decode_error(fun) == "offset 1: NEW_FUN_EXT length 4294967295 exceeds the 29 bytes left");
  Bytes fun_free = bytes({131, 112, 0, 0, 0, 40, 0}) + Bytes(16, 0) + bytes({0, 0, 0, 0, 255, 255, 255, 255, 119, 1, 109, 97, 0});
  CHECK(decode_error(fun_free) == "offset 1: NEW_FUN_EXT length 40 exceeds the 34 bytes left");
  Bytes fun_free2 = bytes({131, 112, 0, 0, 0, 34, 0}) + Bytes(16, 0) + bytes({0, 0, 0, 0, 255, 255, 255, 255, 119, 1, 109, 97, 0});
  CHECK(decode_error(fun_free2) == "offset 1: NEW_FUN_EXT with 4294967295 free variables exceeds the 2 bytes left");
}

TEST_CASE("fixed-size fields cut short are refused with the tag and what is missing", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 98, 0, 0})) == "offset 1: INTEGER_EXT truncated (needs 4 more bytes, 2 left)");
  CHECK(decode_error(bytes({131, 70, 0})) == "offset 1: NEW_FLOAT_EXT truncated (needs 8 more bytes, 1 left)");
  CHECK(decode_error(bytes({131, 88, 119, 1, 97, 0, 0})) == "offset 1: NEW_PID_EXT truncated (needs 12 more bytes, 2 left)");
  CHECK(decode_error(bytes({131})) == "offset 1: input ends where a term was expected");
  CHECK(decode_error(bytes({131, 104, 2, 97, 1})) == "offset 5: input ends where a term was expected");
  CHECK(decode_error(bytes({131, 88, 97, 1})) == "offset 2: expected an atom, found SMALL_INTEGER_EXT (97)");
}

TEST_CASE("unknown tags, stray version bytes and nested compression are refused", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 1})) == "offset 1: unknown tag 1");
  CHECK(decode_error(bytes({131, 104, 1, 200})) == "offset 3: unknown tag 200");
  CHECK(decode_error(bytes({131, 117, 0, 0, 0, 0})) == "offset 1: unknown tag 117");  // FUN_EXT, gone since OTP 23
  CHECK(decode_error(bytes({131, 104, 1, 131, 97, 1})) == "offset 3: a version byte inside a term");
  CHECK(decode_error(bytes({131, 104, 1, 80, 0, 0, 0, 1})) == "offset 3: COMPRESSED is allowed only at the top of a term");
}

TEST_CASE("the version byte is required when expected", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({})) == "offset 0: input is empty");
  CHECK(decode_error(bytes({130, 97, 1})) == "offset 0: expected the version byte 131, found 130");
  DecodeOptions o;
  o.expect_version = false;
  CHECK(decode_error(bytes({131, 97, 1}), o) == "offset 0: a version byte inside a term");
}

TEST_CASE("bytes after the term are refused unless the caller asks how many were consumed", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 97, 1, 0})) == "offset 3: 1 bytes after the term");
  size_t used = 0;
  Bytes b = bytes({131, 97, 1, 0});
  REQUIRE(decode(b, {}, &used));
  CHECK(used == 3);
}

TEST_CASE("an input larger than max_size is refused before decoding", "[term][etf][malformed]") {
  DecodeOptions o;
  o.max_size = 10;
  Bytes b = encode(B("0123456789"));
  CHECK(decode_error(b, o) == "input of 16 bytes exceeds max_size 10");
}

TEST_CASE("atoms past the table's limit fail decoding with the table's message", "[term][etf][atom]") {
  uint32_t old = atom_limit();
  set_atom_limit(atom_count());
  Bytes fresh = bytes({131, 104, 2, 119, 2}) + text("ok") + bytes({119, 20}) + text("fresh_atom_for_limit");
  std::string err = decode_error(fresh);
  set_atom_limit(old);
  CHECK(err == "offset 7: SMALL_ATOM_UTF8_EXT: atom table full (raise the atom limit)");
  CHECK(decode_error(fresh).empty());
}

TEST_CASE("atoms must be valid UTF-8 and at most 255 characters", "[term][etf][atom]") {
  CHECK(decode_error(bytes({131, 119, 1, 0xff})) == "offset 1: SMALL_ATOM_UTF8_EXT: atom is not valid UTF-8");
  CHECK(decode_error(bytes({131, 118, 0, 2, 0xc0, 0x80})) == "offset 1: ATOM_UTF8_EXT: atom is not valid UTF-8");
  Bytes long_utf8 = bytes({131, 118, 3, 0}) + text(repeat("\xe2\x82\xac", 256));
  CHECK(decode_error(long_utf8) == "offset 1: ATOM_UTF8_EXT: atom longer than 255 characters");
  Bytes long_latin1 = bytes({131, 100, 1, 0}) + Bytes(256, 'a');
  CHECK(decode_error(long_latin1) == "offset 1: ATOM_EXT of 256 characters (at most 255)");
  CHECK(decode_error(bytes({131, 100, 0, 255}) + Bytes(255, 0xe9)).empty());  // 255 'é': 510 bytes of UTF-8
}

TEST_CASE("ATOM_CACHE_REF needs a distribution header holding that index", "[term][etf][atom]") {
  CHECK(decode_error(bytes({131, 82, 0})) == "offset 1: ATOM_CACHE_REF 0 without a distribution header");
  Atom header[] = {atoms::ok, atoms::error};
  AtomCacheRefs refs{header, 2};
  DecodeOptions o;
  o.atom_cache = &refs;
  CHECK(decode_error(bytes({131, 82, 5}), o) == "offset 1: ATOM_CACHE_REF 5 beyond the 2 atoms of the distribution header");
  CHECK(decode_error(bytes({131, 88, 82, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}), o).empty());
}

TEST_CASE("a map with a repeated key is refused, as binary_to_term refuses it", "[term][etf][map]") {
  CHECK(decode_error(bytes({131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3})) == "offset 1: MAP_EXT has a duplicate key");
  // 1 and 1.0 are different keys.
  CHECK(decode_error(bytes({131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 70, 63, 240, 0, 0, 0, 0, 0, 0, 97, 3})).empty());
}

TEST_CASE("NaN and infinities are refused in both float encodings", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 70, 127, 248, 0, 0, 0, 0, 0, 0})) == "offset 1: NEW_FLOAT_EXT is not a finite number");
  CHECK(decode_error(bytes({131, 70, 255, 240, 0, 0, 0, 0, 0, 0})) == "offset 1: NEW_FLOAT_EXT is not a finite number");
  for (const char* s : {"nan", "inf", "1.5xyz", " 1.5", "", "1e999"}) {
    Bytes b = bytes({131, 99}) + text(s) + Bytes(31 - std::strlen(s), 0);
    CHECK(decode_error(b) == "offset 1: FLOAT_EXT is not a finite number");
  }
}

TEST_CASE("BIT_BINARY_EXT needs 1 to 8 bits in its last byte, 0 when empty", "[term][etf][malformed]") {
  CHECK(decode_error(bytes({131, 77, 0, 0, 0, 1, 0, 255})) == "offset 1: BIT_BINARY_EXT of 1 bytes with 0 bits in the last byte");
  CHECK(decode_error(bytes({131, 77, 0, 0, 0, 1, 9, 255})) == "offset 1: BIT_BINARY_EXT of 1 bytes with 9 bits in the last byte");
  CHECK(decode_error(bytes({131, 77, 0, 0, 0, 0, 8})) == "offset 1: BIT_BINARY_EXT of 0 bytes with 8 bits in the last byte");
}

TEST_CASE("references need 1 to 5 ids", "[term][etf][ref]") {
  CHECK(decode_error(bytes({131, 90, 0, 6, 119, 1, 97}) + Bytes(28, 0)) == "offset 1: NEWER_REFERENCE_EXT with 6 ids (1 to 5 allowed)");
  CHECK(decode_error(bytes({131, 114, 0, 0, 119, 1, 97, 0})) == "offset 1: NEW_REFERENCE_EXT with 0 ids (1 to 5 allowed)");
}

TEST_CASE("a fun whose Size or fields lie is refused", "[term][etf][fun]") {
  Bytes head = bytes({0}) + Bytes(16, 0) + bytes({0, 0, 0, 0, 0, 0, 0, 0, 119, 1, 109, 97, 0, 97, 0});
  Bytes pid = bytes({88, 119, 1, 110, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
  auto fun = [&](uint32_t size, const Bytes& tail) {
    return bytes({131, 112, int(size >> 24), int(size >> 16 & 255), int(size >> 8 & 255), int(size & 255)}) + head + tail;
  };
  uint32_t right = 4 + uint32_t(head.size() + pid.size());
  CHECK(decode_error(fun(right, pid)).empty());
  CHECK(decode_error(fun(right - 1, pid)) == "offset 1: NEW_FUN_EXT Size is " + std::to_string(right - 1) +
                                                 " but the fun takes " + std::to_string(right) + " bytes");
  CHECK(decode_error(fun(right - 13, bytes({119, 1, 112}))) == "offset 1: NEW_FUN_EXT Pid field is not a pid (atom)");
  Bytes bad_index = bytes({0}) + Bytes(16, 0) + bytes({0, 0, 0, 0, 0, 0, 0, 0, 119, 1, 109, 119, 1, 120, 97, 0});
  Bytes b = bytes({131, 112, 0, 0, 0, int(4 + bad_index.size() + pid.size())}) + bad_index + pid;
  CHECK(decode_error(b) == "offset 1: NEW_FUN_EXT OldIndex and OldUniq must be integers");
  CHECK(decode_error(bytes({131, 113, 119, 1, 109, 119, 1, 102, 98, 0, 0, 0, 1})) ==
        "offset 1: EXPORT_EXT arity is INTEGER_EXT, not SMALL_INTEGER_EXT");
}

TEST_CASE("every proper prefix of a valid encoding is refused without reading past it", "[term][etf][malformed]") {
  EncodeOptions latin1;
  latin1.atoms = AtomEncoding::latin1_when_possible;
  size_t checked = 0;
  for (const Term& t : sample_terms()) {
    for (const Bytes& enc : {encode(t), encode(t, latin1), encode_compressed(t, 6)}) {
      for (size_t n = 0; n < enc.size(); ++n) {
        Bytes prefix(enc.begin(), enc.begin() + static_cast<long>(n));  // exact size: ASan sees overreads
        size_t used = 0;
        auto r = decode(prefix, {}, &used);
        if (r) FAIL("prefix of " << n << " bytes of " << to_string(t, 100) << " decoded");
        ++checked;
      }
      REQUIRE(decode(enc));
    }
  }
  CHECK(checked > 10000);
}

TEST_CASE("random mutations of valid encodings never crash, and what decodes re-encodes to an equal term", "[term][etf][malformed]") {
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  auto rnd = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  std::vector<Bytes> corpus;
  for (const Term& t : sample_terms())
    if (encode(t).size() < 2000) corpus.push_back(encode(t));
  size_t decoded = 0;
  for (int iter = 0; iter < 60000; ++iter) {
    Bytes b = corpus[rnd() % corpus.size()];
    int edits = 1 + static_cast<int>(rnd() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      size_t at = rnd() % b.size();
      switch (rnd() % 4) {
        case 0: b[at] = static_cast<uint8_t>(rnd()); break;
        case 1: b[at] ^= static_cast<uint8_t>(1u << (rnd() % 8)); break;
        case 2: b.erase(b.begin() + static_cast<long>(at)); break;
        default: b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rnd())); break;
      }
    }
    auto r = decode(b);
    if (!r) {
      CHECK((r.error().rfind("offset ", 0) == 0 || r.error().rfind("in the decompressed term: offset ", 0) == 0));
      continue;
    }
    ++decoded;
    Bytes again = encode(r.value());
    auto r2 = decode(again);
    REQUIRE(r2);
    REQUIRE(r2.value() == r.value());
  }
  CHECK(decoded > 0);
}
