// term_handle: an ergod_term handle is a Term's one word (term.h), so handing a term to a
// plugin allocates nothing: a new handle is a detached Term (its reference moves into the
// handle), a borrowed handle is read in place, release adopts the word back into a Term.
// Atoms, small integers and [] carry no reference count, so their handles cost nothing at all.
// NULL is the none Term.
//
// Threads: as Term (any thread).
#pragma once

#include <ergod/ergod.h>

#include "term/term.h"

namespace ergod::plugin {

using term::Term;

// A new handle owning t's reference (rule T1).
inline ergod_term to_handle(Term t) noexcept { return reinterpret_cast<ergod_term>(t.detach()); }

// Takes the reference a handle owns back into a Term (release, results handed over: T4).
inline Term take_handle(ergod_term h) noexcept { return Term::adopt(reinterpret_cast<term::Box*>(h)); }

// A borrowed view of a handle (rule T2/T3): reads the term without touching its count.
class Borrowed {
 public:
  explicit Borrowed(ergod_term h) noexcept : t_(take_handle(h)) {}
  ~Borrowed() { t_.detach(); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  const Term& operator*() const noexcept { return t_; }
  const Term* operator->() const noexcept { return &t_; }

 private:
  Term t_;
};

// A handle of the borrowed term t for a callback (rule T3): the caller keeps t alive for the
// duration of the callback, so no reference is taken.
inline ergod_term lend(const Term& t) noexcept { return reinterpret_cast<ergod_term>(t.raw()); }

}  // namespace ergod::plugin
