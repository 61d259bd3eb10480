# The vhost-user native addon: SCM_RIGHTS over AF_UNIX, uv_poll_t readiness, eventfd and memfd,
# guest memory mapped with mmap (external ArrayBuffers) and a memory fence.
# C only, against node_api.h (ABI-stable across Node and Electron versions).
{
  "targets": [
    {
      "target_name": "virtio_debug_native",
      "sources": ["src/addon.c", "src/errors.c", "src/sockets.c", "src/fds.c", "src/poll.c", "src/mem.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE", "VD_SOURCE_HASH=\"<!(node source-hash.mjs)\""],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
