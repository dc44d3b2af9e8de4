/* ergod plugin SDK: the C ABI between the ergod daemon and its plugins.
 *
 * A plugin is a shared object that exports one symbol, ergod_plugin_entry (ERGOD_PLUGIN_ENTRY
 * below). ergod calls it once after loading the file, handing it the host's function table
 * (ergod_host); the plugin keeps that pointer and returns a descriptor (ergod_plugin): the ABI
 * version it was built for, its name, the behaviors it provides and the functions it lets other
 * Erlang nodes call through rpc:call. A plugin links against nothing of ergod: everything it
 * needs is in the host table. Plain C11; the C++20 layer over it is ergod.hpp.
 *
 * ---- Ownership rules (every handle) ------------------------------------------------------------
 *  T1. A function that returns an ergod_term returns a new handle, owned by the caller, who gives
 *      it back with host->release() (or hands it over in an ergod_result, rule T4).
 *      NULL is "no term" (absent key, wrong type, failure) and needs no release.
 *  T2. A function that takes ergod_term arguments borrows them: the caller still owns them
 *      afterwards. Builders (make_tuple, make_list, ...) take their own references to elements.
 *  T3. Terms passed to a callback (args, request, from, message, reason, value) are borrowed for
 *      the duration of that callback; keep one with host->copy().
 *  T4. The terms in an ergod_result that a callback returns are handed over to the host, which
 *      releases them. Put only terms you own there (a fresh handle or a copy).
 *  T5. Pointers into a term (binary_data) live as long as the handle they came from; atom names
 *      (atom_name) live as long as the daemon.
 *  T6. An ergod_proc* is valid only inside the callback it was passed to, on that thread; never
 *      keep it. Process functions (those taking ergod_proc*) may only be called there. Term
 *      functions and send_any may be called from any thread.
 *  T7. Strings passed to the host (const char*, UTF-8) are copied; the host keeps none of them.
 *      Strings the descriptor points to (names) must live until the plugin is unloaded (string
 *      literals do).
 *  T8. A behavior's state (void*) belongs to the plugin: init creates it, destroy frees it.
 *
 * ---- Processes ---------------------------------------------------------------------------------
 * A behavior instance is an Erlang process running a gen_server: init, handle_call, handle_cast,
 * handle_info, terminate, with OTP's wire format (remote Erlang callers use gen_server:call on
 * it unchanged). Callbacks run on ergod's worker threads, one at a time for one process, and must
 * not block: wait for another server with host->call and a continuation.
 * A callback that fails returns ERGOD_STOP with a reason: the process ends with that reason and
 * its supervisor decides what happens next. The daemon is never taken down by a plugin's error.
 */
#ifndef ERGOD_SDK_ERGOD_H
#define ERGOD_SDK_ERGOD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change to this header's structures. ergod loads plugins built for
 * ERGOD_ABI_VERSION_MIN up to ERGOD_ABI_VERSION and reads only what their version has; it
 * refuses others with a message naming both. History: 2 appended ergod_gen_server.get_state;
 * 3 appended the pg and global functions to ergod_host. A plugin built for version N may use the host
 * functions of version N and older (a daemon never loads a plugin newer than itself). */
#define ERGOD_ABI_VERSION 3u
#define ERGOD_ABI_VERSION_MIN 1u

#if defined(__GNUC__)
#define ERGOD_EXPORT __attribute__((visibility("default")))
#else
#define ERGOD_EXPORT
#endif

/* ---- Handles --------------------------------------------------------------------------------- */
typedef struct ergod_term_s* ergod_term; /* an Erlang term (rules T1-T5) */
typedef struct ergod_proc_s ergod_proc;  /* the process running a callback (rule T6) */

typedef enum ergod_type {
  ERGOD_TYPE_NONE = 0, /* NULL */
  ERGOD_TYPE_INTEGER,
  ERGOD_TYPE_FLOAT,
  ERGOD_TYPE_ATOM,
  ERGOD_TYPE_REFERENCE,
  ERGOD_TYPE_FUN,
  ERGOD_TYPE_PORT,
  ERGOD_TYPE_PID,
  ERGOD_TYPE_TUPLE,
  ERGOD_TYPE_MAP,
  ERGOD_TYPE_NIL,       /* [] */
  ERGOD_TYPE_LIST,      /* a cons cell: [H | T] */
  ERGOD_TYPE_BINARY,    /* whole bytes */
  ERGOD_TYPE_BITSTRING  /* bit size not a multiple of 8 */
} ergod_type;

/* Status codes of host functions that can fail. */
typedef enum ergod_status {
  ERGOD_OK = 0,
  ERGOD_EBADARG = -1,   /* a wrong argument (Erlang's badarg): wrong type, bad name, ... */
  ERGOD_ENOTFOUND = -2, /* no such plugin, behavior, name or key */
  ERGOD_EEXIST = -3,    /* a name already registered */
  ERGOD_ESTATE = -4     /* not allowed now (e.g. a second call before the first one's answer) */
} ergod_status;

typedef enum ergod_log_level {
  ERGOD_LOG_TRACE = 0,
  ERGOD_LOG_DEBUG,
  ERGOD_LOG_INFO,
  ERGOD_LOG_NOTICE,
  ERGOD_LOG_WARNING,
  ERGOD_LOG_ERROR
} ergod_log_level;

/* ---- Callback results -------------------------------------------------------------------------- */
typedef enum ergod_action {
  ERGOD_NOREPLY = 0, /* init: {ok, State}; handle_*: {noreply, State} */
  ERGOD_REPLY = 1,   /* handle_call: {reply, value, State} */
  ERGOD_STOP = 2,    /* {stop, reason, State}; from handle_call with value set:
                        {stop, reason, value, State} (replies, then stops) */
  ERGOD_IGNORE = 3   /* init only: ignore (the supervisor keeps the child as not running) */
} ergod_action;

typedef struct ergod_result {
  ergod_action action;
  ergod_term value;  /* ERGOD_REPLY: the reply; ERGOD_STOP: an optional reply (rule T4) */
  ergod_term reason; /* ERGOD_STOP: why (NULL: normal) (rule T4) */
} ergod_result;

/* ---- gen_server callbacks ---------------------------------------------------------------------- */
/* A NULL callback behaves as follows: init -> ok with a NULL state; handle_call -> stop with
 * {bad_call, Request}; handle_cast -> stop with {bad_cast, Msg}; handle_info -> the message is
 * logged at debug level and dropped (OTP logs it too); terminate/destroy -> nothing. */
typedef struct ergod_gen_server {
  /* args: the init argument. Set *state to the instance's state. */
  ergod_result (*init)(ergod_proc* self, ergod_term args, void** state);
  /* from: {CallerPid, Tag}; keep a copy to answer later with host->reply (then NOREPLY). */
  ergod_result (*handle_call)(ergod_proc* self, void* state, ergod_term request, ergod_term from);
  ergod_result (*handle_cast)(ergod_proc* self, void* state, ergod_term message);
  /* Any other message: plain sends, timers, {'EXIT', Pid, Reason} when trapping exits,
   * {'DOWN', Ref, process, Object, Reason} for monitors. */
  ergod_result (*handle_info)(ergod_proc* self, void* state, ergod_term message);
  /* As OTP's terminate/2: on ERGOD_STOP, and on a shutdown from the supervisor when the process
   * traps exits. Not called when the process is killed. */
  void (*terminate)(ergod_proc* self, void* state, ergod_term reason);
  /* Always called last, whatever ended the process (also after init failed): free the state. */
  void (*destroy)(void* state);
  /* ABI 2. What sys:get_state shows of this process (and the State of sys:get_status): a new
   * term, handed over to the host (rule T1). NULL, or a NULL result, shows
   * {plugin_state, Plugin, Behavior}. Must not block. */
  ergod_term (*get_state)(ergod_proc* self, void* state);
} ergod_gen_server;

typedef enum ergod_behavior_kind {
  ERGOD_BEHAVIOR_GEN_SERVER = 1
} ergod_behavior_kind;

typedef struct ergod_behavior {
  const char* name;      /* what manifests name in `behavior:` */
  uint32_t kind;         /* ergod_behavior_kind */
  const void* callbacks; /* ERGOD_BEHAVIOR_GEN_SERVER: const ergod_gen_server* */
} ergod_behavior;

/* ---- Functions callable from other nodes (rpc:call, erpc:call) ------------------------------ */
/* Runs Module:Function(Args...) for an Erlang node: args is the argument list (arity as
 * registered). Return ERGOD_OK with *result the return value, or any other status with *result
 * the error reason (the caller sees {badrpc, {'EXIT', {Reason, ...}}} / erpc's error class).
 * Runs inside a process (self), so it may send, but must not block. */
typedef ergod_status (*ergod_function_fn)(ergod_proc* self, void* user_data, ergod_term args,
                                          ergod_term* result);

typedef struct ergod_function {
  const char* module;
  const char* function;
  uint32_t arity;
  ergod_function_fn fn;
  void* user_data;
} ergod_function;

/* ---- The plugin descriptor ----------------------------------------------------------------- */
typedef struct ergod_plugin {
  uint32_t abi_version; /* ERGOD_ABI_VERSION */
  const char* name;     /* what manifests name in `plugin:` */
  const char* version;
  const ergod_behavior* behaviors;
  size_t behavior_count;
  const ergod_function* functions; /* may be NULL */
  size_t function_count;
  /* Optional: called after the descriptor was accepted; nonzero refuses the load. */
  int (*on_load)(void);
  /* Optional: called before the file is unloaded (every process of the plugin has ended). */
  void (*on_unload)(void);
} ergod_plugin;

/* ---- Flags of spawn ---------------------------------------------------------------------------- */
#define ERGOD_SPAWN_LINK 1u      /* link the new process to the caller */
#define ERGOD_SPAWN_MONITOR 2u   /* monitor it; *monitor_out gets the reference */

/* A call's continuation: ok = 1 with value = the reply, or ok = 0 with value = the reason the
 * call failed (timeout, noproc, {nodedown, Node}, calling_self, or the server's exit reason).
 * Returns what handle_info would: NOREPLY to go on, STOP to end the process. */
typedef ergod_result (*ergod_call_cont)(ergod_proc* self, void* state, void* user_data, int ok,
                                        ergod_term value);

#define ERGOD_INFINITY (-1) /* a timeout that never fires */

/* ---- The host's function table --------------------------------------------------------------- */
typedef struct ergod_host {
  uint32_t abi_version; /* the daemon's ERGOD_ABI_VERSION */
  uint32_t size;        /* sizeof(ergod_host) of the daemon; fields are only ever appended */

  /* -- terms: lifetime ---------------------------------------------------------------------- */
  void (*release)(ergod_term t);        /* NULL is fine */
  ergod_term (*copy)(ergod_term t);     /* another handle to the same (immutable) term */
  ergod_type (*type_of)(ergod_term t);

  /* -- terms: builders (new handles, rule T1; elements borrowed, rule T2) --------------------- */
  ergod_term (*make_int)(int64_t v);
  ergod_term (*make_uint)(uint64_t v);
  /* A big integer from its magnitude, little-endian bytes. */
  ergod_term (*make_big)(int negative, const uint8_t* le_bytes, size_t size);
  ergod_term (*make_float)(double v);
  /* NULL when name is not valid UTF-8, longer than 255 characters, or the atom table is full. */
  ergod_term (*make_atom)(const char* utf8, size_t size);
  ergod_term (*make_binary)(const void* data, size_t size);
  /* bits_in_last 1..7: the last byte holds that many high-order bits; 0 = whole bytes. */
  ergod_term (*make_bitstring)(const void* data, size_t size, unsigned bits_in_last);
  /* An Erlang string (a list of code points) from UTF-8; NULL when not valid UTF-8. */
  ergod_term (*make_string)(const char* utf8, size_t size);
  ergod_term (*make_nil)(void);
  /* [e0, e1, ... | tail]; tail NULL means []. */
  ergod_term (*make_list)(const ergod_term* elems, size_t n, ergod_term tail);
  ergod_term (*make_tuple)(const ergod_term* elems, size_t n);
  /* Later duplicates of a key replace earlier ones, as maps:from_list. */
  ergod_term (*make_map)(const ergod_term* keys, const ergod_term* values, size_t n);
  ergod_term (*make_pid)(const char* node, uint32_t id, uint32_t serial, uint32_t creation);
  ergod_term (*make_port)(const char* node, uint64_t id, uint32_t creation);
  ergod_term (*make_reference)(const char* node, uint32_t creation, const uint32_t* ids, size_t n);
  ergod_term (*make_export_fun)(const char* module, const char* function, uint8_t arity);

  /* -- terms: accessors (NULL / 0 / ERGOD_EBADARG when the type is wrong) ------------------- */
  ergod_status (*get_int64)(ergod_term t, int64_t* out);   /* EBADARG: not an integer or too big */
  ergod_status (*get_uint64)(ergod_term t, uint64_t* out);
  /* Any integer: *negative and the magnitude in little-endian bytes. Returns the bytes needed;
   * writes min(needed, cap) of them. 0 when t is not an integer. */
  size_t (*get_big)(ergod_term t, int* negative, uint8_t* le_bytes, size_t cap);
  ergod_status (*get_float)(ergod_term t, double* out);    /* floats only (not integers) */
  const char* (*atom_name)(ergod_term t, size_t* size);    /* NUL-terminated; rule T5 */
  int (*is_atom)(ergod_term t, const char* name);          /* 1 if t is the atom name */
  /* Binaries and bitstrings: the bytes (rule T5), *size in bytes incl. a partial last byte. */
  const uint8_t* (*binary_data)(ergod_term t, size_t* size, unsigned* bits_in_last);
  size_t (*tuple_arity)(ergod_term t);                     /* 0 also when not a tuple */
  ergod_term (*tuple_element)(ergod_term t, size_t i);     /* 0-based; NULL out of range */
  /* A cons cell's head and tail (new handles); EBADARG when t is not a cons. */
  ergod_status (*list_cell)(ergod_term t, ergod_term* head, ergod_term* tail);
  int64_t (*list_length)(ergod_term t);                    /* -1: not a proper list */
  size_t (*map_size)(ergod_term t);
  ergod_term (*map_get)(ergod_term map, ergod_term key);   /* NULL when absent */
  /* The i-th pair in key order (0-based); EBADARG out of range. */
  ergod_status (*map_entry)(ergod_term map, size_t i, ergod_term* key, ergod_term* value);
  ergod_status (*pid_parts)(ergod_term t, const char** node, uint32_t* id, uint32_t* serial,
                            uint32_t* creation);
  ergod_status (*port_parts)(ergod_term t, const char** node, uint64_t* id, uint32_t* creation);
  /* *n in: capacity of ids (5 suffices); out: the number of ids. */
  ergod_status (*reference_parts)(ergod_term t, const char** node, uint32_t* creation,
                                  uint32_t* ids, size_t* n);
  /* Export funs (fun M:F/A) only. */
  ergod_status (*fun_parts)(ergod_term t, const char** module, const char** function,
                            uint32_t* arity);

  /* -- terms: comparison, printing, ETF -------------------------------------------------------- */
  int (*compare)(ergod_term a, ergod_term b); /* Erlang's term order: <0, 0 (==), >0 */
  int (*equal)(ergod_term a, ergod_term b);   /* 1 when a =:= b */
  /* io_lib:format("~w") into buf (NUL-terminated, cut to cap); returns the full length. */
  size_t (*format)(ergod_term t, char* buf, size_t cap);
  /* term_to_binary: a binary term holding the External Term Format bytes. */
  ergod_term (*to_etf)(ergod_term t);
  /* binary_to_term; NULL on malformed input, with the reason (offset and what) in err. */
  ergod_term (*from_etf)(const void* data, size_t size, char* err, size_t err_cap);

  /* -- the calling process (rule T6) ------------------------------------------------------------ */
  ergod_term (*self)(ergod_proc* p);
  ergod_term (*make_ref)(ergod_proc* p);
  /* dest: a pid, a registered name (atom), {Name, Node} or an alias. EBADARG where Erlang's
   * `!` raises badarg (an unregistered atom). */
  ergod_status (*send)(ergod_proc* p, ergod_term dest, ergod_term message);
  /* gen_server:cast: never fails. dest as send's, or {global, Name} / {via, global, Name}. */
  void (*cast)(ergod_proc* p, ergod_term dest, ergod_term message);
  /* gen_server:call without blocking: k runs in this process when the reply, the callee's
   * exit or the timeout (ms, or ERGOD_INFINITY) arrives; until then the process's other
   * messages wait. One call at a time: ESTATE if one is pending. dest as cast's; ENOTFOUND
   * for a {global, Name} nobody has (gen_server:call exits noproc), EBADARG for a dest or
   * timeout gen_server:call has no clause for. */
  ergod_status (*call)(ergod_proc* p, ergod_term dest, ergod_term request, int64_t timeout_ms,
                       ergod_call_cont k, void* user_data);
  /* gen_server:reply/2 with the from of handle_call. */
  void (*reply)(ergod_proc* p, ergod_term from, ergod_term value);
  /* Starts a behavior of any loaded plugin as a new process (init runs in it, after this
   * returns). name may be NULL. ENOTFOUND: no such plugin/behavior; EEXIST: name taken. */
  ergod_status (*spawn)(ergod_proc* p, const char* plugin, const char* behavior, ergod_term args,
                        uint32_t flags, const char* name, ergod_term* pid_out,
                        ergod_term* monitor_out);
  /* exit/1: this process ends with reason when the current callback returns. */
  void (*exit)(ergod_proc* p, ergod_term reason);
  /* exit/2: an exit signal to pid (kill cannot be trapped). EBADARG where Erlang's exit/2
   * raises badarg (not a pid or port). An exit signal that ends the caller itself (kill, or
   * a reason other than normal while it does not trap exits) ends it at once, as in Erlang:
   * what the current callback still returns, a reply included, is dropped. */
  ergod_status (*exit_pid)(ergod_proc* p, ergod_term pid, ergod_term reason);
  int (*trap_exit)(ergod_proc* p, int on);                 /* returns the previous value */
  /* link/1 and unlink/1: EBADARG where Erlang raises badarg (not a pid or port). */
  ergod_status (*link)(ergod_proc* p, ergod_term pid);
  ergod_status (*unlink)(ergod_proc* p, ergod_term pid);
  /* A pid, a registered name or {Name, Node}: the monitor reference; NULL where Erlang's
   * monitor(process, Target) raises badarg. */
  ergod_term (*monitor)(ergod_proc* p, ergod_term target);
  /* 1 if it was active, 0 if not, EBADARG (negative) where Erlang raises badarg (not a
   * reference made on this node). */
  int (*demonitor)(ergod_proc* p, ergod_term ref, int flush);
  ergod_status (*register_name)(ergod_proc* p, const char* name);
  ergod_status (*unregister_name)(ergod_proc* p, const char* name);
  ergod_term (*whereis)(ergod_proc* p, const char* name);  /* NULL when not registered */
  /* erlang:send_after/3: the timer reference. */
  ergod_term (*send_after)(ergod_proc* p, int64_t ms, ergod_term dest, ergod_term message);
  int64_t (*cancel_timer)(ergod_proc* p, ergod_term tref); /* ms left, or -1 */
  /* The environment of the process's application (its manifest's env): the value of key, or
   * NULL. app_env_all returns the whole environment as a map. */
  ergod_term (*app_env)(ergod_proc* p, const char* key);
  ergod_term (*app_env_all)(ergod_proc* p);
  /* A log line at level, tagged with the process's application (p may be NULL: the plugin's
   * name is used when called from outside a callback). */
  void (*log)(ergod_proc* p, ergod_log_level level, const char* message);

  /* -- from any thread ------------------------------------------------------------------------- */
  /* A message from outside any process (e.g. a plugin's own I/O thread). */
  ergod_status (*send_any)(ergod_term dest, ergod_term message);
  /* 1 when the daemon runs with --abort-on-crash (debugging): a failing callback should abort
   * (the C++ layer then lets exceptions escape, for a core dump). */
  int (*abort_on_crash)(void);

  /* -- ABI 3: pg, the process groups of OTP's pg in its default scope `pg` ------------------- */
  /* pg:join/2 and pg:leave/2 for pids: a local pid or a proper list of them (NULL: the calling
   * process), group any term. The scope then shows them to every node, as an OTP node's
   * members: pg:get_members(pg, Group) there lists them, and a member that ends leaves its
   * groups. The request is sent to the scope without waiting for its answer (a callback must
   * not block): it takes effect before any later message of this process reaches the scope,
   * and get_members shows it once the scope has handled it. So a leave of a pid that is not a
   * member (pg's not_joined) is not reported. EBADARG: a pid of another node (pg's nolocal)
   * or not a pid; ENOTFOUND: the scope is not running (it is being restarted). */
  ergod_status (*pg_join)(ergod_proc* p, ergod_term group, ergod_term pids);
  ergod_status (*pg_leave)(ergod_proc* p, ergod_term group, ergod_term pids);
  /* From any thread: pg:get_members(Group) and get_local_members(Group), a list of pids
   * (newest first, as pg's; [] for a group nobody is in); NULL only for a NULL group. */
  ergod_term (*pg_get_members)(ergod_term group);
  ergod_term (*pg_get_local_members)(ergod_term group);

  /* -- ABI 3: global names ------------------------------------------------------------------ */
  /* global:register_name(Name, Pid) (pid NULL: the calling process; the default resolve
   * method, random_exit_name) and global:unregister_name(Name). Each is a transaction that
   * locks every node global knows, so it cannot answer at once: the answer comes to k in this
   * process, as host->call's continuation, with ok = 1 and value yes | no (register: no when
   * the name is taken or the pid has another name) or ok (unregister). Until then the
   * process's other messages wait; one at a time with call (ESTATE when one is pending, and
   * in an rpc function). EBADARG: a NULL name or k, a pid that is not a pid. Once yes, every
   * connected node's global:whereis_name(Name) is the pid, until it ends or unregisters. */
  ergod_status (*global_register_name)(ergod_proc* p, ergod_term name, ergod_term pid, ergod_call_cont k,
                                       void* user_data);
  ergod_status (*global_unregister_name)(ergod_proc* p, ergod_term name, ergod_call_cont k, void* user_data);
  /* From any thread: global:whereis_name(Name), the pid, or NULL when nobody has the name. */
  ergod_term (*global_whereis_name)(ergod_term name);
} ergod_host;

/* The entry point every plugin exports. */
typedef const ergod_plugin* (*ergod_plugin_entry_fn)(const ergod_host* host);
#define ERGOD_PLUGIN_ENTRY ergod_plugin_entry
#define ERGOD_PLUGIN_ENTRY_NAME "ergod_plugin_entry"

/* Convenience results. */
static inline ergod_result ergod_noreply(void) {
  ergod_result r = {ERGOD_NOREPLY, NULL, NULL};
  return r;
}
static inline ergod_result ergod_ok(void) { return ergod_noreply(); }
static inline ergod_result ergod_reply(ergod_term value) {
  ergod_result r = {ERGOD_REPLY, value, NULL};
  return r;
}
static inline ergod_result ergod_stop(ergod_term reason) {
  ergod_result r = {ERGOD_STOP, NULL, reason};
  return r;
}
static inline ergod_result ergod_ignore(void) {
  ergod_result r = {ERGOD_IGNORE, NULL, NULL};
  return r;
}

#ifdef __cplusplus
}
#endif

#endif /* ERGOD_SDK_ERGOD_H */
