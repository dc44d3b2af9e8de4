// Where our node registers its name: the embedded/external EPMD policy.
//   embedded: serve EPMD ourselves on the port and register with ourselves; fail if the port
//             is taken.
//   external: register with the EPMD on 127.0.0.1:port; when that connection drops, register
//             again (every retry interval) until it works, as erl_epmd does.
//   auto:     embedded if the port can be bound, else external; and when the external EPMD
//             goes away, try to bind the port and take over, re-registering ourselves with
//             ourselves; if another node took over first, register with it.
// Several ergod nodes on one host work in every mode: one of them serves, the others (and
// Erlang nodes) register with it. The creation is the one of the first registration; later
// re-registrations keep it, as erl_epmd ignores the creation it gets on reconnect.
//
// Threads: construct, use and destroy on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dist/epmd_client.h"
#include "dist/epmd_server.h"
#include "term/result.h"

namespace ergod::dist {

enum class EpmdMode { embedded, external, automatic };

const char* to_string(EpmdMode m);
Result<EpmdMode> parse_epmd_mode(std::string_view text);  // "embedded", "external", "auto"

struct EpmdManagerOptions {
  EpmdMode mode = EpmdMode::automatic;
  uint16_t port = epmd::kDefaultPort;
  EpmdServerOptions server;
  uint64_t retry_ms = 500;  // erl_epmd's reconnect interval
};

class EpmdManager {
 public:
  enum class Role { none, serving, client };

  EpmdManager(uv_loop_t* loop, EpmdManagerOptions options);
  ~EpmdManager();
  EpmdManager(const EpmdManager&) = delete;
  EpmdManager& operator=(const EpmdManager&) = delete;

  // Registers `entry` (our alive name and distribution port). `done` is called once, with the
  // creation or with why the first registration failed (then nothing more happens).
  void start(const epmd::NodeEntry& entry, std::function<void(Result<uint32_t>)> done);
  // Unregisters and, when serving, stops the embedded EPMD.
  void stop();

  Role role() const { return role_; }
  uint32_t creation() const { return creation_; }
  // The embedded server while serving (for tests and status), else null.
  EpmdServer* server() { return role_ == Role::serving ? server_.get() : nullptr; }

  // Called whenever the role changes (none -> client -> serving after a takeover, ...).
  std::function<void(Role)> on_role_change;

 private:
  void attempt();
  void register_external();
  void retry_later();
  void registered(uint32_t creation, Role role);
  void failed_first(const std::string& why);
  void set_role(Role r);

  uv_loop_t* loop_;
  EpmdManagerOptions options_;
  epmd::NodeEntry entry_;
  std::function<void(Result<uint32_t>)> done_;
  std::unique_ptr<EpmdServer> server_;
  std::unique_ptr<EpmdRegistration> registration_;
  uv_timer_t* retry_timer_ = nullptr;
  Role role_ = Role::none;
  uint32_t creation_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

const char* to_string(EpmdManager::Role r);

}  // namespace ergod::dist
