// Big-endian integers on the wire (every multi-byte field of EPMD and the distribution
// protocol). Header-only helpers; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ergod::dist::wire {

inline void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
inline void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
inline void put_u32(std::string& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v >> 16));
  put_u16(out, static_cast<uint16_t>(v));
}
inline void put_u64(std::string& out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v >> 32));
  put_u32(out, static_cast<uint32_t>(v));
}

// The callers check the length first; these only read.
inline uint8_t u8(std::string_view s, size_t at) { return static_cast<uint8_t>(s[at]); }
inline uint16_t u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(u8(s, at) << 8 | u8(s, at + 1));
}
inline uint32_t u32(std::string_view s, size_t at) {
  return uint32_t(u16(s, at)) << 16 | u16(s, at + 2);
}
inline uint64_t u64(std::string_view s, size_t at) {
  return uint64_t(u32(s, at)) << 32 | u32(s, at + 4);
}

}  // namespace ergod::dist::wire
