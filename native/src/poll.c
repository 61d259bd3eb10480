/*
 * FdPoll: readiness of one fd on the Node event loop with libuv's uv_poll_t (level-triggered).
 *
 *   const w = new FdPoll(fd, (err, events) => { ... });   // starts at once
 *   w.stop(); w.unref(); w.ref(); w.active; w.fd
 *
 * The callback runs with events = READABLE (1) | DISCONNECT (4) until the fd is drained (it is level-
 * triggered: read the eventfd / socket in the callback) or the watcher is stopped. On a poll error the
 * callback gets an Error and the watcher stops itself (no error storm). One watcher per fd: libuv keeps a
 * single watcher slot per fd, so a second FdPoll on the same fd throws EEXIST instead of silently losing events.
 *
 * libuv sets O_NONBLOCK on the fd, and refuses (EEXIST) an fd that Node itself already watches.
 *
 * Lifetime: an active watcher keeps its JS object alive (strong reference); stop() closes the uv handle and
 * makes the reference weak; memory is freed when both the uv close callback and the GC finalizer have run.
 * When an environment ends (process exit, worker.terminate()), an async cleanup hook closes its handles
 * before its loop is closed, and no callback reaches JavaScript after that.
 */
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <uv.h>

typedef struct vd_env vd_env;

typedef struct vd_poll {
  uv_poll_t handle; /* handle.data points back here */
  vd_env *owner;
  napi_env env;
  napi_ref self;     /* 1 while active: the JS object outlives the loop's use of it */
  napi_ref callback; /* NULL once stopped */
  napi_async_context async;
  int fd;
  bool active;
  bool uv_closed;   /* uv_close callback has run */
  bool finalized;   /* the JS object is gone (or never existed) */
  struct vd_poll *next; /* owner's list of active watchers */
} vd_poll;

/*
 * Per environment (main thread, each worker): its active watchers, and the uv handles not yet closed.
 * When the environment shuts down (process exit, worker.terminate()), an async cleanup hook closes every
 * handle before the loop goes away and no callback reaches JavaScript any more.
 */
struct vd_env {
  vd_poll *active;
  int open_handles;
  bool closing;
  bool data_finalized;
  napi_async_cleanup_hook_handle hook; /* NULL once removed */
};

static void env_maybe_free(vd_env *st) {
  if (st->open_handles == 0 && st->hook != NULL && st->closing) {
    napi_remove_async_cleanup_hook(st->hook);
    st->hook = NULL;
  }
  if (st->open_handles == 0 && st->data_finalized && st->hook == NULL) free(st);
}

static void list_remove(vd_poll *p) {
  for (vd_poll **pp = &p->owner->active; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  }
  p->next = NULL;
}

static vd_poll *list_find(vd_env *st, int fd) {
  vd_poll *p = st->active;
  while (p != NULL && p->fd != fd) p = p->next;
  return p;
}

static void maybe_free(vd_poll *p) {
  if (p->uv_closed && p->finalized) free(p);
}

static void on_uv_close(uv_handle_t *h) {
  vd_poll *p = (vd_poll *)h->data;
  vd_env *st = p->owner;
  p->uv_closed = true;
  st->open_handles--;
  maybe_free(p);
  env_maybe_free(st);
}

/* Stops polling and releases the JS-side references. Safe to call twice. */
static void poll_stop(vd_poll *p, bool from_finalizer) {
  if (!p->active) return;
  p->active = false;
  list_remove(p);
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, on_uv_close);
  if (p->owner->closing) return; /* the environment is going away: it drops its references itself */
  if (p->callback != NULL) {
    napi_delete_reference(p->env, p->callback);
    p->callback = NULL;
  }
  if (p->async != NULL) {
    napi_async_destroy(p->env, p->async);
    p->async = NULL;
  }
  if (!from_finalizer) napi_reference_unref(p->env, p->self, NULL);
}

/* No more callbacks into JavaScript; close every handle (the loop must not outlive them). */
static void env_shutdown(vd_env *st) {
  st->closing = true;
  while (st->active != NULL) poll_stop(st->active, false);
}

static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  vd_env *st = (vd_env *)arg;
  env_shutdown(st);
  env_maybe_free(st); /* removes the hook now if no close callback is pending, else from on_uv_close */
}

static void on_env_data_finalize(napi_env env, void *data, void *hint) {
  vd_env *st = (vd_env *)data;
  st->data_finalized = true;
  env_shutdown(st); /* normally a no-op: the cleanup hook ran first */
  env_maybe_free(st);
}

static vd_env *env_state(napi_env env) {
  void *st = NULL;
  napi_get_instance_data(env, &st);
  return (vd_env *)st;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  vd_poll *p = (vd_poll *)h->data;
  if (!p->active || p->callback == NULL || p->owner->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;

  napi_value self, cb, argv[2];
  if (napi_get_reference_value(env, p->self, &self) != napi_ok || self == NULL ||
      napi_get_reference_value(env, p->callback, &cb) != napi_ok || cb == NULL) {
    napi_close_handle_scope(env, scope);
    return;
  }
  napi_async_context async = p->async;
  if (status < 0) {
    /* Build the error with the same shape as the addon's other errors, then stop: no error storm. */
    vd_throw_errno(env, "poll", -status, NULL);
    napi_get_and_clear_last_exception(env, &argv[0]);
    argv[1] = vd_int(env, 0);
  } else {
    argv[0] = vd_null(env);
    argv[1] = vd_int(env, events);
  }
  if (status < 0) {
    /* Keep the async context alive for this last callback; poll_stop destroys it afterwards. */
    p->async = NULL;
    poll_stop(p, false);
  }
  napi_value result;
  /* napi_make_callback runs the callback like any libuv-driven callback: nextTicks and microtasks drain. */
  if (napi_make_callback(env, async, self, cb, 2, argv, &result) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending && !p->owner->closing) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc); /* becomes process 'uncaughtException', like any callback's throw */
    }
  }
  if (status < 0 && async != NULL) napi_async_destroy(env, async);
  napi_close_handle_scope(env, scope);
}

static void finalize(napi_env env, void *data, void *hint) {
  vd_poll *p = (vd_poll *)data;
  p->finalized = true;
  /* Only reachable while active at environment teardown: the strong reference keeps it alive otherwise. */
  poll_stop(p, true);
  if (p->self != NULL) {
    napi_delete_reference(env, p->self);
    p->self = NULL;
  }
  maybe_free(p);
}

static vd_poll *unwrap(napi_env env, napi_callback_info info) {
  napi_value self;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  void *p = NULL;
  if (napi_unwrap(env, self, &p) != napi_ok || p == NULL) {
    vd_throw_type(env, "not an FdPoll");
    return NULL;
  }
  return (vd_poll *)p;
}

/* new FdPoll(fd, callback(err: Error | null, events: number)) */
static napi_value poll_new(napi_env env, napi_callback_info info) {
  napi_value argv[2], self, target;
  int fd;
  if (napi_get_new_target(env, info, &target) != napi_ok || target == NULL) {
    return vd_throw_type(env, "FdPoll must be called with new");
  }
  if (!vd_args(env, info, 2, argv, NULL, &self) || !vd_arg_fd(env, argv[0], "fd", &fd)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    return vd_throw_type(env, "The \"callback\" argument must be a function");
  }
  vd_env *st = env_state(env);
  if (st == NULL || st->closing) return vd_throw_errno(env, "poll", ESHUTDOWN, "the environment is shutting down");
  if (list_find(st, fd) != NULL) {
    return vd_throw_errno(env, "poll", EEXIST, "another FdPoll already watches this fd (one watcher per fd)");
  }

  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return vd_napi_failed(env);
  vd_poll *p = calloc(1, sizeof *p);
  if (p == NULL) return vd_throw_errno(env, "calloc", ENOMEM, NULL);
  p->env = env;
  p->owner = st;
  p->fd = fd;
  /* EBADF for a closed fd, EPERM for a regular file, EEXIST for an fd that Node itself watches (a net.Socket).
   * Sets O_NONBLOCK on the fd (libuv does; QEMU's fds are non-blocking anyway). */
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    free(p);
    return vd_throw_errno(env, "poll", -rc, NULL);
  }
  p->handle.data = p;
  st->open_handles++;
  rc = uv_poll_start(&p->handle, UV_READABLE | UV_DISCONNECT, on_poll);
  if (rc < 0) {
    p->finalized = true; /* no JS object owns it: free on close */
    uv_close((uv_handle_t *)&p->handle, on_uv_close);
    return vd_throw_errno(env, "poll", -rc, NULL);
  }
  p->active = true;

  napi_value name;
  if (napi_wrap(env, self, p, finalize, NULL, &p->self) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &p->callback) != napi_ok ||
      napi_create_string_utf8(env, "virtio_debug_native.FdPoll", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, self, name, &p->async) != napi_ok) {
    /* Partial set-up: give up on polling; whatever owns p (wrap or nobody) frees it. */
    p->active = false;
    uv_poll_stop(&p->handle);
    if (p->callback != NULL) napi_delete_reference(env, p->callback);
    p->callback = NULL;
    if (p->self == NULL) p->finalized = true;
    uv_close((uv_handle_t *)&p->handle, on_uv_close);
    return vd_napi_failed(env);
  }
  napi_reference_ref(env, p->self, NULL);
  p->next = st->active;
  st->active = p;
  return self;
}

static napi_value poll_stop_js(napi_env env, napi_callback_info info) {
  vd_poll *p = unwrap(env, info);
  if (p == NULL) return NULL;
  poll_stop(p, false);
  return vd_undefined(env);
}

static napi_value poll_ref_js(napi_env env, napi_callback_info info) {
  vd_poll *p = unwrap(env, info);
  if (p == NULL) return NULL;
  if (p->active) uv_ref((uv_handle_t *)&p->handle);
  return vd_undefined(env);
}

static napi_value poll_unref_js(napi_env env, napi_callback_info info) {
  vd_poll *p = unwrap(env, info);
  if (p == NULL) return NULL;
  if (p->active) uv_unref((uv_handle_t *)&p->handle);
  return vd_undefined(env);
}

static napi_value poll_active_js(napi_env env, napi_callback_info info) {
  vd_poll *p = unwrap(env, info);
  return p == NULL ? NULL : vd_bool(env, p->active);
}

static napi_value poll_fd_js(napi_env env, napi_callback_info info) {
  vd_poll *p = unwrap(env, info);
  return p == NULL ? NULL : vd_int(env, p->fd);
}

void vd_poll_forget_fd(napi_env env, int fd) {
  vd_env *st = env_state(env);
  vd_poll *p = st == NULL ? NULL : list_find(st, fd);
  if (p != NULL) poll_stop(p, false);
}

bool vd_init_poll(napi_env env, napi_value exports) {
  vd_env *st = calloc(1, sizeof *st);
  if (st == NULL) return false;
  if (napi_set_instance_data(env, st, on_env_data_finalize, NULL) != napi_ok) {
    free(st);
    return false;
  }
  if (napi_add_async_cleanup_hook(env, on_env_cleanup, st, &st->hook) != napi_ok) return false;
  napi_property_descriptor props[] = {
      {"stop", NULL, poll_stop_js, NULL, NULL, NULL, napi_default_method, NULL},
      {"ref", NULL, poll_ref_js, NULL, NULL, NULL, napi_default_method, NULL},
      {"unref", NULL, poll_unref_js, NULL, NULL, NULL, napi_default_method, NULL},
      {"active", NULL, NULL, poll_active_js, NULL, NULL, napi_configurable, NULL},
      {"fd", NULL, NULL, poll_fd_js, NULL, NULL, napi_configurable, NULL},
  };
  napi_value cls;
  if (napi_define_class(env, "FdPoll", NAPI_AUTO_LENGTH, poll_new, NULL, sizeof props / sizeof props[0], props,
                        &cls) != napi_ok) {
    return false;
  }
  napi_value readable, disconnect;
  return napi_set_named_property(env, exports, "FdPoll", cls) == napi_ok &&
         napi_create_int32(env, UV_READABLE, &readable) == napi_ok &&
         napi_set_named_property(env, exports, "POLL_READABLE", readable) == napi_ok &&
         napi_create_int32(env, UV_DISCONNECT, &disconnect) == napi_ok &&
         napi_set_named_property(env, exports, "POLL_DISCONNECT", disconnect) == napi_ok;
}
