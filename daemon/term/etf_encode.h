// Encoding terms in the External Term Format, making OTP 25's choices so that the bytes equal
// term_to_binary's: SMALL_INTEGER_EXT for 0..255, INTEGER_EXT for int32, SMALL_BIG_EXT /
// LARGE_BIG_EXT beyond; NEW_FLOAT_EXT; STRING_EXT for proper lists of 0..255 of at most 65535
// elements; NEW_PID_EXT; NEW_PORT_EXT (V4_PORT_EXT only for ids past 32 bits);
// NEWER_REFERENCE_EXT; EXPORT_EXT; NEW_FUN_EXT with its Size computed from the bytes written;
// maps in key order (as OTP writes maps of up to 32 keys).
//
// The encoder walks the term with an explicit stack (no recursion on depth) and writes straight
// into the caller's growing buffer: no allocation per node.
// Not here: the distribution header; the dist layer builds it from what the atom cache hook
// was asked. Thread safety: encode() may run on any thread, concurrently with others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "term/term.h"

namespace ergod::term {

// How atoms are written when not taken from the atom cache.
enum class AtomEncoding : uint8_t {
  // SMALL_ATOM_UTF8_EXT, or ATOM_UTF8_EXT past 255 bytes: the distribution (UTF8_ATOMS is
  // mandatory in OTP 25) and term_to_binary(T, [{minor_version, 2}]).
  utf8,
  // ATOM_EXT for atoms whose characters all fit in Latin-1, the UTF-8 forms for the rest:
  // OTP 25's plain term_to_binary(T) (minor version 1).
  latin1_when_possible,
};

// The distribution layer's atom cache: index_of returns the ATOM_CACHE_REF index (0..254) the
// atom gets in this message's header, or -1 to write the atom in full.
struct AtomCacheHook {
  int (*index_of)(void* ctx, Atom atom);
  void* ctx;
};

// A binary that encode() left out of its output (EncodeOptions::external): `size` bytes at
// `data`, kept alive by `binary`, belong at offset `at` of the output.
struct ExternalBinary {
  size_t at;
  Term binary;
  const uint8_t* data;
  size_t size;
};

struct EncodeOptions {
  bool version = true;  // start with the version byte 131
  AtomEncoding atoms = AtomEncoding::utf8;
  const AtomCacheHook* atom_cache = nullptr;
  // When set, the bytes of binaries of at least external_min bytes are not copied: encode()
  // writes their tag and length and lists them here, in output order, for a caller that sends
  // them from where they are (the distribution's writes). Binaries inside a local fun are
  // always copied (its Size field counts the bytes written).
  std::vector<ExternalBinary>* external = nullptr;
  size_t external_min = 64 * 1024;
};

// Appends the encoding of t to out (whatever out held stays in front). t and every term in it
// must be a value: a none Term (default-constructed) is a caller's bug (asserted).
void encode(const Term& t, std::vector<uint8_t>& out, const EncodeOptions& options = {});
std::vector<uint8_t> encode(const Term& t, const EncodeOptions& options = {});

// The number of bytes encode() appends, found without writing them (the atom cache hook, if
// any, is asked as encode() would ask it).
size_t encoded_size(const Term& t, const EncodeOptions& options = {});

// term_to_binary(T, [{compressed, level}]): 131, 80, the uncompressed size, then the zlib
// stream; or the plain form when level is 0 or compressing would not make it smaller.
std::vector<uint8_t> encode_compressed(const Term& t, int level = 6,
                                       AtomEncoding atoms = AtomEncoding::utf8);

}  // namespace ergod::term
