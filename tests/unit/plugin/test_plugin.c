/* A test plugin (plain C11) that exercises the host table from inside callbacks.
 * Plugin "test_plugin", behavior "probe". init's argument is the reporter pid, or the atoms
 * fail / ignore / exit. Calls:
 *   {echo, X}              -> X
 *   self                   -> self()
 *   {env, Key}             -> app_env(Key) or undefined;  env_all -> app_env_all
 *   {spawn, Arg}           -> {Pid, MonitorRef} of a new linked+monitored probe
 *   {spawn_named, Name}    -> ok | eexist (a probe registered as Name)
 *   {send_after, Ms, Msg}  -> Msg, delivered later through a timer (reply from handle_info)
 *   {call, Dest, Req}      -> {ok, Reply} | {error, Reason} (through host->call's continuation)
 *   {monitor, Pid}         -> the reference; the DOWN goes to the reporter as {info, Down}
 *   {link, Pid}            -> ok;  trap_exit -> previous value
 *   {stop, Reason}         -> {stop, Reason, stopping}
 *   {exit, Reason}         -> host->exit(Reason) (the reply it returns is dropped)
 *   whereis_me             -> whereis of the registered name 'probe_named' or undefined
 * Casts {send, Dest, Msg} send; infos go to the reporter as {info, Msg}; terminate sends
 * {terminate, Reason}; destroy sends destroyed (send_any, from outside a callback).
 * rpc: test_plugin:add/2 adds; test_plugin:fail/0 fails with oops.
 * on_unload sends unloaded to the registered name unload_watch. */
#include <ergod/ergod.h>

#include <stdlib.h>
#include <string.h>

static const ergod_host* H;

typedef struct probe {
  ergod_term reporter;
  ergod_term pending_from; /* a call answered later */
} probe;

static ergod_term atom(const char* s) { return H->make_atom(s, strlen(s)); }

static ergod_term pair(ergod_term a, ergod_term b) { /* takes a and b */
  ergod_term items[2] = {a, b};
  ergod_term t = H->make_tuple(items, 2);
  H->release(a);
  H->release(b);
  return t;
}

static int is_tagged(ergod_term t, const char* tag, size_t arity) {
  if (H->tuple_arity(t) != arity) return 0;
  ergod_term first = H->tuple_element(t, 0);
  int yes = H->is_atom(first, tag);
  H->release(first);
  return yes;
}

static void report(ergod_proc* self, probe* s, ergod_term msg) { /* takes msg */
  if (s && s->reporter) H->send(self, s->reporter, msg);
  H->release(msg);
}

static ergod_result init(ergod_proc* self, ergod_term args, void** state) {
  if (H->is_atom(args, "fail")) return ergod_stop(atom("init_failed"));
  if (H->is_atom(args, "ignore")) return ergod_ignore();
  probe* s = calloc(1, sizeof *s);
  *state = s;
  if (H->is_atom(args, "exit")) {
    H->exit(self, atom("exited_in_init"));
    return ergod_ok();
  }
  if (H->type_of(args) == ERGOD_TYPE_PID) s->reporter = H->copy(args);
  return ergod_ok();
}

static ergod_result call_done(ergod_proc* self, void* state, void* user_data, int ok, ergod_term value) {
  ergod_term from = user_data;
  (void)state;
  ergod_term answer = pair(atom(ok ? "ok" : "error"), H->copy(value));
  H->reply(self, from, answer); /* borrows answer */
  H->release(answer);
  H->release(from);
  return ergod_noreply();
}

static ergod_result handle_call(ergod_proc* self, void* state, ergod_term req, ergod_term from) {
  probe* s = state;
  ergod_term arg1 = H->tuple_element(req, 1), arg2 = H->tuple_element(req, 2);
  ergod_result r = ergod_reply(NULL);
  if (is_tagged(req, "echo", 2)) {
    r.value = H->copy(arg1);
  } else if (H->is_atom(req, "self")) {
    r.value = H->self(self);
  } else if (is_tagged(req, "env", 2)) {
    const char* key = H->atom_name(arg1, NULL);
    ergod_term v = key ? H->app_env(self, key) : NULL;
    r.value = v ? v : atom("undefined");
  } else if (H->is_atom(req, "env_all")) {
    r.value = H->app_env_all(self);
  } else if (is_tagged(req, "spawn", 2)) {
    ergod_term pid = NULL, mon = NULL;
    ergod_status st = H->spawn(self, "test_plugin", "probe", arg1, ERGOD_SPAWN_LINK | ERGOD_SPAWN_MONITOR, NULL,
                               &pid, &mon);
    r.value = st == ERGOD_OK ? pair(pid, mon) : H->make_int(st);
  } else if (is_tagged(req, "spawn_named", 2)) {
    ergod_term pid = NULL;
    const char* name = H->atom_name(arg1, NULL);
    ergod_status st = H->spawn(self, "test_plugin", "probe", arg1, 0, name, &pid, NULL);
    H->release(pid);
    r.value = atom(st == ERGOD_OK ? "ok" : st == ERGOD_EEXIST ? "eexist" : "other");
  } else if (is_tagged(req, "spawn_unknown", 2)) {
    ergod_term pid = NULL;
    ergod_status st = H->spawn(self, "test_plugin", "nope", arg1, 0, NULL, &pid, NULL);
    r.value = H->make_int(st);
  } else if (is_tagged(req, "send_after", 3)) {
    s->pending_from = H->copy(from);
    ergod_term me = H->self(self);
    ergod_term tick = pair(atom("tick"), H->copy(arg2));
    ergod_term tref = H->send_after(self, 1, me, tick); /* borrows tick */
    H->release(tick);
    int64_t ms = 0;
    H->get_int64(arg1, &ms);
    H->release(me);
    H->release(tref);
    r = ergod_noreply();
  } else if (is_tagged(req, "call", 3)) {
    ergod_status st = H->call(self, arg1, arg2, 2000, call_done, H->copy(from));
    ergod_status again = H->call(self, arg1, arg2, 2000, call_done, NULL);
    r = st == ERGOD_OK && again == ERGOD_ESTATE ? ergod_noreply() : ergod_reply(H->make_int(st));
  } else if (is_tagged(req, "monitor", 2)) {
    r.value = H->monitor(self, arg1);
  } else if (is_tagged(req, "link", 2)) {
    r.value = H->link(self, arg1) == ERGOD_OK ? atom("ok") : atom("error");
  } else if (H->is_atom(req, "trap_exit")) {
    r.value = H->make_int(H->trap_exit(self, 1));
  } else if (is_tagged(req, "stop", 2)) {
    r.action = ERGOD_STOP;
    r.reason = H->copy(arg1);
    r.value = atom("stopping");
  } else if (is_tagged(req, "exit", 2)) {
    H->exit(self, arg1);
    r.value = atom("not_seen");
  } else if (H->is_atom(req, "whereis_me")) {
    ergod_term pid = H->whereis(self, "probe_named");
    r.value = pid ? pid : atom("undefined");
  } else {
    r.value = atom("unknown_request");
  }
  H->release(arg1);
  H->release(arg2);
  return r;
}

static ergod_result handle_cast(ergod_proc* self, void* state, ergod_term msg) {
  (void)state;
  if (is_tagged(msg, "send", 3)) {
    ergod_term dest = H->tuple_element(msg, 1), m = H->tuple_element(msg, 2);
    H->send(self, dest, m);
    H->release(dest);
    H->release(m);
  }
  return ergod_noreply();
}

static ergod_result handle_info(ergod_proc* self, void* state, ergod_term msg) {
  probe* s = state;
  if (is_tagged(msg, "tick", 2) && s->pending_from) {
    ergod_term v = H->tuple_element(msg, 1);
    H->reply(self, s->pending_from, v);
    H->release(v);
    H->release(s->pending_from);
    s->pending_from = NULL;
    return ergod_noreply();
  }
  report(self, s, pair(atom("info"), H->copy(msg)));
  return ergod_noreply();
}

static void terminate(ergod_proc* self, void* state, ergod_term reason) {
  report(self, state, pair(atom("terminate"), H->copy(reason)));
}

static void destroy(void* state) {
  probe* s = state;
  if (!s) return;
  if (s->reporter) {
    ergod_term m = atom("destroyed");
    H->send_any(s->reporter, m);
    H->release(m);
  }
  H->release(s->reporter);
  H->release(s->pending_from);
  free(s);
}

static const ergod_gen_server probe_callbacks = {init, handle_call, handle_cast, handle_info, terminate, destroy, NULL};
static const ergod_gen_server bare_callbacks = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};

static ergod_status add(ergod_proc* self, void* user_data, ergod_term args, ergod_term* result) {
  (void)self;
  (void)user_data;
  ergod_term a = NULL, rest = NULL, b = NULL, nil = NULL;
  int64_t x = 0, y = 0;
  H->list_cell(args, &a, &rest);
  H->list_cell(rest, &b, &nil);
  ergod_status st = H->get_int64(a, &x) == ERGOD_OK && H->get_int64(b, &y) == ERGOD_OK ? ERGOD_OK : ERGOD_EBADARG;
  *result = st == ERGOD_OK ? H->make_int(x + y) : atom("badarg");
  H->release(a);
  H->release(rest);
  H->release(b);
  H->release(nil);
  return st;
}

static ergod_status fail(ergod_proc* self, void* user_data, ergod_term args, ergod_term* result) {
  (void)self;
  (void)user_data;
  (void)args;
  *result = atom("oops");
  return ERGOD_EBADARG;
}

static void on_unload(void) {
  ergod_term dest = atom("unload_watch"), m = atom("unloaded");
  H->send_any(dest, m);
  H->release(dest);
  H->release(m);
}

static const ergod_behavior behaviors[] = {
    {"probe", ERGOD_BEHAVIOR_GEN_SERVER, &probe_callbacks},
    {"bare", ERGOD_BEHAVIOR_GEN_SERVER, &bare_callbacks},
};
static const ergod_function functions[] = {
    {"test_plugin", "add", 2, add, NULL},
    {"test_plugin", "fail", 0, fail, NULL},
};
static const ergod_plugin descriptor = {
    ERGOD_ABI_VERSION, "test_plugin", "0.1", behaviors, 2, functions, 2, NULL, on_unload,
};

ERGOD_EXPORT const ergod_plugin* ERGOD_PLUGIN_ENTRY(const ergod_host* host) {
  H = host;
  return &descriptor;
}
