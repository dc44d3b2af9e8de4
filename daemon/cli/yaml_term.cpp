// See yaml_term.h for the rules. yaml-cpp tells how a scalar was written through its tag:
// "?" for a plain scalar, "!" for a quoted one (or the non-specific tag `!`), the tag itself
// otherwise ("!tuple", or "tag:yaml.org,2002:str" for !!str).
#include "cli/yaml_term.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace ergod::cli {
namespace {

using term::Atom;
using term::Term;

constexpr std::string_view kStdStr = "tag:yaml.org,2002:str";
constexpr std::string_view kStdBinary = "tag:yaml.org,2002:binary";
constexpr const char* kTags = "!atom, !binary, !base64, !charlist, !float, !tuple, !list";
// Longer integers are refused rather than converted in quadratic time.
constexpr size_t kMaxIntegerDigits = 10000;

bool is_digit(char ch, int base) {
  if (base == 16) return std::isxdigit(static_cast<unsigned char>(ch));
  if (base == 8) return ch >= '0' && ch <= '7';
  return ch >= '0' && ch <= '9';
}

int digit_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return ch - 'A' + 10;
}

// Splits s into sign, base and digits when it is YAML 1.2's integer (plus a sign on 0x/0o).
bool integer_syntax(std::string_view s, bool& negative, int& base, std::string_view& digits) {
  negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  for (char ch : s)
    if (!is_digit(ch, base)) return false;
  digits = s;
  return true;
}

Term make_integer(bool negative, int base, std::string_view digits) {
  std::vector<uint8_t> mag;  // little-endian magnitude
  for (char ch : digits) {
    unsigned carry = static_cast<unsigned>(digit_value(ch));
    for (auto& byte : mag) {
      unsigned v = byte * static_cast<unsigned>(base) + carry;
      byte = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    while (carry) {
      mag.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  if (mag.empty()) return Term::integer(0);
  return Term::big_bytes(negative, mag);
}

// YAML 1.2 core schema: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool float_syntax(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

bool is_special_float(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s == ".inf" || s == ".Inf" || s == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN";
}

std::optional<double> parse_float(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Decodes UTF-8 into code points; false on malformed input.
bool utf8_code_points(std::string_view s, std::vector<uint32_t>& out) {
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (n < 0) return false;
    uint32_t cp = n == 0 ? b : b & (0x3f >> n);
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3f);
    }
    static constexpr uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    out.push_back(cp);
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

int base64_value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

// Standard base64 with padding; whitespace (line breaks of a long value) is ignored.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view s) {
  std::string clean;
  for (char ch : s)
    if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') clean += ch;
  if (clean.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char ch = clean[i + k];
      if (ch == '=' && i + 4 == clean.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad || (v[k] = base64_value(ch)) < 0) {
        return std::nullopt;
      }
    }
    uint32_t n = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(n >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<uint8_t>(n & 0xff));
  }
  return out;
}

class Converter {
 public:
  explicit Converter(Checker& c) : c_(c) {}

  Term convert(const YAML::Node& node, const YAML::Mark& where, const std::string& path) {
    if (!node.IsDefined() || node.IsNull()) return Term::atom(term::atoms::undefined);
    const std::string& tag = node.Tag();
    YAML::Mark at = mark_of(node, where);
    if (tag == "?" || tag.empty()) {
      if (node.IsScalar()) return plain(node, at, path);
      if (node.IsSequence()) return list(node, at, path);
      return map(node, at, path);
    }
    if (tag == "!" && node.IsScalar()) return Term::binary(node.Scalar());
    if (tag == "!tuple" || tag == "!list") {
      if (!node.IsSequence()) return bad(node, at, path, "a list after " + tag);
      Term l = list(node, at, path);
      if (!l || tag == "!list") return l;
      std::vector<Term> elems;
      for (Term t = l; t.is_cons(); t = t.tail()) elems.push_back(t.head());
      return Term::tuple(std::span<const Term>(elems));
    }
    bool known = tag == "!atom" || tag == "!binary" || tag == kStdStr || tag == "!base64" ||
                 tag == kStdBinary || tag == "!charlist" || tag == "!float";
    if (!known) {
      c_.error(at, path + ": unknown tag " + shown_tag(tag) + " (expected one of: " + kTags +
                       ")");
      return Term();
    }
    std::string shown = shown_tag(tag);
    if (!node.IsScalar()) return bad(node, at, path, "a scalar after " + shown);
    const std::string& s = node.Scalar();
    if (tag == "!atom") return atom(node, at, path, s);
    if (tag == "!binary" || tag == kStdStr) return Term::binary(s);
    if (tag == "!base64" || tag == kStdBinary) {
      auto bytes = base64_decode(s);
      if (!bytes) return bad(node, at, path, "base64 text after " + shown);
      return Term::binary(std::span<const uint8_t>(*bytes));
    }
    if (tag == "!charlist") {
      std::vector<uint32_t> cps;
      if (!utf8_code_points(s, cps)) return bad(node, at, path, "UTF-8 text after !charlist");
      std::vector<Term> elems;
      for (uint32_t cp : cps) elems.push_back(Term::integer(cp));
      return Term::list(std::span<const Term>(elems));
    }
    // !float: an integer or a float, as a float.
    bool negative;
    int base;
    std::string_view digits;
    if (integer_syntax(s, negative, base, digits) && base == 10) {
      if (auto v = parse_float(s)) return Term::floating(*v);
    } else if (float_syntax(s)) {
      if (auto v = parse_float(s)) return Term::floating(*v);
    }
    return bad(node, at, path, "a finite decimal number after !float");
  }

 private:
  static std::string shown_tag(const std::string& tag) {
    if (tag.rfind("tag:yaml.org,2002:", 0) == 0) return "!!" + tag.substr(18);
    return tag;
  }

  Term bad(const YAML::Node& node, const YAML::Mark& at, const std::string& path,
           const std::string& what) {
    c_.expected(node, at, path, what);
    return Term();
  }

  Term atom(const YAML::Node& node, const YAML::Mark& at, const std::string& path,
            std::string_view name) {
    Atom a;
    const char* why = "not a valid atom";
    if (Atom::try_make(name, a, &why)) return Term::atom(a);
    c_.error(at, path + ": cannot make an atom of " + describe(node) + ": " + why);
    return Term();
  }

  Term plain(const YAML::Node& node, const YAML::Mark& at, const std::string& path) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return Term::atom(term::atoms::true_);
    if (s == "false" || s == "False" || s == "FALSE") return Term::atom(term::atoms::false_);
    bool negative;
    int base;
    std::string_view digits;
    if (integer_syntax(s, negative, base, digits)) {
      if (digits.size() > kMaxIntegerDigits)
        return bad(node, at, path,
                   "an integer of at most " + std::to_string(kMaxIntegerDigits) + " digits");
      return make_integer(negative, base, digits);
    }
    if (float_syntax(s)) {
      if (auto v = parse_float(s)) return Term::floating(*v);
      return bad(node, at, path, "a float within the range of a double");
    }
    if (is_special_float(s)) {
      return bad(node, at, path, "a finite float (Erlang has no infinity or NaN)");
    }
    if (!s.empty() && s[0] == ':') {
      if (s.size() == 1) return bad(node, at, path, "an atom name after ':'");
      return atom(node, at, path, std::string_view(s).substr(1));
    }
    return Term::binary(s);
  }

  Term list(const YAML::Node& node, const YAML::Mark& at, const std::string& path) {
    std::vector<Term> elems;
    bool ok = true;
    size_t i = 0;
    for (const auto& elem : node) {
      Term t = convert(elem, at, path + "[" + std::to_string(i++) + "]");
      ok = ok && t;
      elems.push_back(std::move(t));
    }
    return ok ? Term::list(std::span<const Term>(elems)) : Term();
  }

  Term map(const YAML::Node& node, const YAML::Mark& at, const std::string& path) {
    std::vector<std::pair<Term, Term>> pairs;
    std::vector<int> lines;  // of each key, for duplicates
    bool ok = true;
    for (const auto& kv : node) {
      std::string key_path = path + "." + (kv.first.IsScalar() ? kv.first.Scalar() : "<key>");
      YAML::Mark key_at = mark_of(kv.first, at);
      Term k = convert(kv.first, at, key_path);
      Term v = convert(kv.second, key_at, key_path);
      if (!k || !v) {
        ok = false;
        continue;
      }
      bool duplicate = false;
      for (size_t j = 0; j < pairs.size() && !duplicate; ++j) {
        if (pairs[j].first == k) {
          c_.error(key_at, key_path + ": duplicate key (the same term as the key on line " +
                               std::to_string(lines[j]) + ")");
          duplicate = true;
        }
      }
      if (duplicate) {
        ok = false;
        continue;
      }
      pairs.emplace_back(std::move(k), std::move(v));
      lines.push_back(key_at.line + 1);
    }
    return ok ? Term::map(std::span<const std::pair<Term, Term>>(pairs)) : Term();
  }

  Checker& c_;
};

// ---- term -> YAML ------------------------------------------------------------------------

bool plain_atom_name(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '@';
    if (!ok) return false;
  }
  return true;
}

// A double-quoted YAML scalar; nullopt when bytes are not UTF-8 text.
std::optional<std::string> double_quoted(std::string_view bytes) {
  std::vector<uint32_t> cps;
  if (!utf8_code_points(bytes, cps)) return std::nullopt;
  std::string out = "\"";
  size_t i = 0;
  for (uint32_t cp : cps) {
    size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    char buf[12];
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || cp == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      out += buf;
    } else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff) {
      // Line breaks and invisible characters in YAML's eyes: escaped to survive as written.
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      out.append(bytes.substr(i, len));
    }
    i += len;
  }
  return out + "\"";
}

std::string base64_encode(std::span<const uint8_t> bytes) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint32_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= bytes[i + 2];
    out += abc[n >> 18 & 63];
    out += abc[n >> 12 & 63];
    out += i + 1 < bytes.size() ? abc[n >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? abc[n & 63] : '=';
  }
  return out;
}

bool emit(const Term& t, std::string& out) {
  switch (t.kind()) {
    case term::Kind::Integer: out += term::to_string(t); return true;
    case term::Kind::Float: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, t.float_value());
      std::string s(buf, end);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      out += s;
      return true;
    }
    case term::Kind::Atom: {
      std::string_view name = t.atom_value().name();
      if (name == "true" || name == "false") {
        out += name;
      } else if (plain_atom_name(name)) {
        out += ':';
        out += name;
      } else {
        out += "!atom " + *double_quoted(name);  // atom names are UTF-8
      }
      return true;
    }
    case term::Kind::Binary: {
      if (!t.is_binary()) return false;
      if (auto q = double_quoted(t.bytes_view())) {
        out += *q;
      } else {
        out += "!base64 \"" + base64_encode(t.bytes()) + "\"";
      }
      return true;
    }
    case term::Kind::Nil: out += "[]"; return true;
    case term::Kind::List: {
      if (term::list_length(t) < 0) return false;
      out += '[';
      for (Term l = t; l.is_cons(); l = l.tail()) {
        if (l.raw() != t.raw()) out += ", ";
        if (!emit(l.head(), out)) return false;
      }
      out += ']';
      return true;
    }
    case term::Kind::Tuple: {
      out += "!tuple [";
      for (uint32_t i = 0; i < t.tuple_arity(); ++i) {
        if (i) out += ", ";
        if (!emit(t.element(i), out)) return false;
      }
      out += ']';
      return true;
    }
    case term::Kind::Map: {
      out += '{';
      for (uint32_t i = 0; i < t.map_size(); ++i) {
        if (i) out += ", ";
        if (!emit(t.map_key(i), out)) return false;
        out += ": ";
        if (!emit(t.map_value(i), out)) return false;
      }
      out += '}';
      return true;
    }
    default: return false;
  }
}

}  // namespace

term::Term yaml_to_term(Checker& c, const YAML::Node& node, const YAML::Mark& where,
                        std::string_view path) {
  return Converter(c).convert(node, where, std::string(path));
}

std::optional<std::string> term_to_yaml(const term::Term& t) {
  std::string out;
  if (!emit(t, out)) return std::nullopt;
  return out;
}

}  // namespace ergod::cli
