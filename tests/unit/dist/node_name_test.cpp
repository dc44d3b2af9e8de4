// Node name rules for our own name and for peers' names.
#include <catch2/catch.hpp>

#include "dist/flags.h"
#include "dist/node_name.h"

using namespace ergod::dist;

TEST_CASE("our own short name needs a dotless host and a plain alive part", "[dist][names]") {
  auto ok = parse_own_node_name("ergod_1-a@vm", NameDomain::shortnames);
  REQUIRE(ok.ok());
  CHECK(ok.value().alive == "ergod_1-a");
  CHECK(ok.value().host == "vm");
  CHECK_FALSE(parse_own_node_name("e@vm.example.com", NameDomain::shortnames).ok());
  CHECK_FALSE(parse_own_node_name("e.x@vm", NameDomain::shortnames).ok());
  CHECK_FALSE(parse_own_node_name("e@v m", NameDomain::shortnames).ok());
  CHECK_FALSE(parse_own_node_name("vm", NameDomain::shortnames).ok());
}

TEST_CASE("our own long name needs a dotted host or an IP address", "[dist][names]") {
  CHECK(parse_own_node_name("e@vm.example.com", NameDomain::longnames).ok());
  CHECK(parse_own_node_name("e@127.0.0.1", NameDomain::longnames).ok());
  CHECK(parse_own_node_name("e@::1", NameDomain::longnames).ok());
  auto bad = parse_own_node_name("e@vm", NameDomain::longnames);
  CHECK_THAT(bad.error(), Catch::Contains("fully qualified"));
}

TEST_CASE("our domain comes from our host; a peer of the other one is not dialled", "[dist][names]") {
  CHECK(own_name_domain("e@vm") == NameDomain::shortnames);
  CHECK(own_name_domain("vm") == NameDomain::shortnames);  // a host alone, waiting for NAME_ME
  CHECK(own_name_domain("e@vm.example.com") == NameDomain::longnames);
  CHECK(own_name_domain("e@127.0.0.1") == NameDomain::longnames);
  CHECK(own_name_domain("e@::1") == NameDomain::longnames);
  auto peer = [](const char* n) { return parse_peer_node_name(n).value(); };
  CHECK(check_name_domain(peer("a@vm"), NameDomain::shortnames).ok());
  CHECK_FALSE(check_name_domain(peer("a@127.0.0.1"), NameDomain::shortnames).ok());
  CHECK(check_name_domain(peer("a@::1"), NameDomain::longnames).ok());
  CHECK_FALSE(check_name_domain(peer("a@vm"), NameDomain::longnames).ok());
}

TEST_CASE("a peer's name needs one '@' and two non-empty parts", "[dist][names]") {
  CHECK(parse_peer_node_name("any.thing@h").ok());
  CHECK(parse_peer_node_name("\xc3\xa5@h").ok());  // UTF-8 is fine
  CHECK_FALSE(parse_peer_node_name("a@b@c").ok());
  CHECK_FALSE(parse_peer_node_name("@h").ok());
  CHECK_FALSE(parse_peer_node_name(std::string(300, 'a') + "@h").ok());
}

TEST_CASE("UTF-8 length rejects truncated, overlong and surrogate sequences", "[dist][names]") {
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("\xe2\x82\xac") == 1);
  CHECK(utf8_length("\xe2\x82") == -1);
  CHECK(utf8_length("\xc0\xaf") == -1);
  CHECK(utf8_length("\xed\xa0\x80") == -1);
}

TEST_CASE("flag names list every set bit", "[dist][flags]") {
  CHECK(flags_to_string(dflag::big_creation | dflag::alias) == "BIG_CREATION|ALIAS");
  CHECK(flags_to_string(0) == "none");
  CHECK((kAdvertisedFlags & kMandatoryFlags25) == kMandatoryFlags25);
  CHECK((kAdvertisedFlags & dflag::name_me) == 0);
}
