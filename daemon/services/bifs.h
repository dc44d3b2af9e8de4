// The erlang BIFs that ergod answers over rpc and erpc, registered in the FunctionRegistry:
// only those with a truthful answer on a node that runs no Erlang code.
//   erlang:node/0, nodes/0,1,2   as erts answers (order: known-only, hidden, visible, this)
//   erlang:node/1                the node of a pid, port or reference
//   erlang:send/2                the message (sent by the process running the call)
//   erlang:is_alive/0            true (ergod is always distributed)
//   erlang:whereis/1, registered/0, is_process_alive/1 (local pids), self/0 (the process
//                                running the call: erpc's, or rex)
//   erlang:monitor_node/2,3      true; the monitor is the calling process's (erpc's, or rex)
//   erlang:system_info/1         creation, logical_processors, schedulers, schedulers_online,
//                                process_count; any other key fails as undef, as if the
//                                function were missing (ergod is not OTP: no otp_release)
// Bad arguments fail as BIFs do: error:badarg with the frame {M, F, Args,
// [{error_info, #{module => erl_erts_errors}}]} (ApplyResult::bif_error).
//   timer:sleep/1                ok after T ms: the process running the call waits on a timer
//                                (ApplyResult::after), holding no worker
//   os:getpid/0                  the daemon's OS pid, as a string
// Threads: NodeBook's up()/down() from the dist loop thread, everything else from workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "services/functions.h"

namespace ergod::services {

// What the node table of erts knows beyond the live connections: a connection id per up
// connection (nodes/2), and the nodes once connected (nodes(known)). erts forgets a node
// some time after nothing refers to it any more (+zdntgc, 60 s by default); ergod forgets a
// node 60 s after its connection went down, so the book stays bounded.
class NodeBook {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kForgetAfter{60};

  void up(const std::string& node);
  void down(const std::string& node, Clock::time_point now = Clock::now());
  // The connection's id, or -1 when node has no connection.
  int64_t connection_id(const std::string& node) const;
  // Nodes once connected, not connected now and not yet forgotten, oldest first.
  std::vector<std::string> disconnected(Clock::time_point now = Clock::now());

 private:
  struct Entry {
    std::string node;
    int64_t id;  // -1: down
    Clock::time_point down_at;
  };
  mutable std::mutex mu_;
  std::vector<Entry> nodes_;  // in first-connection order
  int64_t next_id_ = 1;
};

struct NodeSource {
  std::function<std::vector<std::string>()> visible, hidden;
  NodeBook* book = nullptr;  // none: no connection ids, nothing once connected
};

void add_erlang_bifs(FunctionRegistry& fns, NodeSource nodes);

}  // namespace ergod::services
