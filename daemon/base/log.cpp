// See log.h.
#include "base/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace ergod {
namespace {

constexpr std::array<std::string_view, 6> level_names = {"trace", "debug",   "info",
                                                          "notice", "warning", "error"};
// journald has no level below debug, so trace shares debug's priority.
constexpr std::array<std::string_view, 6> level_prefixes = {"<7>", "<7>", "<6>",
                                                             "<5>", "<4>", "<3>"};

std::atomic<LogLevel> current_level{LogLevel::info};
std::atomic<bool> have_source_levels{false};  // skips the lock on the common path
std::shared_mutex config_mutex;               // source levels and the sink
std::map<std::string, LogLevel, std::less<>> source_levels;
LogSink current_sink;
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

void set_source_log_level(std::string_view source, LogLevel level) {
  std::unique_lock lock(config_mutex);
  source_levels.insert_or_assign(std::string(source), level);
  have_source_levels.store(true, std::memory_order_release);
}

void clear_source_log_levels() {
  std::unique_lock lock(config_mutex);
  source_levels.clear();
  have_source_levels.store(false, std::memory_order_release);
}

bool log_enabled(LogLevel level, std::string_view source) {
  if (!source.empty() && have_source_levels.load(std::memory_order_acquire)) {
    std::shared_lock lock(config_mutex);
    if (auto it = source_levels.find(source); it != source_levels.end()) return level >= it->second;
  }
  return level >= log_level();
}

std::string format_log_line(LogLevel level, std::string_view message) {
  return format_log_line(level, {}, message);
}

std::string format_log_line(LogLevel level, std::string_view source, std::string_view message) {
  std::string line;
  line.reserve(message.size() + source.size() + 14);
  line += level_prefixes[static_cast<size_t>(level)];
  line += "ergod: ";
  if (!source.empty()) {
    line += source;
    line += ": ";
  }
  // A newline inside the message would start a line without a priority; keep it one line.
  for (char c : message) line += (c == '\n') ? ' ' : c;
  line += '\n';
  return line;
}

void set_log_sink(LogSink sink) {
  std::unique_lock lock(config_mutex);
  current_sink = std::move(sink);
}

void log(LogLevel level, std::string_view message) { log(level, {}, message); }

void log(LogLevel level, std::string_view source, std::string_view message) {
  {
    std::shared_lock lock(config_mutex);
    if (current_sink) {
      if (source.empty()) return current_sink(level, message);
      return current_sink(level, std::string(source) + ": " + std::string(message));
    }
  }
  if (!log_enabled(level, source)) return;
  std::string line = format_log_line(level, source, message);
  std::lock_guard lock(write_mutex);
  write_all(line);
}

}  // namespace ergod
