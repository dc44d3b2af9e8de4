// zlib streams for ETF's compressed form; see etf_zlib.h.
#include "term/etf_zlib.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace ergod::term::etf {

std::string inflate_exact(std::span<const uint8_t> in, uint8_t* out, size_t out_size, size_t* in_used) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return "zlib could not start inflating";
  // zlib counts in uInt: feed and drain in pieces so sizes past 4 GiB would work too.
  size_t in_pos = 0, out_pos = 0;
  int rc = Z_OK;
  std::string err;
  for (;;) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      size_t n = std::min<size_t>(in.size() - in_pos, UINT_MAX);
      zs.next_in = const_cast<Bytef*>(in.data() + in_pos);
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    // One spare byte past the announced size catches streams that are longer than announced.
    uint8_t spare;
    bool into_spare = out_pos == out_size;
    size_t room = into_spare ? 1 : std::min<size_t>(out_size - out_pos, UINT_MAX);
    zs.next_out = into_spare ? &spare : out + out_pos;
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = room - zs.avail_out;
    if (into_spare && produced > 0) {
      err = "the decompressed data is longer than the " + std::to_string(out_size) + " bytes announced";
      break;
    }
    out_pos += produced;
    if (rc == Z_STREAM_END) {
      if (out_pos != out_size)
        err = "the decompressed data is " + std::to_string(out_pos) + " bytes, not the " +
              std::to_string(out_size) + " announced";
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == in.size()) {
      err = "the compressed data is truncated";
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      err = std::string("the compressed data is corrupt (zlib: ") + (zs.msg ? zs.msg : "error") + ")";
      break;
    }
  }
  if (err.empty()) *in_used = in_pos - zs.avail_in;
  inflateEnd(&zs);
  return err;
}

bool deflate_bounded(std::span<const uint8_t> in, int level, size_t max_out, std::vector<uint8_t>& out) {
  // compress2() in one call, like erl_zlib_compress2: the same bytes as OTP for the same zlib.
  size_t old = out.size();
  out.resize(old + max_out);
  uLongf dest_len = static_cast<uLongf>(max_out);
  int rc = compress2(out.data() + old, &dest_len, in.data(), static_cast<uLong>(in.size()), level);
  if (rc != Z_OK) {
    out.resize(old);
    return false;
  }
  out.resize(old + dest_len);
  return true;
}

}  // namespace ergod::term::etf
