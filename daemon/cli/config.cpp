// See config.h. The checks walk the YAML tree once, section by section; each check records
// its own error and lets the walk go on, so that one run reports everything wrong.
#include "cli/config.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "cli/yaml_util.h"

namespace ergod::cli {
namespace fs = std::filesystem;

namespace {

bool is_name_char(char ch, bool host) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
         (host && ch == '.');
}

// Erlang node names are atoms of the form name@host; the host part decides between short
// names (no dot, erl -sname) and long names (erl -name), which cannot talk to each other.
void check_node_name(Checker& c, const Field& f, NodeConfig& node) {
  constexpr std::string_view what = "name@host (e.g. ergod@localhost)";
  auto name = get_string(c, f, "node.name", what);
  if (!name) return;
  auto at = name->find('@');
  bool ok = at != std::string::npos && at > 0 && at + 1 < name->size() &&
            name->find('@', at + 1) == std::string::npos && name->size() <= 255;
  for (size_t i = 0; ok && i < name->size(); ++i) {
    if (i != at) ok = is_name_char((*name)[i], i > at);
  }
  if (!ok) {
    c.expected(f, "node.name", what);
    return;
  }
  node.name = *name;
  node.long_name = name->find('.', at) != std::string::npos;
}

// Like erl, refuse a cookie file that others can read: the cookie is the only thing between
// the network and running code on this node.
void read_cookie_file(Checker& c, const Field& f, NodeConfig& node) {
  auto raw = get_string(c, f, "node.cookie_file", "a file path");
  if (!raw) return;
  fs::path path = c.resolve(*raw);
  std::string shown = quote(path.string());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    c.error(f, "node.cookie_file: cannot read " + shown + ": " + std::strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    c.error(f, "node.cookie_file: " + shown + " is not a regular file");
    return;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    c.error(f, "node.cookie_file: " + shown +
                   " must be accessible by its owner only (chmod 400), mode is " + mode);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in) {
    c.error(f, "node.cookie_file: cannot read " + shown + ": " + std::strerror(errno));
    return;
  }
  std::string cookie = buf.str();
  auto first = cookie.find_first_not_of(" \t\r\n");
  auto last = cookie.find_last_not_of(" \t\r\n");
  cookie = first == std::string::npos ? std::string() : cookie.substr(first, last - first + 1);
  if (cookie.empty() || cookie.size() > 255 || cookie.find('\n') != std::string::npos) {
    c.error(f, "node.cookie_file: " + shown +
                   " must hold one line of 1 to 255 characters (the cookie)");
    return;
  }
  node.cookie = std::move(cookie);
  node.cookie_file = path.string();
}

void check_node(Checker& c, const YAML::Node& root, const Field* section, Config& cfg) {
  YAML::Mark where = section ? section->key.Mark() : root.Mark();
  if (!section) {
    c.error(where, "node: missing (expected a map with name and cookie or cookie_file)");
    return;
  }
  auto fields = fields_of(c, section->value, where, "node", {"name", "cookie", "cookie_file"});
  if (!fields) return;
  const Field* name = find(*fields, "name");
  const Field* cookie = find(*fields, "cookie");
  const Field* cookie_file = find(*fields, "cookie_file");
  if (name) {
    check_node_name(c, *name, cfg.node);
  } else {
    c.error(where, "node.name: missing (expected name@host, e.g. ergod@localhost)");
  }
  if (cookie && cookie_file) {
    c.error(cookie_file->key.Mark(), "node: give either cookie or cookie_file, not both");
  } else if (cookie) {
    auto v = get_string(c, *cookie, "node.cookie", "a string of 1 to 255 characters");
    if (v && v->size() > 255) {
      c.expected(*cookie, "node.cookie", "a string of 1 to 255 characters");
    } else if (v) {
      cfg.node.cookie = *v;
    }
  } else if (cookie_file) {
    read_cookie_file(c, *cookie_file, cfg.node);
  } else {
    c.error(where, "node: missing cookie or cookie_file (one of them is required)");
  }
}

void check_listen(Checker& c, const Field& section, Config& cfg) {
  auto fields = fields_of(c, section.value, section.key.Mark(), "listen",
                          {"address", "port_range"});
  if (!fields) return;
  if (const Field* f = find(*fields, "address")) {
    auto v = get_string(c, *f, "listen.address", "an IPv4 or IPv6 address");
    unsigned char buf[sizeof(in6_addr)];
    if (v && (inet_pton(AF_INET, v->c_str(), buf) == 1 ||
              inet_pton(AF_INET6, v->c_str(), buf) == 1)) {
      cfg.listen.address = *v;
    } else if (v) {
      c.expected(*f, "listen.address", "an IPv4 or IPv6 address");
    }
  }
  if (const Field* f = find(*fields, "port_range")) {
    constexpr std::string_view what =
        "[min, max] with 1 <= min <= max <= 65535, or [0, 0] for any port";
    if (!f->value.IsSequence() || f->value.size() != 2) {
      c.expected(*f, "listen.port_range", what);
      return;
    }
    Field lo{f->key, f->value[0]}, hi{f->key, f->value[1]};
    auto min = get_uint(c, lo, "listen.port_range", 0, 65535, "a port number from 0 to 65535");
    auto max = get_uint(c, hi, "listen.port_range", 0, 65535, "a port number from 0 to 65535");
    if (!min || !max) return;
    if ((*min == 0) != (*max == 0) || *min > *max) {
      c.error(*f, "listen.port_range: expected " + std::string(what) + ", got [" +
                      std::to_string(*min) + ", " + std::to_string(*max) + "]");
      return;
    }
    cfg.listen.port_min = static_cast<std::uint16_t>(*min);
    cfg.listen.port_max = static_cast<std::uint16_t>(*max);
  }
}

void check_epmd(Checker& c, const Field& section, Config& cfg) {
  auto fields = fields_of(c, section.value, section.key.Mark(), "epmd", {"port", "mode"});
  if (!fields) return;
  if (const Field* f = find(*fields, "port")) {
    if (auto v = get_uint(c, *f, "epmd.port", 1, 65535, "a port number from 1 to 65535")) {
      cfg.epmd.port = static_cast<std::uint16_t>(*v);
    }
  }
  if (const Field* f = find(*fields, "mode")) {
    std::string v = f->value.IsScalar() ? f->value.Scalar() : std::string();
    if (v == "embedded") {
      cfg.epmd.mode = EpmdMode::embedded;
    } else if (v == "external") {
      cfg.epmd.mode = EpmdMode::external;
    } else if (v == "auto") {
      cfg.epmd.mode = EpmdMode::automatic;
    } else {
      c.expected(*f, "epmd.mode", "embedded, external or auto");
    }
  }
}

void check_limits(Checker& c, const Field& section, Config& cfg) {
  auto fields = fields_of(c, section.value, section.key.Mark(), "limits",
                          {"max_message_size", "max_atoms"});
  if (!fields) return;
  if (const Field* f = find(*fields, "max_message_size")) {
    if (auto v = get_uint(c, *f, "limits.max_message_size", 1,
                          std::numeric_limits<std::uint64_t>::max(),
                          "a positive integer (bytes)", false)) {
      cfg.limits.max_message_size = *v;
    }
  }
  if (const Field* f = find(*fields, "max_atoms")) {
    // erl's +t accepts the same range.
    if (auto v = get_uint(c, *f, "limits.max_atoms", 8192, 2147483647,
                          "an integer from 8192 to 2147483647")) {
      cfg.limits.max_atoms = *v;
    }
  }
}

void check_log(Checker& c, const Field& section, Config& cfg) {
  auto fields = fields_of(c, section.value, section.key.Mark(), "log", {"level"});
  if (!fields) return;
  if (const Field* f = find(*fields, "level")) {
    auto level = f->value.IsScalar() ? parse_log_level(f->value.Scalar()) : std::nullopt;
    if (level) {
      cfg.log_level = *level;
    } else {
      c.expected(*f, "log.level", "one of trace, debug, info, notice, warning, error");
    }
  }
}

// plugins: {dir: ...} and manifests: {dir: ...} share one shape.
void check_dir_section(Checker& c, const Field* section, std::string_view name,
                       std::filesystem::path& out) {
  out = c.resolve(std::string(name));  // the default, next to the config file
  if (!section) return;
  auto fields = fields_of(c, section->value, section->key.Mark(), name, {"dir"});
  if (!fields) return;
  if (const Field* f = find(*fields, "dir")) {
    std::string path = std::string(name) + ".dir";
    if (auto v = get_string(c, *f, path, "a directory path")) out = c.resolve(*v);
  }
}

// control: {socket: PATH}. The length limit is the kernel's for a unix socket address.
void check_control(Checker& c, const Field& section, Config& cfg) {
  auto fields = fields_of(c, section.value, section.key.Mark(), "control", {"socket"});
  if (!fields) return;
  if (const Field* f = find(*fields, "socket")) {
    auto v = get_string(c, *f, "control.socket", "a socket file path");
    if (!v) return;
    fs::path path = c.resolve(*v);
    constexpr size_t max = sizeof(sockaddr_un{}.sun_path) - 1;
    if (path.native().size() > max) {
      c.error(*f, "control.socket: " + quote(path.string()) + " is longer than " +
                      std::to_string(max) + " bytes (the limit of a unix socket path)");
      return;
    }
    cfg.control_socket = path;
  }
}

}  // namespace

unsigned Config::effective_schedulers() const {
  if (schedulers != 0) return schedulers;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string_view to_string(EpmdMode mode) {
  switch (mode) {
    case EpmdMode::embedded: return "embedded";
    case EpmdMode::external: return "external";
    case EpmdMode::automatic: break;
  }
  return "auto";
}

LoadResult load_config_text(const std::string& text, const fs::path& file) {
  LoadResult result;
  fs::path dir = file.parent_path();
  std::error_code ec;
  fs::path abs_dir = fs::absolute(dir.empty() ? fs::path(".") : dir, ec);
  Checker c(file.string(), ec ? dir : abs_dir);
  Config& cfg = result.config;
  cfg.source = file;

  auto parsed = parse_yaml(c, text);
  if (!parsed) {
    result.errors = c.take_errors();
    return result;
  }
  const YAML::Node& root = *parsed;

  YAML::Mark top = file_start();
  if (!root.IsMap()) {
    c.error(root.Mark().is_null() ? top : root.Mark(),
            "expected a map of settings (node, listen, epmd, ...), got " + describe(root));
    result.errors = c.take_errors();
    return result;
  }
  auto fields = fields_of(c, root, top, "",
                          {"node", "listen", "epmd", "net_ticktime", "schedulers", "limits",
                           "log", "plugins", "manifests", "control"});

  check_node(c, root, find(*fields, "node"), cfg);
  if (const Field* f = find(*fields, "listen")) check_listen(c, *f, cfg);
  if (const Field* f = find(*fields, "epmd")) check_epmd(c, *f, cfg);
  if (const Field* f = find(*fields, "net_ticktime")) {
    if (auto v = get_uint(c, *f, "net_ticktime", 1, std::numeric_limits<std::uint32_t>::max(),
                          "a positive integer", false)) {
      cfg.net_ticktime = static_cast<std::uint32_t>(*v);
    }
  }
  if (const Field* f = find(*fields, "schedulers")) {
    if (auto v = get_uint(c, *f, "schedulers", 0, 1024,
                          "an integer from 0 to 1024 (0 = one per core)")) {
      cfg.schedulers = static_cast<unsigned>(*v);
    }
  }
  if (const Field* f = find(*fields, "limits")) check_limits(c, *f, cfg);
  if (const Field* f = find(*fields, "log")) check_log(c, *f, cfg);
  size_t errors_before_dirs = c.error_count();
  check_dir_section(c, find(*fields, "plugins"), "plugins", cfg.plugins_dir);
  check_dir_section(c, find(*fields, "manifests"), "manifests", cfg.manifests_dir);
  result.dirs_known = c.error_count() == errors_before_dirs;
  if (const Field* f = find(*fields, "control")) check_control(c, *f, cfg);

  result.errors = c.take_errors();
  // Report in file order, whatever order the checks ran in.
  sort_by_position(result.errors);
  return result;
}

LoadResult load_config(const fs::path& path) {
  auto cannot_open = [&](std::string why) {
    LoadResult result;
    result.config.source = path;
    result.errors.push_back(ConfigError{path.string(), 0, 0, "cannot open: " + why});
    return result;
  };
  std::string error;
  std::string text = read_file(path, error);
  if (!error.empty()) return cannot_open(error);
  return load_config_text(text, path);
}

}  // namespace ergod::cli
