import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {LayerStore} from '../../source/storage/layers.js';
import {mountOverlay, unmount} from '../../source/storage/mounts.js';
import {overlaySupported, selectSnapshotter, snapshotterNamed} from '../../source/storage/snapshotter-select.js';
import {tempDir} from './storage-fixtures.js';

const makeDirs = (base: string, ...names: string[]) => names.map(name => {
	fs.mkdirSync(path.join(base, name), {recursive: true});
	return path.join(base, name);
});

test('overlay is chosen where a test mount works, and the answer is cached in the store', async t => {
	const root = tempDir(t);
	t.is((await selectSnapshotter(root)).name, 'overlay');
	t.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'snapshotter.json'), 'utf8')), {kernel: os.release(), overlay: true});
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')), [], 'the probe cleans up after itself');
});

test('the cached answer is used while the kernel is the same, and asked again after an upgrade', async t => {
	const root = tempDir(t);
	fs.writeFileSync(path.join(root, 'snapshotter.json'), JSON.stringify({kernel: os.release(), overlay: false}));
	t.is((await selectSnapshotter(root)).name, 'copy');
	fs.writeFileSync(path.join(root, 'snapshotter.json'), JSON.stringify({kernel: '2.6.32', overlay: false}));
	t.is((await selectSnapshotter(root)).name, 'overlay');
});

test('a store on top of an overlay cannot stack another one: copy is chosen', async t => {
	const base = tempDir(t);
	const [lower, upper, work, merged] = makeDirs(base, 'lower', 'upper', 'work', 'merged');
	mountOverlay([lower], upper, work, merged);
	t.teardown(() => {
		unmount(merged);
	});
	t.false(await overlaySupported(path.join(merged, 'store')));
	t.is((await selectSnapshotter(path.join(merged, 'other'))).name, 'copy');
});

test('the setting overrides the probe; an unknown one is refused by name', async t => {
	const root = tempDir(t);
	t.is((await selectSnapshotter(root, 'copy')).name, 'copy');
	t.is((await selectSnapshotter(root, 'vfs')).name, 'copy');
	t.is((await selectSnapshotter(root, 'overlay')).name, 'overlay');
	t.false(fs.existsSync(path.join(root, 'snapshotter.json')), 'no probe when told');
	await t.throwsAsync(selectSnapshotter(root, 'zfs'), {code: 'INVALID_ARGUMENT', message: 'unknown storage driver `zfs`: use overlay or copy'});
	t.is(snapshotterNamed('overlay2').name, 'overlay');
});

test('a probe killed while mounted is detached and removed by the layer store sweep', async t => {
	const root = tempDir(t);
	// The pid of a process that has exited: the probe's writer is dead.
	const dead = spawnSync('true').pid;
	const probe = path.join(root, 'layers', `.tmp-${dead}-0123456789ab-overlay-probe`);
	const [lower, upper, work, merged] = makeDirs(probe, 'top', 'upper', 'work', 'merged');
	mountOverlay([lower], upper, work, merged);
	t.teardown(() => {
		unmount(merged);
	});
	await new LayerStore(root).sweep();
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')), []);
});
