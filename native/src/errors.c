/* Errors and argument helpers shared by every export (see common.h). */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

static void set_prop(napi_env env, napi_value obj, const char *key, napi_value v) {
  if (v != NULL) napi_set_named_property(env, obj, key, v);
}

napi_value vd_throw_errno(napi_env env, const char *syscall, int err, const char *detail) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;

  const char *code = uv_err_name(-err); /* libuv's names are errno's names: EAGAIN, EBADF, ... */
  char msg[512];
  if (detail != NULL && detail[0] != '\0') {
    snprintf(msg, sizeof msg, "%s failed: %s (%s): %s", syscall, strerror(err), code, detail);
  } else {
    snprintf(msg, sizeof msg, "%s failed: %s (%s)", syscall, strerror(err), code);
  }

  napi_value msg_v, code_v, error, errno_v, syscall_v;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &msg_v) != napi_ok ||
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v) != napi_ok ||
      napi_create_error(env, code_v, msg_v, &error) != napi_ok) {
    napi_throw_error(env, code, msg);
    return NULL;
  }
  if (napi_create_int32(env, -err, &errno_v) == napi_ok) set_prop(env, error, "errno", errno_v);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_v) == napi_ok) {
    set_prop(env, error, "syscall", syscall_v);
  }
  napi_throw(env, error);
  return NULL;
}

napi_value vd_throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

napi_value vd_throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

napi_value vd_napi_failed(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    const char *what = (info != NULL && info->error_message != NULL) ? info->error_message : "N-API call failed";
    napi_throw_error(env, "ERR_NAPI", what);
  }
  return NULL;
}

bool vd_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc, napi_value *self) {
  size_t n = max;
  if (napi_get_cb_info(env, info, &n, argv, self, NULL) != napi_ok) {
    vd_napi_failed(env);
    return false;
  }
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t i = n; i < max; i++) argv[i] = undef;
  if (argc != NULL) *argc = n;
  return true;
}

bool vd_is_undefined(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == napi_undefined;
}

bool vd_arg_int64(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, bool optional,
                  int64_t dflt, int64_t *out) {
  char msg[160];
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) {
    vd_napi_failed(env);
    return false;
  }
  if (t == napi_undefined && optional) {
    *out = dflt;
    return true;
  }
  if (t != napi_number) {
    snprintf(msg, sizeof msg, "The \"%s\" argument must be an integer", name);
    vd_throw_type(env, msg);
    return false;
  }
  double d;
  napi_get_value_double(env, v, &d);
  if (d != d || d < (double)min || d > (double)max || d != (double)(int64_t)d) {
    snprintf(msg, sizeof msg, "The \"%s\" argument must be an integer in [%lld, %lld]", name, (long long)min,
             (long long)max);
    vd_throw_range(env, msg);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

bool vd_arg_fd(napi_env env, napi_value v, const char *name, int *out) {
  int64_t fd;
  if (!vd_arg_int64(env, v, name, 0, INT32_MAX, false, 0, &fd)) return false;
  *out = (int)fd;
  return true;
}

napi_value vd_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value vd_null(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}

napi_value vd_int(napi_env env, int64_t i) {
  napi_value v;
  if (napi_create_int64(env, i, &v) != napi_ok) return vd_napi_failed(env);
  return v;
}

napi_value vd_bool(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

bool vd_export_fn(napi_env env, napi_value obj, const char *name, napi_callback fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) == napi_ok &&
         napi_set_named_property(env, obj, name, f) == napi_ok;
}
