// global_name_server: see global.cpp for what part of global.erl's protocol it takes.
// Threads: start_global() from a non-worker thread.
#pragma once

#include "runtime/runtime.h"

namespace ergod::services {

term::Term start_global(runtime::Runtime& rt);

}  // namespace ergod::services
