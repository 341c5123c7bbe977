import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {Transport, isLoopback} from '../../source/registry/transport.js';

test('loopback registries without a CA of their own are plain HTTP; others HTTPS', t => {
	const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-certs-'));
	t.teardown(() => {
		fs.rmSync(certs, {recursive: true, force: true});
	});
	fs.mkdirSync(path.join(certs, 'localhost:5443'));
	fs.writeFileSync(path.join(certs, 'localhost:5443', 'ca.crt'), '');
	const base = (domain: string, tlsVerify?: boolean) => new Transport(domain, {certsDir: certs, tlsVerify}).url('/v2/');
	t.is(base('localhost:5000'), 'http://localhost:5000/v2/');
	t.is(base('127.0.0.1:5000'), 'http://127.0.0.1:5000/v2/');
	t.is(base('[::1]:5000'), 'http://[::1]:5000/v2/');
	t.is(base('localhost:5443'), 'https://localhost:5443/v2/');
	t.is(base('registry.example'), 'https://registry.example/v2/');
	t.is(base('docker.io'), 'https://registry-1.docker.io/v2/');
	// Told not to verify: HTTPS first, plain HTTP only if the registry speaks no TLS.
	t.is(base('localhost:5000', false), 'https://localhost:5000/v2/');
	t.true(isLoopback('127.10.0.1:80'));
	t.false(isLoopback('128.0.0.1'));
	t.false(isLoopback('localhost.example'));
});

/** A server answering each request with the next of `statuses` (the last one repeats). */
const serve = async (t: {teardown: (fn: () => Promise<void>) => void}, statuses: number[]) => {
	let count = 0;
	const server = http.createServer((request, response) => {
		const status = statuses[Math.min(count++, statuses.length - 1)]!;
		response.writeHead(status, status === 429 ? {'Retry-After': '0'} : {}).end();
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(async () => new Promise(resolve => {
		server.close(() => {
			resolve();
		});
	}));
	return {host: `127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => count};
};

test('5xx and 429 are tried again, a bounded number of times', async t => {
	const flaky = await serve(t, [503, 429, 200]);
	const transport = new Transport(flaky.host);
	t.is((await transport.fetch(transport.url('/v2/'))).status, 200);
	t.is(flaky.count(), 3);

	const down = await serve(t, [500]);
	const other = new Transport(down.host);
	t.is((await other.fetch(other.url('/v2/'))).status, 500);
	t.is(down.count(), 4);
	t.is((await other.fetch(other.url('/v2/'), {retry: false})).status, 500);
	t.is(down.count(), 5);
	await Promise.all([transport.close(), other.close()]);
});

test('a registry that is not there is one error saying so', async t => {
	const gone = await serve(t, [200]);
	const transport = new Transport(gone.host);
	await transport.close();
	const closed = new Transport('127.0.0.1:1');
	const error = await t.throwsAsync(closed.fetch(closed.url('/v2/'), {retry: false}));
	t.is((error as {code?: string}).code, 'REGISTRY_UNAVAILABLE');
	t.regex(error!.message, /^cannot reach 127\.0\.0\.1:1 \(.+\): check that the registry is up and try again$/);
});

test('a blob download redirected to another host is followed, without the credentials', async t => {
	let seen: string | undefined = 'not asked';
	const cdn = http.createServer((request, response) => {
		seen = request.headers.authorization;
		response.end('blob bytes');
	});
	await new Promise<void>(resolve => {
		cdn.listen(0, '127.0.0.2', resolve);
	});
	const registry = http.createServer((_request, response) => {
		response.writeHead(307, {Location: `http://127.0.0.2:${(cdn.address() as AddressInfo).port}/blob`}).end();
	});
	await new Promise<void>(resolve => {
		registry.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => {
		cdn.close();
		registry.close();
	});
	const transport = new Transport(`127.0.0.1:${(registry.address() as AddressInfo).port}`);
	const answer = await transport.send(transport.url('/v2/x/blobs/sha256:0'), {headers: {Authorization: 'Bearer secret'}});
	t.is(answer.status, 200);
	t.is(await answer.text(), 'blob bytes');
	t.is(seen, undefined);
	await transport.close();
});
