// A distribution connection on libuv (see connection.h).
#include "dist/connection.h"

#include "dist/socket_options.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include "base/log.h"
#include "dist/wire.h"

namespace ergod::dist {

namespace {
constexpr size_t kHandshakeRead = 16 * 1024;
}

Connection::Connection(uv_loop_t* loop, Handshake hs, ConnectionOptions options, ConnectionHandler* handler, Id id)
    : loop_(loop), hs_(std::move(hs)), options_(options), handler_(handler), id_(id), reader_(options.max_frame),
      loop_thread_(std::this_thread::get_id()) {
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  flush_idle_ = new uv_idle_t;
  uv_idle_init(loop_, flush_idle_);
  flush_idle_->data = this;
  flush_async_ = new uv_async_t;
  uv_async_init(loop_, flush_async_, [](uv_async_t* a) {
    auto* c = static_cast<Connection*>(a->data);
    std::string failure;
    {
      std::lock_guard<std::mutex> l(c->out_mu_);
      c->flush_asked_ = false;
      failure.swap(c->input_failure_);
      if (failure.empty()) c->schedule_flush_locked();
    }
    if (!failure.empty()) c->close(failure);  // a worker found a protocol error
  });
  flush_async_->data = this;
  open_handles_ = 3;
  // The handshake as a whole must finish within the setup time.
  uv_timer_start(timer_, [](uv_timer_t* t) {
    auto* c = static_cast<Connection*>(t->data);
    std::string who = c->peer_node().empty() ? c->address_ : "node " + c->peer_node();
    std::string why = "handshake with " + who + " timed out after " + std::to_string(c->options_.setup_timeout_ms) +
                      " ms (" + to_string(c->hs_.state()) + ")";
    log_warning(why + " [" + c->address_ + "]");
    c->close(why);
  }, options_.setup_timeout_ms, 0);
}

Connection* Connection::accept(uv_loop_t* loop, uv_tcp_t* tcp, HandshakeConfig config, ConnectionOptions options,
                               ConnectionHandler* handler, Id id) {
  auto* c = new Connection(loop, Handshake::acceptor(std::move(config)), options, handler, id);
  c->attach(tcp);
  return c;
}

Connection* Connection::dial(uv_loop_t* loop, const std::string& host, uint16_t port, HandshakeConfig config,
                             std::string peer_node, ConnectionOptions options, ConnectionHandler* handler, Id id) {
  auto* c = new Connection(loop, Handshake::initiator(std::move(config), std::move(peer_node)), options, handler, id);
  c->address_ = host + ":" + std::to_string(port);
  c->dial_ = Dial::start(loop, host, port, [c](uv_tcp_t* tcp, const std::string& error) {
    c->dial_.reset();
    if (!tcp) {
      log_info("cannot reach node " + c->peer_node() + ": " + error);
      return c->close("cannot reach node " + c->peer_node() + ": " + error);
    }
    c->attach(tcp);
    c->schedule_flush();  // send_name is already queued in the handshake's output
  });
  return c;
}

void Connection::attach(uv_tcp_t* tcp) {
  tcp_ = tcp;
  tcp_->data = this;
  ++open_handles_;
  uv_tcp_nodelay(tcp_, 1);  // small control messages must not wait for Nagle
  {
    uv_os_fd_t fd;
    std::lock_guard<std::mutex> l(out_mu_);
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp_), &fd) == 0) fd_ = fd;
  }
  if (!options_.socket_options.is_nil() && fd_ >= 0) {
    term::Term r = set_socket_options(fd_, options_.socket_options);  // checked on the listener before
    if (!r.is_atom(term::atoms::ok)) log_warning("options of new connections not set: " + term::to_string(r));
  }
  if (address_.empty() || hs_.is_initiator()) address_ = dist::peer_address(tcp_);
  last_read_ms_ = uv_now(loop_);
  start_reading();
  advance_handshake();
}

void Connection::start_reading() {
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_),
      [](uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
        auto* c = static_cast<Connection*>(h->data);
        if (!c->up_) {
          c->hs_buf_.resize(kHandshakeRead);
          *buf = uv_buf_init(c->hs_buf_.data(), static_cast<unsigned>(c->hs_buf_.size()));
          return;
        }
        c->lock_input();
        auto area = c->input_area(suggested);
        *buf = uv_buf_init(reinterpret_cast<char*>(area.data()), static_cast<unsigned>(area.size()));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
        auto* c = static_cast<Connection*>(s->data);
        c->on_read(nread);
        if (c->in_locked_) {
          c->in_locked_ = false;
          c->in_mu_.unlock();
        }
      });
}

// The loop thread takes the input lock for a read. A worker reading now holds it for a few
// microseconds and never waits for the loop: try a while, yielding the core (a worker that
// lost its core gets it back), then wait. Waiting at once made every worker read that the
// loop was also woken for pay a futex wake-up when it let go.
void Connection::lock_input() {
  if (!in_mu_.try_lock()) {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    for (;;) {
      std::this_thread::yield();
      if (in_mu_.try_lock()) break;
      if (std::chrono::steady_clock::now() > until) {
        in_mu_.lock();
        break;
      }
    }
  }
  in_locked_ = true;
}

// Where the next read goes (under the input lock, once up): a frame being read in place, or
// the frame reader's buffer.
std::span<uint8_t> Connection::input_area(size_t suggested) {
  if (in_place_.left) return {in_place_.dest, std::min<size_t>(in_place_.left, 1u << 30)};
  auto area = reader_.write_area(std::max<size_t>(suggested, 64 * 1024));
  size_t n = std::min<size_t>(area.size(), 1u << 30);
  // Up to the next frame's head only: its data may go in place.
  if (short_read_ && reader_.buffered() < 4 + kInPlaceHead) n = std::min(n, 4 + kInPlaceHead - reader_.buffered());
  return area.first(n);
}

bool Connection::read_now(FrameHandler& frames) {
  std::unique_lock<std::mutex> l(in_mu_, std::try_to_lock);
  if (!l.owns_lock() || !up_ || input_closed_ || fd_ < 0) return false;
  auto area = input_area(64 * 1024);
  ssize_t n;
  do n = ::recv(fd_, area.data(), area.size(), MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;  // nothing now; EOF and errors are the loop's (it sees them too)
  worker_read_.store(true, std::memory_order_relaxed);
  if (in_place_.left) {
    read_in_place(size_t(n), frames);
  } else {
    reader_.commit(size_t(n));
    deliver_frames(frames);
  }
  return true;
}

void Connection::fail(const std::string& reason) {
  if (std::this_thread::get_id() == loop_thread_) return close(reason);
  input_closed_ = true;  // the caller holds the input lock: nothing more is read
  std::lock_guard<std::mutex> l(out_mu_);
  if (input_failure_.empty()) input_failure_ = reason.empty() ? "protocol error" : reason;
  uv_async_send(flush_async_);
}

void Connection::on_read(ssize_t nread) {
  if (closing_) return;
  if (nread == 0) return;
  if (nread < 0) {
    if (!up_) {
      // A peer that goes before the handshake ends is routine (a port probe, a dial given up, a
      // node stopping; OTP logs nothing), even when it refused our challenge reply: that node
      // logs the wrong cookie as an error, and an OTP node in our place logs nothing.
      hs_.peer_closed();
      log_info(hs_.error() + " [" + address_ + "]");
      return close(hs_.error());
    }
    return close("connection to node " + peer_node() + " closed by the peer" +
                 (nread == UV_EOF ? std::string() : ": " + uv_error_text(static_cast<int>(nread))));
  }
  last_read_ms_ = uv_now(loop_);
  if (!up_) {
    hs_.feed(std::string_view(hs_buf_.data(), static_cast<size_t>(nread)));
    return advance_handshake();
  }
  if (input_closed_) return;  // a worker found a protocol error: the close is on its way
  if (in_place_.left) return read_in_place(static_cast<size_t>(nread), *handler_);
  reader_.commit(static_cast<size_t>(nread));
  deliver_frames(*handler_);
}

// n bytes went straight to the frame's destination; once it is whole, the handler gets it.
void Connection::read_in_place(size_t n, FrameHandler& frames) {
  in_place_.dest += n;
  in_place_.left -= n;
  if (in_place_.left) return;
  short_read_ = true;
  Frame f{in_place_.kind, std::span<const uint8_t>(in_place_.head, kInPlaceHead), in_place_.size};
  count_frame_in();
  frames.on_frame(*this, f);
}

// After a need_more: when the incomplete frame is big and the handler has a place for it,
// what is buffered of it moves there and the rest will be read there (see InPlace).
bool Connection::start_in_place(FrameHandler& frames) {
  std::span<const uint8_t> bytes;
  size_t length;
  if (!reader_.partial(bytes, length) || length < kInPlaceMin || bytes.size() < kInPlaceHead) return false;
  uint8_t* dest = frames.frame_destination(*this, bytes.first(kInPlaceHead), length);
  if (!dest) return false;
  in_place_.kind = bytes[1] == 69 ? FrameKind::dist_frag_header : FrameKind::dist_frag_cont;
  std::memcpy(in_place_.head, bytes.data(), kInPlaceHead);
  size_t have = bytes.size() - kInPlaceHead;
  std::memcpy(dest, bytes.data() + kInPlaceHead, have);
  in_place_.size = length - kInPlaceHead;
  in_place_.dest = dest + have;
  in_place_.left = in_place_.size - have;
  reader_.drop_partial();
  reader_.compact();
  return true;
}

// Acts on the handshake's state after input or an answer from the handler.
void Connection::advance_handshake() {
  if (closing_) return;
  std::string out = hs_.take_output();
  if (!out.empty()) send_raw(out);
  switch (hs_.state()) {
    case Handshake::State::failed: {
      // A lost simultaneous connect or a dropped duplicate is routine, not a warning.
      auto f = hs_.failure();
      bool routine = f == Handshake::Failure::simultaneous || f == Handshake::Failure::dropped ||
                     f == Handshake::Failure::alive_refused;
      if (routine) {
        log_info(hs_.error());
      } else if (f == Handshake::Failure::bad_cookie) {
        log_error(hs_.error());  // as dist_util's error_msg: OTP's words, no address
      } else {
        log_warning(hs_.error() + (address_.empty() ? "" : " [" + address_ + "]"));
      }
      // Let a final status (not_allowed, nok) reach the peer before closing.
      return close(hs_.error());
    }
    case Handshake::State::await_verdict:
      return handler_->on_peer_named(*this);
    case Handshake::State::await_alive_answer: {
      bool still = handler_->on_alive(*this);
      if (closing_) return;
      hs_.answer_alive(still);
      return advance_handshake();
    }
    case Handshake::State::await_old_gone:
      return handler_->on_replace_old(*this);
    case Handshake::State::done:
      return become_up();
    default:
      return;
  }
}

void Connection::set_verdict(AcceptVerdict v, std::string dynamic_name, uint32_t dynamic_creation) {
  if (closing_ || hs_.state() != Handshake::State::await_verdict) return;
  hs_.set_verdict(v, std::move(dynamic_name), dynamic_creation);
  advance_handshake();
}

void Connection::old_connection_gone() {
  if (closing_ || hs_.state() != Handshake::State::await_old_gone) return;
  hs_.old_connection_gone();
  advance_handshake();
}

void Connection::become_up() {
  up_ = true;
  std::string leftover = hs_.take_leftover();
  hs_buf_.clear();
  hs_buf_.shrink_to_fit();
  log_info("connection " + std::string(hs_.is_initiator() ? "to" : "from") + " node " + peer_node() + " up [" +
           address_ + "], flags " + flags_to_string(hs_.flags()));
  // Ticks: every ticktime/4, a tick if we sent nothing; down after ticktime of silence.
  start_ticks();
  // The input lock from here: workers may read once on_up has made the link, and the
  // handshake's leftover frames must be delivered before anything they read.
  std::lock_guard<std::mutex> in(in_mu_);
  in_locked_ = true;
  handler_->on_up(*this);
  if (!closing_ && !leftover.empty()) {
    reader_.append(std::span(reinterpret_cast<const uint8_t*>(leftover.data()), leftover.size()));
    deliver_frames(*handler_);
  }
  in_locked_ = false;
}

void Connection::start_ticks() {
  uv_timer_stop(timer_);
  uint64_t interval = options_.tick_every_ms ? options_.tick_every_ms : options_.net_ticktime_ms / 4;
  interval = std::max<uint64_t>(interval, 1);
  uv_timer_start(timer_, [](uv_timer_t* t) { static_cast<Connection*>(t->data)->on_tick(); }, interval, interval);
}

void Connection::set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms) {
  options_.net_ticktime_ms = net_ticktime_ms;
  options_.tick_every_ms = tick_every_ms;
  if (up_ && !closing_) start_ticks();
}

int Connection::socket_fd() const {
  uv_os_fd_t fd;
  if (closing_ || !tcp_ || uv_fileno(reinterpret_cast<const uv_handle_t*>(tcp_), &fd) != 0) return -1;
  return fd;
}

void Connection::deliver_frames(FrameHandler& frames) {
  Frame f;
  for (;;) {
    if (closing_ || input_closed_) return;
    switch (reader_.next(f)) {
      case FrameReader::Next::need_more:
        if (!start_in_place(frames)) {
          // Keep reads short only while they end at a frame's head.
          if (reader_.buffered() >= 4 + kInPlaceHead) short_read_ = false;
          reader_.compact();
        }
        return;
      case FrameReader::Next::error:
        log_warning("connection from node " + peer_node() + " [" + address_ + "]: " + reader_.error());
        return fail("protocol error from node " + peer_node() + ": " + reader_.error());
      case FrameReader::Next::frame:
        short_read_ = false;
        count_frame_in();
        if (f.kind != FrameKind::tick) frames.on_frame(*this, f);
        break;
    }
  }
}

void Connection::on_tick() {
  if (closing_) return;
  uint64_t now = uv_now(loop_);
  if (worker_read_.exchange(false, std::memory_order_relaxed)) last_read_ms_ = now;
  if (now - last_read_ms_ >= options_.net_ticktime_ms) {
    // dist_util's error, as OTP's single-line log formatter prints its two lines.
    log_error("** Node " + peer_node() + " not responding **, ** Removing (timedout) connection **");
    return close("net_tick_timeout: node " + peer_node() + " silent for " +
                 std::to_string(options_.net_ticktime_ms) + " ms");
  }
  bool idle;
  {
    std::lock_guard<std::mutex> l(out_mu_);
    idle = out_.empty() && !writing_;
  }
  if (options_.send_ticks && !wrote_since_tick_.exchange(false, std::memory_order_relaxed) && idle) {
    send_raw(std::string(4, '\0'));
    ticks_sent_.fetch_add(1, std::memory_order_relaxed);
  }
  wrote_since_tick_.store(false, std::memory_order_relaxed);
}

// Whether a frame of size bytes (plus its 4-byte length) may be queued now.
Status Connection::admit_frame(size_t size) const {
  if (closing_) return make_error("connection to node " + peer_node() + " is closing");
  if (!up_) return make_error("connection to node " + peer_node() + " is not up");
  if (queued_bytes_locked() + size + 4 > options_.max_output)
    return make_error("output queue to node " + peer_node() + " is full (" + std::to_string(queued_bytes_locked()) +
                      " bytes)");
  return Ok{};
}

void Connection::put_frame_length(size_t size) {
  std::string len;
  wire::put_u32(len, static_cast<uint32_t>(size));
  append_out(len);
}

void Connection::frame_queued() {
  frames_sent_.fetch_add(1, std::memory_order_relaxed);
  wrote_since_tick_.store(true, std::memory_order_relaxed);
  // Other threads write with write_now(), once for all the frames they queue in a row.
  if (std::this_thread::get_id() == loop_thread_) schedule_flush_locked();
}

Status Connection::send_frame(std::string_view frame) {
  std::lock_guard<std::mutex> l(out_mu_);
  if (auto s = admit_frame(frame.size()); !s) return s;
  put_frame_length(frame.size());
  append_out(frame);
  frame_queued();
  return Ok{};
}

Status Connection::send_frame(std::string_view head, std::span<const uint8_t> body) {
  size_t size = head.size() + body.size();
  std::lock_guard<std::mutex> l(out_mu_);
  if (auto s = admit_frame(size); !s) return s;
  put_frame_length(size);
  append_out(head);
  append_out(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  frame_queued();
  return Ok{};
}

Status Connection::send_frame(std::string_view head, std::shared_ptr<const void> keep,
                              std::span<const std::span<const uint8_t>> body) {
  size_t size = head.size();
  for (auto part : body) size += part.size();
  std::lock_guard<std::mutex> l(out_mu_);
  if (auto s = admit_frame(size); !s) return s;
  put_frame_length(size);
  append_out(head);
  for (auto part : body) {
    if (part.size() < kCopyBelow || !keep) {
      append_out(std::string_view(reinterpret_cast<const char*>(part.data()), part.size()));
      continue;
    }
    Piece p;
    p.keep = keep;
    p.data = part.data();
    p.size = part.size();
    out_.push_back(std::move(p));
    out_bytes_ += part.size();
  }
  frame_queued();
  return Ok{};
}

void Connection::append_out(std::string_view bytes) {
  if (bytes.empty()) return;
  if (out_.empty() || out_.back().keep) out_.emplace_back();
  out_.back().own.append(bytes);
  out_bytes_ += bytes.size();
}

void Connection::send_raw(std::string_view bytes) {
  if (closing_) return;
  std::lock_guard<std::mutex> l(out_mu_);
  append_out(bytes);
  wrote_since_tick_.store(true, std::memory_order_relaxed);
  schedule_flush_locked();
}

// Writes wait for an idle handle, so that every frame queued while handling one read (or one
// batch of wake-ups) leaves in a single uv_write. Idle, not check: an active idle handle keeps
// poll from blocking, so frames queued in any phase (a timer, a write completion that libuv
// runs before poll) are written in the next turn, not after the next event (which could be a
// tick away).
void Connection::schedule_flush() {
  std::lock_guard<std::mutex> l(out_mu_);
  schedule_flush_locked();
}

void Connection::schedule_flush_locked() {
  if (!tcp_ || writing_ || out_.empty() || uv_is_active(reinterpret_cast<uv_handle_t*>(flush_idle_))) return;
  uv_idle_start(flush_idle_, [](uv_idle_t* h) {
    uv_idle_stop(h);
    static_cast<Connection*>(h->data)->flush();
  });
}

void Connection::flush() {
  {
    std::lock_guard<std::mutex> l(out_mu_);
    if (!tcp_ || writing_ || out_.empty() || uv_is_closing(reinterpret_cast<uv_handle_t*>(tcp_))) return;
    inflight_.swap(out_);
    inflight_bytes_ = out_bytes_;
    out_bytes_ = 0;
    writing_ = true;  // from here on other threads only queue: inflight_ and bufs_ are ours
  }
  write_calls_.fetch_add(1, std::memory_order_relaxed);
  auto* req = new uv_write_t;
  req->data = this;
  bufs_.clear();
  for (auto& p : inflight_) bufs_.push_back(p.buf());
  int rc = uv_write(req, reinterpret_cast<uv_stream_t*>(tcp_), bufs_.data(), static_cast<unsigned>(bufs_.size()),
                    [](uv_write_t* r, int status) {
    auto* c = static_cast<Connection*>(r->data);
    delete r;
    {
      std::lock_guard<std::mutex> l(c->out_mu_);
      c->writing_ = false;
      c->inflight_.clear();
      c->inflight_bytes_ = 0;
    }
    if (status == UV_ECANCELED) return;
    if (status != 0) return c->close("write to node " + c->peer_node() + " failed: " + uv_error_text(status));
    if (c->closing_) {
      // The last bytes (a final status) are out; now the handle can go.
      c->handle_closed();
      return;
    }
    c->schedule_flush();
    if (c->up_ && c->handler_) c->handler_->on_written(*c);
  });
  if (rc != 0) {
    delete req;
    {
      std::lock_guard<std::mutex> l(out_mu_);
      writing_ = false;
    }
    close("write to node " + peer_node() + " failed: " + uv_error_text(rc));
  }
}

// Another thread's frames, with no uv_write in flight: write what is queued now, from this
// thread (the socket is non-blocking; MSG_NOSIGNAL because nothing here ignores SIGPIPE).
// What the socket does not take waits for the loop, asked once with flush_async_. Under out_mu_.
void Connection::write_now_locked() {
  if (writing_ || closing_ || fd_ < 0 || out_.empty()) return;
  if (!flush_asked_) {
    iov_.clear();
    for (auto& p : out_) {
      if (iov_.size() == IOV_MAX) break;
      iov_.push_back(p.buf());
    }
    msghdr msg{};
    msg.msg_iov = reinterpret_cast<iovec*>(iov_.data());
    msg.msg_iovlen = iov_.size();
    ssize_t n;
    do n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
      direct_writes_.fetch_add(1, std::memory_order_relaxed);
      out_bytes_ -= size_t(n);
      size_t done = 0;
      for (; done < out_.size(); ++done) {
        size_t left = out_[done].buf().len;
        if (size_t(n) < left) {
          out_[done].consume(size_t(n));
          break;
        }
        n -= ssize_t(left);
      }
      out_.erase(out_.begin(), out_.begin() + ptrdiff_t(done));
      if (out_.empty()) return;
    }
    // EAGAIN, a partial write or an error: the loop's uv_write carries on (and reports errors).
  }
  if (!flush_asked_) {
    flush_asked_ = true;
    uv_async_send(flush_async_);
  }
}

void Connection::close(const std::string& reason) {
  if (closing_) return;
  {
    std::lock_guard<std::mutex> l(out_mu_);  // no write from another thread after this
    closing_ = true;
  }
  {
    // No read from a worker after this either (one reading now finishes first): the socket
    // may be closed below, and its number reused.
    std::unique_lock<std::mutex> in(in_mu_, std::defer_lock);
    if (!in_locked_) in.lock();
    input_closed_ = true;
  }
  close_reason_ = reason;
  if (dial_) {
    dial_->cancel();
    dial_.reset();
  }
  uv_timer_stop(timer_);
  if (tcp_) uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_));
  // Pending output (a last status such as not_allowed) goes out first, bounded by a short
  // timer so a peer that does not read cannot keep us.
  if (tcp_ && !up_ && (!out_.empty() || writing_)) {
    uv_idle_stop(flush_idle_);
    if (!writing_) flush();
    uv_timer_start(timer_, [](uv_timer_t* t) { static_cast<Connection*>(t->data)->handle_closed(); }, 1000, 0);
    return;
  }
  handle_closed();
}

// Closes the handles; on_closed runs and the object is freed once libuv has let go of them.
void Connection::handle_closed() {
  if (closed_notified_) return;
  closed_notified_ = true;
  auto on_handle_closed = [](uv_handle_t* h) {
    auto* c = static_cast<Connection*>(h->data);
    if (h == reinterpret_cast<uv_handle_t*>(c->tcp_)) {
      delete c->tcp_;
      c->tcp_ = nullptr;
    } else if (h == reinterpret_cast<uv_handle_t*>(c->timer_)) {
      delete c->timer_;
      c->timer_ = nullptr;
    } else if (h == reinterpret_cast<uv_handle_t*>(c->flush_async_)) {
      delete c->flush_async_;
      c->flush_async_ = nullptr;
    } else {
      delete c->flush_idle_;
      c->flush_idle_ = nullptr;
    }
    if (--c->open_handles_ == 0) {
      if (c->handler_) c->handler_->on_closed(*c, c->close_reason_, c->up_);
      delete c;
    }
  };
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(flush_idle_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(flush_async_), on_handle_closed);
  if (tcp_) uv_close(reinterpret_cast<uv_handle_t*>(tcp_), on_handle_closed);
}

}  // namespace ergod::dist
