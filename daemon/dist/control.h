// Distribution control messages (erl_dist_protocol, "Protocol between connected nodes"): the
// tuple that starts every message after the distribution header, and whether a payload term
// follows it. Control is one normalised struct for every operation OTP 25 sends; from_term
// checks the shape and the type of every field (a malformed control message is a protocol
// error that costs its connection), to_term builds the tuple OTP expects.
//
// Not here: the bytes (dist_message.h encodes and decodes control + payload with the header),
// and what a message means to the runtime (node_link.h routes them).
// Threads: pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>

#include "term/result.h"
#include "term/term.h"

namespace ergod::dist {

enum class ControlOp : uint8_t {
  link = 1,
  send = 2,
  exit = 3,
  unlink = 4,
  node_link = 5,
  reg_send = 6,
  group_leader = 7,
  exit2 = 8,
  send_tt = 12,
  exit_tt = 13,
  reg_send_tt = 16,
  exit2_tt = 18,
  monitor_p = 19,
  demonitor_p = 20,
  monitor_p_exit = 21,
  send_sender = 22,
  send_sender_tt = 23,
  payload_exit = 24,
  payload_exit_tt = 25,
  payload_exit2 = 26,
  payload_exit2_tt = 27,
  payload_monitor_p_exit = 28,
  spawn_request = 29,
  spawn_request_tt = 30,
  spawn_reply = 31,
  spawn_reply_tt = 32,
  alias_send = 33,
  alias_send_tt = 34,
  unlink_id = 35,
  unlink_id_ack = 36,
};

const char* to_string(ControlOp op);
// Whether a payload term follows the control message (a message, an exit reason, or the
// argument list of a spawn request).
bool has_payload(ControlOp op);
// The same operation without a trace token (SEND_TT -> SEND, ...); others map to themselves.
ControlOp without_token(ControlOp op);

// Which fields an operation uses (absent fields are none):
//   from      LINK EXIT UNLINK REG_SEND GROUP_LEADER EXIT2 MONITOR_P DEMONITOR_P SEND_SENDER
//             PAYLOAD_EXIT* ALIAS_SEND UNLINK_ID*: a pid; MONITOR_P_EXIT (and PAYLOAD_): a pid
//             or the name it was monitored by; SPAWN_REQUEST: the parent pid
//   to        a pid, except REG_SEND (a name atom), MONITOR_P / DEMONITOR_P (pid or name),
//             ALIAS_SEND (the alias reference), SPAWN_REPLY (the parent pid)
//   ref       MONITOR_P DEMONITOR_P MONITOR_P_EXIT PAYLOAD_MONITOR_P_EXIT, SPAWN_REQUEST /
//             SPAWN_REPLY (the request id)
//   id        UNLINK_ID, UNLINK_ID_ACK; flags: SPAWN_REPLY
//   reason    EXIT EXIT2 MONITOR_P_EXIT and their _TT forms (the non-payload ones)
//   token     every _TT form
//   group_leader, mfa ({M, F, Arity}), options: SPAWN_REQUEST
//   result    SPAWN_REPLY: the new pid or an error atom
struct Control {
  ControlOp op = ControlOp::node_link;
  term::Term from, to, ref, reason, token, group_leader, mfa, options, result;
  uint64_t id = 0;
  uint64_t flags = 0;
};

Result<Control> control_from_term(const term::Term& t);
term::Term control_to_term(const Control& c);

// Short description for logs: "REG_SEND from <...> to foo".
std::string describe(const Control& c);

}  // namespace ergod::dist
