// The one logger of every layer: a line per call on stderr, prefixed with a journald priority
// (<7>..<3>, see sd-daemon(3)) so that journald files each line at the right level. Lines may
// carry a source (an application's name) with a level of its own ("levels per application").
// It does not rotate, buffer or write files: under systemd, stderr is the journal.
// Tests and tools may install a sink that receives every line instead (no level filter).
//
// Threads: every function may be called from any thread. set_log_sink is meant for start-up
// and tests; a sink must be thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ergod {

enum class LogLevel { trace, debug, info, notice, warning, error };

// "trace", "debug", ... as written in the config file.
std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);

// Lines below this level are dropped. Default: info.
void set_log_level(LogLevel level);
LogLevel log_level();
// A level for lines of one source (an application); unset sources use log_level().
void set_source_log_level(std::string_view source, LogLevel level);
void clear_source_log_levels();
bool log_enabled(LogLevel level, std::string_view source = {});

// The exact bytes written for one line, e.g. "<6>ergod: node a@b running\n", or with a
// source "<6>ergod: shop: started\n".
std::string format_log_line(LogLevel level, std::string_view message);
std::string format_log_line(LogLevel level, std::string_view source, std::string_view message);

// Replaces stderr with sink (gets the level and the message without prefix); an empty
// function restores stderr.
using LogSink = std::function<void(LogLevel, std::string_view)>;
void set_log_sink(LogSink sink);

void log(LogLevel level, std::string_view message);
void log(LogLevel level, std::string_view source, std::string_view message);

inline void log_trace(std::string_view m) { log(LogLevel::trace, m); }
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_notice(std::string_view m) { log(LogLevel::notice, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace ergod
