// `ergod new` (cli/new_project.h): checking the request's flags into a tree, the files it
// renders (the manifests read back with the real manifest loader), and writing them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli/manifest.h"
#include "cli/new_project.h"
#include "support.h"

using namespace ergod::cli;
namespace fs = std::filesystem;

namespace {

NewProjectRequest shop_request() {
  NewProjectRequest r;
  r.dir = "work/shop";
  r.apps = {"shop"};
  r.sups = {"shop:orders", "orders:archive"};
  r.actors = {"shop:cart", "orders:order", "archive:old_order"};
  return r;
}

// The one error of a request, or "" when there is none or several.
std::string only_error(const NewProjectRequest& r) {
  auto result = build_project_tree(r);
  return result.errors.size() == 1 ? result.errors[0] : std::string();
}

const GeneratedFile& file(const std::vector<GeneratedFile>& files, const std::string& path) {
  auto it = std::find_if(files.begin(), files.end(), [&](const GeneratedFile& f) { return f.path == path; });
  REQUIRE(it != files.end());
  return *it;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A fresh directory under the system's temporary one, removed at the end of the test.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("ergod-new-test") {}
};

}  // namespace

TEST_CASE("a request becomes a tree: applications, supervisors under them, actors under those",
          "[cli][new]") {
  auto result = build_project_tree(shop_request());
  REQUIRE(result.ok());
  const ProjectTree& t = result.tree;
  CHECK(t.plugin == "shop");  // the directory's name
  CHECK(t.apps == std::vector<std::string>{"shop"});
  REQUIRE(t.nodes.size() == 5);
  CHECK(t.nodes[0].kind == ProjectNode::Kind::supervisor);
  CHECK((t.nodes[0].name == "orders" && t.nodes[0].parent == "shop" && t.nodes[0].parent_is_app));
  CHECK((t.nodes[1].name == "archive" && t.nodes[1].parent == "orders" && !t.nodes[1].parent_is_app));
  CHECK(t.nodes[2].kind == ProjectNode::Kind::actor);
  CHECK((t.nodes[2].name == "cart" && t.nodes[2].parent_is_app));
  CHECK((t.nodes[4].name == "old_order" && t.nodes[4].parent == "archive"));
}

TEST_CASE("the plugin's name is --name, else the directory's name", "[cli][new]") {
  NewProjectRequest r = shop_request();
  r.name = "shop_plugin";
  CHECK(build_project_tree(r).tree.plugin == "shop_plugin");
  r.name.clear();
  r.dir = "work/store/";
  CHECK(build_project_tree(r).tree.plugin == "store");
  r.dir = "work/My-Store";
  CHECK(contains(only_error(r), "--name: not given, and the directory's name is not a plugin name"));
  r.name = "class";
  CHECK(contains(only_error(r), "--name class: \"class\" is reserved"));
}

TEST_CASE("a parent is an application or a supervisor named before its children", "[cli][new]") {
  NewProjectRequest r = shop_request();
  r.sups = {"orders:archive", "shop:orders"};
  r.actors = {};
  CHECK(only_error(r) ==
        "--with-sup orders:archive: unknown parent orders (expected an application of "
        "--with-app or a supervisor of an earlier --with-sup)");
  r = shop_request();
  r.actors.push_back("cart:thing");  // an actor is no parent
  CHECK(contains(only_error(r), "--with-actor cart:thing: unknown parent cart"));
  // Actors may come under supervisors given in any --with-sup.
  r = shop_request();
  r.actors = {"archive:a"};
  CHECK(build_project_tree(r).ok());
}

TEST_CASE("a bad flag value is an error naming the flag and what is wrong", "[cli][new]") {
  NewProjectRequest r = shop_request();
  SECTION("bad identifiers") {
    r.apps.push_back("Shop");
    CHECK(only_error(r) ==
          "--with-app Shop: bad identifier \"Shop\" (expected a lowercase letter, then lowercase "
          "letters, digits or _)");
    r.apps.pop_back();
    r.actors.push_back("shop:my-actor");
    CHECK(contains(only_error(r), "--with-actor shop:my-actor: bad identifier \"my-actor\""));
    r.actors.back() = "shop:receive";
    CHECK(only_error(r) == "--with-actor shop:receive: bad identifier \"receive\" (an Erlang reserved word)");
  }
  SECTION("not PARENT:NAME") {
    for (std::string bad : {"cart", "shop:", ":cart", "shop:a:b"}) {
      r.actors = {bad};
      CHECK(only_error(r) == "--with-actor " + bad +
                                 ": expected PARENT:NAME (PARENT: an application or a supervisor)");
    }
  }
  SECTION("duplicate names") {
    r.apps.push_back("shop");
    CHECK(only_error(r) == "--with-app shop: duplicate name: application shop is given twice");
    r = shop_request();
    r.actors.push_back("archive:cart");
    CHECK(only_error(r) == "--with-actor archive:cart: duplicate name: cart is already actor cart (--with-actor)");
    r = shop_request();
    r.sups.push_back("shop:cart");
    CHECK(contains(only_error(r), "--with-actor shop:cart: duplicate name: cart is already supervisor cart"));
    r = shop_request();
    r.actors.push_back("shop:shop_sup");
    CHECK(only_error(r) == "--with-actor shop:shop_sup: duplicate name: shop_sup is already the "
                           "top supervisor of application shop");
    r = shop_request();
    r.apps.push_back("books");
    r.sups.push_back("shop:books");
    CHECK(contains(only_error(r), "--with-sup shop:books: duplicate name: books is an application"));
    r = shop_request();
    r.actors.push_back("shop:old__order");  // class OldOrder, as old_order's
    CHECK(contains(only_error(r), "its class OldOrder is already actor old_order's"));
  }
  SECTION("an actor may share its application's name") {
    r.actors.push_back("shop:shop");
    CHECK(build_project_tree(r).ok());
  }
  SECTION("every error is reported") {
    r.apps.push_back("A");
    r.actors.push_back("nope:x");
    CHECK(build_project_tree(r).errors.size() == 2);
  }
}

TEST_CASE("--with-tcp and --with-web are refused: ergod has no such behavior yet", "[cli][new]") {
  NewProjectRequest r = shop_request();
  r.tcp = {"shop:listener"};
  CHECK(only_error(r) == "--with-tcp shop:listener: not available yet: ergod has no TCP server "
                         "behavior; --with-actor makes a gen_server actor");
  r.tcp.clear();
  r.web = {"shop:api"};
  CHECK(contains(only_error(r), "--with-web shop:api: not available yet: ergod has no web server behavior"));
}

TEST_CASE("class names are the actors' names in CamelCase", "[cli][new]") {
  CHECK(class_name("cart") == "Cart");
  CHECK(class_name("old_order") == "OldOrder");
  CHECK(class_name("a_1b") == "A1b");
  CHECK(class_name("x2") == "X2");
  CHECK(top_supervisor_name("shop") == "shop_sup");
}

TEST_CASE("the project's files: meson.build, README, the descriptor, each actor's header and "
          "source, each application's manifest",
          "[cli][new]") {
  NewProjectRequest r = shop_request();
  r.apps.push_back("books");
  r.actors.push_back("books:shelf");
  auto tree = build_project_tree(r);
  REQUIRE(tree.ok());
  auto files = render_project(tree.tree);
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.path.string());
  CHECK(paths == std::vector<std::string>{"meson.build", "README.md", "src/plugin.cpp",
                                          "src/cart.hpp", "src/cart.cpp", "src/order.hpp",
                                          "src/order.cpp", "src/old_order.hpp", "src/old_order.cpp",
                                          "src/shelf.hpp", "src/shelf.cpp", "manifests/shop.yaml",
                                          "manifests/books.yaml"});

  const std::string& meson = file(files, "meson.build").content;
  CHECK(contains(meson, "dependency('ergod-sdk')"));
  CHECK(contains(meson, "cpp_std=c++20"));
  CHECK(contains(meson, "name_prefix : ''"));
  CHECK(contains(meson, "'src/plugin.cpp',\n  'src/cart.cpp',\n  'src/order.cpp',\n  'src/old_order.cpp',\n  'src/shelf.cpp',"));
  CHECK(contains(meson, "install_data('manifests/shop.yaml', 'manifests/books.yaml',"));

  const std::string& plugin = file(files, "src/plugin.cpp").content;
  CHECK(contains(plugin, "#include \"old_order.hpp\""));
  CHECK(contains(plugin, "ERGOD_PLUGIN(\"shop\", \"0.1.0\""));
  CHECK(contains(plugin, "ERGOD_BEHAVIOR(\"old_order\", shop::OldOrder)"));

  const std::string& header = file(files, "src/old_order.hpp").content;
  CHECK(contains(header, "namespace shop {"));
  CHECK(contains(header, "class OldOrder final : public ::ergod::sdk::GenServer"));
  const std::string& source = file(files, "src/old_order.cpp").content;
  CHECK(contains(source, "#include \"old_order.hpp\""));
  CHECK(contains(source, "if (request.is_atom(\"ping\")) return sdk::Reply{sdk::atom(\"pong\")};"));
  CHECK(contains(source, "++casts_;"));

  const std::string& readme = file(files, "README.md").content;
  CHECK(contains(readme, "shop (application)\n└── shop_sup (supervisor)\n    ├── cart (actor, Cart)\n"
                         "    └── orders (supervisor)\n        ├── order (actor, Order)\n"
                         "        └── archive (supervisor)\n            └── old_order (actor, OldOrder)\n"));
  CHECK(contains(readme, "gen_server:call({cart, Node}, ping)"));
}

TEST_CASE("the generated manifests load, with supervisors nested as the tree says", "[cli][new]") {
  auto tree = build_project_tree(shop_request());
  REQUIRE(tree.ok());
  auto files = render_project(tree.tree);
  ManifestResult m = load_manifest_text(file(files, "manifests/shop.yaml").content, "shop.yaml");
  for (const auto& e : m.errors) INFO(e.to_string());
  REQUIRE(m.ok());
  const ApplicationManifest& app = m.manifest;
  CHECK(app.name == "shop");
  REQUIRE(app.supervisor);
  CHECK(app.supervisor->name == "shop_sup");
  const auto& top = app.supervisor->children;
  REQUIRE(top.size() == 2);  // actors first, then supervisors
  CHECK((top[0].id == "cart" && top[0].plugin == "shop" && top[0].behavior == "cart" && top[0].name == "cart"));
  CHECK(top[0].type == ChildType::worker);
  REQUIRE(top[1].supervisor);
  CHECK((top[1].id == "orders" && top[1].type == ChildType::supervisor && top[1].supervisor->name == "orders"));
  const auto& orders = top[1].supervisor->children;
  REQUIRE(orders.size() == 2);
  CHECK((orders[0].id == "order" && orders[0].behavior == "order"));
  REQUIRE(orders[1].supervisor);
  REQUIRE(orders[1].supervisor->children.size() == 1);
  CHECK(orders[1].supervisor->children[0].behavior == "old_order");

  SECTION("an application or supervisor without children has an empty list") {
    NewProjectRequest r;
    r.dir = "lib";
    r.apps = {"lib"};
    r.sups = {"lib:idle"};
    auto empty = render_project(build_project_tree(r).tree);
    ManifestResult e = load_manifest_text(file(empty, "manifests/lib.yaml").content, "lib.yaml");
    REQUIRE(e.ok());
    REQUIRE(e.manifest.supervisor->children.size() == 1);
    CHECK(e.manifest.supervisor->children[0].supervisor->children.empty());
    CHECK(contains(file(empty, "src/plugin.cpp").content, "ERGOD_PLUGIN(\"lib\", \"0.1.0\")"));
  }
}

TEST_CASE("the project is written into a new or empty directory, never over files", "[cli][new]") {
  TempDir tmp;
  std::vector<GeneratedFile> files = {{"meson.build", "project('x')\n"}, {"src/a.cpp", "// a\n"}};
  fs::path dir = tmp.path() / "x";
  REQUIRE(write_project(dir, files).empty());
  std::ifstream in(dir / "src/a.cpp");
  std::string line;
  std::getline(in, line);
  CHECK(line == "// a");
  CHECK(contains(write_project(dir, files), "exists and is not empty"));
  fs::create_directory(tmp.path() / "empty");
  CHECK(write_project(tmp.path() / "empty", files).empty());
  std::ofstream(tmp.path() / "file") << "x";
  CHECK(contains(write_project(tmp.path() / "file", files), "exists and is not a directory"));
}
