// The daemon's logger: one line per call on stderr, prefixed with a journald priority (<7>..<3>,
// see sd-daemon(3)) so that journald files each line at the right level.
// It does not rotate, buffer or write files: under systemd, stderr is the journal.
// Thread safety: every function may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ergod::cli {

enum class LogLevel { trace, debug, info, notice, warning, error };

// "trace", "debug", ... as written in the config file.
std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);

// Lines below this level are dropped. Default: info.
void set_log_level(LogLevel level);
LogLevel log_level();

// The exact bytes written for one line, e.g. "<6>ergod: node a@b running\n".
std::string format_log_line(LogLevel level, std::string_view message);

void log(LogLevel level, std::string_view message);

inline void log_trace(std::string_view m) { log(LogLevel::trace, m); }
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_notice(std::string_view m) { log(LogLevel::notice, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace ergod::cli
