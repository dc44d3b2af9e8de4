// The C++ layer's terms and conversions through the daemon's real host table
// (plugin::host_table()): every type round trips, ERGOD_STRUCT maps, BadTerm messages, Term's
// accessors, iteration, printing, ETF and order.
#include <catch2/catch.hpp>

#include <ergod/ergod.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "plugin/host_table.h"

namespace sdk = ergod::sdk;
using sdk::atom;
using sdk::Term;

namespace shapes {
struct Point {
  int32_t x = 0;
  int32_t y = 0;
  bool operator==(const Point&) const = default;
};
ERGOD_STRUCT(Point, x, y)

struct Shape {
  std::string name;
  std::vector<Point> corners;
  std::optional<double> area;
  sdk::Atom kind;
  bool operator==(const Shape&) const = default;
};
ERGOD_STRUCT(Shape, name, corners, area, kind)
}  // namespace shapes

namespace {

struct UseHost {
  UseHost() { sdk::set_host(ergod::plugin::host_table()); }
};

template <class T>
T round_trip(const T& v) {
  return sdk::from_term<T>(sdk::to_term(v));
}

// The BadTerm message of from_term<T>(t).
template <class T>
std::string bad_term(const Term& t) {
  try {
    (void)sdk::from_term<T>(t);
  } catch (const sdk::BadTerm& e) {
    return e.what();
  }
  return "(no BadTerm)";
}

}  // namespace

TEST_CASE("every supported C++ type round trips through a term", "[sdk][convert]") {
  UseHost h;
  CHECK(round_trip(true) == true);
  CHECK(round_trip(false) == false);
  CHECK(round_trip(int8_t{-128}) == -128);
  CHECK(round_trip(uint8_t{255}) == 255);
  CHECK(round_trip(int16_t{-32768}) == -32768);
  CHECK(round_trip(uint16_t{65535}) == 65535);
  CHECK(round_trip(std::numeric_limits<int32_t>::min()) == std::numeric_limits<int32_t>::min());
  CHECK(round_trip(std::numeric_limits<uint32_t>::max()) == std::numeric_limits<uint32_t>::max());
  CHECK(round_trip(std::numeric_limits<int64_t>::min()) == std::numeric_limits<int64_t>::min());
  CHECK(round_trip(std::numeric_limits<int64_t>::max()) == std::numeric_limits<int64_t>::max());
  CHECK(round_trip(std::numeric_limits<uint64_t>::max()) == std::numeric_limits<uint64_t>::max());
  CHECK(round_trip(1.5) == 1.5);
  CHECK(round_trip(-0.25f) == -0.25f);
  CHECK(round_trip(std::string("bytes\0here", 10)) == std::string("bytes\0here", 10));
  CHECK(round_trip(std::string()) == std::string());
  CHECK(round_trip(sdk::Atom("hello world")) == sdk::Atom("hello world"));
  CHECK(round_trip(std::vector<int>{1, 2, 3}) == std::vector<int>{1, 2, 3});
  CHECK(round_trip(std::vector<std::string>{}) == std::vector<std::string>{});
  CHECK(round_trip(std::map<std::string, int>{{"a", 1}, {"b", 2}}) == std::map<std::string, int>{{"a", 1}, {"b", 2}});
  CHECK(round_trip(std::unordered_map<int, bool>{{1, true}, {2, false}}) ==
        std::unordered_map<int, bool>{{1, true}, {2, false}});
  CHECK(round_trip(std::tuple<int, std::string, bool>{7, "x", true}) == std::tuple<int, std::string, bool>{7, "x", true});
  CHECK(round_trip(std::tuple<>{}) == std::tuple<>{});
  CHECK(round_trip(std::pair<sdk::Atom, double>{"pi", 3.14}) == std::pair<sdk::Atom, double>{"pi", 3.14});
  CHECK(round_trip(std::optional<int>{}) == std::nullopt);
  CHECK(round_trip(std::optional<int>{42}) == 42);
  CHECK(round_trip(std::vector<std::optional<std::vector<int>>>{{}, {{1}}}) ==
        std::vector<std::optional<std::vector<int>>>{{}, {{1}}});
  Term t = sdk::tuple(atom("a"), 1);
  CHECK(round_trip(t) == t);
}

TEST_CASE("conversions produce the Erlang terms they document", "[sdk][convert]") {
  UseHost h;
  CHECK(sdk::to_term(true).to_string() == "true");
  CHECK(sdk::to_term(-5).to_string() == "-5");
  CHECK(sdk::to_term(std::numeric_limits<uint64_t>::max()).to_string() == "18446744073709551615");
  CHECK(sdk::to_term(std::string("hi")).to_string() == "<<104,105>>");
  CHECK(sdk::to_term("lit").to_string() == "<<108,105,116>>");
  CHECK(sdk::to_term(sdk::Atom("ok")).to_string() == "ok");
  CHECK(sdk::to_term(std::vector<int>{1, 2}).to_string() == "[1,2]");
  CHECK(sdk::to_term(std::map<sdk::Atom, int>{{"k", 1}}).to_string() == "#{k => 1}");
  CHECK(sdk::to_term(std::pair<int, int>{1, 2}).to_string() == "{1,2}");
  CHECK(sdk::to_term(std::optional<int>{}).to_string() == "undefined");
  CHECK(sdk::charlist("abc").to_string() == "[97,98,99]");
  CHECK(sdk::to_term(2.5).is_float());
  CHECK(sdk::from_term<double>(sdk::to_term(3)) == 3.0);  // integers are numbers too
}

TEST_CASE("ERGOD_STRUCT converts a struct to a map with atom keys and back", "[sdk][convert][struct]") {
  UseHost h;
  shapes::Point p{3, -4};
  Term t = sdk::to_term(p);
  CHECK(t.is_map());
  CHECK(t.to_string() == "#{x => 3,y => -4}");
  CHECK(t.at(sdk::Atom("y")).as<int>() == -4);
  CHECK(t.as<shapes::Point>() == p);

  shapes::Shape s{"tri", {{0, 0}, {1, 0}, {0, 1}}, 0.5, "polygon"};
  CHECK(round_trip(s) == s);
  // An optional member may be absent; keys the struct does not know are ignored.
  Term partial = sdk::map_of({{atom("name"), sdk::binary("sq")},
                              {atom("corners"), sdk::nil()},
                              {atom("kind"), atom("box")},
                              {atom("extra"), sdk::integer(1)}});
  shapes::Shape back = partial.as<shapes::Shape>();
  CHECK(back.name == "sq");
  CHECK_FALSE(back.area.has_value());
  CHECK(back.kind == sdk::Atom("box"));
}

TEST_CASE("a failed from_term throws BadTerm saying what was expected and where", "[sdk][convert][struct]") {
  UseHost h;
  CHECK(bad_term<int>(atom("x")) == "expected an integer in [-2147483648, 2147483647], got x");
  CHECK(bad_term<uint8_t>(sdk::to_term(256)) == "expected an integer in [0, 255], got 256");
  CHECK(bad_term<uint64_t>(sdk::to_term(-1)) == "expected an integer in [0, 18446744073709551615], got -1");
  CHECK(bad_term<bool>(atom("yes")) == "expected true or false, got yes");
  CHECK(bad_term<std::string>(sdk::charlist("ab")) == "expected a binary, got [97,98]");
  CHECK(bad_term<sdk::Atom>(sdk::integer(1)) == "expected an atom, got 1");
  CHECK(bad_term<std::vector<int>>(sdk::list(1, atom("two"))) ==
        "list element 1: expected an integer in [-2147483648, 2147483647], got two");
  CHECK(bad_term<std::tuple<int, int>>(sdk::tuple(1)) == "expected a tuple of 2 elements, got {1}");
  CHECK(bad_term<std::map<sdk::Atom, int>>(sdk::map_of({{atom("k"), atom("v")}})) ==
        "map value of k: expected an integer in [-2147483648, 2147483647], got v");
  CHECK(bad_term<shapes::Point>(sdk::list()) == "Point: expected a map, got []");
  CHECK(bad_term<shapes::Point>(sdk::map_of({{atom("x"), sdk::integer(1)}})) == "Point: missing field y in #{x => 1}");
  CHECK(bad_term<shapes::Point>(sdk::map_of({{atom("x"), sdk::integer(1)}, {atom("y"), sdk::binary("2")}})) ==
        "Point.y: expected an integer in [-2147483648, 2147483647], got <<50>>");
  Term nested = sdk::map_of({{atom("name"), sdk::binary("t")},
                             {atom("corners"), sdk::list(sdk::map_of({{atom("x"), sdk::integer(0)}}))},
                             {atom("kind"), atom("k")}});
  CHECK(bad_term<shapes::Shape>(nested) == "Shape.corners: list element 0: Point: missing field y in #{x => 0}");
}

TEST_CASE("Term accessors read tuples, maps, lists and binaries in place", "[sdk][term]") {
  UseHost h;
  Term t = sdk::tuple(atom("echo"), sdk::binary("payload"), 3);
  CHECK(t.is_tuple());
  CHECK(t.tuple_size() == 3);
  CHECK(t.is_record("echo", 3));
  CHECK_FALSE(t.is_record("echo", 2));
  CHECK(t[0].atom_name() == "echo");
  Term payload = t[1];  // bytes() lives as long as its Term: not on a temporary
  CHECK(payload.bytes() == "payload");
  CHECK(t[2].as<int>() == 3);
  CHECK_THROWS_AS(t[3], sdk::BadTerm);
  CHECK(t.elements().size() == 3);

  Term l = sdk::list(1, 2, 3);
  CHECK(l.is_list());
  CHECK(l.length() == 3);
  int sum = 0;
  for (const Term& e : l.list()) sum += e.as<int>();
  CHECK(sum == 6);
  CHECK(sdk::list_of({sdk::integer(1)}, sdk::integer(2)).length() == -1);  // [1 | 2]
  CHECK_THROWS_AS(sdk::list_of({sdk::integer(1)}, sdk::integer(2)).list(), sdk::BadTerm);
  int n = 0;
  for (const Term& e : sdk::nil().list()) n += e.is_nil() ? 1 : 1;
  CHECK(n == 0);

  Term m = sdk::map_of({{atom("b"), sdk::integer(2)}, {atom("a"), sdk::integer(1)}});
  CHECK(m.map_size() == 2);
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.map()) keys.emplace_back(k.atom_name());
  CHECK(keys == std::vector<std::string>{"a", "b"});  // key order
  CHECK(m.get(sdk::Atom("a")).as<int>() == 1);
  CHECK(m.get(sdk::Atom("zz")).empty());
  CHECK_THROWS_WITH(m.at(sdk::Atom("zz")), "no key zz in #{a => 1,b => 2}");
}

TEST_CASE("Term copies share the term, moves take it, empty Terms are no term", "[sdk][term]") {
  UseHost h;
  Term a = sdk::binary(std::string(1000, 'x'));
  Term b = a;
  CHECK(b == a);
  Term c = std::move(b);
  CHECK(b.empty());
  CHECK(c == a);
  c = c;  // self-assignment keeps it
  CHECK(c == a);
  Term none;
  CHECK_FALSE(none);
  CHECK(none.type() == ERGOD_TYPE_NONE);
  CHECK(none == Term());
  CHECK(none.to_string().empty());
  CHECK(sdk::from_term<std::optional<int>>(none) == std::nullopt);
}

TEST_CASE("Terms compare in Erlang's term order; == is exact", "[sdk][term]") {
  UseHost h;
  CHECK(sdk::integer(1) < atom("a"));
  CHECK(atom("a") < sdk::tuple());
  CHECK(sdk::tuple() < sdk::nil());
  CHECK(sdk::nil() < sdk::binary(""));
  CHECK(sdk::to_term(1) != sdk::to_term(1.0));  // =/= ...
  CHECK(std::is_eq(sdk::to_term(1) <=> sdk::to_term(1.0)));  // ... but == in the order
  std::map<Term, int> by_term{{atom("z"), 1}, {sdk::integer(5), 2}};
  CHECK(by_term.begin()->second == 2);
}

TEST_CASE("to_string prints as io_lib ~w, also past the first buffer", "[sdk][term]") {
  UseHost h;
  CHECK(sdk::tuple(atom("ok"), sdk::list(1, 2), sdk::binary("b")).to_string() == "{ok,[1,2],<<98>>}");
  std::vector<int> many(500, 7);
  std::string s = sdk::to_term(many).to_string();
  CHECK(s.size() == 1 + 500 * 2 - 1 + 1);
  CHECK(s.substr(0, 6) == "[7,7,7");
}

TEST_CASE("ETF bytes out and back give the same term; malformed bytes throw BadTerm", "[sdk][term]") {
  UseHost h;
  Term t = sdk::tuple(atom("x"), sdk::list(1, 2.5, "three"), sdk::map_of({{atom("k"), sdk::nil()}}));
  std::string etf = t.to_etf();
  CHECK(static_cast<unsigned char>(etf[0]) == 131);
  CHECK(Term::from_etf(etf) == t);
  CHECK_THROWS_AS(Term::from_etf(std::string("\x83\x68", 2)), sdk::BadTerm);
}

TEST_CASE("builders refuse what the host refuses, with BadTerm", "[sdk][term]") {
  UseHost h;
  CHECK_THROWS_AS(atom(std::string(256, 'a')), sdk::BadTerm);
  CHECK_THROWS_AS(sdk::charlist("\xff"), sdk::BadTerm);
  CHECK(atom(std::string(255, 'a')).is_atom());
}
