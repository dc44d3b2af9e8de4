// stats.h: StatsServer, the kvstore application's operation counters: a gen_server
// (registered kv_stats by the manifest) fed by the store's casts, {op, Op, Size}.
//   calls  stats -> #{puts, gets, hits, misses, deletes, expired, rejected, keys} (Stats
//          below, converted by ERGOD_STRUCT)
//   casts  {op, put | hit | miss | delete | expire | full, Size}
// At init it asks the store for its size (a call: the store is up, since rest_for_one starts
// and restarts stats after it), so `keys` is right from the start after a restart.
//
// Threads: as every behavior (callbacks on the server's process, one at a time).
#pragma once

#include <ergod/ergod.hpp>

#include <cstdint>

namespace kvstore {

struct Stats {
  int64_t puts = 0;
  int64_t gets = 0;  // hits + misses
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t deletes = 0;
  int64_t expired = 0;
  int64_t rejected = 0;  // puts refused: the store was full
  int64_t keys = 0;      // the store's size after the last operation
};
// stats -> #{puts => N, gets => N, ...}: the map Erlang sees.
ERGOD_STRUCT(Stats, puts, gets, hits, misses, deletes, expired, rejected, keys)

class StatsServer final : public ergod::sdk::GenServer {
 public:
  ergod::sdk::Task<ergod::sdk::InitResult> init(const ergod::sdk::Term& args) override;
  ergod::sdk::Task<ergod::sdk::CallResult> handle_call(const ergod::sdk::Term& request,
                                                       const ergod::sdk::From& from) override;
  ergod::sdk::Task<ergod::sdk::CastResult> handle_cast(const ergod::sdk::Term& message) override;

 private:
  Stats stats_;
};

}  // namespace kvstore
