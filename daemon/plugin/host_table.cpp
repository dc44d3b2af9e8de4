// See host_table.h.
#include "plugin/host_table.h"

#include <atomic>

#include "plugin/host_functions.h"

namespace ergod::plugin {
namespace {

std::atomic<bool> g_abort_on_crash{false};
std::atomic<runtime::Runtime*> g_runtime{nullptr};
thread_local const char* t_log_source = nullptr;

ergod_host build_table() {
  ergod_host h{};
  h.abi_version = ERGOD_ABI_VERSION;
  h.size = sizeof(ergod_host);
  fill_term_functions(h);
  fill_process_functions(h);
  fill_group_functions(h);
  fill_global_functions(h);
  return h;
}

}  // namespace

const ergod_host* host_table() noexcept {
  static const ergod_host table = build_table();
  return &table;
}

void set_abort_on_crash(bool on) noexcept { g_abort_on_crash.store(on, std::memory_order_relaxed); }
bool abort_on_crash() noexcept { return g_abort_on_crash.load(std::memory_order_relaxed); }

void set_host_runtime(runtime::Runtime* rt) noexcept { g_runtime.store(rt, std::memory_order_release); }
runtime::Runtime* host_runtime() noexcept { return g_runtime.load(std::memory_order_acquire); }

LogSourceScope::LogSourceScope(const char* plugin) noexcept : previous_(t_log_source) { t_log_source = plugin; }
LogSourceScope::~LogSourceScope() { t_log_source = previous_; }
const char* LogSourceScope::current() noexcept { return t_log_source ? t_log_source : "plugin"; }

}  // namespace ergod::plugin
