/**
 * `berth pull` (and the pull `run` does first) against a real registry on loopback, through
 * a proxy that logs every request and breaks the ones a test asks it to. Images are pushed
 * by berth from one store and pulled into fresh ones.
 */
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {MediaType, hostPlatform} from '../../source/image/oci.js';
import {berth, destroyRoots, makeRoots, type Roots} from '../helpers/berth.js';
import {startFaultProxy, type Fault, type FaultProxy} from '../helpers/fault-proxy.js';
import {addLayeredImage} from '../helpers/layered-image.js';
import {isolateRegistryFiles, skopeoInspect, startRegistry, type TestRegistry} from '../helpers/registry.js';

let registry: TestRegistry | undefined;
let proxy: FaultProxy | undefined;
let source: Roots;
const made: Roots[] = [];

test.before(async () => {
	source = isolateRegistryFiles(makeRoots());
	registry = await startRegistry();
	proxy = await startFaultProxy(registry.host);
});
test.after.always(async () => {
	for (const roots of [source, ...made]) {
		destroyRoots(roots);
	}

	await proxy?.close();
	registry?.stop();
});

/** An empty store of the test's own. */
const fresh = (): Roots => {
	const roots = isolateRegistryFiles(makeRoots());
	made.push(roots);
	return roots;
};

/** Pushes a new three-layer image as `repository:tag` straight to the registry; returns its digest. */
const published = async (repository: string, tag = '1', layerBytes = 300_000): Promise<string> => {
	const name = `${registry!.host}/${repository}:${tag}`;
	await addLayeredImage(source.root, name, [{'a.txt': `${repository} ${tag}\n`}, {'data/b.bin': randomBytes(layerBytes)}]);
	const result = await berth(source, ['push', name]);
	if (result.code !== 0) {
		throw new Error(result.stderr);
	}

	return /: digest: (sha256:[a-f\d]{64})/.exec(result.stdout)![1]!;
};

const inspect = async (roots: Roots, name: string) => JSON.parse((await berth(roots, ['image', 'inspect', name])).stdout)[0] as {Id: string; RepoDigests: string[]; RepoTags: string[]; Architecture: string};

const blobGets = (repository: string, requests: string[]) => requests.filter(request => request.startsWith(`GET /v2/${repository}/blobs/sha256:`));

test('push, rmi, pull: the same image id and RepoDigests, and the image runs', async t => {
	const digest = await published('pull/roundtrip');
	const name = `${registry!.host}/pull/roundtrip:1`;
	const before = await inspect(source, name);
	t.deepEqual(before.RepoDigests, [`${registry!.host}/pull/roundtrip@${digest}`]);
	t.is((await berth(source, ['rmi', '--force', before.Id])).code, 0);
	t.is((await berth(source, ['images', '-a', '-q', '--no-trunc'])).stdout.includes(before.Id), false);

	const result = await berth(source, ['pull', name]);
	t.is(result.code, 0, result.stderr);
	t.is(result.stdout, [
		'1: Pulling from pull/roundtrip',
		...result.stdout.split('\n').filter(line => /^[a-f\d]{12}: /.test(line)),
		`Digest: ${digest}`,
		`Status: Downloaded newer image for ${name}`,
		name,
		'',
	].join('\n'));
	// The busybox layer's blob may be here still, used by other images.
	t.is(result.stdout.match(/^[a-f\d]{12}: (?:Pull complete|Already exists)$/gm)?.length, 3);
	const after = await inspect(source, name);
	t.is(after.Id, before.Id);
	t.deepEqual(after.RepoDigests, before.RepoDigests);
	t.regex((await berth(source, ['images', '--digests', `${registry!.host}/pull/roundtrip`])).stdout, new RegExp(`\\s1\\s+${digest}\\s+${before.Id.slice(7, 19)}\\s`));
	t.is((await berth(source, ['run', '--rm', name, 'cat', '/a.txt'])).stdout, 'pull/roundtrip 1\n');

	const again = await berth(source, ['pull', name]);
	t.regex(again.stdout, /: Already exists\n[^]*Status: Image is up to date for /);
});

test('a pull by digest records only the digest', async t => {
	const digest = await published('pull/bydigest');
	const roots = fresh();
	const name = `${registry!.host}/pull/bydigest@${digest}`;
	const result = await berth(roots, ['pull', name]);
	t.is(result.code, 0, result.stderr);
	const image = await inspect(roots, name);
	t.deepEqual(image.RepoTags, []);
	t.deepEqual(image.RepoDigests, [name]);
});

test('a layer already here is not downloaded again', async t => {
	await published('pull/first');
	await published('pull/second');
	const roots = fresh();
	t.is((await berth(roots, ['pull', `${proxy!.host}/pull/first:1`])).code, 0);
	const before = proxy!.requests.length;
	const result = await berth(roots, ['pull', `${proxy!.host}/pull/second:1`]);
	t.is(result.code, 0, result.stderr);
	// The busybox layer is shared: only the config and the two new layers come down.
	t.is(result.stdout.match(/: Already exists$/gm)?.length, 1);
	t.is(blobGets('pull/second', proxy!.requests.slice(before)).length, 3);
});

test('a body cut off in the middle of a download is fetched again', async t => {
	await published('pull/cut');
	proxy!.faults.push({method: 'GET', path: /^\/v2\/pull\/cut\/blobs\/sha256:/, times: 2, kind: 'cut-response'});
	const roots = fresh();
	const result = await berth(roots, ['pull', `${proxy!.host}/pull/cut:1`]);
	t.is(result.code, 0, result.stderr);
	t.is((await berth(roots, ['run', '--rm', `${proxy!.host}/pull/cut:1`, 'cat', '/a.txt'])).stdout, 'pull/cut 1\n');
});

test('a pull that breaks leaves no partial blob and no name; the next one fetches only what is missing', async t => {
	const digest = await published('pull/broken', '1', 3_000_000);
	const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry!.host}/pull/broken:1`], {encoding: 'utf8'})) as {layers: Array<{digest: string; size: number}>};
	const biggest = manifest.layers.reduce((a, b) => a.size > b.size ? a : b);
	const fault: Fault = {method: 'GET', path: new RegExp(`^/v2/pull/broken/blobs/${biggest.digest}`), times: 1000, kind: 'cut-response'};
	proxy!.faults.push(fault);
	const roots = fresh();
	const name = `${proxy!.host}/pull/broken:1`;
	const failed = await berth(roots, ['pull', name]);
	fault.times = 0;
	t.is(failed.code, 125);
	t.is(failed.stderr, `berth: cannot pull \`${name}\`: the download of \`${biggest.digest}\` from ${proxy!.host} kept breaking off (ECONNRESET): try again\n`);
	t.is((await berth(roots, ['images', '-a', '-q'])).stdout, '');
	t.deepEqual(fs.readdirSync(path.join(roots.root, 'ingest')), []);
	t.false(fs.existsSync(path.join(roots.root, 'blobs/sha256', biggest.digest.slice(7))));

	const before = proxy!.requests.length;
	const result = await berth(roots, ['pull', name]);
	t.is(result.code, 0, result.stderr);
	t.deepEqual(blobGets('pull/broken', proxy!.requests.slice(before)), [`GET /v2/pull/broken/blobs/${biggest.digest}`]);
	t.deepEqual((await inspect(roots, name)).RepoDigests, [`${proxy!.host}/pull/broken@${digest}`]);
});

test('a registry failing for a while is waited for; one failing for good is one line', async t => {
	await published('pull/flaky');
	proxy!.faults.push({method: 'GET', path: /^\/v2\/pull\/flaky\/manifests\//, times: 2, kind: 'error'});
	const roots = fresh();
	t.is((await berth(roots, ['pull', `${proxy!.host}/pull/flaky:1`])).code, 0);

	const fault: Fault = {method: 'GET', path: /^\/v2\/pull\/flaky\/manifests\//, times: 1000, kind: 'error'};
	proxy!.faults.push(fault);
	const result = await berth(fresh(), ['pull', `${proxy!.host}/pull/flaky:1`]);
	fault.times = 0;
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: cannot pull `127\.0\.0\.1:\d+\/pull\/flaky:1`: 127\.0\.0\.1:\d+ failed with 500 Internal Server Error: injected failure: try again later\n$/);
});

test('unknown repositories and tags are one line each', async t => {
	await published('pull/known');
	const roots = fresh();
	const repository = await berth(roots, ['pull', `${registry!.host}/pull/unknown:1`]);
	t.is(repository.code, 125);
	t.regex(repository.stderr, /^berth: cannot pull `127\.0\.0\.1:\d+\/pull\/unknown:1`: (?:repository `pull\/unknown` does not exist on|manifest `1` of `pull\/unknown` is not on) 127\.0\.0\.1:\d+.*\n$/);
	const tag = await berth(roots, ['pull', `${registry!.host}/pull/known:nope`]);
	t.is(tag.code, 125);
	t.regex(tag.stderr, /^berth: cannot pull `127\.0\.0\.1:\d+\/pull\/known:nope`: manifest `nope` of `pull\/known` is not on 127\.0\.0\.1:\d+: check the tag or digest\n$/);
});

test('pull -a pulls every tag', async t => {
	await published('pull/tags', 'one');
	await published('pull/tags', 'two');
	const roots = fresh();
	const result = await berth(roots, ['pull', '-a', `${registry!.host}/pull/tags`]);
	t.is(result.code, 0, result.stderr);
	t.true(result.stdout.endsWith(`${registry!.host}/pull/tags:one\n${registry!.host}/pull/tags:two\n`));
	t.is((await berth(roots, ['images', '-q', `${registry!.host}/pull/tags`])).stdout.split('\n').filter(Boolean).length, 2);
});

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Puts a blob into the registry with a monolithic upload. */
const putBlob = async (repository: string, bytes: Buffer) => {
	const start = await fetch(`http://${registry!.host}/v2/${repository}/blobs/uploads/`, {method: 'POST'});
	const location = new URL(start.headers.get('location')!, `http://${registry!.host}`);
	location.searchParams.set('digest', sha(bytes));
	const put = await fetch(location, {method: 'PUT', headers: {'Content-Type': 'application/octet-stream'}, body: bytes});
	if (put.status !== 201) {
		throw new Error(`blob upload: ${put.status}`);
	}
};

const putManifest = async (repository: string, reference: string, bytes: Buffer, mediaType: string) => {
	const put = await fetch(`http://${registry!.host}/v2/${repository}/manifests/${reference}`, {method: 'PUT', headers: {'Content-Type': mediaType}, body: bytes});
	if (put.status !== 201) {
		throw new Error(`manifest upload: ${put.status} ${await put.text()}`);
	}
};

test('an index: the host\'s platform by default, another with --platform', async t => {
	const hostDigest = await published('pull/index', 'host');
	const raw = (name: string) => Buffer.from(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry!.host}/pull/index:${name}`]));
	const hostManifest = raw('host');
	const manifest = JSON.parse(hostManifest.toString()) as {config: {digest: string}; layers: unknown[]};
	const configBytes = Buffer.from(execFileSync('skopeo', ['inspect', '--config', '--raw', '--tls-verify=false', `docker://${registry!.host}/pull/index:host`]));
	const otherConfig = Buffer.from(JSON.stringify({...JSON.parse(configBytes.toString()), architecture: 's390x'}));
	await putBlob('pull/index', otherConfig);
	const otherManifest = Buffer.from(JSON.stringify({...manifest, config: {mediaType: MediaType.ociConfig, digest: sha(otherConfig), size: otherConfig.length}}));
	await putManifest('pull/index', sha(otherManifest), otherManifest, MediaType.ociManifest);
	const {os, architecture} = hostPlatform();
	const index = Buffer.from(JSON.stringify({
		schemaVersion: 2,
		mediaType: MediaType.ociIndex,
		manifests: [
			{mediaType: MediaType.ociManifest, digest: sha(otherManifest), size: otherManifest.length, platform: {os: 'linux', architecture: 's390x'}},
			{mediaType: MediaType.ociManifest, digest: hostDigest, size: hostManifest.length, platform: {os, architecture}},
		],
	}));
	await putManifest('pull/index', 'multi', index, MediaType.ociIndex);

	const roots = fresh();
	const name = `${registry!.host}/pull/index:multi`;
	t.is((await berth(roots, ['pull', name])).code, 0);
	const pulled = await inspect(roots, name);
	t.is(pulled.Id, manifest.config.digest);
	t.deepEqual(pulled.RepoDigests, [`${registry!.host}/pull/index@${sha(index)}`]);

	const other = fresh();
	const result = await berth(other, ['pull', '--platform', 'linux/s390x', name]);
	t.is(result.code, 0, result.stderr);
	t.is((await inspect(other, name)).Architecture, 's390x');
	// The layers were pulled once for the host's image; none again.
	t.is((await berth(roots, ['pull', '--platform', 'linux/s390x', name])).stdout.match(/: Already exists$/gm)?.length, 3);

	const missing = await berth(fresh(), ['pull', '--platform', 'linux/riscv64', name]);
	t.is(missing.code, 125);
	t.is(missing.stderr, `berth: cannot pull \`${name}\`: no image for linux/riscv64 in it (it has linux/s390x, ${os}/${architecture}): choose one with --platform\n`);
});

test('an image for another platform than --platform asks is refused, and nothing of it is kept', async t => {
	await published('pull/platform', '1', 4_000_000);
	const roots = fresh();
	const name = `${proxy!.host}/pull/platform:1`;
	const {os, architecture} = hostPlatform();
	const result = await berth(roots, ['pull', '--platform', 'linux/s390x', name]);
	t.is(result.code, 125);
	t.is(result.stderr, `berth: cannot pull \`${name}\`: it is an image for ${os}/${architecture}, not linux/s390x\n`);
	t.is((await berth(roots, ['images', '-a', '-q'])).stdout, '');
	// No layer was unpacked, and no download was left half-written.
	for (const dir of ['layers', 'ingest']) {
		const at = path.join(roots.root, dir);
		t.deepEqual(fs.existsSync(at) ? fs.readdirSync(at) : [], [], dir);
	}
});

test('a Docker schema2 image, as skopeo writes it, pulls and runs', async t => {
	await published('pull/oci');
	const policy = path.join(path.dirname(source.root), 'policy.json');
	fs.writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
	execFileSync('skopeo', ['--policy', policy, 'copy', '--quiet', '--format', 'v2s2', '--src-tls-verify=false', '--dest-tls-verify=false',
		`docker://${registry!.host}/pull/oci:1`, `docker://${registry!.host}/pull/docker:1`]);
	const {Digest: digest} = skopeoInspect(`${registry!.host}/pull/docker:1`);
	const roots = fresh();
	const name = `${registry!.host}/pull/docker:1`;
	const result = await berth(roots, ['pull', name]);
	t.is(result.code, 0, result.stderr);
	t.deepEqual((await inspect(roots, name)).RepoDigests, [`${registry!.host}/pull/docker@${digest}`]);
	t.is((await berth(roots, ['run', '--rm', name, 'cat', '/a.txt'])).stdout, 'pull/oci 1\n');
});

test('run and create pull a missing image first, as --pull says', async t => {
	await published('pull/run');
	const roots = fresh();
	const name = `${registry!.host}/pull/run:1`;
	const never = await berth(roots, ['run', '--rm', '--pull', 'never', name, 'true']);
	t.is(never.code, 125);
	t.regex(never.stderr, /no such image/);

	const run = await berth(roots, ['run', '--rm', name, 'cat', '/a.txt']);
	t.is(run.code, 0, run.stderr);
	t.is(run.stdout, 'pull/run 1\n');
	t.regex(run.stderr, /^1: Pulling from pull\/run\n/);

	const create = await berth(roots, ['create', '--pull', 'always', name]);
	t.is(create.code, 0, create.stderr);
	t.regex(create.stderr, /Status: Image is up to date for /);
	t.regex(create.stdout, /^[a-f\d]{64}\n$/);
	t.is((await berth(roots, ['rm', create.stdout.trim()])).code, 0);

	const bad = await berth(roots, ['run', '--pull', 'sometimes', name]);
	t.is(bad.code, 125);
	t.regex(bad.stderr, /invalid pull policy `sometimes`/);
});
