// Unit tests of the YAML-to-term mapping (yaml_term.h): one test per rule, the errors with
// their positions, and the round trip through term_to_yaml.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/yaml_term.h"
#include "term/term.h"

using namespace ergod;
using namespace ergod::cli;
using term::Term;

namespace {

struct Converted {
  Term term;
  std::vector<std::string> errors;  // "line:column: message"
};

Converted convert(const std::string& yaml) {
  Checker c("t.yaml", ".");
  YAML::Node root = YAML::Load("v: " + yaml);
  Converted out;
  out.term = yaml_to_term(c, root["v"], root.begin()->first.Mark(), "v");
  for (const auto& e : c.take_errors())
    out.errors.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " +
                         e.message);
  return out;
}

// Erlang's form of t, with binaries of printable ASCII as <<"text">> to keep the
// expectations readable (term::to_string prints ~w: <<116,101,120,116>>).
std::string show(const Term& t) {
  auto join = [](const Term* items, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += (i ? "," : "") + show(items[i]);
    return out;
  };
  if (t.is_binary()) {
    std::string_view s = t.bytes_view();
    if (s.empty()) return "<<>>";
    bool text = true;
    for (unsigned char ch : s) text = text && ch >= 0x20 && ch < 0x7f && ch != '"';
    if (text) return "<<\"" + std::string(s) + "\">>";
  } else if (t.is_tuple()) {
    return "{" + join(t.tuple_data(), t.tuple_arity()) + "}";
  } else if (t.is_cons() && term::list_length(t) > 0) {
    std::vector<Term> items;
    for (Term l = t; l.is_cons(); l = l.tail()) items.push_back(l.head());
    return "[" + join(items.data(), items.size()) + "]";
  } else if (t.is_map()) {
    std::string out = "#{";
    for (uint32_t i = 0; i < t.map_size(); ++i)
      out += (i ? "," : "") + show(t.map_key(i)) + "=>" + show(t.map_value(i));
    return out + "}";
  }
  return term::to_string(t);
}

// The term's Erlang form (show), or the errors.
std::string as_erlang(const std::string& yaml) {
  Converted c = convert(yaml);
  if (!c.errors.empty()) {
    std::string all;
    for (const auto& e : c.errors) all += (all.empty() ? "" : "\n") + e;
    return "error: " + all;
  }
  REQUIRE(c.term);
  return show(c.term);
}

}  // namespace

TEST_CASE("null forms and an empty value are the atom undefined", "[cli][yaml_term]") {
  CHECK(as_erlang("~") == "undefined");
  CHECK(as_erlang("null") == "undefined");
  CHECK(as_erlang("Null") == "undefined");
  CHECK(as_erlang("") == "undefined");
  CHECK(as_erlang("[~, null]") == "[undefined,undefined]");
}

TEST_CASE("YAML 1.2 booleans are the atoms true and false; yes/no/on/off are text",
          "[cli][yaml_term]") {
  CHECK(as_erlang("true") == "true");
  CHECK(as_erlang("False") == "false");
  CHECK(as_erlang("TRUE") == "true");
  CHECK(as_erlang("yes") == "<<\"yes\">>");
  CHECK(as_erlang("off") == "<<\"off\">>");
}

TEST_CASE("plain integers are integers of any size, decimal, hex or octal",
          "[cli][yaml_term]") {
  CHECK(as_erlang("42") == "42");
  CHECK(as_erlang("-7") == "-7");
  CHECK(as_erlang("+7") == "7");
  CHECK(as_erlang("007") == "7");
  CHECK(as_erlang("0x1F") == "31");
  CHECK(as_erlang("-0x1f") == "-31");
  CHECK(as_erlang("0o17") == "15");
  CHECK(as_erlang("9223372036854775807") == "9223372036854775807");
  CHECK(as_erlang("9223372036854775808") == "9223372036854775808");
  CHECK(as_erlang("-123456789012345678901234567890") == "-123456789012345678901234567890");
  CHECK(as_erlang("0x10000000000000000") == "18446744073709551616");
  Term big = convert("340282366920938463463374607431768211456").term;  // 2^128
  CHECK(big.is_integer());
  CHECK_FALSE(big.is_small());
}

TEST_CASE("plain floats follow YAML 1.2; infinity, NaN and overflow are errors",
          "[cli][yaml_term]") {
  CHECK(as_erlang("1.5") == "1.5");
  CHECK(as_erlang("-2.0e3") == "-2000.0");
  CHECK(as_erlang(".5") == "0.5");
  CHECK(as_erlang("5.") == "5.0");
  CHECK(as_erlang("1e3") == "1000.0");
  CHECK(convert("1.5").term.is_float());
  CHECK(as_erlang(".inf") ==
        "error: 1:4: v: expected a finite float (Erlang has no infinity or NaN), got \".inf\"");
  CHECK(as_erlang("-.inf").rfind("error: 1:4: v: expected a finite float", 0) == 0);
  CHECK(as_erlang(".nan").rfind("error: 1:4: v: expected a finite float", 0) == 0);
  CHECK(as_erlang("1e400") ==
        "error: 1:4: v: expected a float within the range of a double, got \"1e400\"");
}

TEST_CASE("a plain scalar starting with ':' is an atom named by the rest", "[cli][yaml_term]") {
  CHECK(as_erlang(":ok") == "ok");
  CHECK(convert(":ok").term.is_atom(term::atoms::ok));
  CHECK(as_erlang(":Hello") == "'Hello'");
  CHECK(as_erlang(":a@b") == "a@b");
  CHECK(as_erlang("::x") == "':x'");
  CHECK(as_erlang(":true") == "true");
  CHECK(as_erlang("[:a, :b]") == "[a,b]");
}

TEST_CASE("other plain scalars are binaries of their UTF-8 text", "[cli][yaml_term]") {
  CHECK(as_erlang("hello world") == "<<\"hello world\">>");
  CHECK(as_erlang("0x") == "<<\"0x\">>");
  CHECK(as_erlang("1_000") == "<<\"1_000\">>");
  CHECK(as_erlang("a:b") == "<<\"a:b\">>");
  Term t = convert("héllo").term;
  REQUIRE(t.is_binary());
  CHECK(t.bytes_view() == "héllo");
}

TEST_CASE("a quoted scalar is always a binary, exactly as written", "[cli][yaml_term]") {
  CHECK(as_erlang("\"123\"") == "<<\"123\">>");
  CHECK(as_erlang("'true'") == "<<\"true\">>");
  CHECK(as_erlang("\"~\"") == "<<\"~\">>");
  CHECK(as_erlang("\"null\"") == "<<\"null\">>");
  CHECK(as_erlang("\":ok\"") == "<<\":ok\">>");
  CHECK(as_erlang("\"\"") == "<<>>");
  CHECK(as_erlang("! text") == "<<\"text\">>");
}

TEST_CASE("sequences are lists and mappings are maps with keys mapped alike",
          "[cli][yaml_term]") {
  CHECK(as_erlang("[]") == "[]");
  CHECK(as_erlang("[1, [2, x]]") == "[1,[2,<<\"x\">>]]");
  CHECK(as_erlang("{}") == "#{}");
  CHECK(as_erlang("{port: 1}") == "#{<<\"port\">>=>1}");
  CHECK(as_erlang("{:port: 1, 2: two}") == "#{2=><<\"two\">>,port=>1}");
  CHECK(as_erlang("{!tuple [a, 1]: x}") == "#{{<<\"a\">>,1}=><<\"x\">>}");
}

TEST_CASE("two map keys that are the same term are an error at the second",
          "[cli][yaml_term]") {
  CHECK(as_erlang("{1: a, 0x1: b}") ==
        "error: 1:11: v.0x1: duplicate key (the same term as the key on line 1)");
}

TEST_CASE("tags give atoms, binaries, charlists, floats, tuples and lists",
          "[cli][yaml_term]") {
  CHECK(as_erlang("!atom ok") == "ok");
  CHECK(as_erlang("!atom \"a b\"") == "'a b'");
  CHECK(as_erlang("!atom ''") == "''");
  CHECK(as_erlang("!binary 123") == "<<\"123\">>");
  CHECK(as_erlang("!!str true") == "<<\"true\">>");
  CHECK(as_erlang("!base64 aGk=") == "<<\"hi\">>");
  CHECK(as_erlang("!!binary AAH/") == "<<0,1,255>>");
  CHECK(as_erlang("!charlist abc") == "[97,98,99]");
  Term cl = convert("!charlist \"é\"").term;
  REQUIRE(cl.is_cons());
  CHECK(cl.head().small_value() == 0xe9);
  CHECK(as_erlang("!float 1") == "1.0");
  CHECK(as_erlang("!float 2.5") == "2.5");
  CHECK(as_erlang("!tuple [:ok, 1]") == "{ok,1}");
  CHECK(as_erlang("!tuple []") == "{}");
  CHECK(as_erlang("!tuple [!tuple [a]]") == "{{<<\"a\">>}}");
  CHECK(as_erlang("!list [1, 2]") == "[1,2]");
}

TEST_CASE("a tag on the wrong kind of node, or an unknown tag, is an error at the node",
          "[cli][yaml_term]") {
  CHECK(as_erlang("!tuple x") == "error: 1:4: v: expected a list after !tuple, got \"x\"");
  CHECK(as_erlang("!atom [a]") == "error: 1:4: v: expected a scalar after !atom, got a list");
  CHECK(as_erlang("!float abc") ==
        "error: 1:4: v: expected a finite decimal number after !float, got \"abc\"");
  CHECK(as_erlang("!base64 a") == "error: 1:4: v: expected base64 text after !base64, got \"a\"");
  CHECK(as_erlang("!pid x") ==
        "error: 1:4: v: unknown tag !pid (expected one of: !atom, !binary, !base64, "
        "!charlist, !float, !tuple, !list)");
}

TEST_CASE("every error in a value is reported, with the path of the element",
          "[cli][yaml_term]") {
  Converted c = convert("[1, !tuple x, {k: .nan}]");
  CHECK(!c.term);
  CHECK(c.errors == std::vector<std::string>{
                        "1:8: v[1]: expected a list after !tuple, got \"x\"",
                        "1:22: v[2].k: expected a finite float (Erlang has no infinity or "
                        "NaN), got \".nan\""});
}

TEST_CASE("an atom longer than 255 characters is an error", "[cli][yaml_term]") {
  std::string long_name(256, 'a');
  CHECK(as_erlang("!atom " + long_name) ==
        "error: 1:4: v: cannot make an atom of \"" + long_name +
            "\": atom longer than 255 characters");
}

TEST_CASE("term_to_yaml writes every term with a YAML form so that it maps back equal",
          "[cli][yaml_term]") {
  std::vector<Term> terms = {
      Term::integer(0), Term::integer(-42), Term::integer(Term::kSmallMax),
      convert("-123456789012345678901234567890").term, Term::floating(1.5),
      Term::floating(-0.0), Term::floating(1e300), Term::floating(100.0),
      Term::floating(1e-7), Term::atom("ok"), Term::atom("true"), Term::atom("undefined"),
      Term::atom("Hello World"), Term::atom(""), Term::atom("é"), Term::binary("plain"),
      Term::binary(""), Term::binary("123"), Term::binary(":ok"), Term::binary("a\"b\\c\n\t"),
      Term::binary("\x01\x7f"), Term::binary("é\xe2\x80\xa8"),
      Term::binary(std::string_view("\xff\x00\x80", 3)), Term::nil(),
      Term::list({Term::integer(1), Term::binary("x"), Term::nil()}),
      Term::tuple({}), Term::tuple({Term::atom("ok"), Term::tuple({Term::integer(1)})}),
      Term::map({{Term::binary("a"), Term::integer(1)},
                 {Term::tuple({Term::atom("k")}), Term::list({Term::atom("v")})},
                 {Term::integer(2), Term::map({})}})};
  for (const Term& t : terms) {
    auto yaml = term_to_yaml(t);
    INFO(term::to_string(t) << " as " << (yaml ? *yaml : "(none)"));
    REQUIRE(yaml);
    Converted back = convert(*yaml);
    CHECK(back.errors.empty());
    CHECK(back.term == t);
    if (t.is_float()) CHECK(back.term.is_float());
  }
}

TEST_CASE("terms with no YAML form are refused by term_to_yaml", "[cli][yaml_term]") {
  CHECK_FALSE(term_to_yaml(Term::pid(term::atoms::nonode_nohost, 1, 0, 0)));
  CHECK_FALSE(term_to_yaml(Term::cons(Term::integer(1), Term::integer(2))));
  const uint8_t bits[] = {0x80};
  CHECK_FALSE(term_to_yaml(Term::bitstring(bits, 1)));
  CHECK_FALSE(term_to_yaml(Term::list({Term::pid(term::atoms::nonode_nohost, 1, 0, 0)})));
}
