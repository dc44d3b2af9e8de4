// Test support for the dist interop tests (see dist_support.h).
#include "dist_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>

#include "base/log.h"

extern char** environ;

namespace ergod::test {

// ---- LoopThread -------------------------------------------------------------------------------

LoopThread::LoopThread() {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &wake_, [](uv_async_t* a) {
    auto* self = static_cast<LoopThread*>(a->data);
    std::vector<std::function<void()>> q;
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      q.swap(self->queue_);
      stopping = self->stopping_;
    }
    for (auto& f : q) f();
    if (stopping) {
      // Close every handle still open (test objects that were not torn down), then the loop
      // ends by itself.
      uv_walk(&self->loop_, [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      }, nullptr);
    }
  });
  wake_.data = this;
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

LoopThread::~LoopThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  uv_async_send(&wake_);
  thread_.join();
  uv_loop_close(&loop_);
}

void LoopThread::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&wake_);
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// ---- Child ------------------------------------------------------------------------------------

Child::Child(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  out_fd_ = fds[0];
  reader_ = std::thread([this] {
    char buf[4096];
    for (;;) {
      ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mu_);
      out_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
  });
}

Child::~Child() {
  kill_now();
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
  if (std::getenv("DIST_TEST_VERBOSE")) std::cerr << "---- child " << pid_ << " output:\n" << out_ << "\n----\n";
}

std::string Child::output() {
  std::lock_guard<std::mutex> lock(mu_);
  return out_;
}

bool Child::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return out_.find(text) != std::string::npos; });
}

void Child::kill_now() {
  if (reaped_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

int Child::wait_exit(std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = st;
      return st;
    }
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

std::string run_command(std::vector<std::string> argv, std::vector<std::string> extra_env,
                        std::chrono::milliseconds timeout) {
  Child c(std::move(argv), std::move(extra_env));
  c.wait_exit(timeout);
  c.kill_now();
  // The reader thread sees EOF once the child is gone; give it a moment to drain.
  std::this_thread::sleep_for(20ms);
  return c.output();
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

std::string short_host() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  std::string h(buf);
  return h.substr(0, h.find('.'));
}

std::unique_ptr<Child> start_erl(const std::string& name, const std::string& cookie, uint16_t epmd_port,
                                 const std::string& eval, std::vector<std::string> extra_args) {
  std::vector<std::string> argv = {"erl", "-sname", name, "-setcookie", cookie, "-noshell", "-start_epmd", "false"};
  for (auto& a : extra_args) argv.push_back(a);
  argv.push_back("-eval");
  argv.push_back(eval);
  return std::make_unique<Child>(argv, std::vector<std::string>{"ERL_EPMD_PORT=" + std::to_string(epmd_port)});
}

bool server_hangs_up(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout,
                     bool close_write) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return false;
  }
  (void)!write(fd, bytes.data(), bytes.size());
  if (close_write) shutdown(fd, SHUT_WR);
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buf[512];
      if (read(fd, buf, sizeof buf) <= 0) closed = true;
    }
  }
  close(fd);
  return closed;
}

std::string connect_code(const std::string& node, const std::string& format, const std::string& args,
                         const std::string& then) {
  return "R = net_kernel:connect_node('" + node + "'), io:format(\"" + format + "\", " + args + "), " + then;
}

std::function<void(Status)> report_to(std::promise<std::string>& p) {
  return [&p](Status s) { p.set_value(s ? "" : s.error()); };
}

LoopOwned<dist::EpmdServer> start_epmd_server(LoopThread& lt, uint16_t port, std::function<void()> on_killed) {
  return LoopOwned<dist::EpmdServer>(lt, lt.run([&] {
    auto s = std::make_unique<dist::EpmdServer>(lt.loop());
    s->listen(port);
    if (on_killed) s->on_killed = std::move(on_killed);
    return s;
  }));
}

Dial dial(LoopThread& lt, dist::DistConfig cfg, const std::string& peer) {
  auto done = std::make_shared<std::promise<std::string>>();
  Dial d{LoopOwned<dist::ConnectionManager>(lt, nullptr), done->get_future()};
  lt.run([&] {
    d.manager.adopt(std::make_unique<dist::ConnectionManager>(lt.loop(), cfg));
    d.manager->connect(peer, [done](Status s) { done->set_value(s ? "" : s.error()); });
  });
  return d;
}

// ---- LogCapture -------------------------------------------------------------------------------

LogCapture::LogCapture() {
  set_log_sink([this](LogLevel level, std::string_view msg) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(std::string(ergod::to_string(level)) + ": " + std::string(msg));
    if (std::getenv("DIST_TEST_VERBOSE")) std::cerr << lines_.back() << "\n";
  });
}

LogCapture::~LogCapture() { set_log_sink(nullptr); }

bool LogCapture::contains(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& l : lines_)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

bool LogCapture::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
  return wait_until([&] { return contains(text); }, timeout);
}

std::string LogCapture::all() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (auto& l : lines_) out += l + "\n";
  return out;
}

}  // namespace ergod::test
