// Printing terms as io_lib:format("~w") (or "~0tp") does, with an explicit stack (no recursion
// on depth).
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "term/term.h"
#include "term/utf8.h"

namespace ergod::term {
namespace {

bool atom_needs_quotes(std::string_view s) {
  static const char* const reserved[] = {"after", "and", "andalso", "band", "begin", "bnot", "bor",
                                         "bsl", "bsr", "bxor", "case", "catch", "cond", "div", "end",
                                         "fun", "if", "let", "not", "of", "or", "orelse", "receive",
                                         "rem", "try", "when", "xor", "maybe", "else"};
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return true;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@';
    if (!ok) return true;
  }
  for (const char* r : reserved)
    if (s == r) return true;
  return false;
}

void put_atom(std::string& out, Atom a) {
  std::string_view s = a.name();
  if (!atom_needs_quotes(s)) {
    out += s;
    return;
  }
  out += '\'';
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

void put_float(std::string& out, double v) {
  // Shortest representation that reads back the same, in Erlang's shape (always a ".").
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  if (exp >= -4 && exp < 21) {
    // Plain notation: move the decimal point.
    bool neg = mant[0] == '-';
    std::string digits;
    for (char c : mant)
      if (c >= '0' && c <= '9') digits += c;
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    int point = 1 + exp;
    std::string r;
    if (point <= 0) {
      r = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    } else if (static_cast<size_t>(point) >= digits.size()) {
      r = digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
    } else {
      r = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
    }
    out += neg ? "-" + r : r;
  } else {
    out += mant + "e" + std::to_string(exp);
  }
}

void put_integer(std::string& out, const Term& t) {
  if (t.is_small()) {
    out += std::to_string(t.small_value());
    return;
  }
  auto* b = t.as<BigBox>();
  std::vector<uint64_t> d(b->digits, b->digits + b->n);
  std::string rev;
  while (!(d.size() == 1 && d[0] == 0) && !d.empty()) {
    unsigned __int128 rem = 0;
    for (size_t i = d.size(); i-- > 0;) {
      unsigned __int128 cur = (rem << 64) | d[i];
      d[i] = static_cast<uint64_t>(cur / 10);
      rem = cur % 10;
    }
    rev += static_cast<char>('0' + static_cast<int>(rem));
    while (d.size() > 1 && d.back() == 0) d.pop_back();
  }
  if (b->negative) out += '-';
  out.append(rev.rbegin(), rev.rend());
}

// io_lib's printable_latin1_list chars: what ~tp shows as text with the default +pc latin1.
bool printable_char(uint32_t c) {
  return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c == 27;
}

void put_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

// io_lib's write_string escapes, inside "...".
void put_text_char(std::string& out, uint32_t c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case 27: out += "\\e"; return;
  }
  put_utf8(out, c);
}

// ~tp of a binary that prints as text (io_lib_pretty's printable_bin): UTF-8 first (marked
// /utf8 when it is not all ASCII), else its bytes as Latin-1. False: print the bytes.
bool put_printable_binary(std::string& out, const Term& t) {
  if (t.bits_in_last() != 0) return false;
  auto bytes = t.bytes();
  if (bytes.empty()) return false;
  std::vector<uint32_t> chars;
  bool utf8 = decode_utf8(bytes, chars);
  if (utf8) {
    for (uint32_t c : chars)
      if (!printable_char(c)) utf8 = false;
  }
  if (!utf8) {
    chars.assign(bytes.begin(), bytes.end());
    for (uint32_t c : chars)
      if (!printable_char(c)) return false;
  }
  out += "<<\"";
  for (uint32_t c : chars) put_text_char(out, c);
  out += '"';
  if (utf8 && chars.size() != bytes.size()) out += "/utf8";
  out += ">>";
  return true;
}

// ~tp of a proper, non-empty list of printable chars.
bool put_printable_list(std::string& out, const Term& t) {
  const Term* cur = &t;
  for (; cur->is_cons(); cur = &cur->tail()) {
    int64_t v = 0;
    if (!cur->head().is_small() || (v = cur->head().small_value()) < 0 || !printable_char(uint32_t(v))) return false;
  }
  if (!cur->is_nil()) return false;
  out += '"';
  for (cur = &t; cur->is_cons(); cur = &cur->tail()) put_text_char(out, uint32_t(cur->head().small_value()));
  out += '"';
  return true;
}

// A unit of work: print a term, or emit a literal.
struct Item {
  const Term* term;
  const char* text;
};

}  // namespace

std::string to_string(const Term& root, size_t max_bytes, PrintStyle style, const Atom* local_node) {
  auto node = [local_node](Atom n) { return local_node && *local_node == n ? std::string("0") : std::string(n.name()); };
  std::string out;
  std::vector<Item> stack{{&root, nullptr}};
  while (!stack.empty() && out.size() < max_bytes) {
    Item it = stack.back();
    stack.pop_back();
    if (it.text) {
      out += it.text;
      continue;
    }
    const Term& t = *it.term;
    if (t.is_none()) {
      out += "<none>";
      continue;
    }
    switch (t.kind()) {
      case Kind::Integer: put_integer(out, t); break;
      case Kind::Float: put_float(out, t.float_value()); break;
      case Kind::Atom: put_atom(out, t.atom_value()); break;
      case Kind::Nil: out += "[]"; break;
      case Kind::Pid: {
        auto* p = t.as<PidBox>();
        out += "<" + node(p->node) + "." + std::to_string(p->id) + "." + std::to_string(p->serial) + ">";
        break;
      }
      case Kind::Port: {
        auto* p = t.as<PortBox>();
        out += "#Port<" + node(p->node) + "." + std::to_string(p->id) + ">";
        break;
      }
      case Kind::Reference: {
        auto* r = t.as<RefBox>();
        out += "#Ref<" + node(r->node);
        for (int i = r->len; i-- > 0;) out += "." + std::to_string(r->ids[i]);
        out += ">";
        break;
      }
      case Kind::Fun:
        if (t.box()->kind == BoxKind::ExportFun) {
          auto* f = t.as<ExportFunBox>();
          out += "fun ";
          put_atom(out, f->module);
          out += ':';
          put_atom(out, f->function);
          out += "/" + std::to_string(f->arity);
        } else {
          auto* f = t.as<LocalFunBox>();
          out += "#Fun<";
          out += f->module.name();
          out += "." + std::to_string(f->index) + "." + std::to_string(f->arity) + ">";
        }
        break;
      case Kind::Binary: {
        if (style == PrintStyle::p && put_printable_binary(out, t)) break;
        out += "<<";
        auto bytes = t.bytes();
        uint8_t bits = t.bits_in_last();
        for (size_t i = 0; i < bytes.size(); ++i) {
          if (i) out += ',';
          if (bits && i + 1 == bytes.size())
            out += std::to_string(bytes[i] >> (8 - bits)) + ":" + std::to_string(bits);
          else
            out += std::to_string(bytes[i]);
        }
        out += ">>";
        break;
      }
      case Kind::Tuple: {
        out += '{';
        stack.push_back({nullptr, "}"});
        for (uint32_t i = t.tuple_arity(); i-- > 0;) {
          stack.push_back({&t.element(i), nullptr});
          if (i) stack.push_back({nullptr, ","});
        }
        break;
      }
      case Kind::Map: {
        out += "#{";
        stack.push_back({nullptr, "}"});
        for (uint32_t i = t.map_size(); i-- > 0;) {
          stack.push_back({&t.map_value(i), nullptr});
          stack.push_back({nullptr, " => "});
          stack.push_back({&t.map_key(i), nullptr});
          if (i) stack.push_back({nullptr, ","});
        }
        break;
      }
      case Kind::List: {
        if (style == PrintStyle::p && put_printable_list(out, t)) break;
        out += '[';
        // Collect the spine so the elements print in order.
        std::vector<const Term*> elems;
        const Term* cur = &t;
        while (cur->is_cons()) {
          elems.push_back(&cur->head());
          cur = &cur->tail();
        }
        stack.push_back({nullptr, "]"});
        if (!cur->is_nil()) {
          stack.push_back({cur, nullptr});
          stack.push_back({nullptr, "|"});
        }
        for (size_t i = elems.size(); i-- > 0;) {
          stack.push_back({elems[i], nullptr});
          if (i) stack.push_back({nullptr, ","});
        }
        break;
      }
    }
  }
  if (out.size() >= max_bytes) {
    out.resize(max_bytes);
    out += "...";
  }
  return out;
}

}  // namespace ergod::term
