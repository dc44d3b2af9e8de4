// Decoding the External Term Format (what binary_to_term reads and the distribution sends).
//
// The input is never trusted: every length is checked against the bytes actually present
// before anything is allocated, sizes against max_size, atoms against the atom table's bound,
// and nesting of any depth is walked with an explicit stack (a 1,000,000-deep list decodes
// without touching the C++ call stack). An error names the byte offset and what was wrong:
// "offset 17: LIST_EXT length 4294967295 exceeds the 12 bytes left".
//
// Not here: the distribution header (131 68/69/70) and its atom cache, which the dist layer
// reads before it hands the control message and payload to decode().
// Thread safety: decode() may run on any thread, concurrently with others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "term/result.h"
#include "term/term.h"

namespace ergod::term {

// The atoms that one distribution header refers to, in header order: ATOM_CACHE_REF i in the
// control message or payload means atoms[i]. The dist layer resolves the header's entries
// against its 2048-slot cache once per message, so the decoder only indexes a dense array.
struct AtomCacheRefs {
  const Atom* atoms = nullptr;
  uint32_t count = 0;
};

struct DecodeOptions {
  // The input starts with the version byte 131 (binary_to_term, a whole payload); false for
  // terms that follow a distribution header, which has no version byte before each term.
  bool expect_version = true;
  // Refuse inputs, and compressed terms whose uncompressed size is, larger than this.
  size_t max_size = size_t(64) << 20;
  // When the input lies inside owner->data, binaries of copy_below bytes or more become
  // zero-copy slices that keep owner alive; smaller ones (and every bitstring) are copied.
  Buffer* owner = nullptr;
  size_t copy_below = 64;
  // Needed for ATOM_CACHE_REF; without it that tag is an error.
  const AtomCacheRefs* atom_cache = nullptr;
};

// Decodes one term from the start of bytes. With consumed, sets it to the number of bytes the
// term took and allows more to follow (a control message followed by its payload); without
// it, bytes after the term are an error (binary_to_term would silently ignore them).
// A compressed term (131 80 ...) is inflated into its own Buffer, which its binaries slice.
Result<Term> decode(std::span<const uint8_t> bytes, const DecodeOptions& options = {},
                    size_t* consumed = nullptr);

}  // namespace ergod::term
