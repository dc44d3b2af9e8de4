// The ergod command line: `ergod --config FILE` runs the node in the foreground,
// `ergod check --config FILE` validates a config without starting anything,
// `ergod ctl [--config FILE | --socket PATH] COMMAND [APP]` asks a running daemon (control.h).
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config.h"
#include "cli/control_client.h"
#include "base/log.h"
#include "cli/node.h"

#ifndef ERGOD_VERSION
#error "ERGOD_VERSION must be defined by the build (see the top-level meson.build)"
#endif

namespace {

using namespace ergod;
using namespace ergod::cli;

// Plain "file:line:col: message" lines for a person at a terminal or an editor's error list.
int check_config(const std::string& path) {
  LoadResult result = load_config(path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::cerr << e.to_string() << '\n';
    return 1;
  }
  std::cout << path << ": ok\n";
  return 0;
}

// Prints the body on stdout; the daemon's or the connection's error on stderr, exit 1.
int ctl(const std::string& config_path, const std::string& socket_path,
        const std::vector<std::string>& words) {
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
  auto request = parse_request(line);
  if (!request) {
    std::cerr << "error: " << request.error() << '\n';
    return 1;
  }
  std::filesystem::path socket = socket_path;
  if (socket.empty()) {
    std::optional<Config> cfg;
    if (!config_path.empty()) {
      LoadResult loaded = load_config(config_path);
      if (!loaded.ok()) {
        for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
        return 1;
      }
      cfg = std::move(loaded.config);
    }
    socket = pick_control_socket(
        control_socket_candidates(cfg ? &*cfg : nullptr, std::getenv("RUNTIME_DIRECTORY")));
  }
  auto result = control_request(socket, request.value());
  if (!result) {
    std::cerr << "error: " << result.error() << '\n';
    return 1;
  }
  std::cout << result.value() << std::flush;
  return 0;
}

int run(const std::string& path) {
  LoadResult result = load_config(path);
  if (!result.ok()) {
    for (const auto& e : result.errors) log_error(e.to_string());
    return 1;
  }
  set_log_level(result.config.log_level);
  return run_node(result.config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ergod: a member of an Erlang cluster hosting lightweight processes"};
  app.set_version_flag("--version", std::string("ergod ") + ERGOD_VERSION);

  std::string config_path;
  app.add_option("-c,--config", config_path, "Run the node described by this YAML file");

  std::string check_path;
  CLI::App* check = app.add_subcommand("check", "Validate a config file and exit");
  check->add_option("-c,--config", check_path, "The YAML file to check");
  std::string ctl_config, ctl_socket;
  std::vector<std::string> ctl_words;
  CLI::App* ctl_cmd = app.add_subcommand(
      "ctl", "Ask the running daemon: status, applications, processes, connections, "
             "start APP, stop APP, restart APP, reload");
  ctl_cmd->add_option("-c,--config", ctl_config, "Find the daemon by this config file");
  ctl_cmd->add_option("-s,--socket", ctl_socket, "The daemon's control socket")
      ->excludes(ctl_cmd->get_option("--config"));
  ctl_cmd->add_option("command", ctl_words, "COMMAND [APP]")->required()->expected(1, 2);
  app.require_subcommand(0, 1);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*check) {
      // `ergod --config F check` reads as naturally as `ergod check --config F`.
      const std::string& path = check_path.empty() ? config_path : check_path;
      if (path.empty()) return app.exit(CLI::RequiredError("--config"));
      return check_config(path);
    }
    if (*ctl_cmd) {
      // `ergod --config F ctl status` as for check.
      return ctl(ctl_config.empty() && ctl_socket.empty() ? config_path : ctl_config, ctl_socket,
                 ctl_words);
    }
    if (config_path.empty()) return app.exit(CLI::RequiredError("--config"));
    return run(config_path);
  } catch (const std::exception& e) {
    log_error(std::string("fatal: ") + e.what());
    return 1;
  }
}
