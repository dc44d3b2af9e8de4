// See plugin_loader.h.
#include "plugin/plugin_loader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>
#include <vector>

#include "plugin/host_table.h"
#include "term/atom.h"

namespace ergod::plugin {
namespace {

struct FileBytes {
  std::vector<uint8_t> bytes;
  FileIdentity identity;
};

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

Result<FileBytes> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("plugin " + path + ": " + std::strerror(errno));
  FileBytes f;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error("plugin " + path + ": not a regular file");
  }
  f.identity.size = uint64_t(st.st_size);
  f.identity.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  f.bytes.resize(size_t(st.st_size));
  size_t done = 0;
  while (done < f.bytes.size()) {
    ssize_t n = ::read(fd, f.bytes.data() + done, f.bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return make_error("plugin " + path + ": read failed: " + (n < 0 ? std::strerror(errno) : "file shrank"));
    }
    done += size_t(n);
  }
  ::close(fd);
  f.identity.hash = fnv1a(f.bytes);
  return f;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Closes what a load opened. If the object stays resident after dlclose (a C++ plugin with
// STB_GNU_UNIQUE symbols cannot be unloaded), the memfd stays open: its /proc/self/fd name
// must never be reused, or dlopen would match the old object by name.
void close_object(void* handle, int fd) {
  std::string proc_path = "/proc/self/fd/" + std::to_string(fd);
  if (handle) ::dlclose(handle);
  if (fd < 0) return;
  if (void* still = ::dlopen(proc_path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
    ::dlclose(still);
    return;
  }
  ::close(fd);
}

bool valid_atom_name(const char* s) {
  term::Atom a;
  return s && term::Atom::try_make(s, a);
}

// The descriptor's checks, in the order a plugin author would fix them.
std::string check_descriptor(const std::string& path, const ergod_plugin* d) {
  const std::string p = "plugin " + path;
  if (!d) return p + ": ergod_plugin_entry returned no descriptor";
  if (d->abi_version < ERGOD_ABI_VERSION_MIN || d->abi_version > ERGOD_ABI_VERSION)
    return p + " was built for ABI " + std::to_string(d->abi_version) + ", ergod loads ABI " +
           std::to_string(ERGOD_ABI_VERSION_MIN) + " to " + std::to_string(ERGOD_ABI_VERSION);
  if (!d->name || !*d->name) return p + ": the descriptor has no name";
  if (!valid_atom_name(d->name)) return p + ": the plugin name is not a valid atom";
  if (d->behavior_count && !d->behaviors)
    return p + ": behavior_count is " + std::to_string(d->behavior_count) + " but behaviors is NULL";
  std::set<std::string_view> behaviors;
  for (size_t i = 0; i < d->behavior_count; ++i) {
    const ergod_behavior& b = d->behaviors[i];
    if (!b.name || !*b.name) return p + ": behavior " + std::to_string(i) + " has no name";
    std::string q = p + ": behavior \"" + b.name + "\"";
    if (!behaviors.insert(b.name).second) return q + " is declared twice";
    if (b.kind != ERGOD_BEHAVIOR_GEN_SERVER) return q + " has unknown kind " + std::to_string(b.kind);
    if (!b.callbacks) return q + " has no callbacks";
  }
  if (d->function_count && !d->functions)
    return p + ": function_count is " + std::to_string(d->function_count) + " but functions is NULL";
  std::set<std::tuple<std::string_view, std::string_view, uint32_t>> functions;
  for (size_t i = 0; i < d->function_count; ++i) {
    const ergod_function& f = d->functions[i];
    if (!f.module || !f.function || !f.fn)
      return p + ": function " + std::to_string(i) + " lacks a module, a function name or fn";
    std::string mfa = std::string(f.module) + ":" + f.function + "/" + std::to_string(f.arity);
    if (!valid_atom_name(f.module) || !valid_atom_name(f.function))
      return p + ": function " + mfa + " has a name that is not a valid atom";
    if (f.arity > 255) return p + ": function " + mfa + " has an arity over 255";
    if (!functions.insert({f.module, f.function, f.arity}).second) return p + ": function " + mfa + " is declared twice";
  }
  return {};
}

}  // namespace

Result<FileIdentity> file_identity(const std::string& path) {
  auto f = read_file(path);
  if (!f) return make_error(f.error());
  return f->identity;
}

const ergod_behavior* Plugin::find_behavior(std::string_view name) const noexcept {
  for (size_t i = 0; i < descriptor->behavior_count; ++i)
    if (name == descriptor->behaviors[i].name) return &descriptor->behaviors[i];
  return nullptr;
}

bool Plugin::file_changed() const {
  auto now = file_identity(path);
  return !now || !(*now == identity);
}

Plugin::~Plugin() {
  if (descriptor && descriptor->on_unload) {
    LogSourceScope scope(name.c_str());
    descriptor->on_unload();
  }
  close_object(handle_, fd_);
}

Result<std::shared_ptr<Plugin>> load_plugin(const std::string& path) {
  auto file = read_file(path);
  if (!file) return make_error(file.error());

  // The private copy: a new inode and a new name for every load.
  int fd = ::memfd_create(base_name(path).c_str(), MFD_CLOEXEC);
  if (fd < 0) return make_error("plugin " + path + ": memfd_create: " + std::strerror(errno));
  const auto& bytes = file->bytes;
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return make_error("plugin " + path + ": copying the file: " + std::strerror(errno));
    }
    done += size_t(n);
  }
  std::string proc_path = "/proc/self/fd/" + std::to_string(fd);
  void* handle = ::dlopen(proc_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::string why = ::dlerror() ?: "dlopen failed";
    ::close(fd);
    // dlerror names the private copy; the file's name is already in front.
    if (why.rfind(proc_path + ": ", 0) == 0) why.erase(0, proc_path.size() + 2);
    return make_error("plugin " + path + ": not a loadable shared object: " + why);
  }
  auto entry = reinterpret_cast<ergod_plugin_entry_fn>(::dlsym(handle, ERGOD_PLUGIN_ENTRY_NAME));
  if (!entry) {
    close_object(handle, fd);
    return make_error("plugin " + path + ": no symbol " ERGOD_PLUGIN_ENTRY_NAME " (not an ergod plugin)");
  }
  const ergod_plugin* d;
  {
    std::string source = base_name(path);
    LogSourceScope scope(source.c_str());
    d = entry(host_table());
  }
  if (std::string why = check_descriptor(path, d); !why.empty()) {
    close_object(handle, fd);
    return make_error(why);
  }
  if (d->on_load) {
    LogSourceScope scope(d->name);
    if (int rc = d->on_load(); rc != 0) {
      close_object(handle, fd);
      return make_error("plugin " + path + ": on_load refused to load (returned " + std::to_string(rc) + ")");
    }
  }
  auto plugin = std::make_shared<Plugin>();
  plugin->path = path;
  plugin->name = d->name;
  plugin->version = d->version ? d->version : "";
  plugin->identity = file->identity;
  plugin->descriptor = d;
  plugin->handle_ = handle;
  plugin->fd_ = fd;
  return plugin;
}

}  // namespace ergod::plugin
