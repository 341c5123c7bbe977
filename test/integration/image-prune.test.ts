import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, rootsForTest, testImage} from '../helpers/berth.js';
import {isolateRegistryFiles, startRegistry, tagAndPush} from '../helpers/registry.js';


test('image prune removes dangling images and keeps tagged ones and those containers use', async t => {
	const store = rootsForTest(t);
	await berth(store, ['run', '--name', 'maker', testImage, 'sh', '-c', 'echo 1 > /one']);
	const dangling = (await berth(store, ['commit', 'maker'])).stdout.trim();
	const used = (await berth(store, ['commit', '-m', 'used', 'maker'])).stdout.trim();
	await berth(store, ['create', '--name', 'user', used, 'true']);
	const result = await berth(store, ['image', 'prune', '-f']);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, new RegExp(`^Deleted Images:\ndeleted: ${dangling}\n(?:deleted: .*\n)*\nTotal reclaimed space: [\\d.]+k?B\n$`));
	const left = (await berth(store, ['images', '-q', '--no-trunc'])).stdout;
	t.false(left.includes(dangling));
	t.true(left.includes(used));
	t.is((await berth(store, ['image', 'prune'])).stdout, 'Total reclaimed space: 0B\n');
});

test('image prune -a removes every image no container uses, and the layers they leave', async t => {
	const store = rootsForTest(t);
	await berth(store, ['run', '--rm', testImage, 'true']);
	t.is(fs.readdirSync(path.join(store.root, 'layers')).filter(name => !name.startsWith('.')).length, 1);
	const result = await berth(store, ['image', 'prune', '-a', '-f']);
	t.regex(result.stdout, /^Deleted Images:\nuntagged: busybox-test:latest\ndeleted: sha256:/);
	t.is((await berth(store, ['images', '-q'])).stdout, '');
	t.deepEqual(fs.readdirSync(path.join(store.root, 'layers')).filter(name => !name.startsWith('.')), []);
	t.deepEqual(fs.readdirSync(path.join(store.root, 'blobs/sha256')), []);
});

test('image prune takes an image with a digest reference and no tag, as Docker does', async t => {
	const registry = await startRegistry();
	t.teardown(registry.stop);
	const source = isolateRegistryFiles(rootsForTest(t));
	const name = `${registry.host}/prune/digest`;
	const digest = await tagAndPush(source, testImage, `${name}:1`);
	const store = isolateRegistryFiles(rootsForTest(t));
	t.is((await berth(store, ['pull', `${name}@${digest}`])).code, 0);
	const result = await berth(store, ['image', 'prune', '-f']);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, new RegExp(`^Deleted Images:\nuntagged: ${name}@${digest}\ndeleted: sha256:`));
	t.is((await berth(store, ['images', '-a', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, `${testImage}\n`);
});
