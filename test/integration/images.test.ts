import {createHash} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import fs from 'node:fs';
import zlib from 'node:zlib';
import test from 'ava';
import {berth, busyboxTarball, destroyRoots, makeRoots, rootsForTest, testImage, type Roots} from '../helpers/berth.js';
import {isolateRegistryFiles, startRegistry, tagAndPush} from '../helpers/registry.js';

let roots: Roots;
test.before(() => {
	roots = makeRoots();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('import keeps a plain tarball as the layer: its diff id is the tarball\'s sha256', async t => {
	const imported = await berth(roots, ['import', busyboxTarball(), 'plain:1']);
	t.regex(imported.stdout, /^sha256:[a-f\d]{64}\n$/);
	const sha = createHash('sha256').update(fs.readFileSync(busyboxTarball())).digest('hex');
	const layers = await berth(roots, ['inspect', '--format', '{{json .RootFS.Layers}}', 'plain:1']);
	t.is(layers.stdout, `["sha256:${sha}"]\n`);
	t.is((await berth(roots, ['run', '--rm', 'plain:1', 'echo', 'runs'])).stdout, 'runs\n');
});

test('import reads gzip from stdin and applies --change', async t => {
	const gz = zlib.gzipSync(fs.readFileSync(busyboxTarball()));
	const result = await berth(roots, ['import', '-c', 'CMD ["echo", "from cmd"]', '-c', 'ENV MODE=test', '-', 'zipped'], {input: gz as unknown as string});
	t.is(result.code, 0, result.stderr);
	t.is((await berth(roots, ['run', '--rm', 'zipped'])).stdout, 'from cmd\n');
	t.is((await berth(roots, ['run', '--rm', 'zipped', 'sh', '-c', 'echo $MODE'])).stdout, 'test\n');
});

test('images lists repository, tag, id, created and size', async t => {
	await berth(roots, ['import', busyboxTarball(), 'listed:v2']);
	const result = await berth(roots, ['images']);
	t.regex(result.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
	t.regex(result.stdout, /\nlisted\s+v2\s+[a-f\d]{12}\s+.+ ago\s+[\d.]+MB\n/);
	t.regex((await berth(roots, ['images', '-q', 'listed'])).stdout, /^[a-f\d]{12}\n$/);
});

test.serial('a truncated archive is one clear error and leaves the images as they were', async t => {
	const before = (await berth(roots, ['images', '-a', '-q', '--no-trunc'])).stdout;
	const half = fs.readFileSync(busyboxTarball()).subarray(0, 100_000);
	const result = await berth(roots, ['import', '-', 'broken'], {input: half as unknown as string});
	t.is(result.code, 125);
	t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
	t.is((await berth(roots, ['images', '-a', '-q', '--no-trunc'])).stdout, before);
});

test('an image inspect has Docker\'s shape', async t => {
	await berth(roots, ['import', '-m', 'imported by a test', busyboxTarball(), 'shaped']);
	const [image] = JSON.parse((await berth(roots, ['image', 'inspect', 'shaped'])).stdout);
	t.regex(image.Id, /^sha256:[a-f\d]{64}$/);
	t.deepEqual(image.RepoTags, ['shaped:latest']);
	t.is(image.RootFS.Type, 'layers');
	t.true(image.Size > 1_000_000);
	t.is(image.Os, 'linux');
	for (const key of ['RepoDigests', 'Created', 'Config', 'Author', 'Comment', 'Parent', 'Architecture', 'GraphDriver', 'Metadata']) {
		t.true(key in image, key);
	}

	t.is(image.Comment, 'imported by a test');
	t.true(Date.parse(image.Created) > Date.now() - 600_000);
});

test.serial('images shows dangling images as <none>, filters by REPOSITORY[:TAG], and --digests, --no-trunc, --format', async t => {
	const dangling = (await berth(roots, ['import', busyboxTarball()])).stdout.trim();
	await berth(roots, ['import', busyboxTarball(), 'filtered:a']);
	await berth(roots, ['tag', 'filtered:a', 'filtered:b']);
	t.regex((await berth(roots, ['images'])).stdout, new RegExp(`\n<none>\\s+<none>\\s+${dangling.slice(7, 19)}\\s`));
	t.is((await berth(roots, ['images', '--format', '{{.Repository}}:{{.Tag}}', 'filtered'])).stdout.split('\n').sort().join(' '), ' filtered:a filtered:b');
	t.is((await berth(roots, ['images', '--format', '{{.Tag}}', 'filtered:b'])).stdout, 'b\n');
	t.regex((await berth(roots, ['images', '--digests', 'filtered:a'])).stdout, /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE\nfiltered\s+a\s+<none>\s+[a-f\d]{12}\s/);
	t.regex((await berth(roots, ['image', 'ls', '-q', '--no-trunc', 'filtered:a'])).stdout, /^sha256:[a-f\d]{64}\n$/);
});

test('import reads a tarball from an http URL; a missing one is one line', async t => {
	const server = http.createServer((request, response) => {
		if (request.url === '/rootfs.tar') {
			fs.createReadStream(busyboxTarball()).pipe(response);
		} else {
			response.writeHead(404).end();
		}
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => server.close());
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const imported = await berth(roots, ['image', 'import', `${base}/rootfs.tar`, 'from-url']);
	t.is(imported.code, 0, imported.stderr);
	t.is((await berth(roots, ['run', '--rm', 'from-url', 'echo', 'fetched'])).stdout, 'fetched\n');
	const missing = await berth(roots, ['import', `${base}/missing.tar`]);
	t.is(missing.stderr, `berth: cannot fetch \`${base}/missing.tar\`: HTTP 404\n`);
});

test('images --digests shows each repository\'s own digest on its rows; a repository with only a digest is a <none> tag', async t => {
	const registry = await startRegistry();
	t.teardown(registry.stop);
	const store = isolateRegistryFiles(rootsForTest(t));
	const repository = `${registry.host}/images/digests`;
	const digest = await tagAndPush(store, testImage, `${repository}:1`);
	const listed = await berth(store, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
	t.deepEqual(listed.stdout.trim().split('\n').sort(), [`${repository} 1 ${digest}`, 'busybox-test latest <none>']);

	// Pulled by digest alone, an image is listed under its repository, as Docker lists it.
	const other = isolateRegistryFiles(rootsForTest(t));
	t.is((await berth(other, ['pull', `${repository}@${digest}`])).code, 0);
	const byDigest = await berth(other, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', repository]);
	t.is(byDigest.stdout, `${repository} <none> ${digest}\n`);
	t.regex((await berth(other, ['images', repository])).stdout, new RegExp(`\n${repository.replaceAll('.', '\\.')}\\s+<none>\\s+[a-f\\d]{12}\\s`));
});

test('images --filter: dangling, reference globs, before and since, labels; a bad filter is one line', async t => {
	const store = rootsForTest(t);
	const made = async (args: string[]) => (await berth(store, args)).stdout.trim().slice(7, 19);
	const base = (await berth(store, ['images', '-q'])).stdout.trim();
	const labelled = await made(['import', '-c', 'LABEL tier=web', '-c', 'LABEL team=a', busyboxTarball(), 'app/web:1']);
	const other = await made(['import', '-c', 'LABEL tier=db', busyboxTarball(), 'app/db:1']);
	await berth(store, ['tag', 'app/db:1', 'app/db:2']);
	const dangling = await made(['import', busyboxTarball()]);
	const list = async (...filters: string[]) => (await berth(store, ['images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}', ...filters.flatMap(filter => ['--filter', filter])])).stdout.trim().split('\n').filter(Boolean).sort();

	t.deepEqual(await list('dangling=true'), [`${dangling} <none>:<none>`]);
	t.deepEqual(await list('dangling=false'), [`${base} busybox-test:latest`, `${other} app/db:1`, `${other} app/db:2`, `${labelled} app/web:1`].sort());
	t.deepEqual(await list('reference=app/*'), [`${other} app/db:1`, `${other} app/db:2`, `${labelled} app/web:1`].sort());
	t.deepEqual(await list('reference=app/db:2'), [`${other} app/db:2`]);
	t.deepEqual(await list('reference=*:1', 'reference=busybox-*'), [`${base} busybox-test:latest`]);
	t.deepEqual(await list('reference=app/*:1', 'reference=busybox-*'), [`${base} busybox-test:latest`, `${other} app/db:1`, `${labelled} app/web:1`].sort());
	t.deepEqual(await list('since=app/web:1'), [`${other} app/db:1`, `${other} app/db:2`, `${dangling} <none>:<none>`].sort());
	t.deepEqual(await list('before=app/db:1'), [`${base} busybox-test:latest`, `${labelled} app/web:1`].sort());
	t.deepEqual(await list('since=busybox-test', 'before=app/db:2'), [`${labelled} app/web:1`]);
	t.deepEqual(await list('label=tier'), [`${other} app/db:1`, `${other} app/db:2`, `${labelled} app/web:1`].sort());
	t.deepEqual(await list('label=tier=web', 'label=team'), [`${labelled} app/web:1`]);
	t.deepEqual(await list('label=tier=web', 'label=team=b'), []);
	t.is((await berth(store, ['images', '-q', '-f', 'dangling=true'])).stdout, `${dangling}\n`);

	const bad = await berth(store, ['images', '--filter', 'color=red']);
	t.is(bad.code, 125);
	t.regex(bad.stderr, /^berth: invalid filter `color=red`: [^\n]+\n$/);
	t.regex((await berth(store, ['images', '--filter', 'dangling=maybe'])).stderr, /^berth: invalid filter `dangling=maybe`/);
	t.regex((await berth(store, ['images', '--filter', 'since=no-such-image'])).stderr, /^berth: no such image: `no-such-image`\n$/);
});
