// The dist layer's log sink (see log.h).
#include "dist/log.h"

#include <cstdio>
#include <string>

namespace ergod::dist {

namespace {
LogSink& sink() {
  static LogSink s;
  return s;
}
}  // namespace

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::notice: return "notice";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "?";
}

void set_log_sink(LogSink s) { sink() = std::move(s); }

void log(LogLevel level, std::string_view message) {
  if (const LogSink& s = sink()) {
    s(level, message);
    return;
  }
  if (level == LogLevel::debug) return;  // the default sink is for humans; debug is noise
  // One fwrite per line so that lines from several threads do not interleave.
  std::string line = "ergod dist ";
  line += to_string(level);
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ergod::dist
