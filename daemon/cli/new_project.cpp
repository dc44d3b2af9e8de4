// See new_project.h: checking the request and writing the files (the templates are in
// new_templates.cpp).
#include "cli/new_project.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <system_error>

namespace ergod::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIdentifierRule =
    "a lowercase letter, then lowercase letters, digits or _";

// Names become unquoted atoms in manifests and in erl (gen_server:call({Name, Node}, ping)),
// so Erlang's reserved words are out (maybe: reserved from OTP 27 on).
constexpr std::array kErlangReserved = {
    "after", "and",   "andalso", "band", "begin", "bnot", "bor",     "bsl",  "bsr",
    "bxor",  "case",  "catch",   "cond", "div",   "end",  "fun",     "if",   "let",
    "maybe", "not",   "of",      "or",   "orelse", "receive", "rem", "try",  "when", "xor"};

// The plugin's name is the C++ namespace of its code.
constexpr std::array kCppReserved = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
    "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
    "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    // not keywords, but namespaces the generated code names
    "std", "ergod", "sdk"};

template <size_t N>
bool listed(const std::array<const char*, N>& words, std::string_view s) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

// Empty when name is a good identifier, else why not.
std::string identifier_error(std::string_view name) {
  bool shape = !name.empty() && name.size() <= 255 && name[0] >= 'a' && name[0] <= 'z' &&
               std::all_of(name.begin(), name.end(), [](char ch) {
                 return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
               });
  if (!shape) {
    return "bad identifier \"" + std::string(name) + "\" (expected " +
           std::string(kIdentifierRule) + ")";
  }
  if (listed(kErlangReserved, name))
    return "bad identifier \"" + std::string(name) + "\" (an Erlang reserved word)";
  return {};
}

// Builds the tree one flag value at a time, recording errors.
class TreeBuilder {
 public:
  explicit TreeBuilder(ProjectTreeResult& out) : out_(out) {}

  void plugin(const std::string& name, bool from_dir) {
    std::string why = identifier_error(name);
    if (why.empty() && listed(kCppReserved, name))
      why = "\"" + name + "\" is reserved (the plugin's name is the C++ namespace of its code)";
    if (why.empty()) {
      out_.tree.plugin = name;
    } else if (from_dir) {
      error("--name: not given, and the directory's name is not a plugin name: " + why);
    } else {
      error("--name " + name + ": " + why);
    }
  }

  void app(const std::string& value) {
    std::string flag = "--with-app " + value;
    if (std::string why = identifier_error(value); !why.empty()) return error(flag + ": " + why);
    if (std::find(out_.tree.apps.begin(), out_.tree.apps.end(), value) != out_.tree.apps.end())
      return error(flag + ": duplicate name: application " + value + " is given twice");
    if (auto it = owners_.find(top_supervisor_name(value)); it != owners_.end()) {
      return error(flag + ": duplicate name: its top supervisor " + top_supervisor_name(value) +
                   " is already " + it->second);
    }
    out_.tree.apps.push_back(value);
    owners_.emplace(top_supervisor_name(value), "the top supervisor of application " + value);
  }

  void node(ProjectNode::Kind kind, const std::string& flag_name, const std::string& value) {
    std::string flag = flag_name + " " + value;
    std::string parent, name;
    if (!split(value, parent, name)) {
      return error(flag + ": expected PARENT:NAME (PARENT: an application or a supervisor)");
    }
    bool name_ok = true;
    for (const std::string* part : {&parent, &name}) {
      if (std::string why = identifier_error(*part); !why.empty()) {
        error(flag + ": " + why);
        name_ok = false;
      }
    }
    if (!name_ok) return;
    bool is_app =
        std::find(out_.tree.apps.begin(), out_.tree.apps.end(), parent) != out_.tree.apps.end();
    bool is_sup = supervisors_.count(parent) > 0;
    if (!is_app && !is_sup) {
      error(flag + ": unknown parent " + parent +
            " (expected an application of --with-app or a supervisor of an earlier --with-sup)");
    }
    if (auto it = owners_.find(name); it != owners_.end())
      return error(flag + ": duplicate name: " + name + " is already " + it->second);
    if (kind == ProjectNode::Kind::supervisor &&
        std::find(out_.tree.apps.begin(), out_.tree.apps.end(), name) != out_.tree.apps.end()) {
      return error(flag + ": duplicate name: " + name +
                   " is an application (a supervisor's name would make PARENT ambiguous)");
    }
    if (kind == ProjectNode::Kind::actor) {
      if (name == "plugin") return error(flag + ": the name plugin is taken by src/plugin.cpp");
      std::string cls = class_name(name);
      if (auto it = classes_.find(cls); it != classes_.end()) {
        return error(flag + ": duplicate name: its class " + cls + " is already actor " +
                     it->second + "'s");
      }
      classes_.emplace(cls, name);
    }
    const char* what = kind == ProjectNode::Kind::actor ? "actor " : "supervisor ";
    owners_.emplace(name, what + name + " (" + flag_name + ")");
    if (kind == ProjectNode::Kind::supervisor) supervisors_.insert(name);
    // A child of an unknown parent is kept out of the tree, but its name stays known so
    // that its own children do not all report the same mistake.
    if (is_app || is_sup) out_.tree.nodes.push_back(ProjectNode{kind, name, parent, is_app});
  }

  void not_available(const std::string& flag_name, const std::string& value, const char* what) {
    error(flag_name + " " + value + ": not available yet: ergod has no " + what +
          " behavior; --with-actor makes a gen_server actor");
  }

 private:
  static bool split(const std::string& value, std::string& parent, std::string& name) {
    size_t colon = value.find(':');
    if (colon == std::string::npos || value.find(':', colon + 1) != std::string::npos)
      return false;
    parent = value.substr(0, colon);
    name = value.substr(colon + 1);
    return !parent.empty() && !name.empty();
  }

  void error(std::string message) { out_.errors.push_back(std::move(message)); }

  ProjectTreeResult& out_;
  std::map<std::string, std::string> owners_;   // registered name -> what has it
  std::map<std::string, std::string> classes_;  // class name -> actor
  std::set<std::string> supervisors_;
};

}  // namespace

std::string top_supervisor_name(const std::string& app) { return app + "_sup"; }

std::string class_name(const std::string& actor) {
  std::string out;
  bool upper = true;
  for (char ch : actor) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    out += upper && ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
    upper = false;
  }
  // A name like a_1 gives A1; one of underscores and digits only cannot start a class.
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "Actor" + out;
  return out;
}

ProjectTreeResult build_project_tree(const NewProjectRequest& request) {
  ProjectTreeResult out;
  TreeBuilder b(out);
  if (request.name.empty()) {
    fs::path dir = request.dir.lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();  // "shop/" names shop
    b.plugin(dir.filename().string(), true);
  } else {
    b.plugin(request.name, false);
  }
  for (const auto& v : request.apps) b.app(v);
  for (const auto& v : request.sups) b.node(ProjectNode::Kind::supervisor, "--with-sup", v);
  for (const auto& v : request.actors) b.node(ProjectNode::Kind::actor, "--with-actor", v);
  for (const auto& v : request.tcp) b.not_available("--with-tcp", v, "TCP server");
  for (const auto& v : request.web) b.not_available("--with-web", v, "web server");
  return out;
}

std::string write_project(const fs::path& dir, const std::vector<GeneratedFile>& files) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) return dir.string() + ": exists and is not a directory";
    if (!fs::is_empty(dir, ec) || ec) {
      return dir.string() + ": exists and is not empty (ergod new does not overwrite a project)";
    }
  }
  for (const auto& f : files) {
    fs::path path = dir / f.path;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return path.parent_path().string() + ": cannot create: " + ec.message();
    std::ofstream out(path, std::ios::binary);
    out << f.content;
    out.close();
    if (!out) return path.string() + ": cannot write: " + std::strerror(errno);
  }
  return {};
}

}  // namespace ergod::cli
