// session.cpp: Session (session.h): a client's requests forwarded to the store.
#include "session.h"

namespace kvstore {

namespace sdk = ergod::sdk;
using sdk::atom;
using sdk::Term;

sdk::Task<sdk::InitResult> Session::init(const Term& args) {
  if (args.length() != 1 || !args.list().begin()->is_pid())
    return sdk::Stop{sdk::tuple(atom("badarg"), args)};  // start_child answers {error, ...}
  client_ = *args.list().begin();
  client_monitor_ = monitor(client_);
  return sdk::Ok{};
}

sdk::Task<sdk::CallResult> Session::handle_call(const Term& r, const sdk::From&) {
  if (r.is_record("get", 2) || r.is_record("put", 3) || r.is_record("delete", 2)) return forward(r);
  if (r.is_atom("client")) return sdk::Reply{client_};
  if (r.is_atom("requests")) return sdk::Reply{requests_};
  return sdk::Reply{sdk::tuple(atom("error"), sdk::tuple(atom("unknown_call"), r))};
}

// The store's answer is the session's. While the call is out, the session's other messages
// wait (one request at a time per client, as with gen_server:call in Erlang); the worker
// thread does not: it runs other processes until the store answers.
sdk::Task<sdk::CallResult> Session::forward(Term request) {
  ++requests_;
  Term answer = co_await call(atom("kv_store"), request);
  co_return sdk::Reply{answer};
}

sdk::Task<sdk::InfoResult> Session::handle_info(const Term& m) {
  // {'DOWN', Ref, process, Client, Reason}: the client is gone, so is its session.
  if (m.is_record("DOWN", 5) && m[1] == client_monitor_) return sdk::Stop{};
  return GenServer::handle_info(m);
}

}  // namespace kvstore
