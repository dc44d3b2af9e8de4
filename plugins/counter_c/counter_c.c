/* counter_c: an ergod plugin in plain C11, to show that the ABI (ergod.h) needs no C++.
 *
 * Behavior "counter", a gen_server whose state is a count:
 *   calls  get -> Count;  {add, N} -> NewCount;  reset -> ok;  ticks -> ticks seen so far;
 *          {join, Group} / {leave, Group} -> ok: the counter joins or leaves the pg group
 *          (scope pg), so pg:get_members(pg, Group) on any node lists it; {members, Group}
 *          -> the group's members as this node knows them; {register_global, Name} -> yes | no
 *          and {unregister_global, Name} -> ok: the counter's global name (answered when
 *          global's transaction ends, through a continuation: the worker never waits)
 *   casts  {add, N};  reset
 *   infos  tick: adds `step` and schedules the next tick (every `tick_ms`, when set)
 *   sys:get_state shows {counter, Count, Step}
 * Application env (all optional): start (the first count), step (default 1), tick_ms,
 * name (registers the counter under that name), group (a pg group it joins at start).
 * rpc: counter_c:version/0 -> <<"1.0.0">> (a counter's count is not offered by rpc: an rpc
 * function must not block, so it cannot call a server; callers use gen_server:call on it).
 */
#include <ergod/ergod.h>

#include <stdlib.h>
#include <string.h>

#define COUNTER_C_VERSION "1.0.0"

static const ergod_host* H;

typedef struct counter {
  int64_t count;
  int64_t step;
  int64_t tick_ms;
  int64_t ticks;
  ergod_term timer; /* the pending tick's timer reference, or NULL */
} counter;

static ergod_term atom(const char* s) { return H->make_atom(s, strlen(s)); }

/* An integer from the application env, or fallback. */
static int64_t env_int(ergod_proc* self, const char* key, int64_t fallback) {
  ergod_term v = H->app_env(self, key);
  int64_t out = fallback;
  if (v && H->get_int64(v, &out) != ERGOD_OK) out = fallback;
  H->release(v);
  return out;
}

static void schedule_tick(ergod_proc* self, counter* c) {
  if (c->tick_ms <= 0) return;
  ergod_term me = H->self(self), tick = atom("tick");
  H->release(c->timer);
  c->timer = H->send_after(self, c->tick_ms, me, tick);
  H->release(me);
  H->release(tick);
}

/* {Tag, N} with an integer N: 1 and *n set. */
static int tagged_int(ergod_term t, const char* tag, int64_t* n) {
  if (H->tuple_arity(t) != 2) return 0;
  ergod_term first = H->tuple_element(t, 0), second = H->tuple_element(t, 1);
  int ok = H->is_atom(first, tag) && H->get_int64(second, n) == ERGOD_OK;
  H->release(first);
  H->release(second);
  return ok;
}

/* A pg join or leave of this process: ok, or {error, noproc} while the scope restarts. */
static ergod_term pg_change(ergod_proc* self, int join, ergod_term group) {
  ergod_status st = join ? H->pg_join(self, group, NULL) : H->pg_leave(self, group, NULL);
  if (st == ERGOD_OK) return atom("ok");
  ergod_term items[2] = {atom("error"), atom(st == ERGOD_ENOTFOUND ? "noproc" : "badarg")};
  ergod_term t = H->make_tuple(items, 2);
  H->release(items[0]);
  H->release(items[1]);
  return t;
}

/* {Tag, X}: 1 and *x a new handle of X. */
static int tagged(ergod_term t, const char* tag, ergod_term* x) {
  if (H->tuple_arity(t) != 2) return 0;
  ergod_term first = H->tuple_element(t, 0);
  int ok = H->is_atom(first, tag);
  H->release(first);
  if (ok) *x = H->tuple_element(t, 1);
  return ok;
}

/* The end of a global transaction: answers the caller whose from came as user_data. */
static ergod_result global_answered(ergod_proc* self, void* state, void* user_data, int ok, ergod_term value) {
  ergod_term from = user_data;
  (void)state;
  (void)ok; /* always 1: a transaction ends with an answer */
  H->reply(self, from, value);
  H->release(from);
  return ergod_noreply();
}

/* {register_global, Name} / {unregister_global, Name}: the answer goes later, from the
 * continuation; an error status is answered at once. */
static ergod_result global_change(ergod_proc* self, int reg, ergod_term name, ergod_term from) {
  ergod_term kept = H->copy(from);
  ergod_status st = reg ? H->global_register_name(self, name, NULL, global_answered, kept)
                        : H->global_unregister_name(self, name, global_answered, kept);
  if (st == ERGOD_OK) return ergod_noreply();
  H->release(kept);
  ergod_term items[2] = {atom("error"), atom(st == ERGOD_ESTATE ? "busy" : "badarg")};
  ergod_term reply = H->make_tuple(items, 2);
  H->release(items[0]);
  H->release(items[1]);
  return ergod_reply(reply);
}

static ergod_result counter_init(ergod_proc* self, ergod_term args, void** state) {
  (void)args;
  counter* c = calloc(1, sizeof *c);
  if (!c) return ergod_stop(atom("out_of_memory"));
  *state = c;
  c->count = env_int(self, "start", 0);
  c->step = env_int(self, "step", 1);
  c->tick_ms = env_int(self, "tick_ms", 0);
  ergod_term name = H->app_env(self, "name");
  const char* name_text = name ? H->atom_name(name, NULL) : NULL;
  if (name_text && H->register_name(self, name_text) != ERGOD_OK) {
    ergod_term reason = atom("name_taken");
    H->release(name);
    return ergod_stop(reason);
  }
  H->release(name);
  ergod_term group = H->app_env(self, "group");
  if (group && H->pg_join(self, group, NULL) != ERGOD_OK) {
    H->release(group);
    return ergod_stop(atom("no_pg_scope"));
  }
  H->release(group);
  schedule_tick(self, c);
  H->log(self, ERGOD_LOG_DEBUG, "counter started");
  return ergod_ok();
}

static ergod_result counter_call(ergod_proc* self, void* state, ergod_term request, ergod_term from) {
  counter* c = state;
  int64_t n;
  ergod_term x;
  if (H->is_atom(request, "get")) return ergod_reply(H->make_int(c->count));
  if (H->is_atom(request, "ticks")) return ergod_reply(H->make_int(c->ticks));
  if (H->is_atom(request, "reset")) {
    c->count = 0;
    return ergod_reply(atom("ok"));
  }
  if (tagged_int(request, "add", &n)) {
    c->count += n;
    return ergod_reply(H->make_int(c->count));
  }
  if (tagged(request, "join", &x) || tagged(request, "leave", &x)) {
    ergod_term first = H->tuple_element(request, 0);
    ergod_term reply = pg_change(self, H->is_atom(first, "join"), x);
    H->release(first);
    H->release(x);
    return ergod_reply(reply);
  }
  if (tagged(request, "register_global", &x) || tagged(request, "unregister_global", &x)) {
    ergod_term first = H->tuple_element(request, 0);
    ergod_result r = global_change(self, H->is_atom(first, "register_global"), x, from);
    H->release(first);
    H->release(x);
    return r;
  }
  if (tagged(request, "members", &x)) {
    ergod_term members = H->pg_get_members(x);
    H->release(x);
    return ergod_reply(members);
  }
  /* OTP's answer to an unknown call would be a crash; a counter just says so. */
  ergod_term items[2] = {atom("error"), atom("unknown_call")};
  ergod_term reply = H->make_tuple(items, 2);
  H->release(items[0]);
  H->release(items[1]);
  return ergod_reply(reply);
}

static ergod_result counter_cast(ergod_proc* self, void* state, ergod_term message) {
  counter* c = state;
  int64_t n;
  (void)self;
  if (H->is_atom(message, "reset")) c->count = 0;
  else if (tagged_int(message, "add", &n)) c->count += n;
  return ergod_noreply();
}

static ergod_result counter_info(ergod_proc* self, void* state, ergod_term message) {
  counter* c = state;
  if (H->is_atom(message, "tick")) {
    c->count += c->step;
    c->ticks++;
    schedule_tick(self, c);
  }
  return ergod_noreply();
}

static void counter_terminate(ergod_proc* self, void* state, ergod_term reason) {
  counter* c = state;
  char text[128], line[192];
  H->format(reason, text, sizeof text);
  strcpy(line, "counter stopping: ");
  strncat(line, text, sizeof line - strlen(line) - 1);
  H->log(self, ERGOD_LOG_DEBUG, line);
  if (c->timer) H->cancel_timer(self, c->timer);
}

static void counter_destroy(void* state) {
  counter* c = state;
  if (!c) return;
  H->release(c->timer);
  free(c);
}

static ergod_status version(ergod_proc* self, void* user_data, ergod_term args, ergod_term* result) {
  (void)self;
  (void)user_data;
  (void)args;
  *result = H->make_binary(COUNTER_C_VERSION, strlen(COUNTER_C_VERSION));
  return ERGOD_OK;
}

/* sys:get_state({Name, Node}) shows {counter, Count, Step}. */
static ergod_term counter_get_state(ergod_proc* self, void* state) {
  (void)self;
  const counter* c = state;
  if (!c) return NULL;
  ergod_term parts[3] = {atom("counter"), H->make_int(c->count), H->make_int(c->step)};
  ergod_term t = H->make_tuple(parts, 3);
  for (int i = 0; i < 3; ++i) H->release(parts[i]);
  return t;
}

static const ergod_gen_server counter_callbacks = {
    counter_init, counter_call, counter_cast, counter_info, counter_terminate, counter_destroy,
    counter_get_state,
};
static const ergod_behavior behaviors[] = {
    {"counter", ERGOD_BEHAVIOR_GEN_SERVER, &counter_callbacks},
};
static const ergod_function functions[] = {
    {"counter_c", "version", 0, version, NULL},
};
static const ergod_plugin descriptor = {
    ERGOD_ABI_VERSION, "counter_c", COUNTER_C_VERSION,
    behaviors, sizeof behaviors / sizeof behaviors[0],
    functions, sizeof functions / sizeof functions[0],
    NULL, NULL,
};

ERGOD_EXPORT const ergod_plugin* ERGOD_PLUGIN_ENTRY(const ergod_host* host) {
  if (host->abi_version != ERGOD_ABI_VERSION || host->size < sizeof(ergod_host)) return NULL;
  H = host;
  return &descriptor;
}
