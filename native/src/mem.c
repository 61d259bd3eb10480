/*
 * Guest memory mapped once, as qemu-storage-daemon and DPDK do: the memfd regions of SET_MEM_TABLE become
 * external ArrayBuffers over a MAP_SHARED mapping, so ring indices and descriptors are plain loads and stores
 * and block data moves with one read(2)/write(2) straight into or out of guest RAM.
 *
 *   mmapShared(fd, offset, length): ArrayBuffer   maps [offset, offset+length) of fd (read-write, shared)
 *   unmap(arrayBuffer): undefined                  detaches it; the mapping goes when nothing holds it
 *   fence(): undefined                             a full memory barrier (seq_cst)
 *   mappedBytes(): number                          bytes still mapped by this addon (tests prove unmapping)
 *   mappingFaults(): number                        mappings replaced because their file shrank (below)
 *
 * A shared mapping of a file that shrinks afterwards raises SIGBUS on access past the new end (DPDK's and
 * other front ends' memfds are not sealed against shrinking). Every mapping is registered with a SIGBUS
 * handler, as Wayland compositors guard client shm pools: a fault inside one replaces the whole mapping with
 * private zero pages (MAP_FIXED) and returns, so the access is retried and reads zeros, writes go nowhere,
 * and the process keeps serving; mappingFaults() counts them so the engine can say so. A SIGBUS elsewhere
 * goes to the previous handler (or kills the process, as without us). System calls into a mapping whose
 * file shrank (read(2) into a view) fail with EFAULT instead, without a signal.
 *
 * Lifetime: munmap happens only in the finalizer of the ArrayBuffer's backing store, that is when V8 no
 * longer has any view of it (garbage collected, or detached by unmap()). A detached ArrayBuffer's views have
 * length 0, so JavaScript can never reach unmapped memory. Native code that holds the raw pointer across
 * an asynchronous call (fs.read into a view) must keep the region pinned and call unmap() only afterwards:
 * the engine's MappedBacking counts those pins.
 */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The mappings the SIGBUS handler guards: written on the JS thread (base last on add, first on remove). */
#define VD_GUARDED 512
static uintptr_t guard_base[VD_GUARDED];
static size_t guard_len[VD_GUARDED];
static unsigned long guard_faults;
static struct sigaction previous_bus;
static bool guard_installed;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  uintptr_t at = (uintptr_t)si->si_addr;
  for (int i = 0; i < VD_GUARDED; i++) {
    uintptr_t base = __atomic_load_n(&guard_base[i], __ATOMIC_ACQUIRE);
    size_t len = guard_len[i];
    if (base == 0 || at < base || at - base >= len) continue;
    /* mmap is a plain system call here (async-signal-safe in practice; errno is saved). */
    int saved = errno;
    void *p = mmap((void *)base, len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = saved;
    if (p != MAP_FAILED) {
      __atomic_add_fetch(&guard_faults, 1, __ATOMIC_RELAXED);
      return;
    }
    break;
  }
  if ((previous_bus.sa_flags & SA_SIGINFO) && previous_bus.sa_sigaction != NULL) {
    previous_bus.sa_sigaction(sig, si, uc);
  } else if (previous_bus.sa_handler != SIG_DFL && previous_bus.sa_handler != SIG_IGN) {
    previous_bus.sa_handler(sig);
  } else {
    /* Not ours: the default action once the faulting access is retried. */
    signal(SIGBUS, SIG_DFL);
  }
}

static bool guard_install(void) {
  if (guard_installed) return true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGBUS, &sa, &previous_bus) != 0) return false;
  guard_installed = true;
  return true;
}

static bool guard_add(void *base, size_t len) {
  for (int i = 0; i < VD_GUARDED; i++) {
    if (__atomic_load_n(&guard_base[i], __ATOMIC_ACQUIRE) != 0) continue;
    guard_len[i] = len;
    __atomic_store_n(&guard_base[i], (uintptr_t)base, __ATOMIC_RELEASE);
    return true;
  }
  return false;
}

static void guard_remove(void *base) {
  for (int i = 0; i < VD_GUARDED; i++) {
    if (__atomic_load_n(&guard_base[i], __ATOMIC_ACQUIRE) == (uintptr_t)base) __atomic_store_n(&guard_base[i], 0, __ATOMIC_RELEASE);
  }
}

typedef struct {
  void *base;    /* page-aligned start of the mapping */
  size_t length; /* bytes mapped from base */
} vd_mapping;

static size_t mapped_bytes; /* only touched on the JS thread (finalizers run there too) */

static void finalize_mapping(napi_env env, void *data, void *hint) {
  vd_mapping *m = hint;
  if (m == NULL) return;
  guard_remove(m->base);
  munmap(m->base, m->length);
  mapped_bytes -= m->length;
  free(m);
}

/* mmapShared(fd, offset, length): ArrayBuffer of exactly `length` bytes at file position `offset`. */
static napi_value js_mmap_shared(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t offset, length;
  if (!vd_args(env, info, 3, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd) ||
      !vd_arg_int64(env, argv[1], "offset", 0, INT64_C(9007199254740991), false, 0, &offset) ||
      !vd_arg_int64(env, argv[2], "length", 1, INT64_C(9007199254740991), false, 0, &length)) {
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  /* mmap needs a page-aligned file offset: map from the page below and expose the sub-range. */
  int64_t aligned = offset - (offset % page);
  size_t delta = (size_t)(offset - aligned);
  if ((uint64_t)length > SIZE_MAX - delta) return vd_throw_range(env, "The \"length\" argument is too large");
  size_t map_len = (size_t)length + delta;
  vd_mapping *m = malloc(sizeof *m);
  if (m == NULL) return vd_throw_errno(env, "malloc", ENOMEM, NULL);
  void *base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)aligned);
  if (base == MAP_FAILED) {
    int err = errno;
    free(m);
    return vd_throw_errno(env, "mmap", err, NULL);
  }
  if (!guard_install() || !guard_add(base, map_len)) {
    int err = guard_installed ? ENOSPC : errno;
    munmap(base, map_len);
    free(m);
    return vd_throw_errno(env, "mmap", err, "the SIGBUS guard could not take this mapping");
  }
  m->base = base;
  m->length = map_len;
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, (char *)base + delta, (size_t)length, finalize_mapping, m, &ab);
  if (st != napi_ok) {
    /* E.g. Electron's V8 sandbox refuses external buffers (napi_no_external_buffers_allowed). */
    guard_remove(base);
    munmap(base, map_len);
    free(m);
    if (st == napi_no_external_buffers_allowed) {
      return vd_throw_errno(env, "napi_create_external_arraybuffer", ENOTSUP, "external buffers are not allowed in this runtime");
    }
    return vd_napi_failed(env);
  }
  mapped_bytes += map_len;
  return ab;
}

/* unmap(arrayBuffer): detaches it (every view becomes empty); the finalizer then unmaps. Idempotent. */
static napi_value js_unmap(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!vd_args(env, info, 1, argv, NULL, NULL)) return NULL;
  bool is_ab = false;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    return vd_throw_type(env, "The \"arrayBuffer\" argument must be an ArrayBuffer");
  }
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, argv[0], &detached) != napi_ok) return vd_napi_failed(env);
  if (!detached && napi_detach_arraybuffer(env, argv[0]) != napi_ok) return vd_napi_failed(env);
  return vd_undefined(env);
}

/* fence(): orders every earlier load and store before every later one (a store then a load included). */
static napi_value js_fence(napi_env env, napi_callback_info info) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return NULL;
}

static napi_value js_mapped_bytes(napi_env env, napi_callback_info info) {
  return vd_int(env, (int64_t)mapped_bytes);
}

static napi_value js_mapping_faults(napi_env env, napi_callback_info info) {
  return vd_int(env, (int64_t)__atomic_load_n(&guard_faults, __ATOMIC_RELAXED));
}

bool vd_init_mem(napi_env env, napi_value exports) {
  return vd_export_fn(env, exports, "mmapShared", js_mmap_shared) && vd_export_fn(env, exports, "unmap", js_unmap) &&
         vd_export_fn(env, exports, "fence", js_fence) && vd_export_fn(env, exports, "mappedBytes", js_mapped_bytes) &&
         vd_export_fn(env, exports, "mappingFaults", js_mapping_faults);
}
