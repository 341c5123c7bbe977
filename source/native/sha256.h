/* The Sha256 class of the addon (sha256.c): exports.Sha256. */
#include <node_api.h>

napi_status define_sha256(napi_env env, napi_value exports);
