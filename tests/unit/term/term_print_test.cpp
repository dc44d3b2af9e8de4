// Printing terms: ~w, and ~0tp as OTP's logger shows terms in its reports (printable binaries
// and lists as text). The expected strings are what io:format("~0tp") printed on OTP 25.
#include <catch2/catch.hpp>

#include <string>

#include "term/term.h"

using namespace ergod::term;

namespace {
Term A(const char* s) { return Term::atom(s); }
Term B(std::string_view s) { return Term::binary(s); }
Term L(std::initializer_list<int64_t> xs) {
  std::vector<Term> v;
  for (auto x : xs) v.push_back(Term::integer(x));
  return Term::list(std::span<const Term>(v));
}
std::string p(const Term& t) { return to_string(t, 1 << 20, PrintStyle::p); }
}  // namespace

TEST_CASE("~w prints binaries as bytes and strings as lists of integers", "[term][print]") {
  CHECK(to_string(B("boom")) == "<<98,111,111,109>>");
  CHECK(to_string(L({97, 98, 99})) == "[97,98,99]");
}

TEST_CASE("~tp prints printable binaries as <<\"text\">> and printable lists as \"text\", as OTP's reports do",
          "[term][print]") {
  CHECK(p(B("boom")) == "<<\"boom\">>");
  CHECK(p(Term::tuple({A("shutdown"), B("x y")})) == "{shutdown,<<\"x y\">>}");
  CHECK(p(L({97, 98, 99})) == "\"abc\"");
  CHECK(p(L({1, 2})) == "[1,2]");
  CHECK(p(Term::map({{A("a"), Term::binary(std::string_view("\x01\x02", 2))}})) == "#{a => <<1,2>>}");
  CHECK(p(B("")) == "<<>>");
  CHECK(p(Term::nil()) == "[]");
  // Escapes as io_lib's write_string.
  CHECK(p(L({'a', '"', 'b', '\\', 'c', '\n'})) == "\"a\\\"b\\\\c\\n\"");
  CHECK(p(B("a\"b\n\t")) == "<<\"a\\\"b\\n\\t\">>");
  // UTF-8 beyond ASCII is marked /utf8; a Latin-1 byte that is not UTF-8 prints as its char.
  CHECK(p(B("\xc3\xa9")) == "<<\"\xc3\xa9\"/utf8>>");
  CHECK(p(B("\xe9")) == "<<\"\xc3\xa9\">>");
  CHECK(p(L({233})) == "\"\xc3\xa9\"");
  // Not printable with the default +pc latin1: as ~w.
  CHECK(p(L({1000})) == "[1000]");
  CHECK(p(L({256})) == "[256]");
  CHECK(p(B(std::string_view("a\0", 2))) == "<<97,0>>");
  CHECK(p(B("\x7f")) == "<<127>>");
  CHECK(p(B("\x80")) == "<<128>>");
  CHECK(p(L({7, 8, 9, 10, 11, 12, 13, 27})) == "[7,8,9,10,11,12,13,27]");
  CHECK(p(Term::cons(Term::integer('a'), A("b"))) == "[97|b]");
  Term ab[] = {Term::integer(97), Term::integer(98)};
  CHECK(p(Term::list(std::span<const Term>(ab), B("c"))) == "[97,98|<<\"c\">>]");
  uint8_t bits[] = {0x20};
  CHECK(p(Term::bitstring(bits, 3)) == "<<1:3>>");
}
