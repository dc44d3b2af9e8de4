// plugin.hpp: the plugin declaration: behavior<S>(name) and function<Fn>(module, name)
// items, and ERGOD_PLUGIN, which builds the descriptor (ergod_plugin) and the exported entry
// point from them.
// Part of ergod.hpp (include that).
// Threads: the entry point runs once, on the loader's thread; rpc functions on workers.
#pragma once

#include <ergod/sdk/gen_server.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace ergod::sdk {

// ================================================================================================
// The plugin declaration
// ================================================================================================

namespace detail {
struct PluginItem {
  enum Kind { behavior, function, on_load, on_unload } kind;
  ergod_behavior b{};
  ergod_function f{};
  int (*load)(void) = nullptr;
  void (*unload)(void) = nullptr;
};

template <class Fn>
struct FunctionTraits;
template <class R, class... A>
struct FunctionTraits<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::remove_cvref_t<A>...>;
  static constexpr uint32_t arity = sizeof...(A);
};
template <class R, class... A>
struct FunctionTraits<R (*)(A...) noexcept> : FunctionTraits<R (*)(A...)> {};

template <auto Fn>
struct FunctionBridge {
  using Traits = FunctionTraits<decltype(Fn)>;

  static ergod_status call(ergod_proc*, void*, ergod_term args, ergod_term* result) noexcept {
    ergod_result r = guarded([&] { return ergod_reply(run(Term::borrow(args)).release()); });
    *result = r.action == ERGOD_REPLY ? r.value : r.reason;
    return r.action == ERGOD_REPLY ? ERGOD_OK : ERGOD_EBADARG;
  }
  static Term run(const Term& args) {
    std::vector<Term> elems;
    if (args.length() >= 0)
      for (const Term& e : args.list()) elems.push_back(e);
    if (elems.size() != Traits::arity)
      throw BadTerm("expected " + std::to_string(Traits::arity) + " arguments, got " + brief(args));
    return invoke(elems, std::make_index_sequence<Traits::arity>{});
  }
  template <size_t... I>
  static Term invoke(const std::vector<Term>& elems, std::index_sequence<I...>) {
    if constexpr (std::is_void_v<typename Traits::Result>) {
      Fn(arg<I>(elems)...);
      return atom("ok");
    } else {
      return to_term(Fn(arg<I>(elems)...));
    }
  }
  template <size_t I>
  static std::tuple_element_t<I, typename Traits::Args> arg(const std::vector<Term>& elems) {
    try {
      return from_term<std::tuple_element_t<I, typename Traits::Args>>(elems[I]);
    } catch (const BadTerm& err) {
      throw BadTerm("argument " + std::to_string(I + 1) + ": " + err.what());
    }
  }
};

// The descriptor: built once, in place (it points into itself), by the entry point.
template <size_t N>
struct PluginDescriptor {
  std::array<ergod_behavior, N> behaviors{};
  std::array<ergod_function, N> functions{};
  ergod_plugin plugin{};

  template <class... I>
  PluginDescriptor(const char* name, const char* version, const I&... items) {
    plugin.abi_version = ERGOD_ABI_VERSION;
    plugin.name = name;
    plugin.version = version;
    (add(items), ...);
    plugin.behaviors = plugin.behavior_count ? behaviors.data() : nullptr;
    plugin.functions = plugin.function_count ? functions.data() : nullptr;
  }
  void add(const PluginItem& item) {
    switch (item.kind) {
      case PluginItem::behavior:
        behaviors[plugin.behavior_count++] = item.b;
        break;
      case PluginItem::function:
        functions[plugin.function_count++] = item.f;
        break;
      case PluginItem::on_load:
        plugin.on_load = item.load;
        break;
      case PluginItem::on_unload:
        plugin.on_unload = item.unload;
        break;
    }
  }
  PluginDescriptor(const PluginDescriptor&) = delete;
  PluginDescriptor& operator=(const PluginDescriptor&) = delete;
};
template <class... I>
PluginDescriptor(const char*, const char*, const I&...) -> PluginDescriptor<sizeof...(I)>;
}  // namespace detail

// A gen_server behavior named name, run by class S (derived from GenServer).
template <class S>
constexpr detail::PluginItem behavior(const char* name) {
  static_assert(std::is_base_of_v<GenServer, S>, "a behavior's class derives from ergod::sdk::GenServer");
  static_assert(std::is_default_constructible_v<S>, "a behavior's class is made with its default constructor");
  return {detail::PluginItem::behavior, {name, ERGOD_BEHAVIOR_GEN_SERVER, &detail::Bridge<S>::table}, {}};
}
// module:name/arity for rpc:call, from a plain C++ function: arguments through from_term,
// the result through to_term (void: ok). An exception is the call's error: Exit's reason, or
// {cxx_exception, <<What>>} (a BadTerm names the argument).
template <auto Fn>
constexpr detail::PluginItem function(const char* module, const char* name) {
  using Bridge = detail::FunctionBridge<Fn>;
  return {detail::PluginItem::function, {}, {module, name, Bridge::Traits::arity, &Bridge::call, nullptr}};
}
constexpr detail::PluginItem on_load(int (*fn)(void)) { return {detail::PluginItem::on_load, {}, {}, fn}; }
constexpr detail::PluginItem on_unload(void (*fn)(void)) {
  return {detail::PluginItem::on_unload, {}, {}, nullptr, fn};
}

}  // namespace ergod::sdk

#define ERGOD_BEHAVIOR(behavior_name, Class) ::ergod::sdk::behavior<Class>(behavior_name)
#define ERGOD_FUNCTION(module_name, function_name, fn) ::ergod::sdk::function<fn>(module_name, function_name)

// ERGOD_PLUGIN("name", "version", ERGOD_BEHAVIOR(...), ERGOD_FUNCTION(...), ...): the
// descriptor and the exported entry point; once per plugin, at global scope. Items may also
// be ergod::sdk::on_load(fn) and ergod::sdk::on_unload(fn).
#define ERGOD_PLUGIN(name, version, ...)                                                                 \
  extern "C" ERGOD_EXPORT const ergod_plugin* ERGOD_PLUGIN_ENTRY(const ergod_host* ergod_host_table) {   \
    ::ergod::sdk::set_host(ergod_host_table);                                                                 \
    static const ::ergod::sdk::detail::PluginDescriptor ergod_descriptor(name, version __VA_OPT__(, ) __VA_ARGS__); \
    return &ergod_descriptor.plugin;                                                                     \
  }
