// plugin_loader: opens one plugin file and checks it against the C ABI (ergod.h): a shared
// object exporting ergod_plugin_entry whose descriptor has our ABI version, a name, uniquely
// named behaviors of known kinds and well-formed rpc functions, and whose on_load agrees.
// Every refusal names the file and what is wrong; a refused file is closed again and leaves
// nothing behind.
//
// The file is loaded from a private copy (a memfd), so loading a changed file again gets the
// new code: dlopen never hands back an old handle for the same path. A Plugin lives as long
// as anything uses it (the registry, each of its processes, a running rpc function; all hold
// a shared_ptr); the last owner runs on_unload and dlcloses it.
//
// Not here: the registry of loaded plugins (plugin_registry.h).
// Threads: load_plugin from any thread (not a worker: it reads a file). A Plugin is immutable
// once loaded and may be read from any thread; its destructor runs on whichever thread drops
// the last reference.
#pragma once

#include <ergod/ergod.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "term/result.h"

namespace ergod::plugin {

// What the file was when it was read: the caller compares it with file_identity() later to
// tell whether the file changed (e.g. before a reload).
struct FileIdentity {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t hash = 0;  // FNV-1a 64 of the bytes: the deciding part
  bool operator==(const FileIdentity& o) const noexcept { return size == o.size && hash == o.hash; }
};

// The identity of the file at path now (reads and hashes it).
Result<FileIdentity> file_identity(const std::string& path);

struct Plugin {
  std::string path;      // as given to load_plugin
  std::string name;      // descriptor name
  std::string version;   // descriptor version ("" when NULL)
  FileIdentity identity;
  const ergod_plugin* descriptor = nullptr;

  // The behavior named name, or null.
  const ergod_behavior* find_behavior(std::string_view name) const noexcept;
  // True when the file at path no longer has the identity it was loaded with (or is gone).
  bool file_changed() const;

  Plugin() = default;
  ~Plugin();  // on_unload, then dlclose
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

 private:
  friend Result<std::shared_ptr<Plugin>> load_plugin(const std::string& path);
  void* handle_ = nullptr;
  int fd_ = -1;  // the memfd the code was loaded from
};

Result<std::shared_ptr<Plugin>> load_plugin(const std::string& path);

}  // namespace ergod::plugin
