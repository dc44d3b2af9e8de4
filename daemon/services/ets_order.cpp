// See ets_order.h.
#include "services/ets_order.h"

namespace ergod::services {

namespace {
// erts' atom table hash: hashpjw over the UTF-8 text, a two-byte sequence of a Latin-1
// character taken as that character (so that atoms hash as they did before UTF-8 atoms).
uint32_t atom_hash(std::string_view s) {
  uint32_t h = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    uint8_t v = static_cast<uint8_t>(s[i]);
    if (i + 1 < s.size() && (v & 0xFE) == 0xC2 && (static_cast<uint8_t>(s[i + 1]) & 0xC0) == 0x80) {
      v = static_cast<uint8_t>((v << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3F));
      ++i;
    }
    h = (h << 4) + v;
    if (uint32_t g = h & 0xF0000000u) {
      h ^= g >> 24;
      h ^= g;
    }
  }
  return h;
}
constexpr uint32_t kMaxHash = 0xEFFFFFFFu;  // erl_db_hash.c: hashes are taken modulo this
}  // namespace

uint32_t ets_key_hash(const term::Term& key) {
  if (key.is_atom()) return atom_hash(key.atom_value().name()) % kMaxHash;
  return static_cast<uint32_t>(term::hash(key)) % kMaxHash;
}

size_t ets_bucket(uint32_t hash, size_t nactive) {
  size_t mask = 255;
  while (mask + 1 < nactive) mask = mask * 2 + 1;
  size_t ix = hash & mask;
  if (ix >= nactive) ix &= mask >> 1;  // that bucket is not split yet
  return ix;
}

}  // namespace ergod::services
