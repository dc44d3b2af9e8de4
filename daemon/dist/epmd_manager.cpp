// The embedded/external EPMD policy (see epmd_manager.h).
#include "dist/epmd_manager.h"

#include "base/log.h"
#include "dist/tcp.h"

namespace ergod::dist {

const char* to_string(EpmdMode m) {
  switch (m) {
    case EpmdMode::embedded: return "embedded";
    case EpmdMode::external: return "external";
    case EpmdMode::automatic: return "auto";
  }
  return "?";
}

Result<EpmdMode> parse_epmd_mode(std::string_view text) {
  if (text == "embedded") return EpmdMode::embedded;
  if (text == "external") return EpmdMode::external;
  if (text == "auto") return EpmdMode::automatic;
  return make_error("EPMD mode '" + std::string(text) + "' is not one of embedded, external, auto");
}

const char* to_string(EpmdManager::Role r) {
  switch (r) {
    case EpmdManager::Role::none: return "none";
    case EpmdManager::Role::serving: return "serving";
    case EpmdManager::Role::client: return "client";
  }
  return "?";
}

EpmdManager::EpmdManager(uv_loop_t* loop, EpmdManagerOptions options) : loop_(loop), options_(std::move(options)) {}

EpmdManager::~EpmdManager() { stop(); }

void EpmdManager::start(const epmd::NodeEntry& entry, std::function<void(Result<uint32_t>)> done) {
  entry_ = entry;
  done_ = std::move(done);
  retry_timer_ = new uv_timer_t;
  uv_timer_init(loop_, retry_timer_);
  retry_timer_->data = this;
  attempt();
}

void EpmdManager::stop() {
  if (stopped_) return;
  stopped_ = true;
  done_ = nullptr;
  registration_.reset();
  if (server_) {
    server_->unregister_local(entry_.name);
    server_->close();
    server_.reset();
  }
  if (retry_timer_) {
    close_and_delete(retry_timer_);
    retry_timer_ = nullptr;
  }
  set_role(Role::none);
}

void EpmdManager::set_role(Role r) {
  if (role_ == r) return;
  role_ = r;
  if (on_role_change) on_role_change(r);
}

void EpmdManager::attempt() {
  if (stopped_) return;
  if (options_.mode == EpmdMode::external) return register_external();
  if (!server_) server_ = std::make_unique<EpmdServer>(loop_, options_.server);
  int rc = server_->listen(options_.port);
  if (rc == 0) {
    auto creation = server_->register_local(entry_);
    if (!creation) {
      // Cannot happen on a fresh server; if it does, the name is ours to fail on.
      server_->close();
      return started_ ? retry_later() : failed_first(creation.error());
    }
    // A KILL_REQ (only possible while nobody is registered) stops the server; come back.
    server_->on_killed = [this] {
      set_role(Role::none);
      retry_later();
    };
    return registered(*creation, Role::serving);
  }
  if (options_.mode == EpmdMode::embedded) {
    std::string why = "cannot serve EPMD on port " + std::to_string(options_.port) + ": " + uv_error_text(rc);
    if (!started_) return failed_first(why);
    log_error("epmd: " + why + "; retrying");
    return retry_later();
  }
  if (rc != UV_EADDRINUSE) log_warning("epmd: cannot serve EPMD on port " + std::to_string(options_.port) + ": " +
                                       uv_error_text(rc) + "; registering with the EPMD there instead");
  register_external();
}

void EpmdManager::register_external() {
  EpmdTarget target;
  target.port = options_.port;
  registration_ = EpmdRegistration::start(
      loop_, target, entry_,
      [this](Result<uint32_t> creation) {
        if (!creation) {
          if (!started_) return failed_first(creation.error());
          log_warning("epmd: re-registering " + entry_.name + " failed: " + creation.error() + "; retrying");
          registration_.reset();
          return retry_later();
        }
        registered(creation.value(), Role::client);
      },
      [this](const std::string& why) {
        log_warning("epmd: lost our registration of " + entry_.name + ": " + why +
                    (options_.mode == EpmdMode::automatic ? "; taking over or registering again"
                                                          : "; registering again"));
        set_role(Role::none);
        registration_.reset();
        attempt();
      });
}

void EpmdManager::retry_later() {
  if (stopped_ || !retry_timer_) return;
  uv_timer_start(retry_timer_, [](uv_timer_t* t) { static_cast<EpmdManager*>(t->data)->attempt(); },
                 options_.retry_ms, 0);
}

void EpmdManager::registered(uint32_t creation, Role role) {
  if (!started_) {
    started_ = true;
    creation_ = creation;
    log_info("epmd: node " + entry_.name + " registered (" + (role == Role::serving ? "embedded EPMD" : "external EPMD") +
             " on port " + std::to_string(options_.port) + "), creation " + std::to_string(creation));
  } else {
    log_notice("epmd: node " + entry_.name + " registered again (" +
               (role == Role::serving ? "took over EPMD" : "with the EPMD now on") + " port " +
               std::to_string(options_.port) + ")");
  }
  set_role(role);
  if (auto done = std::move(done_)) {
    done_ = nullptr;
    done(creation_);
  }
}

void EpmdManager::failed_first(const std::string& why) {
  log_error("epmd: cannot register node " + entry_.name + ": " + why);
  registration_.reset();
  if (auto done = std::move(done_)) {
    done_ = nullptr;
    done(make_error(why));
  }
}

}  // namespace ergod::dist
