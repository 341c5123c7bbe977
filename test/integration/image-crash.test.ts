/**
 * kill -9 of commit, load and rmi at many moments, and a disk that fills up during load: the
 * next command finds a store it can use, the retried command succeeds, temporary files go.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, destroyRoots, killAfter, makeRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
let dir: string;
test.before(async () => {
	roots = rootsWithImage();
	dir = path.dirname(roots.root);
	// 40 MB in 400 files: long enough to commit, save and load that a kill lands in the middle.
	await berth(roots, ['run', '--name', 'crash-big', testImage, 'sh', '-c', 'mkdir /data; for i in $(seq 400); do head -c 100000 /dev/urandom > /data/$i; done']);
	await berth(roots, ['commit', 'crash-big', 'crash:big']);
	await berth(roots, ['save', '-o', path.join(dir, 'big.tar'), 'crash:big']);
});
test.after.always(() => {
	destroyRoots(roots);
});

const delays = [300, 400, 500, 600, 800, 1000, 1300];

const leftovers = (store: Roots) => ['ingest', 'blobs/sha256', 'layers']
	.flatMap(sub => fs.existsSync(path.join(store.root, sub)) ? fs.readdirSync(path.join(store.root, sub)) : [])
	.filter(name => name.startsWith('.tmp-'));

test.serial('kill -9 during commit leaves a store the next commit uses', async t => {
	const id = (await berth(roots, ['run', '-d', testImage, 'sh', '-c', 'mkdir /data; for i in $(seq 300); do head -c 100000 /dev/urandom > /data/$i; done; exec sleep 1000'])).stdout.trim();
	for (let i = 0; i < 100 && (await berth(roots, ['exec', id, 'ls', '/data'])).stdout.split('\n').length < 301; i++) {
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	for (const delay of delays) {
		await killAfter(roots, ['commit', id, 'crash:commit'], delay);
		// A commit killed while it held the container pauses leaves it shown as paused.
		if ((await berth(roots, ['inspect', '--format', '{{.State.Status}}', id])).stdout === 'paused\n') {
			t.is((await berth(roots, ['unpause', id])).code, 0);
		}
	}

	const result = await berth(roots, ['commit', id, 'crash:commit']);
	t.is(result.code, 0, result.stderr);
	t.is((await berth(roots, ['run', '--rm', 'crash:commit', 'sh', '-c', 'ls /data | wc -l'])).stdout.trim(), '300');
	t.deepEqual(leftovers(roots), []);
	await berth(roots, ['rm', '-f', id]);
});

test.serial('kill -9 during load leaves a store the next load uses', async t => {
	const other = makeRoots();
	t.teardown(() => destroyRoots(other));
	await berth(other, ['import', path.join(dir, 'big.tar'), 'before:crash']);
	const before = (await berth(other, ['images', '-q'])).stdout;
	for (const delay of delays) {
		await killAfter(other, ['load', '-i', path.join(dir, 'big.tar')], delay);
		const images = await berth(other, ['images', '-q']);
		t.is(images.code, 0, images.stderr);
		t.true([before, `${before}${(await berth(roots, ['images', '-q', 'crash:big'])).stdout}`].some(list => list.split('\n').sort().join() === images.stdout.split('\n').sort().join()));
	}

	const result = await berth(other, ['load', '-i', path.join(dir, 'big.tar')]);
	t.is(result.stdout, 'Loaded image: crash:big\n', result.stderr);
	t.is((await berth(other, ['run', '--rm', 'crash:big', 'sh', '-c', 'ls /data | wc -l'])).stdout.trim(), '400');
	t.deepEqual(leftovers(other), []);
});

test.serial('kill -9 during rmi leaves a store the next rmi uses', async t => {
	const other = makeRoots();
	t.teardown(() => destroyRoots(other));
	for (const delay of delays) {
		await berth(other, ['load', '-i', path.join(dir, 'big.tar')]);
		await berth(other, ['run', '--rm', 'crash:big', 'true']);
		await killAfter(other, ['rmi', 'crash:big'], delay);
		const images = await berth(other, ['images']);
		t.is(images.code, 0, images.stderr);
		const again = await berth(other, ['rmi', 'crash:big']);
		t.true(again.code === 0 || /no such image/.test(again.stderr), again.stderr);
	}

	await berth(other, ['image', 'prune', '-a']);
	t.deepEqual(fs.readdirSync(path.join(other.root, 'blobs/sha256')), []);
	t.deepEqual(fs.readdirSync(path.join(other.root, 'layers')).filter(name => !name.startsWith('.')), []);
});

test.serial('a disk that fills up during load is one line and leaves the images as they were', async t => {
	const small = makeRoots();
	const mountPoint = path.dirname(small.root);
	execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
	t.teardown(() => {
		execFileSync('umount', ['-l', mountPoint]);
		destroyRoots(small);
	});
	await berth(roots, ['save', '-o', path.join(dir, 'berth-small.tar'), testImage]);
	t.is((await berth(small, ['load', '-i', path.join(dir, 'berth-small.tar')])).code, 0);
	const before = (await berth(small, ['images', '-a', '-q', '--no-trunc'])).stdout;
	const result = await berth(small, ['load', '-i', path.join(dir, 'big.tar')]);
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: no space left on the device to load the images\n$/);
	t.is((await berth(small, ['images', '-a', '-q', '--no-trunc'])).stdout, before);
	t.is((await berth(small, ['run', '--rm', testImage, 'echo', 'still works'])).stdout, 'still works\n');
	t.deepEqual(leftovers(small), []);
});
