// host.hpp: the host's function table as the C++ layer reaches it: one pointer per shared
// object (hidden, so each plugin keeps its own), set by the entry point; plus the log.
// Part of ergod.hpp (include that).
// Threads: host() from any thread once set_host ran (before any other SDK code).
#pragma once

#include <ergod/ergod.h>

#include <cstdint>
#include <string>

#if defined(__GNUC__)
#define ERGOD_HIDDEN_ [[gnu::visibility("hidden")]]
#else
#define ERGOD_HIDDEN_
#endif

namespace ergod::sdk {

// ================================================================================================
// The host table
// ================================================================================================
namespace detail {
// Hidden: each plugin (and a test program) has its own copy, set by its own entry point.
ERGOD_HIDDEN_ inline const ergod_host* g_host = nullptr;
}  // namespace detail

inline const ergod_host& host() noexcept { return *detail::g_host; }
// The entry point (ERGOD_PLUGIN) calls it; a program that uses the layer directly calls it
// with the daemon's table first.
inline void set_host(const ergod_host* h) noexcept { detail::g_host = h; }

inline constexpr int64_t infinity = ERGOD_INFINITY;

enum class Level { trace = ERGOD_LOG_TRACE, debug, info, notice, warning, error };

// A log line outside any process, tagged with the plugin's name.
inline void log(Level level, const std::string& message) {
  host().log(nullptr, static_cast<ergod_log_level>(level), message.c_str());
}

}  // namespace ergod::sdk
