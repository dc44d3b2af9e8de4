// Unit tests of the logger's line format and level names.
#include <catch2/catch.hpp>

#include "base/log.h"

using namespace ergod;

TEST_CASE("each level carries its journald priority prefix", "[cli][log]") {
  CHECK(format_log_line(LogLevel::trace, "t") == "<7>ergod: t\n");
  CHECK(format_log_line(LogLevel::debug, "d") == "<7>ergod: d\n");
  CHECK(format_log_line(LogLevel::info, "node a@b running") == "<6>ergod: node a@b running\n");
  CHECK(format_log_line(LogLevel::notice, "n") == "<5>ergod: n\n");
  CHECK(format_log_line(LogLevel::warning, "w") == "<4>ergod: w\n");
  CHECK(format_log_line(LogLevel::error, "e") == "<3>ergod: e\n");
}

TEST_CASE("a message with a newline stays one journal line", "[cli][log]") {
  CHECK(format_log_line(LogLevel::info, "a\nb") == "<6>ergod: a b\n");
}

TEST_CASE("level names round-trip and unknown names are refused", "[cli][log]") {
  for (auto level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::notice,
                     LogLevel::warning, LogLevel::error}) {
    CHECK(parse_log_level(to_string(level)) == level);
  }
  CHECK_FALSE(parse_log_level("loud").has_value());
  CHECK_FALSE(parse_log_level("INFO").has_value());
}

TEST_CASE("the level filter is set and read back", "[cli][log]") {
  LogLevel before = log_level();
  set_log_level(LogLevel::error);
  CHECK(log_level() == LogLevel::error);
  set_log_level(before);
  CHECK(log_level() == before);
}

TEST_CASE("a source's own level overrides the node's", "[log]") {
  LogLevel before = log_level();
  set_log_level(LogLevel::info);
  set_source_log_level("shop", LogLevel::trace);
  CHECK(log_enabled(LogLevel::trace, "shop"));
  CHECK_FALSE(log_enabled(LogLevel::trace, "other"));
  CHECK_FALSE(log_enabled(LogLevel::debug));
  CHECK(format_log_line(LogLevel::info, "shop", "up") == "<6>ergod: shop: up\n");
  clear_source_log_levels();
  CHECK_FALSE(log_enabled(LogLevel::trace, "shop"));
  set_log_level(before);
}
