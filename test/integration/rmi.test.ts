import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, rootsForTest, testImage} from '../helpers/berth.js';
import {isolateRegistryFiles, startRegistry, tagAndPush} from '../helpers/registry.js';

const count = (dir: string) => fs.existsSync(dir) ? fs.readdirSync(dir).filter(name => !name.startsWith('.')).length : 0;

test('rmi of one of two names only untags; of the last name deletes the image, its blobs and layers', async t => {
	const store = rootsForTest(t);
	await berth(store, ['run', '--rm', testImage, 'true']);
	await berth(store, ['tag', testImage, 'second']);
	t.is((await berth(store, ['rmi', 'second'])).stdout, 'Untagged: second:latest\n');
	t.is(count(path.join(store.root, 'layers')), 1);
	const id = (await berth(store, ['image', 'inspect', '--format', '{{.Id}}', testImage])).stdout.trim();
	const result = await berth(store, ['rmi', testImage]);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, new RegExp(`^Untagged: ${testImage}\nDeleted: ${id}\nDeleted: sha256:[a-f\\d]{64}\n$`));
	t.is(count(path.join(store.root, 'blobs/sha256')), 0);
	t.is(count(path.join(store.root, 'layers')), 0);
	t.is((await berth(store, ['images', '-q'])).stdout, '');
});

test('two images sharing a layer: rmi of one keeps the layer for the other', async t => {
	const store = rootsForTest(t);
	await berth(store, ['run', '--name', 'child', testImage, 'sh', '-c', 'echo x > /x']);
	await berth(store, ['commit', 'child', 'child-image']);
	await berth(store, ['rm', 'child']);
	t.is((await berth(store, ['rmi', testImage])).code, 0);
	t.is((await berth(store, ['run', '--rm', 'child-image', 'cat', '/x'])).stdout, 'x\n');
});

test('an image a container uses is refused without -f; with -f it loses its name and stays for the container', async t => {
	const store = rootsForTest(t);
	await berth(store, ['create', '--name', 'user', testImage, 'echo', 'still runs']);
	const refused = await berth(store, ['rmi', testImage]);
	t.is(refused.code, 125);
	t.regex(refused.stderr, /^berth: image `busybox-test:latest` is used by container `[a-f\d]{12}`: remove it first or use --force\n$/);
	const forced = await berth(store, ['image', 'rm', '-f', testImage]);
	t.is(forced.stdout, `Untagged: ${testImage}\n`);
	t.is((await berth(store, ['start', '-a', 'user'])).stdout, 'still runs\n');
	t.regex((await berth(store, ['images'])).stdout, /\n<none>\s+<none>\s+[a-f\d]{12}/);
});

test('an image a running container uses is refused even with -f; an id with two names needs -f', async t => {
	const store = rootsForTest(t);
	const id = (await berth(store, ['run', '-d', testImage, 'sleep', '1000'])).stdout.trim();
	const refused = await berth(store, ['rmi', '-f', testImage]);
	t.regex(refused.stderr, /is used by running container/);
	await berth(store, ['rm', '-f', id]);
	await berth(store, ['tag', testImage, 'other']);
	const image = (await berth(store, ['images', '-q'])).stdout.trim();
	t.regex((await berth(store, ['rmi', image])).stderr, /has 2 names/);
	const forced = await berth(store, ['rmi', '-f', image]);
	t.regex(forced.stdout, /^Untagged: busybox-test:latest\nUntagged: other:latest\nDeleted: sha256:/);
});

test('rmi of several names goes on past one that fails, exit status 1', async t => {
	const store = rootsForTest(t);
	await berth(store, ['tag', testImage, 'a']);
	const result = await berth(store, ['rmi', 'a', 'no-such-image', testImage]);
	t.is(result.code, 1);
	t.is(result.stderr, 'berth: no such image: `no-such-image`\n');
	t.regex(result.stdout, /^Untagged: a:latest\nUntagged: busybox-test:latest\nDeleted: /);
});

test('rmi of the last tag of a repository takes its digest references along, and the image with them when no name is left', async t => {
	const registry = await startRegistry();
	t.teardown(registry.stop);
	const store = isolateRegistryFiles(rootsForTest(t));
	const first = `${registry.host}/rmi/first`;
	const second = `${registry.host}/rmi/second`;
	const firstDigest = `${first}@${await tagAndPush(store, testImage, `${first}:1`)}`;
	const secondDigest = `${second}@${await tagAndPush(store, testImage, `${second}:1`)}`;
	const [image] = JSON.parse((await berth(store, ['image', 'inspect', testImage])).stdout) as Array<{Id: string; RepoDigests: string[]}>;
	t.deepEqual(image!.RepoDigests, [firstDigest, secondDigest]);

	// The digest of its own repository goes with the tag; the other repository's names stay.
	t.is((await berth(store, ['rmi', `${first}:1`])).stdout, `Untagged: ${first}:1\nUntagged: ${firstDigest}\n`);
	t.is((await berth(store, ['rmi', testImage])).stdout, `Untagged: ${testImage}\n`);
	// Only a digest reference would be left: the image goes, as with Docker.
	const removed = await berth(store, ['rmi', `${second}:1`]);
	t.is(removed.code, 0, removed.stderr);
	t.regex(removed.stdout, new RegExp(`^Untagged: ${second}:1\nUntagged: ${secondDigest}\nDeleted: ${image!.Id}\n`));
	t.is((await berth(store, ['images', '-a', '-q'])).stdout, '');
	t.is(count(path.join(store.root, 'blobs/sha256')), 0);
});

test('rmi of an id whose names are one tag and digests of the same repository needs no -f', async t => {
	const registry = await startRegistry();
	t.teardown(registry.stop);
	const store = isolateRegistryFiles(rootsForTest(t));
	const name = `${registry.host}/rmi/single:1`;
	const digest = await tagAndPush(store, testImage, name);
	await berth(store, ['rmi', testImage]);
	const id = (await berth(store, ['images', '-q', '--no-trunc'])).stdout.trim();
	const removed = await berth(store, ['rmi', id]);
	t.is(removed.code, 0, removed.stderr);
	t.true(removed.stdout.startsWith(`Untagged: ${name}\nUntagged: ${registry.host}/rmi/single@${digest}\nDeleted: ${id}\n`), removed.stdout);
	t.is((await berth(store, ['images', '-a', '-q'])).stdout, '');
});
