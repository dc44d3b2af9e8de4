// The ergod command line: `ergod --config FILE` runs the node in the foreground,
// `ergod check --config FILE [--manifest M.yaml]...` validates a config and the application
// manifests of its manifests.dir (or only those given) without starting anything,
// `ergod ctl [--config FILE | --socket PATH] COMMAND [APP]` asks a running daemon (control.h),
// `ergod new DIR [--name PLUGIN] --with-app APP --with-sup PARENT:SUP --with-actor PARENT:ACTOR`
// writes a plugin project (new_project.h).
// `--abort-on-crash` (debugging) makes a failing plugin callback abort the daemon.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config.h"
#include "cli/manifest.h"
#include "cli/manifest_checks.h"
#include "cli/control_client.h"
#include "base/log.h"
#include "cli/new_project.h"
#include "cli/node.h"
#include "plugin/host_table.h"
#include "plugin/plugin_loader.h"

#ifndef ERGOD_VERSION
#error "ERGOD_VERSION must be defined by the build (see the top-level meson.build)"
#endif

namespace {

using namespace ergod;
using namespace ergod::cli;

// Plain "file:line:col: message" lines for a person at a terminal or an editor's error list:
// the config's errors and every manifest's, including those only the whole set shows
// (unknown dependencies, cycles, duplicate names) and those only the node shows: plugins and
// behaviors that plugins.dir does not provide (its plugins are loaded, as the daemon loads
// them, only to be looked at), registered names used twice or taken by ergod's own
// processes. A config with errors still has its manifests checked, unless it is too broken
// to tell where they are. With --manifest, only the files given are reported on, checked
// against the others of manifests.dir. Nothing is started.
int check_config(const std::string& path, const std::vector<std::string>& only) {
  LoadResult result = load_config(path);
  bool failed = !result.ok();
  for (const auto& e : result.errors) std::cerr << e.to_string() << '\n';
  if (!result.dirs_known) return 1;
  namespace fs = std::filesystem;
  const fs::path& dir = result.config.manifests_dir;
  bool missing = false;
  std::string error;
  std::vector<fs::path> files = manifest_files(dir, missing, error);
  if (!error.empty()) {
    std::cerr << dir.string() << ": cannot read the manifests: " << error << '\n';
    return 1;
  }
  auto same_file = [](const fs::path& a, const fs::path& b) {
    std::error_code ec1, ec2;
    return fs::weakly_canonical(a, ec1) == fs::weakly_canonical(b, ec2) && !ec1 && !ec2;
  };
  for (const auto& m : only) {
    // The user's spelling of a file names it in messages, also when it is in the dir.
    std::erase_if(files, [&](const fs::path& f) { return same_file(f, m); });
    files.emplace_back(m);
  }
  ManifestSet set = load_manifest_set(files);
  std::vector<FileError> errors = set.errors;
  if (set.ok()) {
    // The plugins, as Applications::load_plugins finds them; the first of a name is kept, as
    // the daemon's registry refuses a second file of the same name.
    std::map<std::string, std::shared_ptr<const plugin::Plugin>> plugins;
    std::string dir_error;
    auto plugin_paths = plugin_files(result.config.plugins_dir, dir_error);
    if (!dir_error.empty()) {
      std::cerr << dir_error << '\n';
      failed = true;
    }
    for (const auto& f : plugin_paths) {
      auto r = plugin::load_plugin(f.string());
      if (!r) {
        std::cerr << r.error() << '\n';
        failed = true;
        continue;
      }
      plugins.emplace(r.value()->name, r.value());
    }
    auto find = [&](const std::string& name) -> std::shared_ptr<const plugin::Plugin> {
      auto it = plugins.find(name);
      return it == plugins.end() ? nullptr : it->second;
    };
    for (const auto& app : set.applications)
      for (auto& e : check_plugins(app, find, result.config.plugins_dir)) errors.push_back(std::move(e));
    for (auto& e : check_registered_names(set.applications)) errors.push_back(std::move(e));
    // By file, then position, as the manifests' own errors.
    std::stable_sort(errors.begin(), errors.end(), [](const FileError& a, const FileError& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
  }
  for (const auto& e : errors) {
    bool reported = only.empty() ||
                    std::find(only.begin(), only.end(), e.file) != only.end();
    if (reported) {
      std::cerr << e.to_string() << '\n';
      failed = true;
    }
  }
  if (failed) return 1;
  std::cout << path << ": ok\n";
  for (const auto& app : set.applications) {
    std::string file = app.file.string();
    if (only.empty() || std::find(only.begin(), only.end(), file) != only.end())
      std::cout << file << ": ok (application " << app.name << ")\n";
  }
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

// Errors on stderr, one a line, exit 1; on success the files written, on stdout.
int new_project(const NewProjectRequest& request) {
  ProjectTreeResult tree = build_project_tree(request);
  if (!tree.ok()) {
    for (const auto& e : tree.errors) std::cerr << "error: " << e << '\n';
    return 1;
  }
  std::vector<GeneratedFile> files = render_project(tree.tree);
  if (std::string error = write_project(request.dir, files); !error.empty()) {
    std::cerr << "error: " << error << '\n';
    return 1;
  }
  for (const auto& f : files) std::cout << (request.dir / f.path).string() << '\n';
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

  bool abort_on_crash = false;
  app.add_flag("--abort-on-crash", abort_on_crash,
               "Debugging: a plugin callback that fails aborts the daemon (for a core dump) "
               "instead of ending only its process");

  std::string check_path;
  CLI::App* check = app.add_subcommand("check", "Validate a config file and exit");
  check->add_option("-c,--config", check_path, "The YAML file to check");
  std::vector<std::string> check_manifests;
  check->add_option("-m,--manifest", check_manifests,
                    "Check only this manifest (against the others of manifests.dir)");
  std::string ctl_config, ctl_socket;
  std::vector<std::string> ctl_words;
  CLI::App* ctl_cmd = app.add_subcommand(
      "ctl", "Ask the running daemon: status, applications, processes, connections, "
             "start APP, stop APP, restart APP, reload");
  ctl_cmd->add_option("-c,--config", ctl_config, "Find the daemon by this config file");
  ctl_cmd->add_option("-s,--socket", ctl_socket, "The daemon's control socket")
      ->excludes(ctl_cmd->get_option("--config"));
  ctl_cmd->add_option("command", ctl_words, "COMMAND [APP]")->required()->expected(1, 2);
  NewProjectRequest new_request;
  CLI::App* new_cmd = app.add_subcommand(
      "new", "Write a plugin project (meson.build, sources, manifests, README) into DIR");
  new_cmd->add_option("dir", new_request.dir, "The project's directory (new, or empty)")
      ->required();
  new_cmd->add_option("-n,--name", new_request.name,
                      "The plugin's name (default: DIR's name)");
  new_cmd->add_option("--with-app", new_request.apps, "An application (its top supervisor: APP_sup)")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  new_cmd->add_option("--with-sup", new_request.sups,
                      "PARENT:SUP, a supervisor under an application or an earlier --with-sup")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  new_cmd->add_option("--with-actor", new_request.actors,
                      "PARENT:ACTOR, a gen_server actor under an application or a supervisor")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  new_cmd->add_option("--with-tcp", new_request.tcp, "PARENT:NAME (not available yet)")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  new_cmd->add_option("--with-web", new_request.web, "PARENT:NAME (not available yet)")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.require_subcommand(0, 1);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*check) {
      // `ergod --config F check` reads as naturally as `ergod check --config F`.
      const std::string& path = check_path.empty() ? config_path : check_path;
      if (path.empty()) return app.exit(CLI::RequiredError("--config"));
      return check_config(path, check_manifests);
    }
    if (*ctl_cmd) {
      // `ergod --config F ctl status` as for check.
      return ctl(ctl_config.empty() && ctl_socket.empty() ? config_path : ctl_config, ctl_socket,
                 ctl_words);
    }
    if (*new_cmd) return new_project(new_request);
    if (config_path.empty()) return app.exit(CLI::RequiredError("--config"));
    plugin::set_abort_on_crash(abort_on_crash);
    return run(config_path);
  } catch (const std::exception& e) {
    log_error(std::string("fatal: ") + e.what());
    return 1;
  }
}
