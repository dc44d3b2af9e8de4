// UTF-8 as Erlang strings need it: the code points of a byte string, and the charlist (a list
// of code points, as "text" is in Erlang source) that a UTF-8 C++ string stands for.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "term/term.h"

namespace ergod::term {

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), appending the
// code points to out. False on any invalid sequence.
bool decode_utf8(std::span<const uint8_t> bytes, std::vector<uint32_t>& out);

// The charlist of utf8; nullopt when it is not valid UTF-8.
std::optional<Term> charlist(std::string_view utf8);
// The charlist of text for what the daemon says (names, descriptions, headers): its code
// points, or its bytes (as Latin-1) when it is not valid UTF-8.
Term chars(std::string_view text);

}  // namespace ergod::term
