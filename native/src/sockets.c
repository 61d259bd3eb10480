/*
 * AF_UNIX stream sockets for vhost-user: listen/accept/connect/socketpair returning raw fds, and
 * recvmsg/sendmsg carrying SCM_RIGHTS file descriptors (memfd regions, kick/call/err eventfds).
 *
 * Node's `net` module can listen on a Unix socket, but the accepted socket's fd belongs to libuv's stream
 * handle: reading it with recvmsg here would race libuv's own reads, and watching it with uv_poll_t next to
 * the stream handle is not allowed (one watcher per fd). So the addon owns the whole socket.
 *
 * Every call is non-blocking (MSG_DONTWAIT, SOCK_NONBLOCK): the Node event loop never waits on a peer.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Reads a path argument into a sockaddr_un; throws (ENAMETOOLONG, TypeError) and returns false if unusable. */
static bool arg_unix_path(napi_env env, napi_value v, struct sockaddr_un *addr, socklen_t *len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    vd_throw_type(env, "The \"path\" argument must be a string");
    return false;
  }
  size_t n = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &n);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof addr->sun_path) {
    vd_throw_errno(env, "socket path", n == 0 ? EINVAL : ENAMETOOLONG,
                   n == 0 ? "empty path" : "longer than 107 bytes (sun_path limit)");
    return false;
  }
  napi_get_value_string_utf8(env, v, addr->sun_path, sizeof addr->sun_path, &n);
  if (strlen(addr->sun_path) != n) {
    vd_throw_type(env, "The \"path\" argument must not contain NUL bytes");
    return false;
  }
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
  return true;
}

/* socketListen(path: string, backlog = 16): number — a non-blocking listening socket bound to `path`. */
static napi_value socket_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct sockaddr_un addr;
  socklen_t len;
  int64_t backlog;
  if (!vd_args(env, info, 2, argv, NULL, NULL) || !arg_unix_path(env, argv[0], &addr, &len) ||
      !vd_arg_int64(env, argv[1], "backlog", 1, 4096, true, 16, &backlog)) {
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return vd_throw_errno(env, "socket", errno, NULL);
  if (bind(fd, (struct sockaddr *)&addr, len) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "bind", err, addr.sun_path);
  }
  if (listen(fd, (int)backlog) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "listen", err, addr.sun_path);
  }
  return vd_int(env, fd);
}

/* socketAccept(listenFd): number | null — a non-blocking connection, or null when none is pending. */
static napi_value socket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int lfd;
  if (!vd_args(env, info, 1, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &lfd)) return NULL;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return vd_int(env, fd);
    if (errno == EINTR) continue;
    /* ECONNABORTED: the client gave up before we got to it; nothing to accept. */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return vd_null(env);
    return vd_throw_errno(env, "accept", errno, NULL);
  }
}

/* socketPeer(fd): { pid, uid, gid } | null — who is on the other end of a Unix socket (SO_PEERCRED), so a
 * note about a misbehaving front end can name the process; null when the kernel does not say. */
static napi_value socket_peer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!vd_args(env, info, 1, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof cred || cred.pid <= 0) {
    return vd_null(env);
  }
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok) return vd_napi_failed(env);
  if (napi_set_named_property(env, obj, "pid", vd_int(env, cred.pid)) != napi_ok ||
      napi_set_named_property(env, obj, "uid", vd_int(env, cred.uid)) != napi_ok ||
      napi_set_named_property(env, obj, "gid", vd_int(env, cred.gid)) != napi_ok) {
    return vd_napi_failed(env);
  }
  return obj;
}

/* socketConnect(path): number — a connected, non-blocking client socket (tests play the front end). */
static napi_value socket_connect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un addr;
  socklen_t len;
  if (!vd_args(env, info, 1, argv, NULL, NULL) || !arg_unix_path(env, argv[0], &addr, &len)) return NULL;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return vd_throw_errno(env, "socket", errno, NULL);
  /* A Unix-socket connect completes at once or fails (ECONNREFUSED, ENOENT, EAGAIN when the backlog is full). */
  if (connect(fd, (struct sockaddr *)&addr, len) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "connect", err, addr.sun_path);
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    int err = errno;
    close(fd);
    return vd_throw_errno(env, "fcntl", err, NULL);
  }
  return vd_int(env, fd);
}

/* socketPair(): [number, number] — two connected, non-blocking AF_UNIX stream sockets. */
static napi_value socket_pair(napi_env env, napi_callback_info info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    return vd_throw_errno(env, "socketpair", errno, NULL);
  }
  napi_value arr;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, vd_int(env, sv[0])) != napi_ok ||
      napi_set_element(env, arr, 1, vd_int(env, sv[1])) != napi_ok) {
    close(sv[0]);
    close(sv[1]);
    return vd_napi_failed(env);
  }
  return arr;
}

static void close_all(const int *fds, size_t n) {
  for (size_t i = 0; i < n; i++) close(fds[i]);
}

/*
 * recvMsg(fd, maxBytes, maxFds = 16): { bytes: Buffer, fds: number[], truncated: boolean } | null
 * null: nothing to read now (EAGAIN). bytes.length === 0: the peer closed the connection.
 * fds arrive with FD_CLOEXEC set (MSG_CMSG_CLOEXEC). truncated: the sender passed more than maxFds fds —
 * a protocol violation; the first maxFds are returned, the others closed.
 * On a stream socket the fds belong to the first byte of the sender's sendmsg; read a vhost-user header
 * (12 bytes) on its own so that its fds are not glued to an earlier message's bytes.
 */
static napi_value recv_msg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t max_bytes, max_fds;
  if (!vd_args(env, info, 3, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd) ||
      !vd_arg_int64(env, argv[1], "maxBytes", 1, VD_MAX_BYTES, false, 0, &max_bytes) ||
      !vd_arg_int64(env, argv[2], "maxFds", 0, VD_MAX_FDS, true, 16, &max_fds)) {
    return NULL;
  }
  void *data = malloc((size_t)max_bytes);
  if (data == NULL) return vd_throw_errno(env, "malloc", ENOMEM, NULL);

  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * VD_MAX_FDS)];
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = (size_t)max_bytes};
  struct msghdr msg = {
      .msg_iov = &iov,
      .msg_iovlen = 1,
      .msg_control = max_fds > 0 ? control.buf : NULL,
      .msg_controllen = max_fds > 0 ? CMSG_SPACE(sizeof(int) * (size_t)max_fds) : 0,
  };
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    free(data);
    if (err == EAGAIN || err == EWOULDBLOCK) return vd_null(env);
    return vd_throw_errno(env, "recvmsg", err, NULL);
  }

  int fds[VD_MAX_FDS];
  size_t nfds = 0;
  /* MSG_CTRUNC: the kernel dropped fds. CMSG_SPACE rounds up, so it may also deliver more than asked. */
  bool truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int received;
      memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (nfds < (size_t)max_fds) {
        fds[nfds++] = received;
      } else {
        close(received);
        truncated = true;
      }
    }
  }

  napi_value result, bytes, fd_array;
  if (napi_create_buffer_copy(env, (size_t)n, data, NULL, &bytes) != napi_ok ||
      napi_create_array_with_length(env, nfds, &fd_array) != napi_ok ||
      napi_create_object(env, &result) != napi_ok) {
    free(data);
    close_all(fds, nfds);
    return vd_napi_failed(env);
  }
  free(data);
  for (size_t i = 0; i < nfds; i++) napi_set_element(env, fd_array, (uint32_t)i, vd_int(env, fds[i]));
  napi_set_named_property(env, result, "bytes", bytes);
  napi_set_named_property(env, result, "fds", fd_array);
  napi_set_named_property(env, result, "truncated", vd_bool(env, truncated));
  return result;
}

/*
 * sendMsg(fd, data: Uint8Array, fds: number[] = []): number | null
 * Returns the bytes sent (may be fewer than data.length: send the rest without fds), null on EAGAIN.
 * The fds are duplicated into the peer; the caller still owns (and eventually closes) its own.
 */
static napi_value send_msg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  if (!vd_args(env, info, 3, argv, NULL, NULL) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;

  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed) return vd_throw_type(env, "The \"data\" argument must be a Buffer or Uint8Array");
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok) {
    return vd_napi_failed(env);
  }
  if (type != napi_uint8_array) return vd_throw_type(env, "The \"data\" argument must be a Buffer or Uint8Array");
  if (length == 0 || length > VD_MAX_BYTES) return vd_throw_range(env, "data.length must be in [1, 1048576]");

  int fds[VD_MAX_FDS];
  uint32_t nfds = 0;
  if (!vd_is_undefined(env, argv[2])) {
    bool is_array = false;
    napi_is_array(env, argv[2], &is_array);
    if (!is_array) return vd_throw_type(env, "The \"fds\" argument must be an array of fds");
    napi_get_array_length(env, argv[2], &nfds);
    if (nfds > VD_MAX_FDS) return vd_throw_range(env, "at most 64 fds per message");
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value el;
      if (napi_get_element(env, argv[2], i, &el) != napi_ok) return vd_napi_failed(env);
      if (!vd_arg_fd(env, el, "fds[i]", &fds[i])) return NULL;
    }
  }

  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * VD_MAX_FDS)];
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = length};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return vd_null(env);
    return vd_throw_errno(env, "sendmsg", errno, NULL);
  }
  return vd_int(env, n);
}

bool vd_init_sockets(napi_env env, napi_value exports) {
  return vd_export_fn(env, exports, "socketListen", socket_listen) &&
         vd_export_fn(env, exports, "socketAccept", socket_accept) &&
         vd_export_fn(env, exports, "socketConnect", socket_connect) &&
         vd_export_fn(env, exports, "socketPeer", socket_peer) &&
         vd_export_fn(env, exports, "socketPair", socket_pair) &&
         vd_export_fn(env, exports, "recvMsg", recv_msg) && vd_export_fn(env, exports, "sendMsg", send_msg);
}
