/*
 * virtio_debug_native: the few system calls Node lacks for a vhost-user back end (docs/architecture.md, "Transports" and "Measured facts").
 * sockets.c  AF_UNIX listen/accept/connect/socketpair, recvmsg/sendmsg with SCM_RIGHTS fds
 * fds.c      eventfd create/read/write, memfd_create, O_NONBLOCK, close
 * poll.c     FdPoll: uv_poll_t readiness callbacks on the Node event loop
 * mem.c      guest memory regions mapped once (MAP_SHARED external ArrayBuffers), memory fence
 */
#include "common.h"

NAPI_MODULE_INIT() {
  if (!vd_init_sockets(env, exports) || !vd_init_fds(env, exports) || !vd_init_poll(env, exports) ||
      !vd_init_mem(env, exports)) {
    vd_napi_failed(env);
    return NULL;
  }
  napi_value max_fds, version;
  if (napi_create_int32(env, VD_MAX_FDS, &max_fds) == napi_ok) {
    napi_set_named_property(env, exports, "MAX_FDS", max_fds);
  }
  if (napi_create_int32(env, VD_ADDON_VERSION, &version) == napi_ok) {
    napi_set_named_property(env, exports, "ADDON_VERSION", version);
  }
#ifdef VD_SOURCE_HASH
  napi_value hash; /* which sources this binary was built from (native/source-hash.mjs) */
  if (napi_create_string_utf8(env, VD_SOURCE_HASH, NAPI_AUTO_LENGTH, &hash) == napi_ok) {
    napi_set_named_property(env, exports, "SOURCE_HASH", hash);
  }
#endif
  return exports;
}
