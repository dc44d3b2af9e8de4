// See log.h.
#include "cli/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>

namespace ergod::cli {
namespace {

constexpr std::array<std::string_view, 6> level_names = {"trace", "debug",   "info",
                                                          "notice", "warning", "error"};
// journald has no level below debug, so trace shares debug's priority.
constexpr std::array<std::string_view, 6> level_prefixes = {"<7>", "<7>", "<6>",
                                                             "<5>", "<4>", "<3>"};

std::atomic<LogLevel> current_level{LogLevel::info};
// Serialises writers so that a line is never split by another thread's line, even when
// write(2) to a pipe returns short.
std::mutex write_mutex;

void write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing stderr
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string_view to_string(LogLevel level) { return level_names[static_cast<size_t>(level)]; }

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

void set_log_level(LogLevel level) { current_level.store(level, std::memory_order_relaxed); }

LogLevel log_level() { return current_level.load(std::memory_order_relaxed); }

std::string format_log_line(LogLevel level, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 12);
  line += level_prefixes[static_cast<size_t>(level)];
  line += "ergod: ";
  // A newline inside the message would start a line without a priority; keep it one line.
  for (char c : message) line += (c == '\n') ? ' ' : c;
  line += '\n';
  return line;
}

void log(LogLevel level, std::string_view message) {
  if (level < log_level()) return;
  std::string line = format_log_line(level, message);
  std::lock_guard lock(write_mutex);
  write_all(line);
}

}  // namespace ergod::cli
