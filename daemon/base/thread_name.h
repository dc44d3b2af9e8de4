#pragma once
// Names the calling thread as top, ps -L and perf show it ("ergod-w0", "ergod-dist"): the
// daemon's threads otherwise all read "ergod". Linux keeps 15 characters; longer names are cut.
#include <pthread.h>

#include <string>

namespace ergod::base {

inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace ergod::base
