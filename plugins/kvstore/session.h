// session.h: Session, one client's handle on the store: a gen_server started under
// sessions_sup (simple_one_for_one, temporary) by
//   supervisor:start_child({sessions_sup, Node}, [ClientPid])
// so init gets [ClientPid] (the template's args, [], then start_child's). It monitors the
// client and ends (normal) when the client goes; its requests go to the store with calls.
//   calls  {get, K}, {put, K, V}, {delete, K} -> the store's answer;  client -> ClientPid;
//          requests -> how many requests it forwarded
// A store that fails to answer (it died, or 5 s passed) ends the session, as a failing
// gen_server:call ends its caller: the session is temporary, so the client starts another.
//
// Threads: as every behavior (callbacks on the server's process, one at a time).
#pragma once

#include <ergod/ergod.hpp>

#include <cstdint>

namespace kvstore {

class Session final : public ergod::sdk::GenServer {
 public:
  ergod::sdk::Task<ergod::sdk::InitResult> init(const ergod::sdk::Term& args) override;
  ergod::sdk::Task<ergod::sdk::CallResult> handle_call(const ergod::sdk::Term& request,
                                                       const ergod::sdk::From& from) override;
  ergod::sdk::Task<ergod::sdk::InfoResult> handle_info(const ergod::sdk::Term& message) override;

 private:
  ergod::sdk::Task<ergod::sdk::CallResult> forward(ergod::sdk::Term request);

  ergod::sdk::Term client_;
  ergod::sdk::Term client_monitor_;
  int64_t requests_ = 0;
};

}  // namespace kvstore
