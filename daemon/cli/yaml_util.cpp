// See yaml_util.h.
#include "cli/yaml_util.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ergod::cli {
namespace fs = std::filesystem;

std::string FileError::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

YAML::Mark file_start() {
  YAML::Mark top;
  top.pos = top.line = top.column = 0;
  return top;
}

YAML::Mark mark_of(const YAML::Node& node, const YAML::Mark& fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  YAML::Mark m = node.Mark();
  return m.is_null() ? fallback : m;
}

void Checker::error(const YAML::Mark& mark, std::string message) {
  FileError e;
  e.file = file_;
  if (!mark.is_null()) {
    e.line = mark.line + 1;
    e.column = mark.column + 1;
  } else {
    e.line = e.column = 1;
  }
  e.message = std::move(message);
  errors_.push_back(std::move(e));
}

void Checker::error(const Field& f, std::string message) {
  error(mark_of(f.value, f.key.Mark()), std::move(message));
}

void Checker::expected(const Field& f, std::string_view path, std::string_view what) {
  error(f, std::string(path) + ": expected " + std::string(what) + ", got " + describe(f.value));
}

void Checker::expected(const YAML::Node& node, const YAML::Mark& fallback,
                       std::string_view path, std::string_view what) {
  error(mark_of(node, fallback),
        std::string(path) + ": expected " + std::string(what) + ", got " + describe(node));
}

// The directory of the running ergod binary ($ORIGIN in paths), as the dynamic linker's
// $ORIGIN: /usr/bin for an installed ergod, <build>/daemon/cli in a build tree.
fs::path origin_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path(ec) : exe.parent_path();
}

fs::path Checker::resolve(const std::string& p) const {
  static constexpr std::string_view kOrigin = "$ORIGIN";
  if (p.rfind(kOrigin, 0) == 0 && (p.size() == kOrigin.size() || p[kOrigin.size()] == '/'))
    return (origin_dir() / fs::path(p.substr(std::min(p.size(), kOrigin.size() + 1)))).lexically_normal();
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal();
  return (dir_ / path).lexically_normal();
}

std::optional<Fields> fields_of(Checker& c, const YAML::Node& node, const YAML::Mark& where,
                                std::string_view path,
                                std::initializer_list<std::string_view> allowed) {
  Fields out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    std::string prefix = path.empty() ? std::string() : std::string(path) + ": ";
    c.error(node.Mark().is_null() ? where : node.Mark(),
            prefix + "expected a map with keys " + join(allowed) + ", got " + describe(node));
    return std::nullopt;
  }
  for (const auto& kv : node) {
    const YAML::Node& key = kv.first;
    std::string name = key.IsScalar() ? key.Scalar() : std::string();
    std::string full = path.empty() ? name : std::string(path) + "." + name;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      c.error(key.Mark(), "unknown key " + (key.IsScalar() ? quote(full) : describe(key)) +
                              " (expected one of: " + join(allowed) + ")");
      continue;
    }
    if (out.count(name)) {
      c.error(key.Mark(), full + ": duplicate key (first given on line " +
                              std::to_string(out[name].key.Mark().line + 1) + ")");
      continue;
    }
    out.emplace(name, Field{key, kv.second});
  }
  return out;
}

const Field* find(const Fields& fields, std::string_view key) {
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

std::optional<std::uint64_t> get_uint(Checker& c, const Field& f, std::string_view path,
                                      std::uint64_t min, std::uint64_t max,
                                      std::string_view what, bool what_has_range) {
  if (f.value.IsScalar()) {
    const std::string& s = f.value.Scalar();
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    bool all_digits = !s.empty() && end == s.data() + s.size();
    if (all_digits && ec == std::errc() && v >= min && v <= max) return v;
    if (all_digits && (ec == std::errc::result_out_of_range || v > max)) {
      c.expected(f, path,
                 what_has_range ? std::string(what)
                                : std::string(what) + " up to " + std::to_string(max));
      return std::nullopt;
    }
  }
  c.expected(f, path, what);
  return std::nullopt;
}

std::optional<std::string> get_string(Checker& c, const Field& f, std::string_view path,
                                      std::string_view what) {
  if (f.value.IsScalar() && !f.value.Scalar().empty()) return f.value.Scalar();
  c.expected(f, path, what);
  return std::nullopt;
}

void sort_by_position(std::vector<FileError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const FileError& a, const FileError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

std::string read_file(const fs::path& path, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "is a directory";
    return {};
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno ? std::strerror(errno) : "unknown error";
    return {};
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::optional<YAML::Node> parse_yaml(Checker& c, const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    c.error(e.mark, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace ergod::cli
