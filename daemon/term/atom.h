// Atoms: interned names, one process-wide table, read without locks.
//
// An Atom is a 32-bit index. The table never shrinks (as in BEAM), so it is bounded: past
// atom_limit() interning fails instead of growing memory forever. Names are UTF-8, at most
// 255 characters (up to 1020 bytes). Common atoms have fixed indices (atoms::ok, ...) so that
// comparing against them is one integer compare. Any thread may call anything here.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ergod::term {

class Atom {
 public:
  constexpr Atom() noexcept = default;  // index 0: the empty atom ''
  static constexpr Atom from_index(uint32_t i) noexcept { Atom a; a.i_ = i; return a; }
  constexpr uint32_t index() const noexcept { return i_; }
  std::string_view name() const noexcept;
  constexpr bool operator==(const Atom&) const noexcept = default;

  // Interns name. Throws AtomError when the name is not valid (over 255 characters or bad
  // UTF-8) or the table is full.
  static Atom make(std::string_view name);
  // Non-throwing form for hot paths: returns false and leaves out unchanged on failure;
  // *why (if given) says what was wrong.
  static bool try_make(std::string_view name, Atom& out, const char** why = nullptr) noexcept;
  // Finds an existing atom without creating one.
  static bool find(std::string_view name, Atom& out) noexcept;

 private:
  uint32_t i_ = 0;
};

struct AtomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The table's bound (default 1,048,576, like BEAM's). Lowering it below the current count only
// stops further growth.
void set_atom_limit(uint32_t limit) noexcept;
uint32_t atom_limit() noexcept;
uint32_t atom_count() noexcept;

// Atoms every layer needs, with fixed indices (see the list in atom.cpp, same order).
namespace atoms {
#define ERGOD_FIXED_ATOMS(X)                                                                   \
  X(empty, "") X(ok, "ok") X(error, "error") X(true_, "true") X(false_, "false")               \
  X(undefined, "undefined") X(nonode_nohost, "nonode@nohost") X(normal, "normal")              \
  X(kill, "kill") X(killed, "killed") X(noproc, "noproc") X(noconnection, "noconnection")      \
  X(EXIT, "EXIT") X(DOWN, "DOWN") X(process, "process") X(timeout, "timeout")                  \
  X(infinity, "infinity") X(gen_call, "$gen_call") X(gen_cast, "$gen_cast") X(alias, "alias")  \
  X(reply, "reply") X(noreply, "noreply") X(stop, "stop") X(shutdown, "shutdown")              \
  X(badarg, "badarg") X(nodedown, "nodedown") X(nodeup, "nodeup") X(calling_self, "calling_self") \
  X(port, "port") X(system_limit, "system_limit") X(badrpc, "badrpc") X(erlang, "erlang")

enum : uint32_t {
#define ERGOD_ATOM_ENUM(id, text) id##_index,
  ERGOD_FIXED_ATOMS(ERGOD_ATOM_ENUM)
#undef ERGOD_ATOM_ENUM
  fixed_count
};
#define ERGOD_ATOM_CONST(id, text) inline constexpr Atom id = Atom::from_index(id##_index);
ERGOD_FIXED_ATOMS(ERGOD_ATOM_CONST)
#undef ERGOD_ATOM_CONST
}  // namespace atoms

}  // namespace ergod::term
