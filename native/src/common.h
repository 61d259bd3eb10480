/*
 * Shared helpers of the virtio_debug_native addon: argument checks and errors shaped like Node's own
 * system errors (message, code, errno, syscall), so JavaScript sees `err.code === 'EAGAIN'` and so on.
 */
#ifndef VD_COMMON_H
#define VD_COMMON_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most fds accepted or returned in one message (vhost-user sends at most 8; SCM_MAX_FD is 253). */
#define VD_MAX_FDS 64
/* Largest single recvMsg/sendMsg; vhost-user messages are a few hundred bytes. */
#define VD_MAX_BYTES (1u << 20)

/* Bumped on any change of the exported API; the TypeScript loader refuses a build with another number. */
#define VD_ADDON_VERSION 4

/* Throws `Error("<syscall> failed: <strerror> (<CODE>)[: detail]")` with .code, .errno, .syscall; returns NULL. */
napi_value vd_throw_errno(napi_env env, const char *syscall, int err, const char *detail);
/* Throws a TypeError / RangeError with a code; returns NULL. */
napi_value vd_throw_type(napi_env env, const char *msg);
napi_value vd_throw_range(napi_env env, const char *msg);
/* After a failed napi_* call: make sure an exception is pending, return NULL. */
napi_value vd_napi_failed(napi_env env);

/* Reads up to `max` arguments; missing ones are `undefined`. */
bool vd_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc, napi_value *self);
/* An fd argument: an integer number in [0, INT32_MAX]. Throws and returns false otherwise. */
bool vd_arg_fd(napi_env env, napi_value v, const char *name, int *out);
/* An integer argument in [min, max]; `undefined` gives `dflt` when `optional`. */
bool vd_arg_int64(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, bool optional,
                  int64_t dflt, int64_t *out);
bool vd_is_undefined(napi_env env, napi_value v);

napi_value vd_undefined(napi_env env);
napi_value vd_null(napi_env env);
napi_value vd_int(napi_env env, int64_t v);
napi_value vd_bool(napi_env env, bool v);

/* Poll registry (poll.c): stops the watcher on `fd`, if this env has one, before the fd is closed. */
void vd_poll_forget_fd(napi_env env, int fd);

/* Exports of each file, added to the module object. */
bool vd_init_sockets(napi_env env, napi_value exports);
bool vd_init_fds(napi_env env, napi_value exports);
bool vd_init_poll(napi_env env, napi_value exports);
bool vd_init_mem(napi_env env, napi_value exports);

/* Adds a function property `name` to `obj`. */
bool vd_export_fn(napi_env env, napi_value obj, const char *name, napi_callback fn);

#endif
