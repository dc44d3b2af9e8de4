// A whole distribution message as bytes <-> a Control and its payload term.
//   with DIST_HDR_ATOM_CACHE: 131 68 <header> Control [Payload], terms without version bytes,
//     atoms through the connection's atom cache (dist_header.h);
//   without it (pass-through):  112 131 Control [131 Payload].
// Fragments (131 69/70) are put back together first (fragments.h) and end here as a body with
// the header's references.
//
// Threads: pure functions over the caller's caches; the connection's loop thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dist/atom_cache.h"
#include "dist/control.h"
#include "term/etf_decode.h"
#include "term/etf_encode.h"
#include "term/result.h"

namespace ergod::dist {

struct DistMessage {
  Control control;
  term::Term payload;  // none when the operation has no payload
};

// The control message and payload that follow a header; refs resolve ATOM_CACHE_REF.
// owner, when the bytes live in a term::Buffer, lets big binaries slice it.
Result<DistMessage> decode_message_body(std::span<const uint8_t> body, const std::vector<term::Atom>& refs,
                                        size_t max_size, term::Buffer* owner = nullptr);
// A pass-through frame (starting with 112).
Result<DistMessage> decode_pass_through(std::span<const uint8_t> frame, size_t max_size);

// An encoded message, ready for Connection::send_frame(head, body) or for fragmenting:
// head is 131 68 <header> (or 112 for pass-through); header alone is kept for fragments.
// The body's bytes are `body` with the `external` binaries' bytes inserted at their offsets.
struct EncodedMessage {
  std::string head;
  std::string header;  // the atom cache header without 131 68 (empty for pass-through)
  std::vector<uint8_t> body;
  std::vector<term::ExternalBinary> external;
  size_t body_size() const {  // the whole body, external binaries included
    size_t n = body.size();
    for (auto& e : external) n += e.size;
    return n;
  }
};

// With cache: the header form, atoms cached; without: pass-through. payload may be none.
// external_min > 0 (header form only): binaries of that size or more stay out of `body` and
// are listed in `external` instead of being copied.
void encode_message(const Control& control, const term::Term& payload, SendAtomCache* cache, EncodedMessage& out,
                    size_t external_min = 0);

}  // namespace ergod::dist
