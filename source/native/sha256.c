/*
 * Sha256: a sha256 hash computed on the libuv thread pool. A pull hashes every byte it gets
 * twice (the blob as it arrives, and the tar inside it for the layer's diff id): for a 200 MB
 * image that was a quarter of a second of node's main thread, the thread everything else
 * waits on. update() only queues the buffer; one job at a time per hash works through the
 * queue in order, and digest() resolves once it is empty.
 *
 * A queued buffer is referenced until it is hashed and must not change meanwhile, which holds
 * for the buffers streams hand on. The queue is unbounded: hashing runs at GB/s, far ahead of
 * a download.
 */
#include <pthread.h>
#include <stdlib.h>

#include <node_api.h>
#include <openssl/evp.h>

#include "sha256.h"

typedef struct chunk {
	napi_ref buffer;
	const unsigned char *data;
	size_t length;
	struct chunk *next;
} chunk;

typedef struct {
	EVP_MD_CTX *context;
	pthread_mutex_t lock;
	/* Queued and not hashed yet: taken by the job. */
	chunk *head, *tail;
	/* Hashed: their references are dropped on the main thread. */
	chunk *hashed;
	/* The JS object, held while a job runs so that it is not collected under the job. */
	napi_ref self;
	int running;
	/* A digest() waiting for the queue to empty. */
	napi_deferred waiting;
	/* digest() was called: no more updates. */
	int finished;
} sha256;

static void hash_execute(napi_env env, void *data) {
	(void)env;
	sha256 *hash = data;
	pthread_mutex_lock(&hash->lock);
	while (hash->head != NULL) {
		chunk *next = hash->head;
		hash->head = next->next;
		if (hash->head == NULL) {
			hash->tail = NULL;
		}

		pthread_mutex_unlock(&hash->lock);
		EVP_DigestUpdate(hash->context, next->data, next->length);
		pthread_mutex_lock(&hash->lock);
		next->next = hash->hashed;
		hash->hashed = next;
	}

	pthread_mutex_unlock(&hash->lock);
}

/* Resolves `deferred` with the digest in hex; the hash takes no more data after it. */
static void resolve_digest(napi_env env, sha256 *hash, napi_deferred deferred) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	EVP_DigestFinal_ex(hash->context, digest, &length);
	for (unsigned int i = 0; i < length; i++) {
		static const char digits[] = "0123456789abcdef";
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}

	napi_value value;
	napi_create_string_latin1(env, hex, 2 * length, &value);
	napi_resolve_deferred(env, deferred, value);
}

static void queue_job(napi_env env, sha256 *hash);

/* On the main thread, after a job: drops what it hashed, and starts another for what came meanwhile. */
static void hash_complete(napi_env env, napi_status status, void *data) {
	(void)status;
	sha256 *hash = data;
	pthread_mutex_lock(&hash->lock);
	chunk *hashed = hash->hashed;
	hash->hashed = NULL;
	int more = hash->head != NULL;
	pthread_mutex_unlock(&hash->lock);
	while (hashed != NULL) {
		chunk *next = hashed->next;
		napi_delete_reference(env, hashed->buffer);
		free(hashed);
		hashed = next;
	}

	if (more) {
		queue_job(env, hash);
		return;
	}

	hash->running = 0;
	napi_reference_unref(env, hash->self, NULL);
	if (hash->waiting != NULL) {
		resolve_digest(env, hash, hash->waiting);
		hash->waiting = NULL;
	}
}

static void queue_job(napi_env env, sha256 *hash) {
	napi_value name;
	napi_async_work work;
	napi_create_string_utf8(env, "berth:sha256", NAPI_AUTO_LENGTH, &name);
	if (napi_create_async_work(env, NULL, name, hash_execute, hash_complete, hash, &work) != napi_ok ||
	    napi_queue_async_work(env, work) != napi_ok) {
		/* Only on a broken environment: hash here instead. */
		hash_execute(env, hash);
		hash_complete(env, napi_ok, hash);
	}
}

static void hash_finalize(napi_env env, void *data, void *hint) {
	(void)hint;
	sha256 *hash = data;
	if (hash->running) {
		/* Only when node exits with a job still on the thread pool: leave it its memory. */
		return;
	}

	napi_delete_reference(env, hash->self);
	EVP_MD_CTX_free(hash->context);
	pthread_mutex_destroy(&hash->lock);
	free(hash);
}

/* The sha256 behind `this`, or NULL with an error thrown. */
static sha256 *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
	napi_value self;
	void *hash = NULL;
	if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, &hash) != napi_ok) {
		napi_throw_type_error(env, "ERR_INVALID_THIS", "not a Sha256");
		return NULL;
	}

	if (((sha256 *)hash)->finished) {
		napi_throw_error(env, "ERR_CRYPTO_HASH_FINALIZED", "digest already called");
		return NULL;
	}

	return hash;
}

static napi_value js_constructor(napi_env env, napi_callback_info info) {
	napi_value self;
	if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) {
		return NULL;
	}

	sha256 *hash = calloc(1, sizeof *hash);
	if (hash == NULL || (hash->context = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(hash->context, EVP_sha256(), NULL)) {
		if (hash != NULL) {
			EVP_MD_CTX_free(hash->context);
		}

		free(hash);
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	pthread_mutex_init(&hash->lock, NULL);
	if (napi_wrap(env, self, hash, hash_finalize, NULL, NULL) != napi_ok ||
	    napi_create_reference(env, self, 0, &hash->self) != napi_ok) {
		return NULL;
	}

	return self;
}

static napi_value js_update(napi_env env, napi_callback_info info) {
	size_t argc = 1;
	napi_value buffer;
	sha256 *hash = unwrap(env, info, &argc, &buffer);
	if (hash == NULL) {
		return NULL;
	}

	chunk *queued = calloc(1, sizeof *queued);
	void *data;
	if (queued == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	if (argc < 1 || napi_get_typedarray_info(env, buffer, NULL, &queued->length, &data, NULL, NULL) != napi_ok ||
	    napi_create_reference(env, buffer, 1, &queued->buffer) != napi_ok) {
		free(queued);
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "data must be a Buffer or Uint8Array");
		return NULL;
	}

	queued->data = data;
	pthread_mutex_lock(&hash->lock);
	if (hash->tail != NULL) {
		hash->tail->next = queued;
	} else {
		hash->head = queued;
	}

	hash->tail = queued;
	pthread_mutex_unlock(&hash->lock);
	if (!hash->running) {
		hash->running = 1;
		napi_reference_ref(env, hash->self, NULL);
		queue_job(env, hash);
	}

	return NULL;
}

static napi_value js_digest(napi_env env, napi_callback_info info) {
	size_t argc = 0;
	sha256 *hash = unwrap(env, info, &argc, NULL);
	napi_deferred deferred;
	napi_value promise;
	if (hash == NULL || napi_create_promise(env, &deferred, &promise) != napi_ok) {
		return NULL;
	}

	hash->finished = 1;
	if (hash->running) {
		hash->waiting = deferred;
	} else {
		resolve_digest(env, hash, deferred);
	}

	return promise;
}

napi_status define_sha256(napi_env env, napi_value exports) {
	const napi_property_descriptor methods[] = {
		{"update", NULL, js_update, NULL, NULL, NULL, napi_default, NULL},
		{"digest", NULL, js_digest, NULL, NULL, NULL, napi_default, NULL},
	};
	napi_value constructor;
	napi_status status = napi_define_class(env, "Sha256", NAPI_AUTO_LENGTH, js_constructor, NULL, 2, methods, &constructor);
	return status != napi_ok ? status : napi_set_named_property(env, exports, "Sha256", constructor);
}
