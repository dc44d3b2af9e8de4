// kvstore.cpp: the kvstore plugin's declaration: its three behaviors (store.h, stats.h,
// session.h) and one rpc function. The supervision tree that puts them together is the
// application's manifest, kvstore.yaml; README.md ("Tutorial: your first application") walks
// through both.
//
// Threads: the entry point runs once, on the loader's thread; version/0 on any worker.
#include <ergod/ergod.hpp>

#include <string>

#include "session.h"
#include "stats.h"
#include "store.h"

namespace {

// kvstore:version() over rpc. An rpc function runs in erpc's process and must not wait, so it
// cannot ask the store anything (a size/0 would need a call): callers use gen_server:call.
std::string version() { return "1.0.0"; }

}  // namespace

ERGOD_PLUGIN("kvstore", "1.0.0",
             ERGOD_BEHAVIOR("store", kvstore::Store),
             ERGOD_BEHAVIOR("stats", kvstore::StatsServer),
             ERGOD_BEHAVIOR("session", kvstore::Session),
             ERGOD_FUNCTION("kvstore", "version", version))
