/*
 * Plain fd operations Node lacks for vhost-user: eventfd create/read/write (QEMU's kick and call fds are
 * non-blocking eventfds, which fs.read cannot read), memfd creation (tests play QEMU's shared memory),
 * O_NONBLOCK, close (which first stops this addon's watcher on the fd), and a read that never waits for the
 * disk (preadv2 with RWF_NOWAIT: the block device serves page-cache hits on its own thread).
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* setNonBlocking(fd, on = true): undefined */
static napi_value set_non_blocking(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!vd_args(env, info, 2, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  bool on = true;
  if (!vd_is_undefined(env, argv[1]) && napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    return vd_throw_type(env, "The \"on\" argument must be a boolean");
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return vd_throw_errno(env, "fcntl", errno, NULL);
  int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0) return vd_throw_errno(env, "fcntl", errno, NULL);
  return vd_undefined(env);
}

/* close(fd): undefined — stops this addon's watcher on fd first, so libuv never polls a reused fd number. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!vd_args(env, info, 1, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  vd_poll_forget_fd(env, fd);
  /* On Linux the fd is released even when close reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return vd_throw_errno(env, "close", errno, NULL);
  return vd_undefined(env);
}

/* eventfd(initval = 0): number — a non-blocking, close-on-exec eventfd. */
static napi_value js_eventfd_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t init;
  if (!vd_args(env, info, 1, argv, NULL, NULL) ||
      !vd_arg_int64(env, argv[0], "initval", 0, UINT32_MAX, true, 0, &init)) {
    return NULL;
  }
  int fd = eventfd((unsigned int)init, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return vd_throw_errno(env, "eventfd", errno, NULL);
  return vd_int(env, fd);
}

/*
 * eventfdRead(fd, nonBlocking = false): number — the counter (which the read resets), or 0 if nothing was
 * signalled. Never blocks, even on an eventfd opened without EFD_NONBLOCK: it polls first, unless the caller
 * knows the fd is O_NONBLOCK (`nonBlocking`, e.g. an fd libuv watches): then it only reads (one system call
 * per kick instead of two), and end of file (a pipe whose writer closed) is 0 as well.
 */
static napi_value js_eventfd_read(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!vd_args(env, info, 2, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  bool non_blocking = false;
  if (!vd_is_undefined(env, argv[1]) && napi_get_value_bool(env, argv[1], &non_blocking) != napi_ok) {
    return vd_throw_type(env, "nonBlocking must be a boolean");
  }
  if (!non_blocking) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready;
    do {
      ready = poll(&p, 1, 0);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) return vd_throw_errno(env, "poll", errno, NULL);
    if (p.revents & POLLNVAL) return vd_throw_errno(env, "eventfd read", EBADF, NULL);
    if (ready == 0 || !(p.revents & POLLIN)) return vd_int(env, 0);
  }

  uint64_t value = 0;
  ssize_t n;
  do {
    n = read(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return vd_int(env, 0);
    return vd_throw_errno(env, "eventfd read", errno, NULL);
  }
  if (n == 0 && non_blocking) return vd_int(env, 0);
  if (n != (ssize_t)sizeof value) return vd_throw_errno(env, "eventfd read", EINVAL, "short read, not an eventfd?");
  napi_value v;
  if (napi_create_double(env, (double)value, &v) != napi_ok) return vd_napi_failed(env);
  return v;
}

/* eventfdWrite(fd, n = 1): boolean — adds n to the counter; false if it would overflow (EAGAIN). */
static napi_value js_eventfd_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  int64_t add;
  if (!vd_args(env, info, 2, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd) ||
      !vd_arg_int64(env, argv[1], "n", 1, INT64_C(9007199254740991), true, 1, &add)) {
    return NULL;
  }
  uint64_t value = (uint64_t)add;
  ssize_t n;
  do {
    n = write(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return vd_bool(env, false);
    return vd_throw_errno(env, "eventfd write", errno, NULL);
  }
  if (n != (ssize_t)sizeof value) return vd_throw_errno(env, "eventfd write", EINVAL, "short write, not an eventfd?");
  return vd_bool(env, true);
}

/*
 * memfdCreate(name, size, seal = false): number — an anonymous shared-memory file of `size` bytes
 * (zero-filled); `seal` adds F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, as QEMU's memory-backend-memfd does.
 */
static napi_value memfd_create_fn(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t size;
  if (!vd_args(env, info, 3, argv, NULL, NULL)) return NULL;
  bool seal = false;
  if (!vd_is_undefined(env, argv[2]) && napi_get_value_bool(env, argv[2], &seal) != napi_ok) {
    return vd_throw_type(env, "The \"seal\" argument must be a boolean");
  }
  char name[250];
  napi_valuetype t;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) {
    return vd_throw_type(env, "The \"name\" argument must be a string");
  }
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len);
  if (!vd_arg_int64(env, argv[1], "size", 0, INT64_C(9007199254740991), false, 0, &size)) return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));
  if (fd < 0) return vd_throw_errno(env, "memfd_create", errno, NULL);
  if (ftruncate(fd, (off_t)size) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "ftruncate", err, NULL);
  }
  if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "fcntl", err, "F_ADD_SEALS");
  }
  return vd_int(env, fd);
}

/* fileSeals(fd): number — the fd's seals (F_GET_SEALS), 0 when it cannot be sealed (not a memfd). */
static napi_value file_seals(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!vd_args(env, info, 1, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) {
    if (errno == EINVAL) return vd_int(env, 0);
    return vd_throw_errno(env, "fcntl", errno, "F_GET_SEALS");
  }
  return vd_int(env, seals);
}

/* Most buffers one preadvNowait takes (Linux's IOV_MAX). */
#define VD_IOV_MAX 1024

/*
 * preadvNowait(fd, buffers, position): number — the bytes one preadv2(..., RWF_NOWAIT) read into the
 * Uint8Arrays (at most 1024 of them) from file position `position`: only what the page cache holds, never
 * waiting for the disk, so it may be fewer than asked (0 at the end of the file). -1 when nothing could be
 * read without waiting (EAGAIN), -2 when the file does not support RWF_NOWAIT (EOPNOTSUPP, EINVAL).
 */
static napi_value js_preadv_nowait(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t pos;
  if (!vd_args(env, info, 3, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd) ||
      !vd_arg_int64(env, argv[2], "position", 0, INT64_MAX, false, 0, &pos)) {
    return NULL;
  }
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &n) != napi_ok) {
    return vd_throw_type(env, "The \"buffers\" argument must be an array of Uint8Array");
  }
  if (n > VD_IOV_MAX) return vd_throw_range(env, "buffers.length must be at most 1024");
  if (n == 0) return vd_int(env, 0);
  struct iovec iov[VD_IOV_MAX];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    bool is_typed = false;
    napi_typedarray_type type;
    size_t length = 0;
    void *data = NULL;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
        napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
      return vd_throw_type(env, "The \"buffers\" argument must be an array of Uint8Array");
    }
    iov[i].iov_base = data;
    iov[i].iov_len = length;
  }
  ssize_t r;
  do {
    r = preadv2(fd, iov, (int)n, (off_t)pos, RWF_NOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r >= 0) return vd_int(env, r);
  if (errno == EAGAIN) return vd_int(env, -1);
  if (errno == EOPNOTSUPP || errno == EINVAL) return vd_int(env, -2);
  return vd_throw_errno(env, "preadv2", errno, NULL);
}

bool vd_init_fds(napi_env env, napi_value exports) {
  return vd_export_fn(env, exports, "setNonBlocking", set_non_blocking) &&
         vd_export_fn(env, exports, "close", close_fd) && vd_export_fn(env, exports, "eventfd", js_eventfd_create) &&
         vd_export_fn(env, exports, "eventfdRead", js_eventfd_read) &&
         vd_export_fn(env, exports, "eventfdWrite", js_eventfd_write) &&
         vd_export_fn(env, exports, "memfdCreate", memfd_create_fn) &&
         vd_export_fn(env, exports, "fileSeals", file_seals) &&
         vd_export_fn(env, exports, "preadvNowait", js_preadv_nowait);
}
