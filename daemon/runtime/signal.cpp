// The signal pool: a bounded per-thread free list in front of the allocator. Signals are
// freed mostly on the thread that handled them, and a caller/server pair usually runs on one
// worker, so the same few nodes cycle between allocation and free without touching malloc.
#include "runtime/signal.h"

namespace ergod::runtime {
namespace {

constexpr uint32_t kCacheMax = 4096;

struct SignalCache {
  Signal* head = nullptr;
  uint32_t count = 0;
  ~SignalCache() {
    while (head) {
      Signal* s = head;
      head = s->next_signal();
      delete s;
    }
  }
};

thread_local SignalCache cache;

}  // namespace

Signal* alloc_signal(SignalKind kind) {
  Signal* s = cache.head;
  if (s) {
    cache.head = s->next_signal();
    --cache.count;
    s->next.store(nullptr, std::memory_order_relaxed);
  } else {
    s = new Signal();
  }
  s->kind = kind;
  s->flags = 0;
  s->aux = 0;
  return s;
}

RunSignal* alloc_run_signal(RunFunction fn) {
  auto* s = new RunSignal();
  s->kind = SignalKind::Run;
  s->fn = std::move(fn);
  return s;
}

void free_signal(Signal* s) noexcept {
  if (s->kind == SignalKind::Run) {
    delete static_cast<RunSignal*>(s);
    return;
  }
  s->from = Term();
  s->payload = Term();
  s->ref = Term();
  if (cache.count >= kCacheMax) {
    delete s;
    return;
  }
  s->next.store(cache.head, std::memory_order_relaxed);
  cache.head = s;
  ++cache.count;
}

}  // namespace ergod::runtime
