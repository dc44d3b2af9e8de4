// The signal pool (block_pool.h): a caller/server pair on one worker cycles the same few
// nodes; a sender and a receiver on different threads trade them in batches.
#include "runtime/signal.h"

#include "base/block_pool.h"

namespace ergod::runtime {

using SignalPool = base::BlockPool<sizeof(Signal)>;

Signal* alloc_signal(SignalKind kind) {
  Signal* s = new (SignalPool::allocate()) Signal();
  s->kind = kind;
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
  s->~Signal();
  SignalPool::deallocate(s);
}

}  // namespace ergod::runtime
