// ergod_proc: what an ergod_proc* points to (rule T6 of ergod.h): the process running a
// plugin callback, the adapter it runs in (none for an rpc function), its plugin, its
// application and the reason host->exit asked for. Built on the stack or inside the adapter
// for the length of one callback; never seen by a plugin as anything but an opaque pointer.
//
// Threads: used only on the thread running the callback.
#pragma once

#include <ergod/ergod.h>

#include <memory>

#include "plugin/app_context.h"
#include "runtime/process.h"

namespace ergod::plugin {
class PluginServer;
class PluginCatalog;
struct Plugin;
}  // namespace ergod::plugin

struct ergod_proc_s {
  ergod::runtime::Process* process = nullptr;
  ergod::plugin::PluginServer* server = nullptr;  // null inside an rpc function
  std::shared_ptr<ergod::plugin::PluginCatalog> catalog;  // for host->spawn
  const ergod::plugin::Plugin* plugin = nullptr;
  std::shared_ptr<const ergod::plugin::AppContext> app;  // null: no application (rpc)
  ergod::term::Term exit_reason;  // set by host->exit: the callback's result becomes a stop
  // Set by host->exit_pid when the signal ended the caller itself (exit(self(), kill)): the
  // process is already ending, so whatever the callback returns is dropped.
  bool killed = false;
};
