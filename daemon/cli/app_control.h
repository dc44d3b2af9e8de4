// AppControl: the control channel's handler once applications exist: NodeControl's status,
// processes and connections, plus the application commands (applications, start, stop,
// restart, reload) answered by Applications.
// Threads: runs on the control server's thread (not a worker), as NodeControl.
#pragma once

#include "cli/applications.h"
#include "cli/node_control.h"

namespace ergod::cli {

class AppControl final : public NodeControl {
 public:
  AppControl(runtime::Runtime& rt, dist::Distribution& dist, Applications& apps)
      : NodeControl(rt, dist), apps_(apps) {}

  Result<std::string> applications() override { return apps_.list(); }
  Result<std::string> start_app(const std::string& name) override { return done(apps_.start(name), name, "started"); }
  Result<std::string> stop_app(const std::string& name) override { return done(apps_.stop(name), name, "stopped"); }
  Result<std::string> restart_app(const std::string& name) override {
    return done(apps_.restart(name), name, "restarted");
  }
  // The same reload as SIGHUP; its errors come back as the body (one per line) with "ok"
  // only when there were none.
  Result<std::string> reload() override;

 private:
  static Result<std::string> done(const Status& s, const std::string& name, const char* what) {
    if (!s) return Error(s.error());
    return "application " + name + " " + what + "\n";
  }
  Applications& apps_;
};

}  // namespace ergod::cli
