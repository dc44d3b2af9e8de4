// EPMD client on libuv: register a node (the registration lasts as long as its connection),
// look up a node's port (PORT_PLEASE2), list names. Speaks to any EPMD: real epmd, another
// ergod's embedded one, or our own.
//
// Threads: call on the loop thread; callbacks run there. A callback is called exactly once
// (on_lost at most once), unless the operation was cancelled first.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dist/epmd_protocol.h"
#include "term/result.h"

namespace ergod::dist {

struct EpmdTarget {
  std::string host = "127.0.0.1";
  uint16_t port = epmd::kDefaultPort;
  uint64_t timeout_ms = 10000;  // as erl_epmd waits for an answer
};

struct EpmdCall;  // one request in flight (epmd_client.cpp)

// A registration with an EPMD. Destroying it (or close()) unregisters: the connection closes.
class EpmdRegistration {
 public:
  using Registered = std::function<void(Result<uint32_t> creation)>;
  using Lost = std::function<void(const std::string& why)>;

  // `registered` gets the creation, or an error (unreachable EPMD, name taken, bad answer).
  // After a successful registration, `lost` is called if the EPMD closes the connection (it
  // died, or was killed): the node is then no longer registered.
  static std::unique_ptr<EpmdRegistration> start(uv_loop_t* loop, const EpmdTarget& target,
                                                 const epmd::NodeEntry& entry, Registered registered,
                                                 Lost lost);
  ~EpmdRegistration();
  void close();

 private:
  explicit EpmdRegistration(std::shared_ptr<EpmdCall> call) : call_(std::move(call)) {}
  std::shared_ptr<EpmdCall> call_;
};

// Looks up `name` (the part before '@'). A node that is not registered is a success with
// found == false; errors are for EPMDs that cannot be reached or answer nonsense.
void epmd_port_please(uv_loop_t* loop, const EpmdTarget& target, const std::string& name,
                      std::function<void(Result<epmd::Port2Resp>)> done);

void epmd_names(uv_loop_t* loop, const EpmdTarget& target, std::function<void(Result<epmd::NamesResp>)> done);

}  // namespace ergod::dist
