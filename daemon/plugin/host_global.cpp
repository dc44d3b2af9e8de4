// The ABI 3 global functions of the host table: register_name and unregister_name run the
// transaction of services/global_registrar.h in a helper process, and the plugin's process
// waits for its answer as for a call's (PluginServer::await_answer), so no worker blocks;
// whereis_name reads global's table.
#include "plugin/host_functions.h"
#include "plugin/host_table.h"
#include "plugin/plugin_server.h"
#include "plugin/proc_context.h"
#include "plugin/term_handle.h"
#include "runtime/runtime.h"
#include "services/global_registrar.h"
#include "services/global_table.h"

namespace ergod::plugin {
namespace {

using runtime::Process;

// The checks every transaction makes: a plugin process (not an rpc function) with no call
// pending.
ergod_status can_wait(ergod_proc* p) {
  if (!p || !p->process) return ERGOD_EBADARG;
  if (!p->server || p->process->in_call()) return ERGOD_ESTATE;
  return ERGOD_OK;
}

ergod_status h_global_register_name(ergod_proc* p, ergod_term name, ergod_term pid, ergod_call_cont k,
                                    void* user_data) {
  if (!name || !k) return ERGOD_EBADARG;
  if (ergod_status s = can_wait(p); s != ERGOD_OK) return s;
  return guarded(ERGOD_EBADARG, [&] {
    Process& self = *p->process;
    Term who = pid ? *Borrowed(pid) : self.self();
    if (!who.is_pid()) return ERGOD_EBADARG;  // global.erl's is_pid guard
    Term ref = services::start_global_register(self, *Borrowed(name), std::move(who));
    return ref ? p->server->await_answer(ref, k, user_data) : ERGOD_ESTATE;
  });
}

ergod_status h_global_unregister_name(ergod_proc* p, ergod_term name, ergod_call_cont k, void* user_data) {
  if (!name || !k) return ERGOD_EBADARG;
  if (ergod_status s = can_wait(p); s != ERGOD_OK) return s;
  return guarded(ERGOD_EBADARG, [&] {
    Term ref = services::start_global_unregister(*p->process, *Borrowed(name));
    return ref ? p->server->await_answer(ref, k, user_data) : ERGOD_ESTATE;
  });
}

ergod_term h_global_whereis_name(ergod_term name) {
  runtime::Runtime* rt = host_runtime();
  if (!name || !rt) return nullptr;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    Term pid = services::global_whereis(rt->node(), *Borrowed(name));
    return pid ? to_handle(std::move(pid)) : nullptr;
  });
}

}  // namespace

void fill_global_functions(ergod_host& h) {
  h.global_register_name = h_global_register_name;
  h.global_unregister_name = h_global_unregister_name;
  h.global_whereis_name = h_global_whereis_name;
}

}  // namespace ergod::plugin
