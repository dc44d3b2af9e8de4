// The handshake's cookie digest and challenges. Any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ergod::dist {

using Digest = std::array<uint8_t, 16>;

// MD5 over the cookie followed by the challenge as an unsigned decimal number, as dist_util's
// gen_digest/2 computes it.
Digest cookie_digest(uint32_t challenge, std::string_view cookie);

// A random 32-bit challenge from OpenSSL's generator (Erlang mixes clocks and counters; a
// cryptographic source is at least as good and needs no state).
uint32_t random_challenge();

// Comparison whose time does not depend on where the digests differ.
bool digest_equal(const Digest& a, const Digest& b);

}  // namespace ergod::dist
