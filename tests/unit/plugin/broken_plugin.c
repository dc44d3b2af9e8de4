/* Plugins that must be refused, one per -DBROKEN_... define (see meson.build), and with
 * -DOLD_ABI1 one that must load: built for ABI 1, whose gen_server table had no get_state. */
#include <ergod/ergod.h>

#include <stddef.h>

static const ergod_gen_server callbacks = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};

#if defined(BROKEN_DUPLICATE)
static const ergod_behavior behaviors[] = {
    {"worker", ERGOD_BEHAVIOR_GEN_SERVER, &callbacks},
    {"worker", ERGOD_BEHAVIOR_GEN_SERVER, &callbacks},
};
#elif defined(BROKEN_KIND)
static const ergod_behavior behaviors[] = {{"worker", 7, &callbacks}};
#else
static const ergod_behavior behaviors[] = {{"worker", ERGOD_BEHAVIOR_GEN_SERVER, &callbacks}};
#endif

#define UNUSED __attribute__((unused))

static UNUSED int refuse(void) { return 3; }

static UNUSED const ergod_plugin descriptor = {
#if defined(BROKEN_ABI)
    ERGOD_ABI_VERSION + 1,
#elif defined(OLD_ABI1)
    1u,
#else
    ERGOD_ABI_VERSION,
#endif
#if defined(BROKEN_NONAME)
    NULL,
#else
    "broken",
#endif
    "1", behaviors, sizeof behaviors / sizeof behaviors[0], NULL, 0,
#if defined(BROKEN_REFUSE)
    refuse,
#else
    NULL,
#endif
    NULL,
};

#if defined(BROKEN_NOENTRY)
ERGOD_EXPORT int not_the_entry(void) { return (int)descriptor.abi_version; }
#else
ERGOD_EXPORT const ergod_plugin* ERGOD_PLUGIN_ENTRY(const ergod_host* host) {
  (void)host;
#if defined(BROKEN_NULL)
  return NULL;
#else
  return &descriptor;
#endif
}
#endif
