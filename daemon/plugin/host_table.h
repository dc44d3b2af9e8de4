// host_table: the daemon's ergod_host (ergod.h), the one function table every plugin gets,
// and the few daemon-wide settings its functions read: the runtime that send_any sends
// through, the --abort-on-crash flag, and the plugin name used by host->log(NULL, ...).
//
// Threads: host_table() and the getters from any thread. set_host_runtime and
// set_abort_on_crash at start-up (or in tests), while no plugin code runs.
#pragma once

#include <ergod/ergod.h>

#include <string>

namespace ergod::runtime {
class Runtime;
}

namespace ergod::plugin {

// The table handed to every plugin's entry point; lives as long as the program.
const ergod_host* host_table() noexcept;

// The daemon's --abort-on-crash switch: host->abort_on_crash returns it, and the adapter
// abort()s (for a core dump) when a callback stops with an abnormal reason.
void set_abort_on_crash(bool on) noexcept;
bool abort_on_crash() noexcept;

// The runtime send_any delivers through (the PluginRegistry sets it; one at a time).
void set_host_runtime(runtime::Runtime* rt) noexcept;
runtime::Runtime* host_runtime() noexcept;

// While alive, host->log(NULL, ...) on this thread is tagged with plugin (around the entry
// point, on_load and on_unload). Elsewhere such lines are tagged "plugin".
class LogSourceScope {
 public:
  explicit LogSourceScope(const char* plugin) noexcept;
  ~LogSourceScope();
  LogSourceScope(const LogSourceScope&) = delete;
  LogSourceScope& operator=(const LogSourceScope&) = delete;
  static const char* current() noexcept;

 private:
  const char* previous_;
};

}  // namespace ergod::plugin
