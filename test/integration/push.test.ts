/**
 * `berth push` against a real registry (distribution 2.8 on loopback), through a proxy that
 * logs every request and breaks the ones a test asks it to.
 */
import {randomBytes} from 'node:crypto';
import test from 'ava';
import {berth, destroyRoots, makeRoots, type Roots} from '../helpers/berth.js';
import {startFaultProxy, type Fault, type FaultProxy} from '../helpers/fault-proxy.js';
import {addLayeredImage} from '../helpers/layered-image.js';
import {freePort, isolateRegistryFiles, skopeoInspect, startRegistry, type TestRegistry} from '../helpers/registry.js';

let registry: TestRegistry | undefined;
let proxy: FaultProxy | undefined;
const made: Roots[] = [];

test.before(async () => {
	registry = await startRegistry();
	proxy = await startFaultProxy(registry.host);
});
test.after.always(async () => {
	for (const roots of made) {
		destroyRoots(roots);
	}

	await proxy?.close();
	registry?.stop();
});

/**
 * A store of its own (so that no other test's pushes are mount sources) holding a fresh
 * three-layer image, busybox and two more, named `repository:tag` on the proxy.
 */
const image = async (repository: string, tag = '1'): Promise<{name: string; roots: Roots}> => {
	const roots = isolateRegistryFiles(makeRoots());
	made.push(roots);
	const name = `${proxy!.host}/${repository}:${tag}`;
	await addLayeredImage(roots.root, name, [{'a.txt': 'a'.repeat(200_000)}, {'data/b.bin': randomBytes(300_000)}]);
	return {name, roots};
};

const pushedDigest = (stdout: string): string => /: digest: (sha256:[a-f\d]{64}) size: \d+$/m.exec(stdout)![1]!;

const requestsFor = (repository: string) => proxy!.requests.filter(request => request.includes(`/v2/${repository}/`));

test('push sends each blob after a HEAD, then the manifest; skopeo sees the digest berth recorded', async t => {
	const {name, roots} = await image('push/layers');
	const result = await berth(roots, ['push', name]);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, /^The push refers to repository \[127\.0\.0\.1:\d+\/push\/layers\]$/m);
	t.is(result.stdout.match(/: Pushed$/gm)?.length, 3);
	const digest = pushedDigest(result.stdout);
	const inspected = skopeoInspect(`${registry!.host}/push/layers:1`);
	t.is(inspected.Digest, digest);
	const [local] = JSON.parse((await berth(roots, ['image', 'inspect', name])).stdout);
	t.deepEqual(local.RepoDigests, [`${proxy!.host}/push/layers@${digest}`]);
	t.is(inspected.Layers.length, 3);

	const log = requestsFor('push/layers');
	for (const layer of inspected.Layers) {
		const head = log.indexOf(`HEAD /v2/push/layers/blobs/${layer}`);
		const put = log.findIndex(request => request.startsWith('PUT /v2/push/layers/blobs/uploads/') && request.includes(`digest=${encodeURIComponent(layer)}`));
		t.true(head !== -1 && put > head, `${layer}: HEAD at ${head}, PUT at ${put}`);
	}

	t.is(log.at(-1), 'PUT /v2/push/layers/manifests/1');
	t.true(log.some(request => request.startsWith('PATCH /v2/push/layers/blobs/uploads/')));
});

test('a second push sends no blob: the registry has them all', async t => {
	const {name, roots} = await image('push/again');
	t.is((await berth(roots, ['push', name])).code, 0);
	const before = requestsFor('push/again').length;
	const result = await berth(roots, ['push', name]);
	t.is(result.code, 0, result.stderr);
	t.is(result.stdout.match(/: Layer already exists$/gm)?.length, 3);
	t.false(requestsFor('push/again').slice(before).some(request => /^(?:POST|PATCH)/.test(request)));
});

test('a blob the registry holds in another repository is mounted from there', async t => {
	const {name, roots} = await image('push/source');
	t.is((await berth(roots, ['push', name])).code, 0);
	const target = `${proxy!.host}/push/target:1`;
	t.is((await berth(roots, ['tag', name, target])).code, 0);
	const result = await berth(roots, ['push', target]);
	t.is(result.code, 0, result.stderr);
	// The busybox layer may come from any repository that other tests pushed it to.
	t.is(result.stdout.match(/: Mounted from push\/\w+$/gm)?.length, 3);
	t.true(requestsFor('push/target').some(request => /^POST \/v2\/push\/target\/blobs\/uploads\/\?mount=sha256:[a-f\d]{64}&from=push%2Fsource$/.test(request)));
	t.false(requestsFor('push/target').some(request => request.startsWith('PATCH')));
	t.is(skopeoInspect(`${registry!.host}/push/target:1`).Digest, pushedDigest(result.stdout));
});

test('blobs go up in chunks of BERTH_PUSH_CHUNK_SIZE bytes', async t => {
	const {name, roots} = await image('push/chunks');
	const result = await berth({...roots, env: {...roots.env, BERTH_PUSH_CHUNK_SIZE: String(64 * 1024)}}, ['push', name]);
	t.is(result.code, 0, result.stderr);
	// The busybox layer alone is some megabytes.
	t.true(requestsFor('push/chunks').filter(request => request.startsWith('PATCH')).length > 20);
	t.is(skopeoInspect(`${registry!.host}/push/chunks:1`).Digest, pushedDigest(result.stdout));
});

test('a 500 in the middle of an upload: the push resumes where the registry stands', async t => {
	const {name, roots} = await image('push/resumed');
	proxy!.faults.push({method: 'PATCH', path: /^\/v2\/push\/resumed\//, after: 1, times: 1, kind: 'error'});
	const result = await berth({...roots, env: {...roots.env, BERTH_PUSH_CHUNK_SIZE: String(256 * 1024)}}, ['push', name]);
	t.is(result.code, 0, result.stderr);
	const log = requestsFor('push/resumed');
	// The status of the upload was asked, and no upload was started over.
	t.true(log.some(request => request.startsWith('GET /v2/push/resumed/blobs/uploads/')), log.join('\n'));
	// One for each of the four blobs (config and three layers).
	t.is(log.filter(request => request.startsWith('POST')).length, 4);
	t.is(skopeoInspect(`${registry!.host}/push/resumed:1`).Digest, pushedDigest(result.stdout));
});

test('a chunk cut off half way: the push starts the upload over, or resumes it', async t => {
	const {name, roots} = await image('push/restarted');
	// The busybox layer's: a megabyte reaches the registry, which then holds more than the upload's state says.
	proxy!.faults.push({method: 'PATCH', path: /^\/v2\/push\/restarted\//, minBytes: 1_000_000, times: 1, kind: 'cut-request'});
	const result = await berth(roots, ['push', name]);
	t.is(result.code, 0, result.stderr);
	const log = requestsFor('push/restarted');
	t.true(log.some(request => request.startsWith('GET /v2/push/restarted/blobs/uploads/')), log.join('\n'));
	// One for each of the four blobs, and one more when the registry had dropped the upload
	// (it may not have noticed yet, when the cut came before it had written anything).
	t.true([4, 5].includes(log.filter(request => request.startsWith('POST')).length), log.join('\n'));
	t.is(skopeoInspect(`${registry!.host}/push/restarted:1`).Digest, pushedDigest(result.stdout));
});

test('a push that keeps failing is one line, and the tag stays where it was', async t => {
	const {name: first, roots} = await image('push/kept');
	const pushed = await berth(roots, ['push', first]);
	t.is(pushed.code, 0, pushed.stderr);
	const {name: second, roots: other} = await image('push/kept');
	const fault: Fault = {method: 'PATCH', path: /^\/v2\/push\/kept\//, times: 1000, kind: 'error'};
	proxy!.faults.push(fault);
	const result = await berth(other, ['push', second]);
	fault.times = 0;
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: cannot push `127\.0\.0\.1:\d+\/push\/kept:1`: 127\.0\.0\.1:\d+ failed with 500 Internal Server Error: injected failure: try again later\n$/);
	t.is(skopeoInspect(`${registry!.host}/push/kept:1`).Digest, pushedDigest(pushed.stdout));
});

test('push names what is wrong with a name', async t => {
	const {roots} = await image('push/named');
	const byDigest = await berth(roots, ['push', `${proxy!.host}/push/x@sha256:${'a'.repeat(64)}`]);
	t.is(byDigest.code, 125);
	t.regex(byDigest.stderr, /cannot push a digest reference/);
	const missing = await berth(roots, ['push', `${proxy!.host}/push/missing:1`]);
	t.is(missing.code, 125);
	t.regex(missing.stderr, /^berth: cannot push `127\.0\.0\.1:\d+\/push\/missing:1`: no such image: .*\n$/);
});

test('push to a registry that is not there says so', async t => {
	const port = await freePort();
	const name = `127.0.0.1:${port}/push/nowhere:1`;
	const {name: here, roots} = await image('push/here');
	t.is((await berth(roots, ['tag', here, name])).code, 0);
	const result = await berth(roots, ['push', name]);
	t.is(result.code, 125);
	t.is(result.stderr, `berth: cannot push \`${name}\`: cannot reach 127.0.0.1:${port} (ECONNREFUSED): check that the registry is up and try again\n`);
});
