// store.h: Store, the kvstore application's data: a gen_server (registered kv_store by the
// manifest) holding key-value pairs in Erlang term order, with optional expiry.
//   calls  {put, K, V} -> ok | {error, full};  {put, K, V, TtlMs | infinity} -> the same;
//          {get, K} -> {ok, V} | not_found;  {delete, K} -> ok;  keys -> [K] (sorted);
//          size -> N;  anything else -> {error, {unknown_call, Request}}
//   infos  {expire, K, Seq}: its timer fired (Seq tells an old timer from the current one)
// Env: max_keys (default 10000), default_ttl_ms (0, the default: no expiry).
// Every operation is reported to kv_stats with a cast, {op, Op, Size}: the store never waits
// on stats, so a slow or restarting stats cannot hold the data up.
// Keys compare as in an ordered_set: 1 and 1.0 are the same key.
//
// Threads: as every behavior (callbacks on the server's process, one at a time).
#pragma once

#include <ergod/ergod.hpp>

#include <cstdint>
#include <map>

namespace kvstore {

class Store final : public ergod::sdk::GenServer {
 public:
  ergod::sdk::Task<ergod::sdk::InitResult> init(const ergod::sdk::Term& args) override;
  ergod::sdk::Task<ergod::sdk::CallResult> handle_call(const ergod::sdk::Term& request,
                                                       const ergod::sdk::From& from) override;
  ergod::sdk::Task<ergod::sdk::InfoResult> handle_info(const ergod::sdk::Term& message) override;

 private:
  struct Entry {
    ergod::sdk::Term value;
    ergod::sdk::Term timer;  // the expiry timer's reference; empty: no expiry
    uint64_t seq = 0;        // matches the {expire, K, Seq} of the current timer
  };

  ergod::sdk::Term put(const ergod::sdk::Term& key, const ergod::sdk::Term& value, int64_t ttl_ms);
  void erase(std::map<ergod::sdk::Term, Entry>::iterator it);
  void report(const char* op);

  std::map<ergod::sdk::Term, Entry> data_;
  int64_t max_keys_ = 10000;
  int64_t default_ttl_ms_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace kvstore
