// See manifest.h. One Checker per file walks the YAML tree once and records every error;
// the set's checks (names, dependencies) run after every file has been read.
#include "cli/manifest.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include <yaml-cpp/yaml.h>

#include "cli/yaml_term.h"
#include "cli/yaml_util.h"

namespace ergod::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kNameRule = "a name (a lowercase letter, then letters, digits or _)";

SourcePos pos_of(const YAML::Mark& m) {
  if (m.is_null()) return SourcePos{1, 1};
  return SourcePos{m.line + 1, m.column + 1};
}

// Names that become atoms and appear in logs and commands: plain Erlang atoms without '@'.
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 255 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
  });
}

std::optional<std::string> get_name(Checker& c, const Field& f, const std::string& path) {
  if (f.value.IsScalar() && valid_name(f.value.Scalar())) return f.value.Scalar();
  c.expected(f, path, kNameRule);
  return std::nullopt;
}

// One of a fixed set of words; the message lists them.
template <class E>
std::optional<E> get_choice(Checker& c, const Field& f, const std::string& path,
                            std::initializer_list<std::pair<std::string_view, E>> choices) {
  if (f.value.IsScalar()) {
    for (const auto& [word, value] : choices)
      if (f.value.Scalar() == word) return value;
  }
  std::string what;
  size_t i = 0;
  for (const auto& [word, value] : choices) {
    what += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(word);
    ++i;
  }
  c.expected(f, path, what);
  return std::nullopt;
}

std::optional<RestartType> get_restart(Checker& c, const Field& f, const std::string& path) {
  return get_choice<RestartType>(c, f, path,
                                 {{"permanent", RestartType::permanent},
                                  {"transient", RestartType::transient},
                                  {"temporary", RestartType::temporary}});
}

class ManifestReader {
 public:
  explicit ManifestReader(Checker& c) : c_(c) {}

  void read(const YAML::Node& root, ApplicationManifest& app) {
    YAML::Mark top = file_start();
    if (!root.IsMap()) {
      c_.error(mark_of(root, top),
               "expected a map with the key application, got " + describe(root));
      return;
    }
    auto fields = fields_of(c_, root, top, "", {"application"});
    const Field* section = find(*fields, "application");
    if (!section) {
      if (!c_.has_errors()) c_.error(top, "application: missing (expected a map with name, ...)");
      return;
    }
    read_application(*section, app);
  }

 private:
  void read_application(const Field& section, ApplicationManifest& app) {
    YAML::Mark where = section.key.Mark();
    auto fields = fields_of(c_, section.value, where, "application",
                            {"name", "version", "description", "start_type", "depends_on",
                             "log_level", "env", "supervisor"});
    if (!fields) return;
    if (const Field* f = find(*fields, "name")) {
      if (auto v = get_name(c_, *f, "application.name")) {
        app.name = *v;
        app.pos = pos_of(f->value.Mark());
      }
    } else {
      c_.error(where, "application.name: missing (expected " + std::string(kNameRule) + ")");
    }
    if (const Field* f = find(*fields, "version")) {
      if (auto v = get_string(c_, *f, "application.version", "a version string, e.g. \"1.0.0\""))
        app.version = *v;
    }
    if (const Field* f = find(*fields, "description")) {
      if (auto v = get_string(c_, *f, "application.description", "a string"))
        app.description = *v;
    }
    if (const Field* f = find(*fields, "start_type")) {
      if (auto v = get_choice<StartType>(c_, *f, "application.start_type",
                                         {{"permanent", StartType::permanent},
                                          {"transient", StartType::transient},
                                          {"temporary", StartType::temporary}}))
        app.start_type = *v;
    }
    if (const Field* f = find(*fields, "depends_on")) read_depends_on(*f, app);
    if (const Field* f = find(*fields, "log_level")) {
      auto level = f->value.IsScalar() ? parse_log_level(f->value.Scalar()) : std::nullopt;
      if (level) {
        app.log_level = level;
      } else {
        c_.expected(*f, "application.log_level",
                    "one of trace, debug, info, notice, warning, error");
      }
    }
    if (const Field* f = find(*fields, "env")) read_env(*f, app);
    if (const Field* f = find(*fields, "supervisor")) {
      app.supervisor = SupervisorManifest{};
      auto sup_fields = fields_of(c_, f->value, f->key.Mark(), "application.supervisor",
                                  {"strategy", "intensity", "period", "name", "children"});
      if (sup_fields) {
        read_supervisor(*sup_fields, f->key.Mark(), "application.supervisor", *app.supervisor);
      }
    }
  }

  void read_depends_on(const Field& f, ApplicationManifest& app) {
    constexpr std::string_view path = "application.depends_on";
    if (f.value.IsNull()) return;  // "depends_on:" with nothing: none
    if (!f.value.IsSequence()) {
      c_.expected(f, path, "a list of application names");
      return;
    }
    size_t i = 0;
    for (const auto& elem : f.value) {
      std::string at = std::string(path) + "[" + std::to_string(i++) + "]";
      Field e{f.key, elem};
      auto name = get_name(c_, e, at);
      if (!name) continue;
      auto same = std::find_if(app.depends_on.begin(), app.depends_on.end(),
                               [&](const Dependency& d) { return d.name == *name; });
      if (same != app.depends_on.end()) {
        c_.error(elem.Mark(), at + ": " + quote(*name) + " is listed twice (first on line " +
                                  std::to_string(same->pos.line) + ")");
        continue;
      }
      app.depends_on.push_back(Dependency{*name, pos_of(elem.Mark())});
    }
  }

  void read_env(const Field& f, ApplicationManifest& app) {
    constexpr std::string_view path = "application.env";
    if (f.value.IsNull()) return;
    if (!f.value.IsMap()) {
      c_.expected(f, path, "a map of keys to values");
      return;
    }
    std::map<std::string, int> lines;
    for (const auto& kv : f.value) {
      const YAML::Node& key = kv.first;
      // Keys are atoms, as OTP's application env; `port` and `:port` both name port.
      std::string name = key.IsScalar() ? key.Scalar() : std::string();
      if (!name.empty() && name[0] == ':') name.erase(0, 1);
      std::string at = std::string(path) + "." + name;
      term::Atom atom;
      const char* why = "";
      if (!key.IsScalar() || name.empty() || !term::Atom::try_make(name, atom, &why)) {
        c_.error(key.Mark(), std::string(path) + ": expected a key name (an atom), got " +
                                 describe(key) + (*why ? std::string(" (") + why + ")" : ""));
        continue;
      }
      if (auto it = lines.find(name); it != lines.end()) {
        c_.error(key.Mark(), at + ": duplicate key (first given on line " +
                                 std::to_string(it->second) + ")");
        continue;
      }
      lines.emplace(name, key.Mark().line + 1);
      term::Term value = yaml_to_term(c_, kv.second, key.Mark(), at);
      if (value) app.env.emplace_back(name, std::move(value));
    }
  }

  // where: the supervisor's own position (its key, or the child's map).
  void read_supervisor(const Fields& fields, const YAML::Mark& where, const std::string& path,
                       SupervisorManifest& sup) {
    sup.pos = pos_of(where);
    if (const Field* f = find(fields, "strategy")) {
      if (auto v = get_choice<Strategy>(c_, *f, path + ".strategy",
                                        {{"one_for_one", Strategy::one_for_one},
                                         {"one_for_all", Strategy::one_for_all},
                                         {"rest_for_one", Strategy::rest_for_one},
                                         {"simple_one_for_one", Strategy::simple_one_for_one}}))
        sup.strategy = *v;
    }
    if (const Field* f = find(fields, "intensity")) {
      if (auto v = get_uint(c_, *f, path + ".intensity", 0,
                            std::numeric_limits<uint32_t>::max(),
                            "a number of restarts (0 or more)", false))
        sup.intensity = static_cast<uint32_t>(*v);
    }
    if (const Field* f = find(fields, "period")) {
      if (auto v = get_uint(c_, *f, path + ".period", 1, std::numeric_limits<uint32_t>::max(),
                            "a positive number of seconds", false))
        sup.period_s = static_cast<uint32_t>(*v);
    }
    if (const Field* f = find(fields, "name")) {
      if (auto v = get_name(c_, *f, path + ".name")) {
        sup.name = *v;
        sup.name_pos = pos_of(f->value.Mark());
      }
    }
    const Field* children = find(fields, "children");
    if (children && !children->value.IsNull() && !children->value.IsSequence()) {
      c_.expected(*children, path + ".children", "a list of children");
      return;
    }
    std::map<std::string, int> ids;  // id -> line, for duplicates
    size_t n = 0;
    if (children && children->value.IsSequence()) {
      for (const auto& elem : children->value) {
        std::string at = path + ".children[" + std::to_string(n++) + "]";
        ChildManifest child;
        if (read_child(Field{children->key, elem}, at, sup.strategy, child, ids)) {
          sup.children.push_back(std::move(child));
        }
      }
    }
    if (sup.strategy == Strategy::simple_one_for_one && n != 1) {
      YAML::Mark m = children ? children->key.Mark() : where;
      c_.error(m, path + ".children: a simple_one_for_one supervisor has exactly one child "
                         "(the template), got " + std::to_string(n));
    }
  }

  bool read_child(const Field& f, const std::string& path, Strategy parent, ChildManifest& child,
                  std::map<std::string, int>& ids) {
    auto fields = fields_of(c_, f.value, f.key.Mark(), path,
                            {"id", "plugin", "behavior", "args", "restart", "shutdown", "type",
                             "name", "strategy", "intensity", "period", "children"});
    if (!fields) return false;
    size_t errors_before = c_.error_count();
    YAML::Mark where = mark_of(f.value, f.key.Mark());
    child.pos = pos_of(where);

    if (const Field* id = find(*fields, "id")) {
      if (auto v = get_name(c_, *id, path + ".id")) {
        if (auto it = ids.find(*v); it != ids.end()) {
          c_.error(*id, path + ".id: " + quote(*v) + " is already the id of a sibling (line " +
                            std::to_string(it->second) + ")");
        } else {
          ids.emplace(*v, id->value.Mark().line + 1);
          child.id = *v;
        }
      }
    } else {
      c_.error(where, path + ".id: missing (expected " + std::string(kNameRule) + ")");
    }

    bool inline_sup = find(*fields, "strategy") || find(*fields, "intensity") ||
                      find(*fields, "period") || find(*fields, "children");
    const Field* type = find(*fields, "type");
    if (type) {
      if (auto v = get_choice<ChildType>(c_, *type, path + ".type",
                                         {{"worker", ChildType::worker},
                                          {"supervisor", ChildType::supervisor}})) {
        if (inline_sup && *v == ChildType::worker) {
          c_.error(*type, path + ".type: a child with strategy or children is a supervisor, "
                                 "got \"worker\"");
        }
        child.type = *v;
      }
    }
    if (inline_sup) {
      child.type = ChildType::supervisor;
      for (const char* key : {"plugin", "behavior", "args"}) {
        if (const Field* extra = find(*fields, key)) {
          c_.error(extra->key.Mark(), path + "." + key +
                                          ": a nested supervisor (a child with strategy or "
                                          "children) takes no " + key);
        }
      }
      child.supervisor = SupervisorManifest{};
      read_supervisor(*fields, where, path, *child.supervisor);
    } else {
      for (const char* key : {"plugin", "behavior"}) {
        const Field* p = find(*fields, key);
        if (!p) {
          c_.error(where, path + "." + key + ": missing (expected " + std::string(kNameRule) +
                              "; a nested supervisor has strategy or children instead)");
          continue;
        }
        if (auto v = get_name(c_, *p, path + "." + key))
          (std::string_view(key) == "plugin" ? child.plugin : child.behavior) = *v;
      }
    }

    child.args = term::Term::nil();
    if (const Field* a = find(*fields, "args")) {
      term::Term args = yaml_to_term(c_, a->value, a->key.Mark(), path + ".args");
      if (args && parent == Strategy::simple_one_for_one && !args.is_list()) {
        c_.expected(*a, path + ".args",
                    "a list (simple_one_for_one appends start_child's arguments to it)");
      } else if (args) {
        child.args = args;
      }
    }
    if (const Field* r = find(*fields, "restart")) {
      if (auto v = get_restart(c_, *r, path + ".restart")) child.restart = *v;
    }
    child.shutdown_ms = child.type == ChildType::supervisor ? kShutdownInfinity : 5000;
    if (const Field* s = find(*fields, "shutdown")) {
      std::string v = s->value.IsScalar() ? s->value.Scalar() : std::string();
      if (v == "brutal_kill") {
        child.shutdown_ms = kShutdownBrutalKill;
      } else if (v == "infinity") {
        child.shutdown_ms = kShutdownInfinity;
      } else if (auto ms = get_uint(c_, *s, path + ".shutdown", 0,
                                    std::numeric_limits<uint32_t>::max(),
                                    "a time in milliseconds, brutal_kill or infinity")) {
        child.shutdown_ms = static_cast<int64_t>(*ms);
      }
    }
    if (const Field* n = find(*fields, "name")) {
      if (auto v = get_name(c_, *n, path + ".name")) {
        child.name = *v;
        child.name_pos = pos_of(n->value.Mark());
        if (child.supervisor) {
          child.supervisor->name = *v;
          child.supervisor->name_pos = child.name_pos;
        }
      }
    }
    return c_.error_count() == errors_before;
  }

  Checker& c_;
};

void add_error(std::vector<FileError>& errors, const ApplicationManifest& app, SourcePos pos,
               std::string message) {
  errors.push_back(FileError{app.file.string(), pos.line, pos.column, std::move(message)});
}

// Unknown dependencies and cycles; fills order with the applications' indices, each after
// its dependencies.
void check_dependencies(const std::vector<ApplicationManifest>& apps,
                        std::vector<FileError>& errors, std::vector<size_t>& order) {
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < apps.size(); ++i)
    if (!apps[i].name.empty()) index.emplace(apps[i].name, i);  // the first of a name wins

  enum class Mark { unvisited, visiting, done };
  std::vector<Mark> state(apps.size(), Mark::unvisited);
  std::vector<size_t> stack;  // the path being explored, for the cycle's message
  std::function<void(size_t)> visit = [&](size_t i) {
    state[i] = Mark::visiting;
    stack.push_back(i);
    for (size_t k = 0; k < apps[i].depends_on.size(); ++k) {
      const Dependency& d = apps[i].depends_on[k];
      std::string at = "application.depends_on[" + std::to_string(k) + "]";
      auto it = index.find(d.name);
      if (it == index.end()) {
        add_error(errors, apps[i], d.pos,
                  at + ": unknown application " + quote(d.name) +
                      " (no manifest names it)");
        continue;
      }
      size_t j = it->second;
      if (state[j] == Mark::visiting) {
        std::string cycle;
        auto from = std::find(stack.begin(), stack.end(), j);
        for (auto s = from; s != stack.end(); ++s) cycle += apps[*s].name + " -> ";
        add_error(errors, apps[i], d.pos,
                  at + ": dependency cycle: " + cycle + apps[j].name);
      } else if (state[j] == Mark::unvisited) {
        visit(j);
      }
    }
    stack.pop_back();
    state[i] = Mark::done;
    order.push_back(i);
  };
  for (size_t i = 0; i < apps.size(); ++i)
    if (state[i] == Mark::unvisited) visit(i);
}

}  // namespace

std::string_view to_string(StartType t) {
  switch (t) {
    case StartType::permanent: return "permanent";
    case StartType::transient: return "transient";
    case StartType::temporary: break;
  }
  return "temporary";
}

std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::one_for_one: return "one_for_one";
    case Strategy::one_for_all: return "one_for_all";
    case Strategy::rest_for_one: return "rest_for_one";
    case Strategy::simple_one_for_one: break;
  }
  return "simple_one_for_one";
}

std::string_view to_string(RestartType r) {
  switch (r) {
    case RestartType::permanent: return "permanent";
    case RestartType::transient: return "transient";
    case RestartType::temporary: break;
  }
  return "temporary";
}

std::string_view to_string(ChildType t) {
  return t == ChildType::worker ? "worker" : "supervisor";
}

ManifestResult load_manifest_text(const std::string& text, const fs::path& file) {
  ManifestResult result;
  result.manifest.file = file;
  Checker c(file.string(), file.parent_path());
  auto root = parse_yaml(c, text);
  if (!root) {
    result.errors = c.take_errors();
    return result;
  }
  ManifestReader(c).read(*root, result.manifest);
  result.errors = c.take_errors();
  sort_by_position(result.errors);
  return result;
}

ManifestResult load_manifest(const fs::path& path) {
  std::string error;
  std::string text = read_file(path, error);
  if (!error.empty()) {
    ManifestResult result;
    result.manifest.file = path;
    result.errors.push_back(FileError{path.string(), 0, 0, "cannot open: " + error});
    return result;
  }
  return load_manifest_text(text, path);
}

std::vector<fs::path> manifest_files(const fs::path& dir, bool& missing, std::string& error) {
  std::vector<fs::path> files;
  missing = false;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    missing = !ec;
    if (ec) error = ec.message();
    return files;
  }
  if (!fs::is_directory(dir, ec)) {
    error = "not a directory";
    return files;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && !it->is_directory()) files.push_back(it->path());
  }
  if (ec) error = ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

ManifestSet load_manifest_set(const std::vector<fs::path>& files) {
  ManifestSet set;
  std::vector<ApplicationManifest> apps;
  std::map<std::string, const ApplicationManifest*> by_name;
  for (const auto& file : files) {
    ManifestResult r = load_manifest(file);
    set.errors.insert(set.errors.end(), r.errors.begin(), r.errors.end());
    apps.push_back(std::move(r.manifest));
  }
  for (const auto& app : apps) {
    if (app.name.empty()) continue;
    auto [it, fresh] = by_name.emplace(app.name, &app);
    if (!fresh) {
      const ApplicationManifest& first = *it->second;
      add_error(set.errors, app, app.pos,
                "application.name: " + quote(app.name) + " is already the name of the "
                "application in " + first.file.string() + ":" + std::to_string(first.pos.line) +
                    ":" + std::to_string(first.pos.column));
    }
  }
  std::vector<size_t> order;
  check_dependencies(apps, set.errors, order);
  for (size_t i : order) set.applications.push_back(std::move(apps[i]));
  // By file (in the order given), then by position.
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < files.size(); ++i) rank.emplace(files[i].string(), i);
  std::stable_sort(set.errors.begin(), set.errors.end(),
                   [&](const FileError& a, const FileError& b) {
                     size_t ra = rank[a.file], rb = rank[b.file];
                     if (ra != rb) return ra < rb;
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  return set;
}

ManifestSet load_manifests(const fs::path& dir) {
  bool missing = false;
  std::string error;
  std::vector<fs::path> files = manifest_files(dir, missing, error);
  if (!error.empty()) {
    ManifestSet set;
    set.dir = dir;
    set.errors.push_back(FileError{dir.string(), 0, 0, "cannot read the manifests: " + error});
    return set;
  }
  if (missing) log_info("no manifests directory " + dir.string() + ": no applications");
  ManifestSet set = load_manifest_set(files);
  set.dir = dir;
  set.dir_missing = missing;
  return set;
}

}  // namespace ergod::cli
