// support: what the cli unit tests share: TempDir, a fresh directory removed at the end of the
// test, into which a test writes its files.
// Threads: a TempDir belongs to the test that made it.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

namespace ergod::cli::test {

class TempDir {
 public:
  // A directory named prefix-XXXXXX under parent (the system's temporary directory unless a
  // test needs a short path, as a unix socket does).
  explicit TempDir(const std::string& prefix,
                   const std::filesystem::path& parent = std::filesystem::temp_directory_path()) {
    std::string tmpl = (parent / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) FAIL("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes text to name (a path below the directory, its folders made) with the given mode.
  std::filesystem::path write(const std::string& name, const std::string& text, int mode = 0644) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ergod::cli::test
