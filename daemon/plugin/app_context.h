// AppContext: what a plugin process knows of the application it belongs to: the name (the
// source of its log lines) and the manifest's env (a map term, read by host->app_env).
// Shared, immutable: every process of one application instance holds the same one, and
// processes started through host->spawn inherit their parent's.
//
// Threads: immutable after construction, so any thread may read it.
#pragma once

#include <memory>
#include <string>

#include "term/term.h"

namespace ergod::plugin {

struct AppContext {
  std::string application;  // log source; empty: the plugin's name is used
  term::Term env;           // a map (none or not a map: no env)
};

inline std::shared_ptr<const AppContext> make_app_context(std::string application, term::Term env) {
  return std::make_shared<const AppContext>(AppContext{std::move(application), std::move(env)});
}

}  // namespace ergod::plugin
