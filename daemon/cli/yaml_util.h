// Helpers shared by the YAML readers of the daemon layer (config.cpp, manifest.cpp,
// yaml_term.cpp): reading and parsing a file, an error collector that turns yaml-cpp marks into file:line:column, the
// keys of a mapping with unknown and repeated keys reported, and typed getters whose
// messages all read "PATH: expected WHAT, got VALUE". Nothing here knows a particular file.
// Thread safety: no shared state; a Checker belongs to one reader at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cli/file_error.h"

namespace ergod::cli {

// One "key: value" pair of a mapping. The key is kept for its position: a value that is
// missing (null) has no position of its own.
struct Field {
  YAML::Node key;
  YAML::Node value;
};

using Fields = std::map<std::string, Field, std::less<>>;

// A scalar in quotes with the characters that would make the message ambiguous escaped.
std::string quote(const std::string& s);
// What the user wrote, for "got ..." in messages.
std::string describe(const YAML::Node& node);
// "a, b, c" for messages listing what is allowed.
std::string join(std::initializer_list<std::string_view> words);

// Line 1, column 1: where errors about a whole document go.
YAML::Mark file_start();

// Collects the errors of one file.
class Checker {
 public:
  Checker(std::string file, std::filesystem::path dir)
      : file_(std::move(file)), dir_(std::move(dir)) {}

  const std::string& file() const { return file_; }

  void error(const YAML::Mark& mark, std::string message);
  // Errors about a value point at the value, or at its key when the value is empty.
  void error(const Field& f, std::string message);
  void expected(const Field& f, std::string_view path, std::string_view what);
  // The same for a node that is not a mapping's value (a list element, a term).
  void expected(const YAML::Node& node, const YAML::Mark& fallback, std::string_view path,
                std::string_view what);

  // Relative paths in the file mean "next to the file".
  // A path from the file: absolute, "$ORIGIN/..." (relative to the directory of the ergod
  // binary, so a config can name the plugins built or installed beside it), or relative to
  // the file's directory.
  std::filesystem::path resolve(const std::string& p) const;

  bool has_errors() const { return !errors_.empty(); }
  size_t error_count() const { return errors_.size(); }
  std::vector<FileError> take_errors() { return std::move(errors_); }

 private:
  std::string file_;
  std::filesystem::path dir_;
  std::vector<FileError> errors_;
};

// The mark of node, or fallback when yaml-cpp gives none (a null value).
YAML::Mark mark_of(const YAML::Node& node, const YAML::Mark& fallback);

// The keys of a mapping, with unknown and repeated keys reported. A null node (a section
// whose keys are all commented out) counts as an empty mapping. nullopt when node is not
// a mapping (reported at node, or at `where` when node has no position).
std::optional<Fields> fields_of(Checker& c, const YAML::Node& node, const YAML::Mark& where,
                                std::string_view path,
                                std::initializer_list<std::string_view> allowed);

const Field* find(const Fields& fields, std::string_view key);

// A decimal integer in [min, max]; anything else is reported as "expected <what>", and a
// number above max as "expected <what> up to <max>" unless what already names the range.
std::optional<std::uint64_t> get_uint(Checker& c, const Field& f, std::string_view path,
                                      std::uint64_t min, std::uint64_t max,
                                      std::string_view what, bool what_has_range = true);

// A non-empty scalar.
std::optional<std::string> get_string(Checker& c, const Field& f, std::string_view path,
                                      std::string_view what);

// Sorts errors into file order (stable: errors at one position keep their order).
void sort_by_position(std::vector<FileError>& errors);

// The whole of a file; on failure "" with why in error ("is a directory", strerror).
std::string read_file(const std::filesystem::path& path, std::string& error);

// text as YAML; nullopt after reporting "YAML syntax error: ..." at its position.
std::optional<YAML::Node> parse_yaml(Checker& c, const std::string& text);

}  // namespace ergod::cli
