// `ergod new`: generates a plugin project from a description of its tree, in the manner of
// Ergo's boilerplate tool: applications, supervisors under them, actors (gen_servers of the
// plugin) under those. The request is checked first (build_project_tree: every error names
// its flag), then rendered (render_project, in new_templates.cpp: meson.build, src/*.hpp and
// *.cpp per actor, src/plugin.cpp with the descriptor, manifests/<app>.yaml, README.md) and
// written (write_project). It does not build or run anything.
// Threads: no shared state; call from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ergod::cli {

// What `ergod new` was asked for, flag by flag (each vector in the order given).
struct NewProjectRequest {
  std::filesystem::path dir;
  std::string name;                 // --name: the plugin's name; empty: dir's last component
  std::vector<std::string> apps;    // --with-app APP
  std::vector<std::string> sups;    // --with-sup PARENT:SUP (PARENT: an application or a
                                    //   supervisor of an earlier --with-sup)
  std::vector<std::string> actors;  // --with-actor PARENT:ACTOR (PARENT: application or supervisor)
  std::vector<std::string> tcp;     // --with-tcp PARENT:NAME: refused, not available yet
  std::vector<std::string> web;     // --with-web PARENT:NAME: refused, not available yet
};

// One supervisor or actor. Names are unique across the tree (they are registered names,
// and an actor's name is also its behavior's name in the plugin).
struct ProjectNode {
  enum class Kind { supervisor, actor };
  Kind kind;
  std::string name;
  std::string parent;  // an application's name when parent_is_app, else a supervisor's
  bool parent_is_app = false;
};

struct ProjectTree {
  std::string plugin;
  std::vector<std::string> apps;   // in the order given
  std::vector<ProjectNode> nodes;  // supervisors in the order given, then actors likewise
};

struct ProjectTreeResult {
  ProjectTree tree;
  std::vector<std::string> errors;  // "--with-sup shop:x: unknown parent shop ..."
  bool ok() const { return errors.empty(); }
};

// Checks the request: identifiers (a lowercase letter, then lowercase letters, digits or _;
// not an Erlang reserved word), PARENT:NAME shapes, parents known before their children,
// duplicate names, --with-tcp/--with-web (not available yet: ergod has no TCP or web
// behavior). Every error is reported, each naming its flag.
ProjectTreeResult build_project_tree(const NewProjectRequest& request);

// An application's top supervisor's registered name: APP_sup.
std::string top_supervisor_name(const std::string& app);
// An actor's C++ class name: my_actor -> MyActor.
std::string class_name(const std::string& actor);

struct GeneratedFile {
  std::filesystem::path path;  // relative to the project's directory
  std::string content;
};

// The project's files (new_templates.cpp). Children of a supervisor: its actors, then its
// supervisors, each in the order given.
std::vector<GeneratedFile> render_project(const ProjectTree& tree);

// Writes the files under dir, creating it. dir must not exist or be empty: an existing
// project is never overwritten. Returns an error message, empty on success.
std::string write_project(const std::filesystem::path& dir, const std::vector<GeneratedFile>& files);

}  // namespace ergod::cli
