// zlib for ETF's compressed form (tag 80): inflating into an exactly sized buffer and deflating
// the way term_to_binary(T, [{compressed, Level}]) does. Internal to the codec; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ergod::term::etf {

// Inflates a zlib stream that must produce exactly out_size bytes. On success sets *in_used to
// the compressed bytes the stream took and returns ""; otherwise says what was wrong.
std::string inflate_exact(std::span<const uint8_t> in, uint8_t* out, size_t out_size, size_t* in_used);

// Appends the zlib stream of in at level to out, unless it would take more than max_out bytes
// (then out is left as it was and false is returned), as OTP gives zlib no more room than the
// uncompressed form minus the compressed header.
bool deflate_bounded(std::span<const uint8_t> in, int level, size_t max_out, std::vector<uint8_t>& out);

}  // namespace ergod::term::etf
