// ExecMemory (runtime/exec_memory.hpp): W^X code memory shared by many blocks, freed back
// to the OS, safe while other threads run code of the same page, and
// consistent after injected system call failures. The checks read
// /proc/self/maps, which qemu-user emulates with the guest's mappings, so they
// run unchanged under qemu-aarch64 / qemu-s390x.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "runtime/exec_memory.hpp"

namespace xtramp {
namespace {

// ------------------------------------------------------------ test code

// A function `int f(void)` returning `v` (0 <= v < 32768).
std::vector<uint8_t> ret_code(uint16_t v) {
#if defined(__x86_64__)
  // mov eax, imm32; ret
  return {0xb8, uint8_t(v), uint8_t(v >> 8), 0x00, 0x00, 0xc3};
#elif defined(__aarch64__)
  // movz w0, #v; ret
  const uint32_t mov = 0x52800000u | (uint32_t(v) << 5);
  return {uint8_t(mov), uint8_t(mov >> 8), uint8_t(mov >> 16), uint8_t(mov >> 24), 0xc0, 0x03, 0x5f,
          0xd6};
#elif defined(__s390x__)
  // lghi %r2, v; br %r14
  return {0xa7, 0x29, uint8_t(v >> 8), uint8_t(v), 0x07, 0xfe};
#else
#error "no test code for this architecture"
#endif
}

// The brief's literal bytes for 42, to pin the encoder above.
TEST(ExecMemoryCode, RetCodeMatchesKnownEncoding) {
#if defined(__x86_64__)
  const std::vector<uint8_t> want = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
#elif defined(__aarch64__)
  const std::vector<uint8_t> want = {0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6};
#elif defined(__s390x__)
  const std::vector<uint8_t> want = {0xa7, 0x29, 0x00, 0x2a, 0x07, 0xfe};
#endif
  EXPECT_EQ(ret_code(42), want);
}

int call(const CodeBlock& b) {
  return reinterpret_cast<int (*)()>(b.address())();
}

#if defined(__x86_64__)
constexpr uint8_t kTrap = 0xcc;
#else
constexpr uint8_t kTrap = 0x00;
#endif

// ------------------------------------------------------- /proc/self/maps

struct MapEntry {
  uintptr_t lo = 0, hi = 0;
  std::string perms;  // "r-xs"
  unsigned long inode = 0;
  std::string dev, path;
  bool readable() const { return perms[0] == 'r'; }
  bool writable() const { return perms[1] == 'w'; }
  bool executable() const { return perms[2] == 'x'; }
  std::string rwx() const { return perms.substr(0, 3); }
  std::string str() const {
    std::ostringstream o;
    o << std::hex << lo << "-" << hi << " " << perms << " " << path;
    return o.str();
  }
};

std::vector<MapEntry> read_maps() {
  std::vector<MapEntry> out;
  std::ifstream in("/proc/self/maps");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    MapEntry e;
    std::string range, offset;
    ls >> range >> e.perms >> offset >> e.dev >> e.inode;
    std::getline(ls >> std::ws, e.path);
    const size_t dash = range.find('-');
    if (dash == std::string::npos || e.perms.size() < 3) continue;
    e.lo = std::stoull(range.substr(0, dash), nullptr, 16);
    e.hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    out.push_back(e);
  }
  return out;
}

std::optional<MapEntry> find_map(const std::vector<MapEntry>& maps, uintptr_t addr) {
  for (const MapEntry& e : maps) {
    if (addr >= e.lo && addr < e.hi) return e;
  }
  return std::nullopt;
}

// Every mapping of the process that is writable and executable at once.
std::vector<std::string> wx_mappings() {
  std::vector<std::string> bad;
  for (const MapEntry& e : read_maps()) {
    if (e.writable() && e.executable()) bad.push_back(e.str());
  }
  return bad;
}

bool is_code_memfd(const MapEntry& e) {
  return e.path.find("memfd:xtramp-code") != std::string::npos;
}

// The other view of the chunk whose exec view contains `addr` (same memfd inode).
std::vector<MapEntry> views_of(const std::vector<MapEntry>& maps, const MapEntry& exec_view) {
  std::vector<MapEntry> out;
  for (const MapEntry& e : maps) {
    if (is_code_memfd(e) && e.inode == exec_view.inode && e.dev == exec_view.dev) out.push_back(e);
  }
  return out;
}

// ----------------------------------------------------- fault injection

// Lets `after` calls through, then fails (once, or from then on if sticky).
struct Fault {
  std::atomic<int> after{-1};
  std::atomic<bool> sticky{false};
  std::atomic<int> err{0};
  std::atomic<int> calls{0};

  void arm(int let_through, int e, bool always = false) {
    err = e;
    sticky = always;
    after = let_through;
  }
  void reset() {
    after = -1;
    sticky = false;
    calls = 0;
  }
  bool hit() {
    ++calls;
    const int a = after.load();
    if (a < 0) return false;
    if (a > 0) {
      after = a - 1;
      return false;
    }
    if (!sticky) after = -1;
    errno = err;
    return true;
  }
};

Fault g_memfd, g_ftruncate, g_mmap, g_mmap_exec, g_munmap, g_mprotect;

// Mappings made through the fake ops and not unmapped yet: what a leak check
// compares, independent of the allocator's own stats.
std::mutex g_live_mu;
std::map<uintptr_t, size_t> g_live_maps;

int fake_memfd_create(const char* name, unsigned int flags) {
  return g_memfd.hit() ? -1 : ::memfd_create(name, flags);
}
int fake_ftruncate(int fd, off_t len) {
  return g_ftruncate.hit() ? -1 : ::ftruncate(fd, len);
}
void* fake_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (g_mmap.hit() || ((prot & PROT_EXEC) != 0 && g_mmap_exec.hit())) return MAP_FAILED;
  void* p = ::mmap(addr, len, prot, flags, fd, off);
  if (p != MAP_FAILED) {
    std::lock_guard<std::mutex> lock(g_live_mu);
    g_live_maps[reinterpret_cast<uintptr_t>(p)] = len;
  }
  return p;
}
int fake_munmap(void* addr, size_t len) {
  if (g_munmap.hit()) return -1;
  const int r = ::munmap(addr, len);
  if (r == 0) {
    std::lock_guard<std::mutex> lock(g_live_mu);
    g_live_maps.erase(reinterpret_cast<uintptr_t>(addr));
  }
  return r;
}
int fake_mprotect(void* addr, size_t len, int prot) {
  return g_mprotect.hit() ? -1 : ::mprotect(addr, len, prot);
}

size_t live_maps() {
  std::lock_guard<std::mutex> lock(g_live_mu);
  return g_live_maps.size();
}

ExecMemoryOps fake_ops() {
  ExecMemoryOps ops;
  ops.memfd_create = fake_memfd_create;
  ops.ftruncate = fake_ftruncate;
  ops.mmap = fake_mmap;
  ops.munmap = fake_munmap;
  ops.mprotect = fake_mprotect;
  return ops;
}

class ExecMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override { reset_faults(); }
  void TearDown() override { reset_faults(); }
  static void reset_faults() {
    for (Fault* f : {&g_memfd, &g_ftruncate, &g_mmap, &g_mmap_exec, &g_munmap, &g_mprotect}) {
      f->reset();
    }
  }
  static ExecMemory::Options opts(size_t chunk = 64 * 1024, bool fallback = false) {
    ExecMemory::Options o;
    o.chunk_size = chunk;
    o.force_fallback = fallback;
    o.ops = fake_ops();
    return o;
  }
  // Dual-mapping tests need the dual mapping; where the system refuses it
  // (seccomp, vm.memfd_noexec=2) they skip and say why.
  static bool dual_or_skip(const ExecMemory& m) {
    if (m.mode() == ExecMemory::Mode::dual_mapping) return true;
    std::cout << "dual mapping unavailable: " << m.fallback_reason() << "\n";
    return false;
  }
  static void expect_error(Errc code, const std::string& needle, const std::function<void()>& f) {
    try {
      f();
      ADD_FAILURE() << "no Error thrown (expected one naming '" << needle << "')";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  static void expect_zero(const ExecMemory::Stats& s) {
    EXPECT_EQ(s.chunks, 0u);
    EXPECT_EQ(s.mapped_bytes, 0u);
    EXPECT_EQ(s.live_blocks, 0u);
    EXPECT_EQ(s.live_bytes, 0u);
  }
};

#define REQUIRE_DUAL(m)                                                 \
  do {                                                                  \
    if (!dual_or_skip(m)) GTEST_SKIP() << "dual mapping not available"; \
  } while (0)

// ----------------------------------------------------------------- tests

TEST_F(ExecMemoryTest, RunsInstalledCode) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  const std::vector<uint8_t> code = ret_code(42);
  CodeBlock b = mem.install(code);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b.sealed());
  EXPECT_EQ(b.size(), code.size());
  EXPECT_EQ(b.address() % ExecMemory::kBlockAlign, 0u);
  EXPECT_EQ(std::memcmp(b.exec(), code.data(), code.size()), 0);
  EXPECT_EQ(call(b), 42);
  // Dual mapping never changes a protection.
  EXPECT_EQ(g_mprotect.calls, 0);
}

TEST_F(ExecMemoryTest, GlobalAllocatorRunsCode) {
  ExecMemory& g = ExecMemory::global();
  EXPECT_EQ(&g, &ExecMemory::global());
  std::cout << "global ExecMemory mode: " << to_string(g.mode()) << " " << g.fallback_reason()
            << "\n";
  const size_t before = g.stats().live_blocks;
  {
    CodeBlock b = g.install(ret_code(7));
    EXPECT_EQ(call(b), 7);
    EXPECT_EQ(g.stats().live_blocks, before + 1);
  }
  EXPECT_EQ(g.stats().live_blocks, before);
}

TEST_F(ExecMemoryTest, ManyBlocksShareOneChunk) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  std::vector<CodeBlock> blocks;
  for (uint16_t i = 0; i < 200; ++i) blocks.push_back(mem.install(ret_code(i)));
  const uintptr_t base = blocks[0].address();
  EXPECT_EQ(base % sysconf(_SC_PAGESIZE), 0u) << "the first block starts the chunk";
  for (uint16_t i = 0; i < 200; ++i) {
    // Bump allocation in one chunk: consecutive 16-byte slots.
    EXPECT_EQ(blocks[i].address(), base + i * ExecMemory::kBlockAlign) << i;
    EXPECT_LT(blocks[i].address(), base + mem.chunk_size());
  }
  for (uint16_t i = 0; i < 200; ++i) EXPECT_EQ(call(blocks[i]), i) << "block " << i;
  const ExecMemory::Stats s = mem.stats();
  EXPECT_EQ(s.chunks, 1u);
  EXPECT_EQ(s.mapped_bytes, mem.chunk_size());
  EXPECT_EQ(s.live_blocks, 200u);
  EXPECT_EQ(s.live_bytes, 200 * ret_code(0).size());
  // All 200 blocks in one page-run: one exec view holds them.
  const std::vector<MapEntry> maps = read_maps();
  const std::optional<MapEntry> first = find_map(maps, base);
  const std::optional<MapEntry> last = find_map(maps, blocks.back().address());
  ASSERT_TRUE(first);
  ASSERT_TRUE(last);
  EXPECT_EQ(first->lo, last->lo);
}

TEST_F(ExecMemoryTest, NoMappingIsWritableAndExecutable) {
  ExecMemory dual(opts());
  REQUIRE_DUAL(dual);
  ExecMemory fallback(opts(64 * 1024, /*fallback=*/true));
  std::vector<CodeBlock> blocks;
  for (uint16_t i = 0; i < 20; ++i) blocks.push_back(dual.install(ret_code(i)));
  for (uint16_t i = 0; i < 3; ++i) blocks.push_back(fallback.install(ret_code(i)));
  CodeBlock reserved_dual = dual.reserve(64);
  CodeBlock reserved_fallback = fallback.reserve(64);

  EXPECT_EQ(wx_mappings(), std::vector<std::string>{}) << "whole process, /proc/self/maps";

  const std::vector<MapEntry> maps = read_maps();
  // The exec view of a chunk is r-x, and its memfd has exactly one other
  // mapping, the rw- write view, at another address.
  const std::optional<MapEntry> exec_view = find_map(maps, blocks[0].address());
  ASSERT_TRUE(exec_view);
  EXPECT_EQ(exec_view->rwx(), "r-x") << exec_view->str();
  EXPECT_TRUE(is_code_memfd(*exec_view)) << exec_view->str();
  const std::vector<MapEntry> views = views_of(maps, *exec_view);
  ASSERT_EQ(views.size(), 2u);
  const MapEntry& write_view = views[0].lo == exec_view->lo ? views[1] : views[0];
  EXPECT_EQ(write_view.rwx(), "rw-") << write_view.str();
  EXPECT_NE(write_view.lo, exec_view->lo);
  // A reserved, unwritten dual block already lies in the r-x view.
  const std::optional<MapEntry> reserved_view = find_map(maps, reserved_dual.address());
  ASSERT_TRUE(reserved_view);
  EXPECT_EQ(reserved_view->rwx(), "r-x");

  // Fallback: written blocks are r-x, a reserved one is rw- (not executable).
  const std::optional<MapEntry> fb = find_map(maps, blocks[20].address());
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->rwx(), "r-x") << fb->str();
  const std::optional<MapEntry> fb_reserved = find_map(maps, reserved_fallback.address());
  ASSERT_TRUE(fb_reserved);
  EXPECT_EQ(fb_reserved->rwx(), "rw-") << fb_reserved->str();

  fallback.write(reserved_fallback, ret_code(5));
  EXPECT_EQ(call(reserved_fallback), 5);
  const std::optional<MapEntry> fb_written = find_map(read_maps(), reserved_fallback.address());
  ASSERT_TRUE(fb_written);
  EXPECT_EQ(fb_written->rwx(), "r-x");
  EXPECT_EQ(wx_mappings(), std::vector<std::string>{});
}

TEST_F(ExecMemoryTest, FreeingReturnsMemory) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  const size_t len = ret_code(0).size();
  std::vector<CodeBlock> blocks;
  for (uint16_t i = 0; i < 10; ++i) blocks.push_back(mem.install(ret_code(i)));
  const uintptr_t exec = blocks[0].address();
  unsigned long inode = 0;
  {
    const std::vector<MapEntry> maps = read_maps();
    const std::optional<MapEntry> e = find_map(maps, exec);
    ASSERT_TRUE(e);
    inode = e->inode;
  }
  EXPECT_EQ(live_maps(), 2u) << "one chunk: two views";

  for (int i = 0; i < 5; ++i) blocks[i].reset();
  ExecMemory::Stats s = mem.stats();
  EXPECT_EQ(s.live_blocks, 5u);
  EXPECT_EQ(s.live_bytes, 5 * len);
  EXPECT_EQ(s.chunks, 1u) << "the chunk still holds live blocks";
  for (int i = 5; i < 10; ++i) EXPECT_EQ(call(blocks[i]), i);

  // Freed space is not reused while the chunk lives: a new block goes after
  // the last one ever handed out.
  CodeBlock next = mem.install(ret_code(77));
  EXPECT_EQ(next.address(), blocks[9].address() + ExecMemory::kBlockAlign);
  EXPECT_EQ(call(next), 77);

  next.reset();
  blocks.clear();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u) << "both views unmapped";
  const std::vector<MapEntry> maps = read_maps();
  const std::optional<MapEntry> gone = find_map(maps, exec);
  EXPECT_FALSE(gone) << "still mapped: " << gone->str();
  for (const MapEntry& e : maps) {
    EXPECT_FALSE(is_code_memfd(e) && e.inode == inode) << "view left: " << e.str();
  }
}

// The bytes of a freed block are never handed out again while its chunk
// lives, not even those of the block allocated last: under qemu-user, code
// written there through the write view would run the stale translation.
TEST_F(ExecMemoryTest, FreedSpaceIsNeverReused) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  const CodeBlock keep = mem.install(ret_code(1));
  CodeBlock last = mem.install(ret_code(2));
  EXPECT_EQ(call(last), 2);
  const uintptr_t freed = last.address();
  last.reset();
  const CodeBlock next = mem.install(ret_code(3));
  EXPECT_EQ(next.address(), freed + ExecMemory::kBlockAlign);
  EXPECT_EQ(call(next), 3);
  EXPECT_EQ(call(keep), 1);
}

// A chunk unmapped and mapped again (likely at the same address) must run the
// new code, not stale translations (qemu-user) or stale cache lines.
TEST_F(ExecMemoryTest, RemappedAddressRunsNewCode) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  int same_address = 0;
  uintptr_t prev = 0;
  for (uint16_t i = 1; i <= 20; ++i) {
    CodeBlock b = mem.install(ret_code(i));
    const bool reused = b.address() == prev;
    same_address += reused;
    prev = b.address();
    ASSERT_EQ(call(b), i) << "round " << i << (reused ? " (address reused)" : "");
    b.reset();
    ASSERT_EQ(mem.stats().chunks, 0u);
  }
  std::cout << "exec address reused in " << same_address << " of 19 rounds\n";
}

TEST_F(ExecMemoryTest, LargeBlockGetsItsOwnChunk) {
  const size_t page = sysconf(_SC_PAGESIZE);
  ExecMemory mem(opts(page));
  REQUIRE_DUAL(mem);
  CodeBlock small = mem.install(ret_code(1));
  CodeBlock big = mem.reserve(3 * page + 1);
  EXPECT_EQ(mem.stats().chunks, 2u);
  EXPECT_EQ(mem.stats().mapped_bytes, page + 4 * page);
  std::vector<uint8_t> code = ret_code(2);
  code.resize(3 * page + 1, kTrap);
  mem.write(big, code);
  EXPECT_EQ(call(big), 2);
  EXPECT_EQ(call(small), 1);
  big.reset();
  EXPECT_EQ(mem.stats().chunks, 1u);
  EXPECT_EQ(mem.stats().mapped_bytes, page);
}

TEST_F(ExecMemoryTest, ReserveThenWrite) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  CodeBlock b = mem.reserve(64);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b.sealed());
  EXPECT_EQ(b.size(), 64u);
  EXPECT_EQ(b.address() % ExecMemory::kBlockAlign, 0u);
  EXPECT_EQ(mem.stats().live_bytes, 64u);
  const uintptr_t addr = b.address();
  const std::vector<uint8_t> code = ret_code(42);
  mem.write(b, code);
  EXPECT_TRUE(b.sealed());
  EXPECT_EQ(b.address(), addr) << "the address known before the write";
  EXPECT_EQ(call(b), 42);
  // The rest of the block traps.
  const auto* bytes = static_cast<const uint8_t*>(b.exec());
  for (size_t i = code.size(); i < 64; ++i) EXPECT_EQ(bytes[i], kTrap) << i;

  expect_error(Errc::bad_request, "sealed", [&] { mem.write(b, code); });
  CodeBlock tiny = mem.reserve(4);
  expect_error(Errc::bad_request, "do not fit", [&] { mem.write(tiny, code); });
  expect_error(Errc::bad_request, "no code", [&] { mem.write(tiny, {}); });
  CodeBlock empty;
  expect_error(Errc::bad_request, "empty", [&] { mem.write(empty, code); });
  ExecMemory other(opts());
  CodeBlock foreign = other.reserve(16);
  expect_error(Errc::bad_request, "another", [&] { mem.write(foreign, code); });
  expect_error(Errc::bad_request, "size 0", [&] { (void)mem.reserve(0); });
  expect_error(Errc::bad_request, "no code", [&] { (void)mem.install({}); });
  expect_error(Errc::bad_request, "too large", [&] { (void)mem.reserve(SIZE_MAX); });
  // The failed writes changed nothing: the block can still be written once.
  EXPECT_FALSE(tiny.sealed());
  const std::vector<uint8_t> four(4, kTrap);
  mem.write(tiny, four);
  EXPECT_TRUE(tiny.sealed());
  expect_error(Errc::bad_request, "chunk_size is 0", [] { ExecMemory m(opts(0)); });
}

TEST_F(ExecMemoryTest, MoveAndReset) {
  ExecMemory mem(opts());
  CodeBlock a = mem.install(ret_code(3));
  const uintptr_t addr = a.address();
  CodeBlock b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(b.address(), addr);
  EXPECT_TRUE(b.sealed());
  EXPECT_EQ(call(b), 3);
  EXPECT_EQ(mem.stats().live_blocks, 1u);
  CodeBlock c = mem.install(ret_code(4));
  EXPECT_EQ(mem.stats().live_blocks, 2u);
  c = std::move(b);  // frees the block `c` held
  EXPECT_EQ(mem.stats().live_blocks, 1u);
  EXPECT_EQ(c.address(), addr);
  EXPECT_EQ(call(c), 3);
  CodeBlock& alias = c;
  c = std::move(alias);  // self-move keeps it
  EXPECT_EQ(mem.stats().live_blocks, 1u);
  c.reset();
  EXPECT_FALSE(c);
  expect_zero(mem.stats());
}

// Threads install, run and free blocks while another thread keeps running a
// long-lived block of the same chunk; chunks fill, empty and are unmapped and
// mapped again throughout.
TEST_F(ExecMemoryTest, ConcurrentInstallRunFree) {
  ExecMemory mem(opts(16 * 1024));
  REQUIRE_DUAL(mem);
  const CodeBlock anchor = mem.install(ret_code(4242));
  const uintptr_t chunk_end = anchor.address() + mem.chunk_size();
  constexpr int kThreads = 4, kIters = 2000, kRing = 8;
  std::atomic<bool> stop{false};
  std::atomic<long> anchor_calls{0}, wrong{0}, in_anchor_chunk{0};

  std::thread runner([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (call(anchor) != 4242) ++wrong;
      ++anchor_calls;
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<CodeBlock> ring(kRing);
      std::vector<int> want(kRing, -1);
      for (int i = 0; i < kIters; ++i) {
        const uint16_t v = uint16_t((t * kIters + i) & 0x7fff);
        CodeBlock b = mem.install(ret_code(v));
        if (call(b) != v) ++wrong;
        if (b.address() > anchor.address() && b.address() < chunk_end) ++in_anchor_chunk;
        // Keep a few alive a while, so chunks are freed out of order.
        const int slot = (i * 5 + t) % kRing;
        ring[slot] = std::move(b);  // frees the block that was there
        want[slot] = v;
        const int probe = (slot + 3) % kRing;
        if (ring[probe] && call(ring[probe]) != want[probe]) ++wrong;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  stop = true;
  runner.join();

  EXPECT_EQ(wrong, 0);
  EXPECT_GT(anchor_calls, 0);
  EXPECT_GT(in_anchor_chunk, 0) << "some blocks shared the running block's chunk";
  const ExecMemory::Stats s = mem.stats();
  EXPECT_EQ(s.live_blocks, 1u);
  EXPECT_EQ(s.live_bytes, anchor.size());
  EXPECT_EQ(s.chunks, 1u) << "only the anchor's chunk is left";
  EXPECT_EQ(live_maps(), 2u);
  EXPECT_EQ(call(anchor), 4242);
  EXPECT_EQ(g_mprotect.calls, 0);
  EXPECT_EQ(wx_mappings(), std::vector<std::string>{});
}

// A forked child shares the parent's memfd chunks: it must not bump-allocate
// into them (the parent would later write over the child's code, or the child
// over the parent's), and must not write a block reserved before the fork.
TEST_F(ExecMemoryTest, ForkedChildMapsItsOwnChunks) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  CodeBlock a = mem.install(ret_code(42));
  CodeBlock pre = mem.reserve(16);
  const uintptr_t chunk = a.address();
  std::cout.flush();
  std::fflush(nullptr);  // the child must not print the parent's buffered output again
  const pid_t pid = fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    int rc = 0;
    try {
      if (call(a) != 42) rc = 1;
      CodeBlock b = mem.install(ret_code(9));
      if (b.address() >= chunk && b.address() < chunk + mem.chunk_size()) rc = 2;
      if (call(b) != 9) rc = 3;
      try {
        mem.write(pre, ret_code(1));
        rc = 4;
      } catch (const Error& e) {
        if (e.code() != Errc::bad_request) rc = 5;
      }
      if (mem.stats().chunks != 2) rc = 6;
    } catch (...) {
      rc = 7;
    }
    _exit(rc);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child check failed (see the rc codes above)";
  // The parent goes on in its chunk, and may write its reserved block.
  CodeBlock c = mem.install(ret_code(11));
  EXPECT_EQ(c.address(), pre.address() + ExecMemory::kBlockAlign);
  EXPECT_EQ(call(c), 11);
  mem.write(pre, ret_code(12));
  EXPECT_EQ(call(pre), 12);
  EXPECT_EQ(call(a), 42);
}

// ---------------------------------------------------- fault injection

TEST_F(ExecMemoryTest, MemfdFailureSelectsFallback) {
  g_memfd.arm(0, ENOSYS, /*always=*/true);
  ExecMemory mem(opts());
  EXPECT_EQ(mem.mode(), ExecMemory::Mode::mprotect_fallback);
  EXPECT_NE(mem.fallback_reason().find("memfd_create"), std::string::npos) << mem.fallback_reason();
  EXPECT_STREQ(to_string(mem.mode()), "mprotect_fallback");
  const size_t page = sysconf(_SC_PAGESIZE);
  std::vector<CodeBlock> blocks;
  for (uint16_t i = 0; i < 5; ++i) blocks.push_back(mem.install(ret_code(100 + i)));
  for (uint16_t i = 0; i < 5; ++i) EXPECT_EQ(call(blocks[i]), 100 + i);
  ExecMemory::Stats s = mem.stats();
  EXPECT_EQ(s.chunks, 5u) << "one mapping per block";
  EXPECT_EQ(s.mapped_bytes, 5 * page);
  EXPECT_EQ(s.live_blocks, 5u);
  EXPECT_EQ(live_maps(), 5u);
  const std::vector<MapEntry> maps = read_maps();
  for (const CodeBlock& b : blocks) {
    EXPECT_EQ(b.address() % page, 0u);
    const std::optional<MapEntry> e = find_map(maps, b.address());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->rwx(), "r-x") << e->str();
  }
  EXPECT_EQ(wx_mappings(), std::vector<std::string>{});
  const uintptr_t addr = blocks[0].address();
  blocks.clear();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);
  EXPECT_FALSE(find_map(read_maps(), addr));
}

TEST_F(ExecMemoryTest, ExecMappingFailureSelectsFallback) {
  g_mmap_exec.arm(0, EACCES, /*always=*/true);
  ExecMemory mem(opts());
  EXPECT_EQ(mem.mode(), ExecMemory::Mode::mprotect_fallback);
  EXPECT_NE(mem.fallback_reason().find("mmap(PROT_READ|PROT_EXEC"), std::string::npos)
      << mem.fallback_reason();
  EXPECT_EQ(live_maps(), 0u) << "the probe's write view was unmapped";
  expect_zero(mem.stats());
  g_mmap_exec.reset();  // fallback mode maps rw-, then mprotects
  CodeBlock b = mem.install(ret_code(8));
  EXPECT_EQ(call(b), 8);
  EXPECT_EQ(g_mprotect.calls, 1);
}

TEST_F(ExecMemoryTest, ForcedFallback) {
  ExecMemory mem(opts(64 * 1024, /*fallback=*/true));
  EXPECT_EQ(mem.mode(), ExecMemory::Mode::mprotect_fallback);
  EXPECT_NE(mem.fallback_reason().find("forced"), std::string::npos);
  EXPECT_EQ(g_memfd.calls, 0);
  CodeBlock b = mem.install(ret_code(6));
  EXPECT_EQ(call(b), 6);
  b.reset();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);
}

TEST_F(ExecMemoryTest, SyscallFailuresThrowAndRecover) {
  ExecMemory mem(opts(sysconf(_SC_PAGESIZE)));
  REQUIRE_DUAL(mem);
  ASSERT_EQ(live_maps(), 0u);

  g_mmap.arm(0, ENOMEM);  // the write view of the first chunk
  expect_error(Errc::io, "mmap(PROT_READ|PROT_WRITE", [&] { (void)mem.install(ret_code(1)); });
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);

  g_mmap_exec.arm(0, ENOMEM);  // the exec view: the write view must go again
  expect_error(Errc::io, "mmap(PROT_READ|PROT_EXEC", [&] { (void)mem.install(ret_code(1)); });
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);

  g_memfd.arm(0, EMFILE);
  expect_error(Errc::io, "memfd_create", [&] { (void)mem.install(ret_code(1)); });
  g_ftruncate.arm(0, EFBIG);
  expect_error(Errc::io, "ftruncate", [&] { (void)mem.install(ret_code(1)); });
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);

  // It keeps working, and a failure while a second chunk is needed leaves the
  // first chunk and its blocks alone.
  std::vector<CodeBlock> blocks;
  const size_t per_chunk = mem.chunk_size() / ExecMemory::kBlockAlign;
  for (size_t i = 0; i < per_chunk; ++i) blocks.push_back(mem.install(ret_code(uint16_t(i))));
  const ExecMemory::Stats full = mem.stats();
  EXPECT_EQ(full.chunks, 1u);
  g_mmap.arm(0, ENOMEM);
  try {
    (void)mem.install(ret_code(1));
    ADD_FAILURE() << "no Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
    EXPECT_NE(std::string(e.what()).find("Cannot allocate memory"), std::string::npos) << e.what();
  }
  const ExecMemory::Stats after = mem.stats();
  EXPECT_EQ(after.chunks, full.chunks);
  EXPECT_EQ(after.live_blocks, full.live_blocks);
  EXPECT_EQ(after.mapped_bytes, full.mapped_bytes);
  for (size_t i = 0; i < per_chunk; ++i) EXPECT_EQ(call(blocks[i]), int(i));
  CodeBlock more = mem.install(ret_code(500));
  EXPECT_EQ(call(more), 500);
  EXPECT_EQ(mem.stats().chunks, 2u);
  blocks.clear();
  more.reset();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);
  EXPECT_EQ(g_mprotect.calls, 0);
}

TEST_F(ExecMemoryTest, MprotectFailureInFallbackLeaksNothing) {
  ExecMemory mem(opts(64 * 1024, /*fallback=*/true));
  CodeBlock a = mem.install(ret_code(1));
  const ExecMemory::Stats before = mem.stats();
  const size_t maps_before = live_maps();
  g_mprotect.arm(0, EACCES);
  expect_error(Errc::io, "mprotect", [&] { (void)mem.install(ret_code(2)); });
  const ExecMemory::Stats after = mem.stats();
  EXPECT_EQ(after.chunks, before.chunks);
  EXPECT_EQ(after.mapped_bytes, before.mapped_bytes);
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  EXPECT_EQ(live_maps(), maps_before);
  EXPECT_EQ(call(a), 1);

  // write() after a reserve: the failed write leaves the block writable once.
  CodeBlock r = mem.reserve(16);
  g_mprotect.arm(0, EACCES);
  expect_error(Errc::io, "mprotect", [&] { mem.write(r, ret_code(3)); });
  EXPECT_FALSE(r.sealed());
  mem.write(r, ret_code(3));
  EXPECT_EQ(call(r), 3);

  g_mmap.arm(0, ENOMEM);
  expect_error(Errc::io, "mmap", [&] { (void)mem.install(ret_code(2)); });
  EXPECT_EQ(mem.stats().live_blocks, 2u);
  CodeBlock b = mem.install(ret_code(2));
  EXPECT_EQ(call(b), 2);
  a.reset();
  b.reset();
  r.reset();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);
}

// A failing munmap keeps the chunk listed and counted; a later call unmaps it.
TEST_F(ExecMemoryTest, MunmapFailureIsRetried) {
  ExecMemory mem(opts());
  REQUIRE_DUAL(mem);
  CodeBlock a = mem.install(ret_code(1));
  g_munmap.arm(0, ENOMEM);
  a.reset();  // the exec view's munmap fails; the write view goes
  ExecMemory::Stats s = mem.stats();
  EXPECT_EQ(s.live_blocks, 0u);
  EXPECT_EQ(s.chunks, 1u);
  EXPECT_EQ(s.mapped_bytes, mem.chunk_size());
  EXPECT_EQ(live_maps(), 1u);
  CodeBlock b = mem.install(ret_code(2));  // retries, then maps a new chunk
  EXPECT_EQ(call(b), 2);
  s = mem.stats();
  EXPECT_EQ(s.chunks, 1u);
  EXPECT_EQ(s.live_blocks, 1u);
  EXPECT_EQ(live_maps(), 2u);
  b.reset();
  expect_zero(mem.stats());
  EXPECT_EQ(live_maps(), 0u);
}

}  // namespace
}  // namespace xtramp
