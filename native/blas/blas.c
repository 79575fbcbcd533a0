/*
 * pipelab's optional native BLAS: cblas_sgemm from the system OpenBLAS, exposed
 * to Node through N-API (ABI-stable, so one build serves every Node version).
 *
 * Every call checks that each array holds every element its shape and stride
 * reach before OpenBLAS reads or writes it: a bad argument throws, it never
 * touches memory outside the array. Arrays may be views at any byteOffset (for
 * example on the WebAssembly heap); N-API's data pointer already includes it.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      throw_last(env);                                                  \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

/* The error N-API recorded, unless a JS exception is already pending. */
static void throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info* info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
}

static bool type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

static bool range_error(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return false;
}

static bool get_bool(napi_env env, napi_value value, const char* name, bool* out) {
  if (napi_get_value_bool(env, value, out) == napi_ok) return true;
  char message[128];
  snprintf(message, sizeof message, "sgemm: %s must be a boolean", name);
  return type_error(env, message);
}

static bool get_number(napi_env env, napi_value value, const char* name, double* out) {
  if (napi_get_value_double(env, value, out) == napi_ok) return true;
  char message[128];
  snprintf(message, sizeof message, "sgemm: %s must be a number", name);
  return type_error(env, message);
}

/* An integer in [min, INT32_MAX]: cblas takes dimensions and strides as int. */
static bool get_int(napi_env env, napi_value value, const char* name, int64_t min, int64_t* out) {
  double d;
  if (!get_number(env, value, name, &d)) return false;
  if (!(d == floor(d)) || d < (double)min || d > (double)INT32_MAX) {
    char message[160];
    snprintf(message, sizeof message, "sgemm: %s must be an integer from %lld to %d, got %g", name, (long long)min, INT32_MAX, d);
    return range_error(env, message);
  }
  *out = (int64_t)d;
  return true;
}

typedef struct {
  float* data;
  int64_t length;
} Floats;

static bool get_floats(napi_env env, napi_value value, const char* name, Floats* out) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = NULL;
  char message[128];
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    snprintf(message, sizeof message, "sgemm: %s must be a Float32Array", name);
    return type_error(env, message);
  }
  out->data = (float*)data;
  out->length = (int64_t)length;
  return true;
}

/*
 * A row-major matrix of `rows` x `cols` (as stored) with leading dimension ld:
 * checks ld >= cols and that the array reaches element (rows-1)*ld + cols - 1.
 */
static bool check_matrix(napi_env env, const char* name, const char* ld_name, const Floats* m, int64_t rows, int64_t cols, int64_t ld,
                         const char* shape) {
  char message[256];
  int64_t min_ld = cols > 1 ? cols : 1;
  if (ld < min_ld) {
    snprintf(message, sizeof message, "sgemm: %s is %lld, but %s (%s) needs at least %lld", ld_name, (long long)ld, name, shape, (long long)min_ld);
    return range_error(env, message);
  }
  int64_t needed = rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
  if (m->length < needed) {
    snprintf(message, sizeof message, "sgemm: %s has %lld elements, but %s with %s=%lld reaches %lld", name, (long long)m->length, shape, ld_name,
             (long long)ld, (long long)needed);
    return range_error(env, message);
  }
  return true;
}

/* C is written while A and B are read: cblas requires them not to overlap. */
static bool check_disjoint(napi_env env, const char* name, const Floats* x, int64_t x_used, const Floats* c, int64_t c_used) {
  if (x_used == 0 || c_used == 0) return true;
  uintptr_t x0 = (uintptr_t)x->data, x1 = x0 + (uintptr_t)x_used * sizeof(float);
  uintptr_t c0 = (uintptr_t)c->data, c1 = c0 + (uintptr_t)c_used * sizeof(float);
  if (x0 < c1 && c0 < x1) {
    char message[128];
    snprintf(message, sizeof message, "sgemm: c overlaps %s in memory; give c its own buffer", name);
    return range_error(env, message);
  }
  return true;
}

/* sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): C = alpha * op(A) op(B) + beta * C, row-major. */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    char message[160];
    snprintf(message, sizeof message, "sgemm takes 13 arguments (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), got %zu", argc);
    napi_throw_type_error(env, "ERR_INVALID_ARG_COUNT", message);
    return NULL;
  }
  bool trans_a, trans_b;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  Floats a, b, c;
  if (!get_bool(env, argv[0], "transA", &trans_a) || !get_bool(env, argv[1], "transB", &trans_b) || !get_int(env, argv[2], "m", 0, &m) ||
      !get_int(env, argv[3], "n", 0, &n) || !get_int(env, argv[4], "k", 0, &k) || !get_number(env, argv[5], "alpha", &alpha) ||
      !get_floats(env, argv[6], "a", &a) || !get_int(env, argv[7], "lda", 1, &lda) || !get_floats(env, argv[8], "b", &b) ||
      !get_int(env, argv[9], "ldb", 1, &ldb) || !get_number(env, argv[10], "beta", &beta) || !get_floats(env, argv[11], "c", &c) ||
      !get_int(env, argv[12], "ldc", 1, &ldc))
    return NULL;

  /* As stored: op(A) is m x k, so A is m x k, or k x m when transposed; likewise B. */
  int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
  int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
  if (!check_matrix(env, "a", "lda", &a, a_rows, a_cols, lda, trans_a ? "transposed, k x m" : "m x k") ||
      !check_matrix(env, "b", "ldb", &b, b_rows, b_cols, ldb, trans_b ? "transposed, n x k" : "k x n") ||
      !check_matrix(env, "c", "ldc", &c, m, n, ldc, "m x n"))
    return NULL;
  if (m == 0 || n == 0) return NULL;
  int64_t a_used = k > 0 ? (a_rows - 1) * lda + a_cols : 0;
  int64_t b_used = k > 0 ? (b_rows - 1) * ldb + b_cols : 0;
  int64_t c_used = (m - 1) * ldc + n;
  if (!check_disjoint(env, "a", &a, a_used, &c, c_used) || !check_disjoint(env, "b", &b, b_used, &c, c_used)) return NULL;

  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, (float)alpha, a.data,
              (int)lda, b.data, (int)ldb, (float)beta, c.data, (int)ldc);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double d = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &d) != napi_ok || !(d == floor(d)) || d < 1 || d > 1024) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "setThreads: n must be an integer from 1 to 1024");
    return NULL;
  }
  openblas_set_num_threads((int)d);
  return NULL;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  const char* text = openblas_get_config();
  CHECK(napi_create_string_utf8(env, text ? text : "", NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  /*
   * One thread unless the caller asks for more. OpenBLAS otherwise starts with
   * one thread per core (or OPENBLAS_NUM_THREADS), so how a product is split,
   * and with it the last bits of a float sum, would depend on the machine and
   * its environment; a seed's training history must not. One thread also keeps
   * OpenBLAS's spinning workers from competing with Node's own thread on small
   * machines, where the products pipelab trains with gain little from threads.
   */
  openblas_set_num_threads(1);
  napi_property_descriptor methods[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
