// One distribution connection on a libuv TCP handle: runs the handshake (2-byte frames),
// then cuts 4-byte frames and hands every complete one to the handler as a byte span,
// coalesces writes (everything queued during one loop turn goes out in one uv_write), ticks,
// and declares the peer down after net_ticktime of silence. Garbage, a huge length prefix or
// a slow handshake cost only this connection.
//
// Frames sent from another thread (a worker sending to remote processes) are written by that
// thread when it calls write_now(), after the frames it wants in one write: a non-blocking
// sendmsg on the socket under the output lock, unless a uv_write is in flight. The loop thread
// is not woken for them (each wake-up cost a thread hand-off on every remote call). What the
// socket does not take stays queued, and the loop writes it (woken with a uv_async).
//
// What it does not do: decode the distribution header, the atom cache, fragments or control
// messages (the layer above does, from the spans), nor decide verdicts (the handler does, with
// a PeerTable; see connection_manager.h).
//
// Reads from a worker: once up, a runtime worker with nothing to run may read the socket
// itself (read_now(), a non-blocking recv under the input lock) and deliver the frames on its
// own thread, so that the process a reply wakes runs on the thread that read it, with no
// hand-off from the loop thread (as BEAM's schedulers and Go's netpoller read their sockets).
// The loop thread reads as before, under the same lock (taken in libuv's alloc callback,
// released after the read callback); whoever holds it reads, the other skips. EOF and errors
// are left to the loop, which sees them too; a protocol error found on a worker closes the
// connection from the loop (asked with a uv_async).
//
// Threads: everything on the loop thread, except the send_frame forms, write_now(),
// queued_bytes() and read_now(), which any thread may call while the connection is up and not
// yet deleted (the caller makes sure of that, see NodeLink::detach); they take the output or
// the input lock. A frame queued on another thread leaves at its write_now() (or with the
// loop's next write). A Connection deletes itself after on_closed; the handler must drop its
// pointer then. on_frame and frame_destination run with the input lock held, on the loop
// thread or on a worker inside read_now().
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dist/frame.h"
#include "dist/handshake.h"
#include "dist/tcp.h"
#include "term/result.h"
#include "term/term.h"

namespace ergod::dist {

struct ConnectionOptions {
  uint32_t net_ticktime_ms = 60000;   // silence after which the peer is down; ticks every 1/4
  // Ticks every this many ms instead (0: net_ticktime_ms / 4): while net_kernel changes the
  // ticktime, ticks follow the shorter of the old and new times (net_kernel's aux ticker).
  uint32_t tick_every_ms = 0;
  uint32_t setup_timeout_ms = 7000;   // net_setuptime: the whole handshake
  size_t max_frame = FrameReader::kDefaultMaxFrame;
  size_t max_output = size_t(64) << 20;  // queued bytes past which send_frame refuses
  bool send_ticks = true;  // tests turn ticks off to play a silent peer
  // net_kernel:setopts(new, Opts) so far, in order: set on each new socket (socket_options.h).
  term::Term socket_options = term::Term::nil();
};

class Connection;

// Where an up connection's frames go. With the input lock held: on the loop thread, or on a
// worker inside Connection::read_now (which names its own FrameHandler).
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // A complete post-handshake frame other than a tick. The bytes are valid during the call.
  virtual void on_frame(Connection& c, const Frame& frame) = 0;
  // A big frame (kInPlaceMin bytes or more) has begun: `head` is its first kInPlaceHead bytes
  // (after the length), `length` its size. The handler may return where the rest of it
  // (length - kInPlaceHead bytes) should be read to, so that it is never copied (a later
  // fragment of a message being put together); on_frame then gets the frame with its head
  // in `bytes` and the rest counted in `in_place`. Null: the frame arrives as usual.
  virtual uint8_t* frame_destination(Connection&, std::span<const uint8_t> /*head*/, size_t /*length*/) {
    return nullptr;
  }
};

// Events of a connection, on the loop thread. Calling close() from any of them is allowed.
class ConnectionHandler : public FrameHandler {
 public:
  // Acceptor: the peer's name arrived (c.peer_node()); answer now or later with
  // c.set_verdict(). For a peer that wants a dynamic name, answer `named`.
  virtual void on_peer_named(Connection& c) = 0;
  // Initiator: the peer says it has a connection from us already; return whether this attempt
  // is still the one we want (PeerTable::is_pending).
  virtual bool on_alive(Connection& c) = 0;
  // Acceptor after verdict alive: the peer proved its cookie; end the old connection to the
  // same node, then call c.old_connection_gone().
  virtual void on_replace_old(Connection& c) = 0;
  virtual void on_up(Connection& c) = 0;
  // The last event. `reason` says why, naming the peer when known; `was_up` tells a dropped
  // link from a failed handshake.
  virtual void on_closed(Connection& c, const std::string& reason, bool was_up) = 0;
  // A uv_write completed: there is room for more output (the layer above sends its next
  // fragments now rather than on a timer).
  virtual void on_written(Connection&) {}
};

class Connection {
 public:
  using Id = uint64_t;
  static constexpr size_t kInPlaceMin = 16 * 1024;  // frames worth reading in place
  static constexpr size_t kInPlaceHead = 18;        // 131 70 SequenceId FragmentId

  // Takes over an accepted handle (heap-allocated, initialised on `loop`).
  static Connection* accept(uv_loop_t* loop, uv_tcp_t* tcp, HandshakeConfig config, ConnectionOptions options,
                            ConnectionHandler* handler, Id id);
  // Dials host:port and handshakes with `peer_node`.
  static Connection* dial(uv_loop_t* loop, const std::string& host, uint16_t port, HandshakeConfig config,
                          std::string peer_node, ConnectionOptions options, ConnectionHandler* handler, Id id);

  // Queues one frame (the 4-byte length is added here). Refused, with the reason, when the
  // connection is not up or its output queue is over max_output: the caller decides whether
  // to wait, drop or disconnect.
  Status send_frame(std::string_view frame);
  Status send_frame(std::span<const uint8_t> frame) {
    return send_frame(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()));
  }
  // One frame from two parts (a distribution header and the body encoded apart from it), so
  // that the body is copied only once, into the output queue.
  Status send_frame(std::string_view head, std::span<const uint8_t> body);
  // The same with a body in parts that stay where they are: big parts are written from
  // `keep`'s memory (held until the write completes) instead of being copied into the output
  // queue; small ones are copied so that small frames still coalesce.
  Status send_frame(std::string_view head, std::shared_ptr<const void> keep,
                    std::span<const std::span<const uint8_t>> body);
  // Another thread: writes what is queued now (see above). Not on the loop thread.
  void write_now() {
    std::lock_guard<std::mutex> l(out_mu_);
    write_now_locked();
  }
  // Another thread (an idle worker): reads what the socket holds now, without blocking, and
  // hands the complete frames to the handler on this thread. True when it read something.
  // Nothing when the loop thread is reading, the connection is not up or is closing.
  // The frames read go to `frames` (on this thread, with the input lock held).
  bool read_now(FrameHandler& frames);
  // A protocol error found while handling a frame: ends the connection, at once on the loop
  // thread, else from the loop soon after (nothing more is read meanwhile). Frame handlers only.
  void fail(const std::string& reason);
  // Raw bytes, framed by the caller (tests use it to send garbage).
  void send_raw(std::string_view bytes);

  // Ends the connection; on_closed follows (from a later callback, never from inside close).
  void close(const std::string& reason);

  // Acceptor verdict and the replacement hand-shake, see ConnectionHandler.
  void set_verdict(AcceptVerdict v, std::string dynamic_name = {}, uint32_t dynamic_creation = 0);
  void old_connection_gone();

  // Null: no more events (an owner that goes away while the connection is closing).
  void set_handler(ConnectionHandler* handler) { handler_ = handler; }

  Id id() const { return id_; }
  bool is_up() const { return up_; }
  // close() was called (loop thread): the connection is going, its node not yet down.
  bool is_closing() const { return closing_; }
  bool is_initiator() const { return hs_.is_initiator(); }
  const std::string& peer_node() const { return hs_.peer_node(); }
  uint32_t peer_creation() const { return hs_.peer_creation(); }
  uint64_t flags() const { return hs_.flags(); }  // negotiated, once up
  const Handshake& handshake() const { return hs_; }
  const std::string& peer_address() const { return address_; }
  // The socket, for net_kernel:getopts/setopts (-1 when closing).
  int socket_fd() const;
  // net_kernel:set_net_ticktime: down after net_ticktime_ms of silence, a tick every
  // tick_every_ms (0: a quarter of it) when nothing else was written; from the next tick on.
  void set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms);
  size_t queued_bytes() const {  // any thread
    std::lock_guard<std::mutex> l(out_mu_);
    return queued_bytes_locked();
  }
  // Counters: uv_write calls made, writes made at once from other threads, and frames queued
  // with send_frame (their ratio shows the coalescing at work).
  uint64_t write_calls() const { return write_calls_.load(std::memory_order_relaxed); }
  uint64_t direct_writes() const { return direct_writes_.load(std::memory_order_relaxed); }
  uint64_t frames_sent() const { return frames_sent_.load(std::memory_order_relaxed); }
  // Frames read since the handshake and ticks sent, for net_kernel:node_info's in and out
  // (frames_sent() + ticks_sent(): OTP counts the socket's packets, ticks included).
  uint64_t frames_received() const { return frames_received_.load(std::memory_order_relaxed); }
  uint64_t ticks_sent() const { return ticks_sent_.load(std::memory_order_relaxed); }

 private:
  Connection(uv_loop_t* loop, Handshake hs, ConnectionOptions options, ConnectionHandler* handler, Id id);
  // One writer at a time (the input lock's holder): a plain add, not a locked one, per frame.
  void count_frame_in() {
    frames_received_.store(frames_received_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  ~Connection() = default;
  void attach(uv_tcp_t* tcp);
  void start_reading();
  void on_read(ssize_t nread);
  void lock_input();
  std::span<uint8_t> input_area(size_t suggested);
  void advance_handshake();
  void become_up();
  void deliver_frames(FrameHandler& frames);
  bool start_in_place(FrameHandler& frames);
  void read_in_place(size_t n, FrameHandler& frames);
  void schedule_flush();
  void schedule_flush_locked();
  void flush();
  void write_now_locked();
  void on_tick();
  void start_ticks();  // the tick timer at the interval of options_
  void handle_closed();

  uv_loop_t* loop_;
  Handshake hs_;
  ConnectionOptions options_;
  ConnectionHandler* handler_;
  Id id_;
  uv_tcp_t* tcp_ = nullptr;
  uv_timer_t* timer_ = nullptr;  // setup timeout during the handshake, ticks once up
  uv_idle_t* flush_idle_ = nullptr;
  uv_async_t* flush_async_ = nullptr;  // other threads ask the loop to write what they left
  std::shared_ptr<Dial> dial_;
  std::string address_;
  std::string hs_buf_;       // read buffer during the handshake
  FrameReader reader_;
  // A frame being read in place (frame_destination): where the next bytes go, how many are
  // left, and its head. After one, reads are cut at the next frame's head (short_read_), so
  // that the next fragment's data can go in place too instead of into reader_.
  struct InPlace {
    uint8_t* dest = nullptr;
    size_t left = 0, size = 0;
    FrameKind kind = FrameKind::tick;
    uint8_t head[kInPlaceHead] = {};
  };
  InPlace in_place_;
  bool short_read_ = false;
  // The input lock (see the top): reader_, in_place_, short_read_, input_closed_ and frame
  // delivery once up. in_locked_: the loop thread holds it (libuv's alloc to read callback,
  // or become_up delivering the handshake's leftover), so close() must not take it again.
  std::mutex in_mu_;
  bool in_locked_ = false;
  bool input_closed_ = false;  // close() was called: no worker touches the socket any more
  std::atomic<bool> worker_read_{false};  // a worker read something since the last tick check
  std::string input_failure_;  // a worker found a protocol error (under out_mu_); the loop closes
  // Output: a piece is either bytes of its own (small frames, coalesced) or a span of memory
  // held by `keep` (a big body written without a copy).
  struct Piece {
    std::string own;
    size_t skip = 0;  // bytes of `own` already written (a direct write stopped inside it)
    std::shared_ptr<const void> keep;
    const uint8_t* data = nullptr;
    size_t size = 0;
    uv_buf_t buf() const {  // what is left to write
      if (keep) return uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data)), static_cast<unsigned>(size));
      return uv_buf_init(const_cast<char*>(own.data() + skip), static_cast<unsigned>(own.size() - skip));
    }
    void consume(size_t n) {
      if (keep) data += n, size -= n;
      else skip += n;
    }
  };
  static constexpr size_t kCopyBelow = 16 * 1024;  // bodies smaller than this are copied
  void append_out(std::string_view bytes);
  // The three send_frame forms share these (under out_mu_): admission, the length prefix, the
  // bookkeeping and the write (at once from another thread, else at the loop's next idle).
  Status admit_frame(size_t size) const;
  void put_frame_length(size_t size);
  void frame_queued();
  size_t queued_bytes_locked() const { return out_bytes_ + inflight_bytes_; }

  // The output lock: out_, out_bytes_, inflight_bytes_, writing_, flush_asked_ and the changes
  // of closing_ and fd_ (the loop thread reads closing_ without it: only the loop writes it).
  mutable std::mutex out_mu_;
  std::thread::id loop_thread_;
  int fd_ = -1;                  // the socket, for writes from other threads; -1 until attached
  std::vector<Piece> out_;       // queued, not yet handed to libuv
  std::vector<Piece> inflight_;  // handed to libuv, write not completed
  std::vector<uv_buf_t> bufs_;
  std::vector<uv_buf_t> iov_;  // direct writes (under out_mu_); uv_buf_t is an iovec on unix
  size_t out_bytes_ = 0, inflight_bytes_ = 0;
  bool writing_ = false;
  bool flush_asked_ = false;  // flush_async_ sent, its callback not run yet
  bool up_ = false;
  std::atomic<bool> closing_{false};
  bool closed_notified_ = false;
  std::atomic<bool> wrote_since_tick_{false};
  uint64_t last_read_ms_ = 0;
  std::atomic<uint64_t> write_calls_{0}, direct_writes_{0}, frames_sent_{0}, frames_received_{0}, ticks_sent_{0};
  int open_handles_ = 0;
  std::string close_reason_;
};

}  // namespace ergod::dist
