// store.cpp: Store (store.h): the calls on the data, expiry timers, reports to kv_stats.
#include "store.h"

#include <vector>

namespace kvstore {

namespace sdk = ergod::sdk;
using sdk::atom;
using sdk::Reply;
using sdk::Term;

sdk::Task<sdk::InitResult> Store::init(const Term&) {
  max_keys_ = app_env<int64_t>("max_keys", 10000);
  default_ttl_ms_ = app_env<int64_t>("default_ttl_ms", 0);
  log(sdk::Level::info, "store started: max_keys " + std::to_string(max_keys_) + ", default_ttl_ms " +
                            std::to_string(default_ttl_ms_));
  return sdk::Ok{};
}

sdk::Task<sdk::CallResult> Store::handle_call(const Term& r, const sdk::From&) {
  if (r.is_record("get", 2)) {
    auto it = data_.find(r[1]);
    report(it == data_.end() ? "miss" : "hit");
    if (it == data_.end()) return Reply{atom("not_found")};
    return Reply{sdk::tuple(atom("ok"), it->second.value)};
  }
  if (r.is_record("put", 3)) return Reply{put(r[1], r[2], default_ttl_ms_)};
  if (r.is_record("put", 4)) {
    const Term ttl = r[3];
    if (ttl.is_atom("infinity")) return Reply{put(r[1], r[2], 0)};
    if (!ttl.is_integer() || ttl.as<int64_t>() <= 0)
      return Reply{sdk::tuple(atom("error"), sdk::tuple(atom("bad_ttl"), ttl))};
    return Reply{put(r[1], r[2], ttl.as<int64_t>())};
  }
  if (r.is_record("delete", 2)) {
    auto it = data_.find(r[1]);
    if (it != data_.end()) erase(it);
    report("delete");
    return Reply{atom("ok")};
  }
  if (r.is_atom("keys")) {
    std::vector<Term> keys;
    keys.reserve(data_.size());
    for (const auto& [k, e] : data_) keys.push_back(k);
    return Reply{sdk::list_of(keys)};
  }
  if (r.is_atom("size")) return Reply{static_cast<int64_t>(data_.size())};
  return Reply{sdk::tuple(atom("error"), sdk::tuple(atom("unknown_call"), r))};
}

sdk::Task<sdk::InfoResult> Store::handle_info(const Term& m) {
  if (m.is_record("expire", 3)) {
    // A timer cancelled too late (the key was overwritten or deleted) may still deliver its
    // message: only the entry's current timer counts.
    auto it = data_.find(m[1]);
    if (it != data_.end() && it->second.seq == m[2].as<uint64_t>()) {
      it->second.timer = Term();  // it fired: nothing to cancel
      erase(it);
      report("expire");
    }
    return sdk::NoReply{};
  }
  return GenServer::handle_info(m);
}

// ok, or {error, full} when key is new and the store holds max_keys already.
Term Store::put(const Term& key, const Term& value, int64_t ttl_ms) {
  auto it = data_.find(key);
  if (it == data_.end()) {
    if (static_cast<int64_t>(data_.size()) >= max_keys_) {
      report("full");
      return sdk::tuple(atom("error"), atom("full"));
    }
    it = data_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  if (!e.timer.empty()) cancel_timer(e.timer);
  e.value = value;
  e.timer = Term();
  e.seq = ++next_seq_;
  if (ttl_ms > 0) e.timer = send_after(ttl_ms, self(), sdk::tuple(atom("expire"), key, e.seq));
  report("put");
  return atom("ok");
}

void Store::erase(std::map<Term, Entry>::iterator it) {
  if (!it->second.timer.empty()) cancel_timer(it->second.timer);
  data_.erase(it);
}

void Store::report(const char* op) {
  cast(atom("kv_stats"), sdk::tuple(atom("op"), atom(op), static_cast<int64_t>(data_.size())));
}

}  // namespace kvstore
