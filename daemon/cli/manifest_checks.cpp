// See manifest_checks.h.
#include "cli/manifest_checks.h"

#include <algorithm>
#include <map>

#include "services/services.h"

namespace ergod::cli {

namespace fs = std::filesystem;

std::vector<fs::path> plugin_files(const fs::path& dir, std::string& error) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) {
    error = "cannot read plugin directory " + dir.string() + ": " + ec.message();
    return out;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_directory() && it->path().extension() == ".p") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".so") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<FileError> check_plugins(const ApplicationManifest& m, const FindPlugin& find,
                                     const fs::path& plugins_dir) {
  std::vector<FileError> errors;
  std::function<void(const SupervisorManifest&)> walk = [&](const SupervisorManifest& s) {
    for (const auto& c : s.children) {
      if (c.supervisor) {
        walk(*c.supervisor);
        continue;
      }
      auto p = find(c.plugin);
      if (!p) {
        errors.push_back({m.file.string(), c.pos.line, c.pos.column,
                          "child " + c.id + ": plugin \"" + c.plugin + "\" is not loaded (no such plugin in " +
                              plugins_dir.string() + ")"});
      } else if (!p->find_behavior(c.behavior)) {
        errors.push_back({m.file.string(), c.pos.line, c.pos.column,
                          "child " + c.id + ": plugin \"" + c.plugin + "\" has no behavior \"" + c.behavior + "\""});
      }
    }
  };
  if (m.supervisor) walk(*m.supervisor);
  return errors;
}

std::vector<FileError> check_registered_names(const std::vector<ApplicationManifest>& apps) {
  std::vector<FileError> errors;
  struct First {
    std::string file, what;
    SourcePos pos;
  };
  std::map<std::string, First> seen;
  auto use = [&](const ApplicationManifest& m, const std::string& name, SourcePos pos, const std::string& what) {
    if (name.empty()) return;
    if (std::find(services::kRegisteredNames.begin(), services::kRegisteredNames.end(), name) !=
        services::kRegisteredNames.end()) {
      errors.push_back({m.file.string(), pos.line, pos.column,
                        what + ": name \"" + name + "\" is registered by ergod itself (one of its services)"});
      return;
    }
    auto [it, fresh] = seen.emplace(name, First{m.file.string(), what, pos});
    if (fresh) return;
    const First& f = it->second;
    errors.push_back({m.file.string(), pos.line, pos.column,
                      what + ": name \"" + name + "\" is already registered by " + f.what + " (" + f.file + ":" +
                          std::to_string(f.pos.line) + ":" + std::to_string(f.pos.column) + ")"});
  };
  // A nested supervisor's name is its child's (used once, as the child's).
  std::function<void(const ApplicationManifest&, const SupervisorManifest&)> walk =
      [&](const ApplicationManifest& m, const SupervisorManifest& s) {
        for (const auto& c : s.children) {
          use(m, c.name, c.name_pos, "child " + c.id);
          if (c.supervisor) walk(m, *c.supervisor);
        }
      };
  for (const auto& m : apps) {
    if (!m.supervisor) continue;
    use(m, m.supervisor->name, m.supervisor->name_pos, "the top supervisor of application " + m.name);
    walk(m, *m.supervisor);
  }
  return errors;
}

}  // namespace ergod::cli
