// Reading and writing the distribution header's atom cache part (see dist_header.h).
#include "dist/dist_header.h"

#include <string_view>

namespace ergod::dist {

namespace {
std::string at(size_t offset, std::string_view what) {
  return "distribution header offset " + std::to_string(offset) + ": " + std::string(what);
}
}  // namespace

Result<size_t> read_dist_header(std::span<const uint8_t> bytes, ReceiveAtomCache& cache,
                                std::vector<term::Atom>& refs) {
  refs.clear();
  if (bytes.empty()) return make_error(at(0, "missing NumberOfAtomCacheRefs"));
  uint32_t n = bytes[0];
  if (n == 0) return size_t(1);
  size_t flags_len = n / 2 + 1;
  if (bytes.size() < 1 + flags_len) return make_error(at(1, "flags cut short"));
  const uint8_t* flags = bytes.data() + 1;
  auto nibble = [&](uint32_t i) { return (i & 1) ? flags[i / 2] >> 4 : flags[i / 2] & 0x0f; };
  bool long_atoms = nibble(n) & 1;
  size_t pos = 1 + flags_len;
  // New entries are collected first and applied only when the whole header is valid.
  struct NewEntry {
    uint32_t slot;
    term::Atom atom;
  };
  std::vector<NewEntry> fresh;
  refs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t f = nibble(i);
    if (pos >= bytes.size()) return make_error(at(pos, "atom cache ref cut short"));
    uint32_t slot = (f & 7) * 256 + bytes[pos++];
    if (f & 8) {
      size_t len_size = long_atoms ? 2 : 1;
      if (pos + len_size > bytes.size()) return make_error(at(pos, "atom length cut short"));
      size_t len = long_atoms ? (size_t(bytes[pos]) << 8 | bytes[pos + 1]) : bytes[pos];
      pos += len_size;
      if (pos + len > bytes.size())
        return make_error(at(pos, "atom text of " + std::to_string(len) + " bytes cut short"));
      term::Atom a;
      const char* why = nullptr;
      std::string_view text(reinterpret_cast<const char*>(bytes.data() + pos), len);
      if (!term::Atom::try_make(text, a, &why))
        return make_error(at(pos, std::string("bad atom in cache entry: ") + (why ? why : "refused")));
      pos += len;
      // A later ref of the same header may reuse the slot just defined.
      bool replaced = false;
      for (auto& e : fresh)
        if (e.slot == slot) e.atom = a, replaced = true;
      if (!replaced) fresh.push_back({slot, a});
      refs.push_back(a);
    } else {
      term::Atom a;
      bool found = false;
      for (auto& e : fresh)
        if (e.slot == slot) a = e.atom, found = true;
      if (!found && !cache.get(slot, a))
        return make_error(at(pos - 1, "reference to atom cache slot " + std::to_string(slot) + ", which is empty"));
      refs.push_back(a);
    }
  }
  for (auto& e : fresh) cache.put(e.slot, e.atom);
  return pos;
}

void write_dist_header(const std::vector<HeaderAtomRef>& refs, std::string& out) {
  uint32_t n = static_cast<uint32_t>(refs.size());
  out.push_back(static_cast<char>(n));
  if (n == 0) return;
  bool long_atoms = false;
  for (auto& r : refs)
    if (r.is_new && r.atom.name().size() > 255) long_atoms = true;
  size_t flags_at = out.size();
  out.append(n / 2 + 1, '\0');
  auto set_nibble = [&](uint32_t i, uint8_t v) {
    auto& b = reinterpret_cast<uint8_t&>(out[flags_at + i / 2]);
    b |= (i & 1) ? uint8_t(v << 4) : v;
  };
  for (uint32_t i = 0; i < n; ++i)
    set_nibble(i, static_cast<uint8_t>((refs[i].is_new ? 8 : 0) | (refs[i].slot >> 8)));
  set_nibble(n, long_atoms ? 1 : 0);
  for (auto& r : refs) {
    out.push_back(static_cast<char>(r.slot & 0xff));
    if (!r.is_new) continue;
    auto name = r.atom.name();
    if (long_atoms) out.push_back(static_cast<char>(name.size() >> 8));
    out.push_back(static_cast<char>(name.size() & 0xff));
    out.append(name);
  }
}

}  // namespace ergod::dist
