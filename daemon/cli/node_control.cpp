// See node_control.h.
#include "cli/node_control.h"

#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "dist/distribution.h"
#include "runtime/runtime.h"

namespace ergod::cli {

NodeControl::NodeControl(runtime::Runtime& rt, dist::Distribution& dist)
    : rt_(rt), dist_(dist), started_(std::chrono::steady_clock::now()) {}

Result<std::string> NodeControl::status() {
  auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                             started_);
  std::string out;
  auto line = [&out](std::string_view key, const std::string& value) {
    out += std::string(key) + ": " + value + "\n";
  };
  line("node", std::string(rt_.node().name()));
  line("version", ERGOD_VERSION);
  line("pid", std::to_string(::getpid()));
  line("uptime_seconds", std::to_string(up.count()));
  line("schedulers", std::to_string(rt_.worker_count()));
  line("processes", std::to_string(rt_.process_count()));
  line("dist_port", std::to_string(dist_.port()));
  line("connections", std::to_string(dist_.nodes().size()));
  return out;
}

Result<std::string> NodeControl::processes() {
  std::vector<std::pair<std::string, std::string>> named;
  for (auto name : rt_.registered()) {
    term::Term pid = rt_.whereis(name);
    if (!pid.is_pid()) continue;  // unregistered since registered() looked
    named.emplace_back(std::string(name.name()), term::to_string(pid));
  }
  std::sort(named.begin(), named.end());
  std::string out = "processes: " + std::to_string(rt_.process_count()) + "\n";
  for (const auto& [name, pid] : named) out += name + " " + pid + "\n";
  return out;
}

Result<std::string> NodeControl::connections() {
  auto nodes = dist_.nodes();
  std::sort(nodes.begin(), nodes.end());
  std::string out;
  for (const auto& n : nodes) out += n + "\n";
  return out;
}

bool runtime_answers(runtime::Runtime& rt, int64_t timeout_ms) {
  static const term::Atom net_kernel = term::Atom::make("net_kernel");
  static const term::Atom is_auth = term::Atom::make("is_auth");
  term::Term request = term::Term::tuple({term::Term::atom(is_auth), term::Term::atom(rt.node())});
  return rt.call(term::Term::atom(net_kernel), term::atoms::gen_call, request, timeout_ms).ok;
}

}  // namespace ergod::cli
