// libFuzzer target for the ETF decoder. Any bytes: decoding may fail but must not crash, leak,
// read out of bounds or overflow the stack. What decodes must survive the round trip:
// encode (both atom encodings, compressed), decode again, and get an equal term; and
// encoded_size must agree with encode.
//
// An input that starts with 131 is decoded as binary_to_term would; any other as a term after
// a distribution header (no version byte), with a three-atom header for ATOM_CACHE_REF.
// The bytes are copied into a Buffer that owns them, so zero-copy slices are exercised too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "term/etf_decode.h"
#include "term/etf_encode.h"
#include "term/term.h"

using namespace ergod::term;

namespace {

[[noreturn]] void broken(const char* what, const Term& t) {
  std::fprintf(stderr, "round trip broke: %s\nterm: %s\n", what, to_string(t, 2000).c_str());
  std::abort();
}

Term must_decode(const std::vector<uint8_t>& b, const Term& original, const char* what) {
  auto r = decode(b);
  if (!r) {
    std::fprintf(stderr, "re-decoding failed: %s\n", r.error().c_str());
    broken(what, original);
  }
  return std::move(r).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Atoms are never freed: bound the table so that a long run cannot eat memory through them.
  static const bool limited = [] {
    set_atom_limit(atom_count() + 50000);
    return true;
  }();
  (void)limited;
  static const Atom header[] = {Atom::make("reg"), Atom::make("call"), Atom::make("\xe2\x82\xac")};
  static const AtomCacheRefs refs{header, 3};

  Buffer* buf = Buffer::make(size);
  if (size) std::memcpy(buf->data, data, size);
  DecodeOptions o;
  o.owner = buf;
  o.copy_below = 4;  // slice even small binaries here, to exercise slices
  o.max_size = 1 << 20;
  if (size == 0 || data[0] != 131) {
    o.expect_version = false;
    o.atom_cache = &refs;
  }
  size_t used = 0;
  auto r = decode(std::span<const uint8_t>(buf->data, size), o, &used);
  buf->release();  // slices keep it alive as long as the term lives
  if (!r) return 0;
  if (used > size) broken("consumed more than the input", r.value());
  const Term& t = r.value();

  std::vector<uint8_t> utf8 = encode(t);
  if (encoded_size(t) != utf8.size()) broken("encoded_size disagrees with encode", t);
  if (must_decode(utf8, t, "utf8") != t) broken("utf8 re-encoding decodes to another term", t);
  if (encode(must_decode(utf8, t, "utf8")) != utf8) broken("re-encoding is not stable", t);

  EncodeOptions latin1;
  latin1.atoms = AtomEncoding::latin1_when_possible;
  if (must_decode(encode(t, latin1), t, "latin1") != t) broken("latin1 re-encoding decodes to another term", t);

  if (utf8.size() < 4096 && must_decode(encode_compressed(t, 1), t, "compressed") != t)
    broken("compressed re-encoding decodes to another term", t);
  return 0;
}
