// FileError: one problem found in a file the daemon reads (the config, a manifest), with its
// position, printed as "file:line:column: message" for a person or an editor's error list.
// Plain data; any thread.
#pragma once

#include <string>

namespace ergod::cli {

struct FileError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the whole file (cannot open it)
  int column = 0;  // 1-based
  std::string message;

  // "file:line:column: message", or "file: message" when there is no position.
  std::string to_string() const;
};

}  // namespace ergod::cli
