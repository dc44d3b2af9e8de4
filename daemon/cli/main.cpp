// The ergod command line: `ergod --config FILE` runs the node in the foreground,
// `ergod check --config FILE` validates a config without starting anything.
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config.h"
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
  app.require_subcommand(0, 1);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*check) {
      // `ergod --config F check` reads as naturally as `ergod check --config F`.
      const std::string& path = check_path.empty() ? config_path : check_path;
      if (path.empty()) return app.exit(CLI::RequiredError("--config"));
      return check_config(path);
    }
    if (config_path.empty()) return app.exit(CLI::RequiredError("--config"));
    return run(config_path);
  } catch (const std::exception& e) {
    log_error(std::string("fatal: ") + e.what());
    return 1;
  }
}
