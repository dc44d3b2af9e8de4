// The YAML-to-term mapping: how a value in a manifest (an application's env, a child's
// args) becomes an Erlang term, and back (term_to_yaml, for tools and tests).
// Not here: what the values mean (manifest.cpp) or how files are read.
//
// The rules. A plain scalar is one written without quotes or tag:
//   ~, null, Null, NULL, empty  -> the atom undefined (Erlang's "no value")
//   true/True/TRUE, false/...   -> the atoms true and false (YAML 1.2; yes/no/on/off are text)
//   42, -7, +7, 0x1F, -0x1F, 0o17 -> integers of any size (beyond 64 bits: a bignum)
//   1.5, -2.0e3, .5, 5., 1e3    -> floats (YAML 1.2's float syntax); .inf and .nan are errors
//                                  (Erlang floats are finite), as is a float out of range
//   :ok, :Hello, :a@b           -> an atom: ':' then its name exactly as written (no quotes
//                                  inside: use !atom for names YAML cannot write plainly);
//                                  ':' alone is an error
//   anything else               -> a binary holding the UTF-8 text (Elixir style: config
//                                  strings are binaries)
// A quoted scalar ("..." or '...') is always a binary, exactly as written: quoting is how
// YAML says "text", so "123", "true", "~" and ":ok" are the binaries <<"123">>, <<"true">>,
// <<"~">> and <<":ok">> (this is also the escape for a binary that starts with ':').
// A list [a, b] is a list; a map {k: v} is a map whose keys follow the same rules
// (`{port: 1}` is #{<<"port">> => 1}, `{:port: 1}` is #{port => 1}); two keys that are the
// same term are an error.
// Tags (YAML local tags) give the other terms, or force a type:
//   !atom TEXT      the atom TEXT (for names that do not fit after ':', e.g. !atom "a b")
//   !binary TEXT    the binary TEXT (!!str, YAML's standard string tag, is the same)
//   !base64 TEXT    the binary whose bytes TEXT encodes in base64 (YAML's !!binary too)
//   !charlist TEXT  an Erlang string: the list of TEXT's Unicode code points ("abc" = [97,98,99])
//   !float N        N as a float (!float 1 is 1.0)
//   !tuple [a, 1]   the tuple {a, 1} (from a list)
//   !list [a, 1]    a list (the same as without the tag)
// Any other tag is an error. `! text` (the non-specific tag) is text, as YAML says.
// Pids, references, ports, funs and improper lists have no YAML form.
//
// Round trip: term_to_yaml writes every other term in a form yaml_to_term maps back to an
// equal term (binaries that are not UTF-8 text through !base64).
// Thread safety: no shared state; atoms go through the (thread-safe) bounded atom table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "cli/yaml_util.h"
#include "term/term.h"

namespace ergod::cli {

// The term node stands for, by the rules above. Every problem inside node is reported to c
// as "PATH: ..." at its position (path names the node, e.g. "application.env.port";
// elements add "[i]" and ".key"); `where` is used for a node without a position (a null
// value). Returns none when anything was reported.
term::Term yaml_to_term(Checker& c, const YAML::Node& node, const YAML::Mark& where,
                        std::string_view path);

// One line of YAML (flow style) that yaml_to_term maps back to an equal term; nullopt for a
// term with no YAML form (pid, reference, port, fun, improper list, bitstring).
std::optional<std::string> term_to_yaml(const term::Term& t);

}  // namespace ergod::cli
