// Logging for the dist layer: one line per call, sent to a sink that the daemon layer installs
// (it owns the real logger, which the dist layer must not depend on). Without a sink, lines go
// to stderr. This file does not format, filter by level or buffer; the sink does.
//
// Threads: set_log_sink() once at start-up, before any loop runs; log() from any thread (the
// sink must then be thread-safe; the default one is).
#pragma once

#include <functional>
#include <string_view>

namespace ergod::dist {

enum class LogLevel { debug, info, notice, warning, error };

const char* to_string(LogLevel level);

using LogSink = std::function<void(LogLevel, std::string_view)>;

// Replaces the sink; an empty function restores the stderr default.
void set_log_sink(LogSink sink);

void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_notice(std::string_view m) { log(LogLevel::notice, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace ergod::dist
