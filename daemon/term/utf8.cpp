#include "term/utf8.h"

namespace ergod::term {

bool decode_utf8(std::span<const uint8_t> b, std::vector<uint32_t>& out) {
  for (size_t i = 0; i < b.size();) {
    uint8_t c = b[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > b.size()) return false;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return false;
      v = (v << 6) | (b[i + k] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
    out.push_back(v);
    i += n;
  }
  return true;
}

std::optional<Term> charlist(std::string_view utf8) {
  std::vector<uint32_t> cps;
  if (!decode_utf8(std::span(reinterpret_cast<const uint8_t*>(utf8.data()), utf8.size()), cps)) return std::nullopt;
  Term list = Term::nil();
  for (size_t i = cps.size(); i-- > 0;) list = Term::cons(Term::integer(cps[i]), std::move(list));
  return list;
}

Term chars(std::string_view text) {
  if (auto l = charlist(text)) return std::move(*l);
  std::vector<Term> cs;
  for (unsigned char c : text) cs.push_back(Term::integer(c));
  return Term::list(std::span<const Term>(cs));
}

}  // namespace ergod::term
