// An ergod distribution node for tests: EPMD (via EpmdManager) plus a ConnectionManager on a
// LoopThread, recording the events the tests wait on. Built and torn down on the loop thread.
#pragma once

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dist/connection_manager.h"
#include "dist/epmd_manager.h"
#include "dist_support.h"

namespace ergod::test {

class TestNode {
 public:
  struct Options {
    std::string name;  // full name
    std::string cookie = "interop_cookie";
    uint16_t epmd_port = 0;
    dist::EpmdMode mode = dist::EpmdMode::embedded;
    dist::ConnectionOptions connection;
  };

  TestNode(LoopThread& lt, Options o) : lt_(lt), o_(std::move(o)) {}
  ~TestNode() { stop(); }

  // Listens, registers with EPMD; returns the registration error, if any.
  std::string start() {
    std::promise<std::string> done;
    lt_.run([&] {
      dist::DistConfig cfg;
      cfg.node_name = o_.name;
      cfg.cookie = o_.cookie;
      cfg.epmd_port = o_.epmd_port;
      cfg.connection = o_.connection;
      cm_ = std::make_unique<dist::ConnectionManager>(lt_.loop(), cfg);
      cm_->on_node_up = [this](dist::Connection& c) {
        std::lock_guard<std::mutex> l(mu_);
        ups_.push_back(c.peer_node());
        flags_ = c.flags();
      };
      cm_->on_node_down = [this](const std::string& node, const std::string& why) {
        std::lock_guard<std::mutex> l(mu_);
        downs_.push_back(node + ": " + why);
      };
      cm_->on_node_frame = [this](dist::Connection&, const dist::Frame& f) {
        std::lock_guard<std::mutex> l(mu_);
        ++frames_;
        last_frame_kind_ = f.kind;
      };
      if (int rc = cm_->listen(); rc != 0) {
        done.set_value("listen failed: " + dist::uv_error_text(rc));
        return;
      }
      dist::EpmdManagerOptions eo;
      eo.mode = o_.mode;
      eo.port = o_.epmd_port;
      epmd_ = std::make_unique<dist::EpmdManager>(lt_.loop(), eo);
      dist::epmd::NodeEntry e;
      e.name = o_.name.substr(0, o_.name.find('@'));
      e.port = cm_->port();
      epmd_->start(e, [this, &done](Result<uint32_t> r) {
        if (r) cm_->set_creation(r.value());
        done.set_value(r ? std::string() : r.error());
      });
    });
    return done.get_future().get();
  }

  void stop() {
    lt_.run([&] {
      cm_.reset();
      epmd_.reset();
    });
  }

  // Connects to `node`; returns "" or the error.
  std::string connect(const std::string& node) {
    std::promise<std::string> done;
    lt_.run([&] { cm_->connect(node, [&done](Status s) { done.set_value(s ? std::string() : s.error()); }); });
    auto f = done.get_future();
    if (f.wait_for(20s) != std::future_status::ready) return "connect did not finish in 20 s";
    return f.get();
  }

  std::vector<std::string> nodes() {
    return lt_.run([&] { return cm_->nodes(); });
  }
  dist::EpmdManager::Role role() {
    return lt_.run([&] { return epmd_->role(); });
  }
  uint16_t port() {
    return lt_.run([&] { return cm_->port(); });
  }
  bool up_with(const std::string& node) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& u : ups_)
      if (u == node) return true;
    return false;
  }
  bool down_with(const std::string& node) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& d : downs_)
      if (d.rfind(node + ":", 0) == 0) return true;
    return false;
  }
  int frames() {
    std::lock_guard<std::mutex> l(mu_);
    return frames_;
  }
  dist::FrameKind last_frame_kind() {
    std::lock_guard<std::mutex> l(mu_);
    return last_frame_kind_;
  }
  uint64_t flags() {
    std::lock_guard<std::mutex> l(mu_);
    return flags_;
  }
  dist::ConnectionManager& manager() { return *cm_; }
  const std::string& name() const { return o_.name; }

 private:
  LoopThread& lt_;
  Options o_;
  std::unique_ptr<dist::ConnectionManager> cm_;
  std::unique_ptr<dist::EpmdManager> epmd_;
  std::mutex mu_;
  std::vector<std::string> ups_, downs_;
  int frames_ = 0;
  dist::FrameKind last_frame_kind_ = dist::FrameKind::tick;
  uint64_t flags_ = 0;
};

}  // namespace ergod::test
