// The message layer of one up connection: the atom caches of both directions, fragment
// reassembly, and the send queue that lets big messages go out in fragments between other
// traffic.
//
// Order and the atom cache: a message's header is written to the connection at the moment the
// message is encoded (a fragmented message's header travels in its first fragment, sent at
// once), so the peer sees cache updates in the order we made them. Messages are encoded either
// at once or, when their sender already has a message waiting in the queue, later when the
// queue reaches them: what one sender sends arrives in order, whatever its size.
//
// Policy when the connection's output queue is full (Connection::max_output): send() fails
// and the owner closes the connection (a peer that does not read is a dead peer; its links and
// monitors fire noconnection). Nothing is dropped silently.
//
// Receiving: on_frame (the FrameHandler) decodes each frame and hands the message to the
// deliver function, with the connection's input lock held: on the loop thread, or on a
// runtime worker that polls the link while it has nothing to run (poll_thread, the runtime's
// WorkerPoll), so that the process a message wakes runs where it was read.
//
// Threads: receive() and on_frame with the connection's input lock held (one thread at a time). The send side (send, pump,
// has_queued) on any thread: workers send to remote processes directly (see distribution.h),
// the loop thread sends what went through its queue; one lock (send_mu_) keeps the atom cache,
// the fragment queue and the order of frames on the connection the same for all of them.
// Frames sent on a runtime worker are written when the worker flushes (runtime::WorkerFlush:
// when it has run what it had), so that many processes' messages share one syscall; on other
// threads at once. A NodeLink sent to from other threads must be owned by a shared_ptr.
// detach() (loop thread, before the connection goes away) makes later sends fail, so a worker
// that still holds the NodeLink never touches a deleted Connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "dist/atom_cache.h"
#include "dist/connection.h"
#include "dist/dist_message.h"
#include "dist/fragments.h"

namespace ergod::dist {

struct NodeLinkOptions {
  size_t fragment_size = 64 * 1024;   // messages with a bigger body are fragmented
  size_t max_message = size_t(64) << 20;  // largest message accepted, fragmented or not
  size_t queue_watermark = 4 << 20;   // fragments are queued on the connection up to this
};

class NodeLink : public FrameHandler, public std::enable_shared_from_this<NodeLink> {
 public:
  // A whole message from the peer, in the order the peer sent it.
  using Deliver = std::function<void(NodeLink&, DistMessage&)>;

  // sent_total, if given, counts fragmented messages sent (as fragmented_sent) for a whole node.
  NodeLink(Connection& connection, NodeLinkOptions options = {}, std::atomic<uint64_t>* sent_total = nullptr);

  Connection& connection() const { return *conn_; }
  uint64_t flags() const { return flags_; }

  // One frame from the peer (not a tick): true with a message in out, false while a
  // fragmented message is incomplete, an error for a protocol violation (close then).
  Result<bool> receive(const Frame& frame, DistMessage& out);
  // Receiving through deliver (set before the connection delivers its first frame, with
  // fragmented_in counting messages that came in fragments): a protocol error ends the
  // connection (Connection::fail).
  void set_deliver(Deliver deliver, std::atomic<uint64_t>* fragmented_in = nullptr) {
    deliver_ = std::move(deliver);
    fragmented_in_ = fragmented_in;
  }
  void on_frame(Connection& c, const Frame& frame) override;
  uint8_t* frame_destination(Connection&, std::span<const uint8_t> head, size_t length) override {
    return frame_destination(head, length);
  }
  // Idle workers may read this link's connection from now on (until detach). Loop thread.
  void poll_from_workers();
  // An idle worker's look at every polled link: reads and delivers what has arrived. True
  // when something was read. The runtime's WorkerPoll.
  static bool poll_thread();
  // Where a big frame's rest may be read in place (ConnectionHandler::frame_destination):
  // the data of a later fragment goes straight into its message. Loop thread.
  uint8_t* frame_destination(std::span<const uint8_t> head, size_t length) {
    return assembler_.destination(head, length);
  }

  // Encodes and sends or queues one message. payload may be none. A fragmented message's
  // fragments are queued on the connection at once up to the watermark; pump() sends the rest.
  // Fails (nothing sent) once detached. Any thread.
  Status send(const Control& control, const term::Term& payload);

  // Sends queued work while the connection's output is below the watermark. true when work
  // remains (call again once the connection has written some). Any thread.
  Result<bool> pump();
  bool has_queued() const {
    std::lock_guard<std::mutex> l(send_mu_);
    return !queue_.empty();
  }
  // The connection is closing or gone (a send then fails). Any thread.
  bool going() const {
    std::lock_guard<std::mutex> l(send_mu_);
    return detached_ || conn_->is_closing();
  }
  // Writes what this worker thread's sends left queued, on every link (the WorkerFlush).
  static void flush_thread();
  // The connection is going away: every later send fails and no worker reads it any more
  // (one reading now finishes first). Loop thread.
  void detach();
  // Messages that went out, or came in, in more than one fragment.
  uint64_t fragmented_sent() const { return fragmented_sent_.load(std::memory_order_relaxed); }
  uint64_t fragmented_received() const { return fragmented_received_; }

 private:
  struct Item {
    uint64_t sender;
    std::unique_ptr<OutgoingFragments> fragments;  // in progress (its header was sent)
    Control control;                                // not yet encoded (when !fragments)
    term::Term payload;
  };
  static uint64_t sender_key(const Control& c);
  // Encodes now and sends it whole, or its first fragment (then returns the rest).
  Result<std::unique_ptr<OutgoingFragments>> encode_and_send(const Control& control, const term::Term& payload);
  Status send_next_fragment(OutgoingFragments& f);
  Result<bool> pump_locked();
  void written_later();  // after a send from another thread than the loop's
  void dequeued(uint64_t sender);

  Connection* conn_;
  NodeLinkOptions options_;
  uint64_t flags_;
  bool use_header_;
  bool use_fragments_;
  bool poll();
  // Receive side (under the connection's input lock).
  Deliver deliver_;
  std::atomic<uint64_t>* fragmented_in_ = nullptr;
  std::mutex poll_mu_;  // a worker's poll against detach
  bool poll_detached_ = false;
  ReceiveAtomCache recv_cache_;
  FragmentAssembler assembler_;
  uint64_t fragmented_received_ = 0;
  // Send side, under send_mu_.
  mutable std::mutex send_mu_;
  bool detached_ = false;
  SendAtomCache send_cache_;
  EncodedMessage scratch_;
  std::string frame_scratch_;
  std::vector<std::span<const uint8_t>> parts_scratch_;
  std::deque<Item> queue_;
  std::unordered_map<uint64_t, uint32_t> queued_senders_;
  uint64_t next_sequence_ = 1;
  std::atomic<uint64_t> fragmented_sent_{0};
  std::atomic<uint64_t>* sent_total_;
  std::thread::id loop_thread_;  // where it was made: the connection's loop thread
};

}  // namespace ergod::dist
