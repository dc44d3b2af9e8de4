// The one Catch2 main shared by every unit test executable (see tests/meson.build).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
