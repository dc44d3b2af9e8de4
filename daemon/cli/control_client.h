// The client side of the control channel (`ergod ctl`): finds the daemon's socket, sends one
// request and reads the response. The protocol itself is in control.h.
// Threads: no shared state; call from any thread (each call makes its own connection).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli/control.h"
#include "term/result.h"

namespace ergod::cli {

// Where `ergod ctl` looks, in order, and why each place. With a config: what the daemon with
// that config would use (default_control_socket), then, when the config names no socket,
// /run/ergod/ergod.sock (the systemd unit's RuntimeDirectory: an administrator's shell has no
// $RUNTIME_DIRECTORY). With neither a config nor a socket: $RUNTIME_DIRECTORY/ergod.sock if
// set, then /run/ergod/ergod.sock.
std::vector<std::filesystem::path> control_socket_candidates(const Config* cfg,
                                                             const char* runtime_directory);
// The first candidate that exists, else the first one (for the "not running" message).
std::filesystem::path pick_control_socket(const std::vector<std::filesystem::path>& candidates);

// A response as the daemon sent it: ok with its body, or the daemon's error text. A reply
// that is neither is an error "bad response from the daemon: ...".
Result<std::string> parse_response(std::string_view response);

// Connects to socket, sends request, returns the parsed response. Errors that mean the
// daemon is not running say so ("ergod is not running: no control socket at PATH").
Result<std::string> control_request(const std::filesystem::path& socket,
                                    const ControlRequest& request);

}  // namespace ergod::cli
