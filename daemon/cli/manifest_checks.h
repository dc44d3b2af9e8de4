// manifest_checks: what manifests ask of the node, beyond what the files alone tell
// (manifest.h): that each child's plugin is loaded and has the behavior, and that registered
// names are free (two supervisors or children of the node's manifests with one name, or a
// name ergod's own processes hold). The daemon checks plugins before starting an application;
// `ergod check` runs all of them with the plugins of plugins.dir loaded just to be looked at.
// Errors are file:line:column, as the manifests' own.
// Threads: any (plugins are only read).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/manifest.h"
#include "plugin/plugin_loader.h"

namespace ergod::cli {

// Plugin files: *.so in dir and in its subdirectories (a build tree keeps each plugin in a
// folder of its own), in path order; meson's private object folders are skipped. A missing
// dir is no files; an unreadable one sets error.
std::vector<std::filesystem::path> plugin_files(const std::filesystem::path& dir, std::string& error);

// The loaded plugin of that name, or null.
using FindPlugin = std::function<std::shared_ptr<const plugin::Plugin>(const std::string& name)>;

// Each child's plugin and behavior (plugins_dir only names where plugins were looked for).
std::vector<FileError> check_plugins(const ApplicationManifest& m, const FindPlugin& find,
                                     const std::filesystem::path& plugins_dir);

// Registered names across all the node's manifests: each duplicate at its second use, and
// every name of services::kRegisteredNames.
std::vector<FileError> check_registered_names(const std::vector<ApplicationManifest>& apps);

}  // namespace ergod::cli
