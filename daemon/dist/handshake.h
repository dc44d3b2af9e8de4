// The distribution handshake (OTP 23+, version 6) as a pure state machine: bytes in, bytes
// out, no sockets, no clocks. One object runs one side of one connection, as the initiator
// (we dialled) or the acceptor (the peer dialled). Messages are framed with a 2-byte length;
// the object does that framing itself, so it can be fed whatever a read returned.
//
// What it does not do: decide whether a connection to a node is allowed while another is
// pending or up (PeerTable does, see peer_table.h; the acceptor stops and asks), time out
// (the connection's setup timer does), or anything after the ack (connection.h).
//
// Threads: an object is used by one thread at a time (in ergod: its connection's loop thread).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "dist/digest.h"
#include "dist/flags.h"

namespace ergod::dist {

struct HandshakeConfig {
  // Our full node name ("alive@host"). A name without '@' is a host only: as initiator we
  // then ask the peer to name us (NAME_ME), as Erlang's `-sname undefined` does.
  std::string this_node;
  uint32_t creation = 0;
  uint64_t flags = kAdvertisedFlags;  // PUBLISHED is added unless hidden
  bool hidden = false;
  std::string cookie;
  // When set, the cookie to use with a given peer (in_cookie == out_cookie per node, as
  // auth:get_cookie/1 does); otherwise `cookie` for everyone.
  std::function<std::string(std::string_view peer_node)> cookie_for;
  // Where our challenges come from; tests make them deterministic. Default: random_challenge.
  std::function<uint32_t()> make_challenge;
};

// How the acceptor answers a peer's name, as net_kernel's accept_pending decides it (see
// PeerTable::accept). Each maps to the status message of the same name, except `drop`, which
// closes without a status (a second attempt while one replacement is already waiting).
enum class AcceptVerdict { ok, ok_simultaneous, nok, alive, not_allowed, named, drop };

const char* to_string(AcceptVerdict v);

class Handshake {
 public:
  enum class State {
    // initiator
    await_status,
    await_alive_answer,  // the peer said "alive": owner calls answer_alive()
    await_challenge,
    await_ack,
    // acceptor
    await_name,
    await_verdict,       // the peer's name is known: owner calls set_verdict()
    await_alive_reply,
    await_reply,
    await_old_gone,      // cookie checked; owner ends the old connection, then old_connection_gone()
    // both
    done,
    failed,
  };

  enum class Failure {
    none,
    protocol,          // malformed or unexpected message
    peer_closed,       // the socket closed before the handshake finished
    bad_cookie,        // digest mismatch: the cookies differ
    not_allowed,       // refused by status not_allowed (either side), e.g. missing flags
    missing_flags,     // the peer lacks flags OTP 25 makes mandatory
    simultaneous,      // lost a simultaneous connect (nok); the other connection wins
    alive_refused,     // "alive" answered false: the old connection stays
    wrong_node,        // the node that answered is not the one we dialled
    dropped,           // verdict drop
  };

  static Handshake initiator(HandshakeConfig config, std::string peer_node);
  static Handshake acceptor(HandshakeConfig config);

  // Bytes read from the socket; runs the machine as far as the input allows.
  void feed(std::span<const uint8_t> bytes);
  void feed(std::string_view bytes) {
    feed(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  // The peer closed the connection.
  void peer_closed();

  // Bytes to write, each message framed, accumulated since the last call.
  std::string take_output();

  // Acceptor in await_verdict. For `named`, the dynamic name and creation we give the peer.
  void set_verdict(AcceptVerdict verdict, std::string dynamic_name = {}, uint32_t dynamic_creation = 0);
  // Initiator in await_alive_answer: true when this attempt is still the one pending for the
  // peer (its old connection to us is dead), false to give up.
  void answer_alive(bool still_pending);
  // Acceptor in await_old_gone.
  void old_connection_gone();

  State state() const { return state_; }
  bool done() const { return state_ == State::done; }
  bool failed() const { return state_ == State::failed; }
  Failure failure() const { return failure_; }
  // Why it failed, naming the peer when it is known.
  const std::string& error() const { return error_; }

  bool is_initiator() const { return initiator_; }
  // The peer's full name: from the start (initiator) or once its name arrived (acceptor).
  // For a peer that asked for a dynamic name, its host until set_verdict(named).
  const std::string& peer_node() const { return peer_node_; }
  bool peer_wants_dynamic_name() const { return (peer_flags_ & dflag::name_me) != 0; }
  uint64_t peer_flags() const { return peer_flags_; }  // as sent, mandatory digest expanded
  uint32_t peer_creation() const { return peer_creation_; }
  // The flags in force on the connection (ours & the peer's), valid once done.
  uint64_t flags() const { return chosen_flags_; }
  // Our name and creation; they change when the peer named us (status "named:").
  const std::string& this_node() const { return config_.this_node; }
  // We send no PUBLISHED: a hidden node, or a hidden connect (net_kernel:hidden_connect_node).
  bool hidden() const { return config_.hidden; }
  uint32_t this_creation() const { return config_.creation; }
  // Bytes that arrived after the last handshake message: the first post-handshake frames.
  std::string take_leftover();

  static constexpr size_t kMaxMessage = 65535;  // the 2-byte length's limit

 private:
  Handshake(HandshakeConfig config, bool initiator);
  void run();
  void handle(std::string_view msg);
  void on_status(std::string_view msg);
  void on_challenge(std::string_view msg);
  void on_ack(std::string_view msg);
  void on_name(std::string_view msg);
  void on_alive_reply(std::string_view msg);
  void on_reply(std::string_view msg);
  void send(std::string_view msg);
  void send_challenge();
  void send_ack();
  void fail(Failure f, std::string message);
  std::string cookie() const;
  uint64_t our_flags() const;
  bool dynamic_self() const;

  HandshakeConfig config_;
  bool initiator_;
  State state_;
  Failure failure_ = Failure::none;
  std::string error_;
  std::string in_;
  size_t in_pos_ = 0;
  std::string out_;
  std::string peer_node_;
  uint64_t peer_flags_ = 0;
  uint32_t peer_creation_ = 0;
  uint64_t chosen_flags_ = 0;
  uint64_t initiator_flags_ = 0;  // what our send_name offered
  uint32_t our_challenge_ = 0;
  uint32_t peer_challenge_ = 0;
  bool alive_verdict_ = false;
};

const char* to_string(Handshake::State s);

}  // namespace ergod::dist
