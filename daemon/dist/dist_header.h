// The distribution header (erl_dist_protocol, "Distribution Header"): the atom cache part
// that follows 131 68 (a whole message) or 131 69 SequenceId FragmentId (a first fragment):
//   NumberOfAtomCacheRefs, Flags (NumberOfAtomCacheRefs/2+1 bytes of 4-bit fields: per ref
//   NewCacheEntryFlag and SegmentIndex, then one LongAtoms field), then per ref
//   InternalSegmentIndex [Length(1 or 2) AtomText if new].
// Reading applies new entries to the receive cache and resolves every reference into a dense
// array for term::decode's ATOM_CACHE_REF; writing turns one message's SendAtomCache refs
// into those bytes. The frame kinds and the control message are elsewhere (frame.h,
// control.h).
//
// Threads: pure functions over the caller's cache; the connection's loop thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dist/atom_cache.h"
#include "term/result.h"

namespace ergod::dist {

// Reads the header at the start of `bytes` (just after 131 68, or after the ids of 131 69),
// updates `cache` and fills `refs`. Returns the number of bytes the header took. Nothing is
// applied to the cache when the header is malformed (the connection is then closed anyway).
Result<size_t> read_dist_header(std::span<const uint8_t> bytes, ReceiveAtomCache& cache,
                                std::vector<term::Atom>& refs);

// Appends the header for `refs` (without the leading 131 68).
void write_dist_header(const std::vector<HeaderAtomRef>& refs, std::string& out);

}  // namespace ergod::dist
