// ExecMemory: executable memory for generated code (trampolines) in the
// running process, W^X.
//
// What it promises
//  * No mapping it makes is ever writable and executable at the same time.
//  * Many blocks share a page: blocks are 16-byte aligned and bump-allocated
//    from chunks (64 KiB by default).
//  * It never changes the protection of, writes over, or unmaps memory that
//    holds a live block. New code only goes into bytes of a chunk that were
//    never handed out before, so other threads may keep executing older blocks
//    of the same page while new code is written.
//  * Freeing returns space: when the last live block of a chunk is freed, the
//    chunk is unmapped (both views) and its memory goes back to the OS.
//
// Modes (chosen once, by the constructor)
//  * dual_mapping: a chunk is a memfd ("/memfd:xtramp-code" in
//    /proc/self/maps) mapped twice, read+write (`rw-s`, the write view) and
//    read+exec (`r-xs`, the exec view) at another address. Code is copied
//    through the write view, then the instruction cache is made coherent for
//    the exec range. Space of a chunk is not reused while the chunk holds live
//    blocks, even after some of them are freed: qemu-user does not see writes
//    through an alias, so code written over an address that was executed
//    before could run stale translations.
//  * mprotect_fallback: used when memfd_create or the second mapping fails
//    (seccomp, SELinux execmem, vm.memfd_noexec=2) or when forced. Every block
//    gets its own anonymous pages (one page or more per block): mapped rw-,
//    written once, then mprotect'ed to r-x and never written again.
//  The constructor probes the dual mapping once (one page, unmapped again);
//  mode() and fallback_reason() say what it found. There is no switching
//  later: in dual_mapping mode a failing memfd_create / mmap throws.
//
// Errors: a failing system call throws Error(Errc::io) naming the call and
// strerror; a misuse (zero size, code larger than the block, writing a block
// twice) throws Error(Errc::bad_request). After a throw nothing is leaked and
// the allocator keeps working.
//
// Lifetime rule: destroying a CodeBlock frees it at once. Freeing a block
// whose code some thread may still be executing, or may still enter, is the
// caller's problem (the trampoline layer handles that with its own grace
// mechanism). The allocator only promises that it never unmaps a chunk while
// that chunk holds a live block. An ExecMemory must outlive every CodeBlock it
// returned; global() is never destroyed.
//
// Publishing: after install()/write() returns, the code is coherent for the
// calling thread. Handing the address to other threads is the caller's job
// (a release store / the attach step, which on arm64 may also need the other
// cores to pass a context synchronisation event before they run it).
//
// fork(): a chunk's memfd mapping is shared with a forked child. A child never
// allocates from chunks its parent mapped (it maps chunks of its own), and
// write() into a block reserved before the fork throws in the child. Blocks
// inherited by the child keep working and can be freed there.
//
// Thread safety: all members of ExecMemory may be called concurrently. A
// CodeBlock is a plain value: one thread at a time per handle.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace xtramp {

class ExecMemory;

namespace detail {
struct ExecChunk;
}

// The system calls ExecMemory makes, as a table so that tests can make any of
// them fail. A null entry means the real call. A replacement behaves like the
// real call: -1 (MAP_FAILED for mmap) with errno set on failure.
struct ExecMemoryOps {
  int (*memfd_create)(const char* name, unsigned int flags) = nullptr;
  int (*ftruncate)(int fd, off_t length) = nullptr;
  void* (*mmap)(void* addr, size_t length, int prot, int flags, int fd, off_t offset) = nullptr;
  int (*munmap)(void* addr, size_t length) = nullptr;
  int (*mprotect)(void* addr, size_t length, int prot) = nullptr;
};

// Where a block must lie: every byte of it within `range` bytes of `target`
// (x86-64's rel32 call: 2 GiB; arm64's bl: 128 MiB). An entry patch needs it.
struct ExecNear {
  uintptr_t target = 0;
  size_t range = 0;
};

struct ExecMemoryOptions {
  // Bytes per dual-mapped chunk, rounded up to whole pages (0 is refused). A
  // block larger than this gets a chunk of its own.
  size_t chunk_size = 64 * 1024;
  // Use mprotect_fallback even where the dual mapping works.
  bool force_fallback = false;
  ExecMemoryOps ops = {};
};

// A block of code memory; move-only; the destructor (or reset()) frees it.
class CodeBlock {
 public:
  CodeBlock() noexcept = default;
  CodeBlock(CodeBlock&& other) noexcept;
  CodeBlock& operator=(CodeBlock&& other) noexcept;
  CodeBlock(const CodeBlock&) = delete;
  CodeBlock& operator=(const CodeBlock&) = delete;
  ~CodeBlock() { reset(); }

  // The address to execute (call or jump to); 16-byte aligned. Null when empty.
  const void* exec() const noexcept { return exec_; }
  uintptr_t address() const noexcept { return reinterpret_cast<uintptr_t>(exec_); }
  // The bytes reserved for code, as requested.
  size_t size() const noexcept { return size_; }
  // True once the code is written; it can never change after that.
  bool sealed() const noexcept { return sealed_; }
  explicit operator bool() const noexcept { return exec_ != nullptr; }

  // Frees the block now; the handle becomes empty.
  void reset() noexcept;

 private:
  friend class ExecMemory;
  CodeBlock(ExecMemory* owner, detail::ExecChunk* chunk, std::byte* exec, size_t size) noexcept
      : owner_(owner), chunk_(chunk), exec_(exec), size_(size) {}

  ExecMemory* owner_ = nullptr;
  detail::ExecChunk* chunk_ = nullptr;
  std::byte* exec_ = nullptr;
  size_t size_ = 0;
  bool sealed_ = false;
};

class ExecMemory {
 public:
  enum class Mode { dual_mapping, mprotect_fallback };
  using Options = ExecMemoryOptions;

  struct Stats {
    size_t chunks = 0;        // code mappings held: dual, chunks (each mapped at two
                              // addresses); fallback, one per block
    size_t mapped_bytes = 0;  // bytes of code memory they hold (a chunk counted once)
    size_t live_blocks = 0;   // blocks reserved and not yet freed
    size_t live_bytes = 0;    // the sum of their size()
  };

  static constexpr size_t kBlockAlign = 16;

  // Probes the dual mapping (unless options.force_fallback). Throws
  // Error(bad_request) only for chunk_size == 0.
  explicit ExecMemory(Options options = {});
  // Unmaps what it still holds, except chunks with live blocks (a bug of the
  // caller, see the lifetime rule): those stay mapped.
  ~ExecMemory();
  ExecMemory(const ExecMemory&) = delete;
  ExecMemory& operator=(const ExecMemory&) = delete;

  // Copies `code` (non-empty) into new executable memory: reserve + write.
  CodeBlock install(std::span<const uint8_t> code);
  // The same, at an address within near.range of near.target (a chunk there
  // is found or mapped with placement hints); throws Error(Errc::io) naming
  // the target when no free address in range can be mapped.
  CodeBlock install(std::span<const uint8_t> code, const ExecNear& near);

  // Reserves `size` (> 0) bytes so that the caller learns the exec address
  // before it generates address-dependent code. The memory is not executable
  // code yet (zeros; in fallback mode not even executable).
  CodeBlock reserve(size_t size);
  CodeBlock reserve(size_t size, const ExecNear& near);
  // Writes `code` (non-empty, at most block.size() bytes) into a reserved
  // block of this allocator and seals it; the rest of the block is filled with
  // trapping bytes. Once only: a second write throws Error(bad_request).
  void write(CodeBlock& block, std::span<const uint8_t> code);

  Stats stats() const;
  Mode mode() const noexcept { return mode_; }
  // Why mode() is mprotect_fallback (the failing call and strerror, or
  // "forced"); empty in dual_mapping mode.
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }
  // Options::chunk_size rounded up to whole pages.
  size_t chunk_size() const noexcept { return chunk_size_; }

  // The process-wide allocator (default options), created on first use.
  static ExecMemory& global();

 private:
  friend class CodeBlock;
  using ChunkPtr = std::unique_ptr<detail::ExecChunk>;

  ChunkPtr map_dual_chunk(size_t bytes, const ExecNear* near = nullptr);
  ChunkPtr map_fallback_pages(size_t bytes, const ExecNear* near = nullptr);
  CodeBlock reserve_impl(size_t size, const ExecNear* near);
  // mmap at an address within `near`, trying hints around the target.
  void* map_near(size_t bytes, int prot, int flags, int fd, const ExecNear& near);
  bool unmap_chunk(detail::ExecChunk& c) noexcept;
  void keep_or_unmap(ChunkPtr c);
  void drop(detail::ExecChunk& c) noexcept;
  void reap() noexcept;
  void release(const CodeBlock& block) noexcept;

  ExecMemoryOps ops_;
  size_t page_size_ = 0;
  size_t chunk_size_ = 0;
  Mode mode_ = Mode::dual_mapping;
  std::string fallback_reason_;

  mutable std::mutex mu_;
  std::vector<ChunkPtr> chunks_;  // includes chunks whose munmap failed (retried later)
  bool unmap_pending_ = false;    // some chunk without live blocks is still mapped
  size_t live_blocks_ = 0;
  size_t live_bytes_ = 0;
};

// "dual_mapping" / "mprotect_fallback".
const char* to_string(ExecMemory::Mode mode) noexcept;

}  // namespace xtramp
