// One connection's message layer (see node_link.h).
#include "dist/node_link.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "base/log.h"

#include "dist/dist_header.h"
#include "dist/flags.h"
#include "runtime/scheduler.h"

namespace ergod::dist {

namespace {
// The links this worker thread queued frames on since its last flush.
thread_local std::vector<std::shared_ptr<NodeLink>> unflushed;

// The links idle workers poll, process-wide (tests run several nodes in one process). Each
// worker keeps a copy, refreshed when the generation moves, so a poll takes no shared lock.
struct PollSet {
  std::mutex mu;
  std::vector<std::shared_ptr<NodeLink>> links;
  std::atomic<uint64_t> generation{1};
};
PollSet& poll_set() {
  static PollSet* set = new PollSet;  // never destroyed: workers may poll during exit
  return *set;
}
thread_local std::vector<std::shared_ptr<NodeLink>> polled;
thread_local uint64_t polled_generation = 0;
}  // namespace

void NodeLink::poll_from_workers() {
  static std::once_flag once;
  std::call_once(once, [] { runtime::set_worker_poll(&NodeLink::poll_thread); });
  PollSet& set = poll_set();
  std::lock_guard<std::mutex> l(set.mu);
  set.links.push_back(shared_from_this());
  set.generation.fetch_add(1, std::memory_order_release);
}

void NodeLink::detach() {
  {
    std::lock_guard<std::mutex> l(send_mu_);
    detached_ = true;
  }
  {
    std::lock_guard<std::mutex> l(poll_mu_);
    poll_detached_ = true;
  }
  PollSet& set = poll_set();
  std::lock_guard<std::mutex> l(set.mu);
  auto it = std::find_if(set.links.begin(), set.links.end(), [this](auto& p) { return p.get() == this; });
  if (it == set.links.end()) return;
  set.links.erase(it);
  set.generation.fetch_add(1, std::memory_order_release);
}

bool NodeLink::poll() {
  std::unique_lock<std::mutex> l(poll_mu_, std::try_to_lock);
  if (!l.owns_lock() || poll_detached_) return false;
  return conn_->read_now(*this);
}

bool NodeLink::poll_thread() {
  PollSet& set = poll_set();
  if (uint64_t g = set.generation.load(std::memory_order_acquire); g != polled_generation) {
    std::lock_guard<std::mutex> l(set.mu);
    polled = set.links;
    polled_generation = set.generation.load(std::memory_order_relaxed);
  }
  bool read = false;
  for (auto& link : polled) read |= link->poll();
  return read;
}

void NodeLink::on_frame(Connection& c, const Frame& frame) {
  DistMessage msg;
  uint64_t before = fragmented_received_;
  auto r = receive(frame, msg);
  if (fragmented_in_ && fragmented_received_ != before)
    fragmented_in_->fetch_add(fragmented_received_ - before, std::memory_order_relaxed);
  if (!r) {
    log_error("closing the connection to node " + c.peer_node() + ": " + r.error());
    return c.fail("protocol error: " + r.error());
  }
  if (r.value() && deliver_) deliver_(*this, msg);
}

void NodeLink::flush_thread() {
  if (unflushed.empty()) return;
  for (auto& link : unflushed) {
    std::lock_guard<std::mutex> l(link->send_mu_);
    if (!link->detached_) link->conn_->write_now();
  }
  unflushed.clear();
}

// Under send_mu_, after frames were queued from a thread other than the loop's.
void NodeLink::written_later() {
  if (!runtime::on_worker_thread()) return conn_->write_now();
  for (auto& link : unflushed)
    if (link.get() == this) return;
  unflushed.push_back(shared_from_this());
}

NodeLink::NodeLink(Connection& connection, NodeLinkOptions options, std::atomic<uint64_t>* sent_total)
    : conn_(&connection), options_(options), flags_(connection.flags()),
      use_header_(flags_ & dflag::dist_hdr_atom_cache), use_fragments_(flags_ & dflag::fragments),
      assembler_(options.max_message), sent_total_(sent_total), loop_thread_(std::this_thread::get_id()) {
  static std::once_flag once;
  std::call_once(once, [] { runtime::set_worker_flush(&NodeLink::flush_thread); });
}

Result<bool> NodeLink::receive(const Frame& frame, DistMessage& out) {
  switch (frame.kind) {
    case FrameKind::pass_through: {
      auto m = decode_pass_through(frame.bytes, options_.max_message);
      if (!m) return make_error(m.error());
      out = std::move(m.value());
      return true;
    }
    case FrameKind::dist_header: {
      std::vector<term::Atom> refs;
      auto h = read_dist_header(frame.bytes.subspan(2), recv_cache_, refs);
      if (!h) return make_error(h.error());
      auto m = decode_message_body(frame.bytes.subspan(2 + h.value()), refs, options_.max_message);
      if (!m) return make_error(m.error());
      out = std::move(m.value());
      return true;
    }
    case FrameKind::dist_frag_header:
    case FrameKind::dist_frag_cont: {
      AssembledMessage whole;
      auto r = frame.kind == FrameKind::dist_frag_header ? assembler_.first(frame.bytes, recv_cache_, whole)
               : frame.in_place                            ? assembler_.next_in_place(frame.bytes, frame.in_place, whole)
                                                           : assembler_.next(frame.bytes, whole);
      if (!r) return make_error(r.error());
      if (!r.value()) return false;
      if (frame.kind == FrameKind::dist_frag_cont) ++fragmented_received_;
      auto m = decode_message_body(whole.body, whole.refs, options_.max_message, whole.body.owner());
      if (!m) return make_error(m.error());
      out = std::move(m.value());
      return true;
    }
    case FrameKind::tick: return false;
  }
  return false;
}

uint64_t NodeLink::sender_key(const Control& c) {
  if (c.from.is_pid()) {
    auto* p = c.from.as<term::PidBox>();
    return (uint64_t(p->serial) << 32 | p->id) + 1;
  }
  return 0;
}

Result<std::unique_ptr<OutgoingFragments>> NodeLink::encode_and_send(const Control& control, const term::Term& payload) {
  // Binaries too big for one fragment are sent from where they are, not copied into the body.
  bool fragments = use_fragments_ && use_header_;
  encode_message(control, payload, use_header_ ? &send_cache_ : nullptr, scratch_,
                 fragments ? options_.fragment_size : 0);
  if (fragments && scratch_.body_size() > options_.fragment_size) {
    auto f = std::make_unique<OutgoingFragments>(next_sequence_++, std::move(scratch_.header), std::move(scratch_.body),
                                                 options_.fragment_size, std::move(scratch_.external));
    scratch_.header.clear();
    scratch_.body.clear();
    scratch_.external.clear();
    auto s = send_next_fragment(*f);
    if (!s) {
      send_cache_.rollback_message();
      return make_error(s.error());
    }
    fragmented_sent_.fetch_add(1, std::memory_order_relaxed);
    if (sent_total_) sent_total_->fetch_add(1, std::memory_order_relaxed);
    if (f->done()) f.reset();
    return f;
  }
  auto s = conn_->send_frame(scratch_.head, scratch_.body);
  if (!s) {
    if (use_header_) send_cache_.rollback_message();
    return make_error(s.error());
  }
  return std::unique_ptr<OutgoingFragments>();
}

Status NodeLink::send_next_fragment(OutgoingFragments& f) {
  f.next_frame(frame_scratch_, parts_scratch_);
  return conn_->send_frame(frame_scratch_, f.owner(), parts_scratch_);
}

Status NodeLink::send(const Control& control, const term::Term& payload) {
  std::lock_guard<std::mutex> l(send_mu_);
  if (detached_) return make_error("the connection is gone");
  uint64_t sender = sender_key(control);
  auto waiting = queued_senders_.find(sender);
  if (waiting != queued_senders_.end()) {
    ++waiting->second;
    queue_.push_back(Item{sender, nullptr, control, payload});
    return Ok{};
  }
  auto r = encode_and_send(control, payload);
  if (!r) return make_error(r.error());
  if (r.value()) {
    ++queued_senders_[sender];
    queue_.push_back(Item{sender, std::move(r.value()), Control{}, term::Term()});
    // The rest of its fragments follow now, up to the watermark (other senders' messages
    // still pass between the fragments of a message bigger than that).
    auto p = pump_locked();
    if (!p) return make_error(p.error());
  }
  if (std::this_thread::get_id() != loop_thread_) written_later();
  return Ok{};
}

void NodeLink::dequeued(uint64_t sender) {
  auto it = queued_senders_.find(sender);
  if (it != queued_senders_.end() && --it->second == 0) queued_senders_.erase(it);
}

Result<bool> NodeLink::pump() {
  std::lock_guard<std::mutex> l(send_mu_);
  if (detached_) return false;
  auto r = pump_locked();
  if (r && std::this_thread::get_id() != loop_thread_) written_later();
  return r;
}

Result<bool> NodeLink::pump_locked() {
  while (!queue_.empty() && conn_->queued_bytes() < options_.queue_watermark) {
    Item& item = queue_.front();
    if (!item.fragments) {
      auto r = encode_and_send(item.control, item.payload);
      if (!r) return make_error(r.error());
      if (r.value()) {
        item.fragments = std::move(r.value());
        item.control = Control{};
        item.payload = term::Term();
        continue;
      }
    } else {
      auto s = send_next_fragment(*item.fragments);
      if (!s) return make_error(s.error());
      if (!item.fragments->done()) continue;
    }
    uint64_t sender = item.sender;
    queue_.pop_front();
    dequeued(sender);
  }
  return !queue_.empty();
}

}  // namespace ergod::dist
