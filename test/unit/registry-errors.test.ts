import {Readable} from 'node:stream';
import test from 'ava';
import {Answer} from '../../source/registry/transport.js';
import {responseError} from '../../source/registry/errors.js';

const subject = {domain: 'registry.example', repository: 'team/app', object: '1'};

const answer = (status: number, code?: string, message?: string) =>
	new Answer('https://registry.example/v2/', status, {'docker-distribution-api-version': 'registry/2.0'}, Readable.from(code ? [Buffer.from(JSON.stringify({errors: [{code, message}]}))] : []));

test('each registry error becomes one line with its code and what to do', async t => {
	const table: Array<[Answer, string, RegExp]> = [
		[answer(401, 'UNAUTHORIZED', 'authentication required'), 'REGISTRY_UNAUTHORIZED', /^registry\.example asks for authentication for `team\/app`: run `berth login registry\.example`/],
		[answer(403, 'DENIED', 'requested access to the resource is denied'), 'REGISTRY_DENIED', /^registry\.example denied access to `team\/app`: requested access .*: run `berth login registry\.example` as a user allowed/],
		[answer(404, 'NAME_UNKNOWN', 'repository name not known to registry'), 'REGISTRY_NOT_FOUND', /^repository `team\/app` does not exist on registry\.example: check the name/],
		[answer(404, 'MANIFEST_UNKNOWN', 'manifest unknown'), 'REGISTRY_NOT_FOUND', /^manifest `1` of `team\/app` is not on registry\.example: check the tag or digest$/],
		[answer(404, 'BLOB_UNKNOWN', 'blob unknown to registry'), 'REGISTRY_NOT_FOUND', /^blob `1` of `team\/app` is not on registry\.example: blob unknown to registry: push the image again$/],
		[answer(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content'), 'DIGEST_MISMATCH', /^registry\.example found that `1` does not match its digest/],
		[answer(429, 'TOOMANYREQUESTS', 'slow down'), 'REGISTRY_UNAVAILABLE', /^registry\.example answered too many requests: wait a while and try again/],
		[answer(503), 'REGISTRY_UNAVAILABLE', /^registry\.example failed with 503 Service Unavailable: try again later$/],
		[answer(404), 'REGISTRY_NOT_FOUND', /^`1` is not on registry\.example \(404\)/],
		[answer(400, 'MANIFEST_INVALID', 'manifest invalid'), 'INVALID_ARGUMENT', /^registry\.example refused `1` with 400 MANIFEST_INVALID: manifest invalid$/],
	];
	for (const [response, code, message] of table) {
		const error = await responseError(response, subject);
		t.is(error.code, code, message.source);
		t.regex(error.message, message);
		t.false(error.message.includes('\n'));
	}
});
