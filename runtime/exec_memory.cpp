#include "runtime/exec_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

#include "common/error.hpp"
#include "common/target.hpp"
#include "runtime/host_code.hpp"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: says "this memfd is meant to be executable"
#endif

namespace xtramp {

namespace detail {

// One code mapping. Dual mode: a memfd mapped at `write` (rw-) and at `exec`
// (r-x). Fallback: the pages of one block at `exec` (rw- until written, then
// r-x); `write` is null. A view pointer becomes null once it is unmapped; a
// chunk with live == 0 that is still in the list is one whose munmap failed.
struct ExecChunk {
  std::byte* exec = nullptr;
  std::byte* write = nullptr;
  size_t bytes = 0;  // length of each view
  size_t used = 0;   // bump offset: bytes below it are never handed out again
  size_t live = 0;   // blocks not yet freed
  size_t index = 0;  // position in ExecMemory::chunks_
  pid_t pid = 0;     // the process that mapped it (MAP_SHARED survives fork)
  bool dual = false;
};

}  // namespace detail

namespace {

using detail::ExecChunk;

constexpr const char* kMemfdName = "xtramp-code";

// What the unused tail of a block is filled with: a trap, should anything run
// off the end of the code (the host target's trap_bytes, one byte that traps
// when repeated).
unsigned char trap_byte() {
  static const unsigned char b = target(host_arch()).trap_bytes.front();
  return b;
}

// Anything this large is a bug of the caller; refusing it keeps the
// arithmetic below free of overflow.
constexpr size_t kMaxSize = std::numeric_limits<size_t>::max() / 4;

size_t round_up(size_t v, size_t align) {
  return (v + align - 1) / align * align;
}

Error sys_error(const std::string& call, int err, const std::string& what) {
  return Error(Errc::io, "ExecMemory: " + call + " failed (" + what +
                             "): " + std::generic_category().message(err));
}

std::string hex(uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(v));
  return buf;
}

std::string chunk_what(size_t bytes) {
  return std::to_string(bytes) + "-byte code chunk";
}

Error misuse(const std::string& message) {
  return Error(Errc::bad_request, message);
}

// Puts `code` at `dst` and `trap` in the `span - code.size()` bytes after it,
// with ordinary 8-byte stores (single bytes at an unaligned edge): never
// memcpy / memset. On s390x those are storage-to-storage instructions (glibc
// moves with MVC and clears with XC or MVCLE), and QEMU's system emulation
// (7.2, the qemu-system-s390x the vm stage runs) performs them through host
// pointers without its check for stores into translated code: a translation
// of the old code at that address stays in use. That is what happened when a
// freed chunk's address was mapped again for new code (the near hints repeat,
// and the kernel hands out the same page again): trampolines ran their
// predecessors' program pointers and in-flight counters. Plain stores are
// checked on every architecture; the volatile accesses keep the compiler from
// turning the loop back into memcpy.
void store_code(std::byte* dst, std::span<const uint8_t> code, size_t span, unsigned char trap) {
  auto byte_at = [&](size_t i) { return i < code.size() ? code[i] : trap; };
  size_t i = 0;
  for (; i < span && (reinterpret_cast<uintptr_t>(dst + i) & 7) != 0; ++i)
    *reinterpret_cast<volatile unsigned char*>(dst + i) = byte_at(i);
  for (; i + 8 <= span; i += 8) {
    unsigned char b[8];
    for (size_t k = 0; k < 8; ++k) b[k] = byte_at(i + k);
    uint64_t w;
    std::memcpy(&w, b, 8);  // the bytes in memory order, whatever the byte order
    *reinterpret_cast<volatile uint64_t*>(dst + i) = w;
  }
  for (; i < span; ++i) *reinterpret_cast<volatile unsigned char*>(dst + i) = byte_at(i);
}

void make_coherent(std::byte* begin, size_t bytes) {
  // Cleans the data cache and invalidates the instruction cache for the exec
  // range (arm64; nothing to do where the caches are coherent, x86-64 and
  // s390x).
  __builtin___clear_cache(reinterpret_cast<char*>(begin), reinterpret_cast<char*>(begin + bytes));
  // The code went in through the write view, another address: what the host
  // needs beyond that (HostCode::after_code_store; s390x: a serialisation).
  if (const auto after = host_code().after_code_store) after();
}

}  // namespace

// ---------------------------------------------------------------- CodeBlock

CodeBlock::CodeBlock(CodeBlock&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      chunk_(std::exchange(other.chunk_, nullptr)),
      exec_(std::exchange(other.exec_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      sealed_(std::exchange(other.sealed_, false)) {}

CodeBlock& CodeBlock::operator=(CodeBlock&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::exchange(other.owner_, nullptr);
    chunk_ = std::exchange(other.chunk_, nullptr);
    exec_ = std::exchange(other.exec_, nullptr);
    size_ = std::exchange(other.size_, 0);
    sealed_ = std::exchange(other.sealed_, false);
  }
  return *this;
}

void CodeBlock::reset() noexcept {
  if (owner_ != nullptr) owner_->release(*this);
  owner_ = nullptr;
  chunk_ = nullptr;
  exec_ = nullptr;
  size_ = 0;
  sealed_ = false;
}

// --------------------------------------------------------------- ExecMemory

ExecMemory::ExecMemory(Options options) : ops_(options.ops) {
  if (ops_.memfd_create == nullptr) ops_.memfd_create = &::memfd_create;
  if (ops_.ftruncate == nullptr) ops_.ftruncate = &::ftruncate;
  if (ops_.mmap == nullptr) ops_.mmap = &::mmap;
  if (ops_.munmap == nullptr) ops_.munmap = &::munmap;
  if (ops_.mprotect == nullptr) ops_.mprotect = &::mprotect;

  const long page = ::sysconf(_SC_PAGESIZE);
  page_size_ = page > 0 ? static_cast<size_t>(page) : 4096;
  if (options.chunk_size == 0) throw misuse("ExecMemory: chunk_size is 0");
  if (options.chunk_size > kMaxSize) throw misuse("ExecMemory: chunk_size is too large");
  chunk_size_ = round_up(options.chunk_size, page_size_);

  if (options.force_fallback) {
    mode_ = Mode::mprotect_fallback;
    fallback_reason_ = "forced by ExecMemoryOptions::force_fallback";
    return;
  }
  // Probe: one page, mapped both ways and unmapped again.
  try {
    keep_or_unmap(map_dual_chunk(page_size_));  // a probe chunk has no live blocks
  } catch (const Error& e) {
    mode_ = Mode::mprotect_fallback;
    fallback_reason_ = e.what();
  }
}

ExecMemory::~ExecMemory() {
  // Chunks with live blocks stay mapped: their code may still be running.
  for (ChunkPtr& c : chunks_) {
    if (c->live == 0) unmap_chunk(*c);
  }
}

ExecMemory& ExecMemory::global() {
  // Never destroyed: CodeBlocks held by static objects may be freed after
  // this function's statics would have been.
  static ExecMemory* const instance = new ExecMemory();
  return *instance;
}

ExecMemory::ChunkPtr ExecMemory::map_dual_chunk(size_t bytes, const ExecNear* near) {
  int fd = ops_.memfd_create(kMemfdName, MFD_CLOEXEC | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = ops_.memfd_create(kMemfdName, MFD_CLOEXEC);  // < 6.3
  if (fd < 0) {
    const int err = errno;
    throw sys_error("memfd_create", err, chunk_what(bytes));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }  // the mappings keep the file alive
  } closer{fd};

  if (ops_.ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int err = errno;
    throw sys_error("ftruncate", err, chunk_what(bytes));
  }
  auto c = std::make_unique<ExecChunk>();
  c->bytes = bytes;
  c->dual = true;
  c->pid = ::getpid();
  void* w = ops_.mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (w == MAP_FAILED) {
    const int err = errno;
    throw sys_error("mmap(PROT_READ|PROT_WRITE, MAP_SHARED)", err, chunk_what(bytes));
  }
  c->write = static_cast<std::byte*>(w);
  // MAP_POPULATE: no page fault (which might sleep) on the code itself later;
  // the reclaimer's quiescence test relies on threads not sleeping inside it.
  constexpr int kExecFlags = MAP_SHARED | MAP_POPULATE;
  void* x = near != nullptr ? map_near(bytes, PROT_READ | PROT_EXEC, kExecFlags, fd, *near)
                            : ops_.mmap(nullptr, bytes, PROT_READ | PROT_EXEC, kExecFlags, fd, 0);
  if (x == MAP_FAILED) {
    const int err = errno;
    keep_or_unmap(std::move(c));
    throw sys_error("mmap(PROT_READ|PROT_EXEC, MAP_SHARED)", err,
                    chunk_what(bytes) + (near != nullptr ? " near " + hex(near->target) : ""));
  }
  c->exec = static_cast<std::byte*>(x);
  return c;
}

ExecMemory::ChunkPtr ExecMemory::map_fallback_pages(size_t bytes, const ExecNear* near) {
  auto c = std::make_unique<ExecChunk>();  // before the mmap: nothing to undo if it throws
  constexpr int kFlags = MAP_PRIVATE | MAP_ANONYMOUS;
  void* p = near != nullptr ? map_near(bytes, PROT_READ | PROT_WRITE, kFlags, -1, *near)
                            : ops_.mmap(nullptr, bytes, PROT_READ | PROT_WRITE, kFlags, -1, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    throw sys_error("mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)", err,
                    std::to_string(bytes) + "-byte code block");
  }
  c->exec = static_cast<std::byte*>(p);
  c->bytes = bytes;
  c->pid = ::getpid();
  return c;
}

bool ExecMemory::unmap_chunk(ExecChunk& c) noexcept {
  // The exec view first: once the code is gone, a left-over write view is
  // only memory, never code.
  if (c.exec != nullptr && ops_.munmap(c.exec, c.bytes) == 0) c.exec = nullptr;
  if (c.write != nullptr && ops_.munmap(c.write, c.bytes) == 0) c.write = nullptr;
  return c.exec == nullptr && c.write == nullptr;
}

void ExecMemory::keep_or_unmap(ChunkPtr c) {
  // A chunk without live blocks: unmap it, or keep it listed (and counted in
  // stats) until a later reap() manages to.
  if (unmap_chunk(*c)) return;
  c->index = chunks_.size();
  chunks_.push_back(std::move(c));
  unmap_pending_ = true;
}

void ExecMemory::drop(ExecChunk& c) noexcept {
  const size_t i = c.index;
  chunks_[i] = std::move(chunks_.back());
  chunks_[i]->index = i;
  chunks_.pop_back();  // destroys `c`
}

void ExecMemory::reap() noexcept {
  if (!unmap_pending_) return;
  unmap_pending_ = false;
  for (size_t i = chunks_.size(); i-- > 0;) {
    ExecChunk& c = *chunks_[i];
    if (c.live != 0) continue;
    if (unmap_chunk(c)) {
      drop(c);
    } else {
      unmap_pending_ = true;
    }
  }
}

CodeBlock ExecMemory::install(std::span<const uint8_t> code) {
  if (code.empty()) throw misuse("ExecMemory::install: no code");
  CodeBlock block = reserve(code.size());
  write(block, code);  // on a throw, `block` is freed on the way out
  return block;
}

CodeBlock ExecMemory::install(std::span<const uint8_t> code, const ExecNear& near) {
  if (code.empty()) throw misuse("ExecMemory::install: no code");
  CodeBlock block = reserve(code.size(), near);
  write(block, code);
  return block;
}

CodeBlock ExecMemory::reserve(size_t size) {
  return reserve_impl(size, nullptr);
}

CodeBlock ExecMemory::reserve(size_t size, const ExecNear& near) {
  return reserve_impl(size, &near);
}

namespace {

bool within(const std::byte* begin, size_t bytes, const ExecNear& near) {
  const auto lo = reinterpret_cast<uintptr_t>(begin), hi = lo + bytes;
  const uintptr_t t = near.target;
  const uintptr_t far = lo < t ? (hi > t ? 0 : t - lo) : hi - t;
  return far < near.range;
}

}  // namespace

void* ExecMemory::map_near(size_t bytes, int prot, int flags, int fd, const ExecNear& near) {
  // Hints on both sides of the target, closest first, in steps of 1/64 of
  // the range; MAP_FIXED_NOREPLACE never clobbers an existing mapping.
  const size_t step = std::max(near.range / 64, page_size_);
  for (size_t k = 1; k < 64; ++k) {
    for (int side : {-1, 1}) {
      const size_t d = k * step;
      if (side < 0 && near.target < d + bytes) continue;
      uintptr_t hint = side < 0 ? near.target - d : near.target + d;
      hint &= ~(static_cast<uintptr_t>(page_size_) - 1);
      void* p =
          ops_.mmap(reinterpret_cast<void*>(hint), bytes, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
      if (p == MAP_FAILED) continue;
      if (within(static_cast<std::byte*>(p), bytes, near)) return p;
      ops_.munmap(p, bytes);  // an old kernel took the hint as a hint only
    }
  }
  errno = ENOMEM;
  return MAP_FAILED;
}

CodeBlock ExecMemory::reserve_impl(size_t size, const ExecNear* near) {
  if (size == 0) throw misuse("ExecMemory::reserve: size 0");
  if (size > kMaxSize) {
    throw misuse("ExecMemory::reserve: size " + std::to_string(size) + " is too large");
  }
  const size_t need = round_up(size, kBlockAlign);

  std::lock_guard<std::mutex> lock(mu_);
  reap();                               // retries chunks whose munmap failed, if any
  chunks_.reserve(chunks_.size() + 1);  // the push_back below cannot throw
  ExecChunk* c = nullptr;
  if (mode_ == Mode::dual_mapping) {
    const pid_t pid = ::getpid();
    for (ChunkPtr& p : chunks_) {
      // live > 0: excludes chunks that are waiting to be unmapped.
      if (p->live > 0 && p->pid == pid && p->bytes - p->used >= need &&
          (near == nullptr || within(p->exec, p->bytes, *near))) {
        c = p.get();
        break;
      }
    }
    if (c == nullptr) {
      ChunkPtr n = map_dual_chunk(std::max(chunk_size_, round_up(need, page_size_)), near);
      n->index = chunks_.size();
      c = n.get();
      chunks_.push_back(std::move(n));
    }
  } else {
    ChunkPtr n = map_fallback_pages(round_up(size, page_size_), near);
    n->index = chunks_.size();
    c = n.get();
    chunks_.push_back(std::move(n));
  }
  std::byte* exec = c->exec + c->used;
  c->used = c->dual ? c->used + need : c->bytes;  // fallback: one block per mapping
  ++c->live;
  ++live_blocks_;
  live_bytes_ += size;
  return CodeBlock(this, c, exec, size);
}

void ExecMemory::write(CodeBlock& block, std::span<const uint8_t> code) {
  if (!block) throw misuse("ExecMemory::write: empty CodeBlock");
  if (block.owner_ != this) {
    throw misuse("ExecMemory::write: the CodeBlock belongs to another ExecMemory");
  }
  if (block.sealed_) throw misuse("ExecMemory::write: the CodeBlock is already written (sealed)");
  if (code.empty()) throw misuse("ExecMemory::write: no code");
  if (code.size() > block.size_) {
    throw misuse("ExecMemory::write: " + std::to_string(code.size()) +
                 " bytes of code do not fit the " + std::to_string(block.size_) + "-byte block");
  }
  // No lock needed: the block's bytes are its own, and its chunk cannot be
  // unmapped while the block is live.
  ExecChunk& c = *block.chunk_;
  const size_t span = round_up(block.size_, kBlockAlign);
  std::byte* dst = block.exec_;
  if (c.dual) {
    if (c.pid != ::getpid()) {
      throw misuse("ExecMemory::write: the CodeBlock was reserved before fork(); reserve it again");
    }
    dst = c.write + (block.exec_ - c.exec);
  }
  store_code(dst, code, span, trap_byte());
  if (!c.dual && ops_.mprotect(c.exec, c.bytes, PROT_READ | PROT_EXEC) != 0) {
    const int err = errno;
    throw sys_error("mprotect(PROT_READ|PROT_EXEC)", err,
                    std::to_string(c.bytes) + "-byte code block");
  }
  make_coherent(block.exec_, span);
  block.sealed_ = true;
}

void ExecMemory::release(const CodeBlock& block) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  ExecChunk& c = *block.chunk_;
  --c.live;
  --live_blocks_;
  live_bytes_ -= block.size_;
  // A freed block that stays mapped becomes traps: code that still ran it
  // (a reclamation bug) stops at once instead of running on silently.
  // (qemu-user may keep running its translation: the poisoning is a native check.)
  if (c.live > 0 && c.dual && c.pid == ::getpid()) {
    store_code(c.write + (block.exec_ - c.exec), {}, block.size_, trap_byte());
    make_coherent(block.exec_, block.size_);
  }
  if (c.live == 0) {
    if (!unmap_chunk(c)) {
      unmap_pending_ = true;  // kept (and counted) until a later reap() succeeds
      return;
    }
    drop(c);
  }
  reap();
}

ExecMemory::Stats ExecMemory::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s;
  s.chunks = chunks_.size();
  for (const ChunkPtr& c : chunks_) s.mapped_bytes += c->bytes;
  s.live_blocks = live_blocks_;
  s.live_bytes = live_bytes_;
  return s;
}

const char* to_string(ExecMemory::Mode mode) noexcept {
  switch (mode) {
    case ExecMemory::Mode::dual_mapping:
      return "dual_mapping";
    case ExecMemory::Mode::mprotect_fallback:
      return "mprotect_fallback";
  }
  return "?";
}

}  // namespace xtramp
