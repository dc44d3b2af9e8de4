// PluginServer: the GenServer adapter that runs a plugin's ergod_gen_server callbacks. It
// builds the ergod_proc for each callback, lends the callback its terms (rule T3), takes
// over the terms of its ergod_result (T4) and maps the result onto gen_server's: NOREPLY ->
// InitOk / NoReply, REPLY -> Reply, STOP -> Stop (NULL reason: normal; with a value from
// handle_call: reply, then stop), IGNORE -> Ignore (init only). Any other action is a stop
// with {bad_return_value, Action}. host->exit during a callback turns its result into a stop
// with that reason. destroy runs exactly once, when the server object goes (the process
// ended, however), provided init ran.
//
// With --abort-on-crash (host_table.h), a stop with an abnormal reason aborts the daemon,
// for a core dump at the failing callback.
//
// Threads: as GenServer (callbacks on the server's process, one at a time).
#pragma once

#include <ergod/ergod.h>

#include <memory>
#include <string>

#include "behaviors/gen_server.h"
#include "plugin/app_context.h"
#include "plugin/proc_context.h"

namespace ergod::plugin {

struct Plugin;
class PluginCatalog;

class PluginServer final : public behaviors::GenServer {
  using Term = term::Term;

 public:
  // callbacks points into plugin's descriptor; plugin stays loaded while this object lives.
  PluginServer(std::shared_ptr<const Plugin> plugin, const ergod_gen_server* callbacks, std::string behavior,
               std::shared_ptr<const AppContext> app, std::shared_ptr<PluginCatalog> catalog);
  ~PluginServer() override;

  behaviors::InitResult init(const Term& args) override;
  behaviors::CallResult handle_call(const Term& request, const Term& from) override;
  behaviors::InfoResult handle_cast(const Term& message) override;
  behaviors::InfoResult handle_info(const Term& message) override;
  void terminate(const Term& reason) override;
  // sys: what the plugin's get_state gives (ABI 2), else {plugin_state, Plugin, Behavior}.
  Term sys_state() override;
  Term sys_module() const override;  // the behavior's name

  // host->call: a gen_server call whose outcome runs k in this process.
  ergod_status start_call(const Term& dest, Term request, int64_t timeout_ms, ergod_call_cont k, void* user_data);

  // host->global_register_name and the like: the answer {ref, Value} (a message from a
  // helper process) runs k with ok = 1 and Value; until then other messages wait, as a call's.
  ergod_status await_answer(const Term& ref, ergod_call_cont k, void* user_data);

  const std::string& behavior_name() const noexcept { return behavior_; }
  const std::shared_ptr<const AppContext>& app() const noexcept { return ctx_.app; }

 private:
  ergod_proc* begin();  // the context for one callback
  struct Taken;
  Taken take(ergod_result r);  // the result's terms, with host->exit applied
  behaviors::InfoResult to_info(ergod_result r, const char* callback);
  void check_crash(const Term& reason, const char* callback) const;
  void on_call_outcome(runtime::Process& self, ergod_call_cont k, void* user_data, runtime::CallOutcome o);

  std::shared_ptr<const Plugin> plugin_;
  const ergod_gen_server* cb_;
  std::string behavior_;
  ergod_proc ctx_;
  void* state_ = nullptr;
  bool initialized_ = false;
};

}  // namespace ergod::plugin
