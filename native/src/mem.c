/*
 * Guest memory mapped once, as qemu-storage-daemon and DPDK do: the memfd regions of SET_MEM_TABLE become
 * external ArrayBuffers over a MAP_SHARED mapping, so ring indices and descriptors are plain loads and stores
 * and block data moves with one read(2)/write(2) straight into or out of guest RAM.
 *
 *   mmapShared(fd, offset, length): ArrayBuffer   maps [offset, offset+length) of fd (read-write, shared)
 *   unmap(arrayBuffer): undefined                  detaches it; the mapping goes when nothing holds it
 *   fence(): undefined                             a full memory barrier (seq_cst)
 *   mappedBytes(): number                          bytes still mapped by this addon (tests prove unmapping)
 *
 * A shared mapping of a file that shrinks afterwards raises SIGBUS on access past the new end: map only
 * files that cannot shrink (memfds with F_SEAL_SHRINK, see fileSeals() in fds.c); the engine decides.
 *
 * Lifetime: munmap happens only in the finalizer of the ArrayBuffer's backing store, that is when V8 no
 * longer has any view of it (garbage collected, or detached by unmap()). A detached ArrayBuffer's views have
 * length 0, so JavaScript can never reach unmapped memory. Native code that holds the raw pointer across
 * an asynchronous call (fs.read into a view) must keep the region pinned and call unmap() only afterwards:
 * the engine's MappedBacking counts those pins.
 */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
  void *base;    /* page-aligned start of the mapping */
  size_t length; /* bytes mapped from base */
} vd_mapping;

static size_t mapped_bytes; /* only touched on the JS thread (finalizers run there too) */

static void finalize_mapping(napi_env env, void *data, void *hint) {
  vd_mapping *m = hint;
  if (m == NULL) return;
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
  m->base = base;
  m->length = map_len;
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, (char *)base + delta, (size_t)length, finalize_mapping, m, &ab);
  if (st != napi_ok) {
    /* E.g. Electron's V8 sandbox refuses external buffers (napi_no_external_buffers_allowed). */
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

bool vd_init_mem(napi_env env, napi_value exports) {
  return vd_export_fn(env, exports, "mmapShared", js_mmap_shared) && vd_export_fn(env, exports, "unmap", js_unmap) &&
         vd_export_fn(env, exports, "fence", js_fence) && vd_export_fn(env, exports, "mappedBytes", js_mapped_bytes);
}
