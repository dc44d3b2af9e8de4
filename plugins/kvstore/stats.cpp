// stats.cpp: StatsServer (stats.h): counting the store's operations.
#include "stats.h"

#include <string_view>

namespace kvstore {

namespace sdk = ergod::sdk;
using sdk::atom;
using sdk::Term;

sdk::Task<sdk::InitResult> StatsServer::init(const Term&) {
  // A coroutine: the process counts as started at this first wait (see GenServer::init), so
  // the supervisor goes on while the answer comes.
  sdk::CallOutcome size = co_await try_call(atom("kv_store"), atom("size"), 1000);
  if (size && size.value.is_integer()) stats_.keys = size.value.as<int64_t>();
  co_return sdk::Ok{};
}

sdk::Task<sdk::CallResult> StatsServer::handle_call(const Term& r, const sdk::From&) {
  if (r.is_atom("stats")) return sdk::Reply{stats_};  // to_term(Stats): a map
  return sdk::Reply{sdk::tuple(atom("error"), sdk::tuple(atom("unknown_call"), r))};
}

sdk::Task<sdk::CastResult> StatsServer::handle_cast(const Term& m) {
  // A cast has no one to answer: what is not the store's report is dropped.
  if (!m.is_record("op", 3) || !m[1].is_atom() || !m[2].is_integer()) return sdk::NoReply{};
  const std::string_view op = m[1].atom_name();
  if (op == "put") ++stats_.puts;
  else if (op == "hit") ++stats_.hits, ++stats_.gets;
  else if (op == "miss") ++stats_.misses, ++stats_.gets;
  else if (op == "delete") ++stats_.deletes;
  else if (op == "expire") ++stats_.expired;
  else if (op == "full") ++stats_.rejected;
  stats_.keys = m[2].as<int64_t>();
  return sdk::NoReply{};
}

}  // namespace kvstore
