/**
 * One suite for every snapshotter (containerd's core/snapshots/testsuite, in small): each
 * implementation's test file calls `snapshotterSuite`. Lowers are real layers in overlay form:
 * a base, and a top layer that whites out a file and makes a directory opaque.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {extractLayer} from '../../source/storage/extract.js';
import {bindMount, unmount} from '../../source/storage/mounts.js';
import {TarReader} from '../../source/storage/tar-reader.js';
import {withMount, type Snapshotter} from '../../source/storage/snapshotter.js';
import {describeTree, type FixtureEntry, makeTar, streamOf, tempDir} from './storage-fixtures.js';

const baseLayer: FixtureEntry[] = [
	{path: 'bin/', mode: 0o755},
	{path: 'bin/sh', body: '#!shell', mode: 0o755},
	{path: 'etc/', mode: 0o755},
	{path: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n'},
	{path: 'etc/shadow', body: 'secret', mode: 0o600},
	{path: 'var/cache/old', body: 'old'},
	{path: 'home/user/', mode: 0o700, uid: 1000, gid: 1000},
];

const topLayer: FixtureEntry[] = [
	{path: 'etc/.wh.shadow', body: ''},
	{path: 'etc/hostname', body: 'box\n'},
	{path: 'var/cache/.wh..wh..opq', body: ''},
	{path: 'var/cache/new', body: 'new'},
];

const isMounted = (target: string) =>
	fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some(line => line.split(' ')[4] === target);

type Fixture = {base: string; lowers: string[]; containerDir: string; target: string};

const setup = async (t: ExecutionContext): Promise<Fixture> => {
	const base = tempDir(t, 'berth-snapshot-');
	const lowers = [];
	for (const [name, entries] of [['base', baseLayer], ['top', topLayer]] as const) {
		const dir = path.join(base, 'layers', name);
		fs.mkdirSync(dir, {recursive: true});
		await extractLayer(streamOf(await makeTar(entries)), dir);
		lowers.unshift(dir); // Topmost first.
	}

	const containerDir = path.join(base, 'container');
	const target = path.join(base, 'view');
	fs.mkdirSync(containerDir);
	fs.mkdirSync(target);
	t.teardown(() => {
		unmount(target);
	});
	return {base, lowers, containerDir, target};
};

/** What the merged view of the two layers holds, written down by hand. */
const expectedView = {
	bin: 'd0755 0:0',
	'bin/sh': '-0755 0:0 #!shell',
	etc: 'd0755 0:0',
	'etc/hostname': '-0644 0:0 box\n',
	'etc/passwd': '-0644 0:0 root:x:0:0::/root:/bin/sh\n',
	home: 'd0755 0:0',
	'home/user': 'd0700 1000:1000',
	var: 'd0755 0:0',
	'var/cache': 'd0755 0:0',
	'var/cache/new': '-0644 0:0 new',
};

const tarEntries = async (stream: AsyncIterable<Buffer>) => {
	const reader = new TarReader(stream);
	const names = [];
	for (let header = await reader.next(); header; header = await reader.next()) {
		names.push(header.path);
	}

	return names;
};

export const snapshotterSuite = (make: () => Snapshotter) => {
	const name = make().name;

	test(`${name}: prepare gives a view of the merged layers, whiteouts applied`, async t => {
		const {lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			t.deepEqual(describeTree(root), expectedView);
		});
		t.false(isMounted(target));
	});

	test(`${name}: what is written in the view stays with the container, and the lowers stay untouched`, async t => {
		const {lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		const lowersBefore = lowers.map(dir => describeTree(dir, {times: true}));
		await snapshotter.prepare(containerDir, lowers);
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			fs.writeFileSync(path.join(root, 'etc/passwd'), 'changed\n');
			fs.writeFileSync(path.join(root, 'new-file'), 'new');
			fs.mkdirSync(path.join(root, 'var/cache/sub'));
			fs.chmodSync(path.join(root, 'bin/sh'), 0o700);
		});
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			t.is(fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8'), 'changed\n');
			t.is(fs.readFileSync(path.join(root, 'new-file'), 'utf8'), 'new');
			t.true(fs.statSync(path.join(root, 'var/cache/sub')).isDirectory());
			t.is(fs.statSync(path.join(root, 'bin/sh')).mode & 0o777, 0o700);
		});
		t.deepEqual(lowers.map(dir => describeTree(dir, {times: true})), lowersBefore);
	});

	test(`${name}: deleting a lower file hides it in the view and keeps it in the layer`, async t => {
		const {lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			fs.rmSync(path.join(root, 'etc/passwd'));
			fs.rmSync(path.join(root, 'bin'), {recursive: true});
		});
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			t.false(fs.existsSync(path.join(root, 'etc/passwd')));
			t.false(fs.existsSync(path.join(root, 'bin')));
			t.true(fs.existsSync(path.join(root, 'etc/hostname')));
		});
		t.is(fs.readFileSync(path.join(lowers[1], 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
		t.true(fs.existsSync(path.join(lowers[1], 'bin/sh')));
	});

	test(`${name}: diff holds only the changes, and applying it over the layers gives the view back`, async t => {
		const {base, lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		const view = await withMount(snapshotter, containerDir, lowers, target, async root => {
			fs.rmSync(path.join(root, 'etc/passwd'));
			fs.writeFileSync(path.join(root, 'etc/hostname'), 'other\n');
			fs.writeFileSync(path.join(root, 'home/user/notes'), 'notes');
			fs.chownSync(path.join(root, 'home/user/notes'), 1000, 1000);
			fs.rmSync(path.join(root, 'var/cache'), {recursive: true});
			fs.mkdirSync(path.join(root, 'var/cache'));
			fs.writeFileSync(path.join(root, 'var/cache/fresh'), 'fresh');
			return describeTree(root);
		});

		const diff = snapshotter.diff(containerDir, lowers);
		const data = [];
		for await (const chunk of diff.stream) {
			data.push(chunk as Buffer);
		}

		const names = await tarEntries(streamOf(Buffer.concat(data)));
		t.false(names.some(entry => entry.startsWith('bin')), 'unchanged files are not in the diff');
		t.true(names.includes('etc/.wh.passwd'));
		t.true(names.includes('home/user/notes'));
		t.true(diff.digest().startsWith('sha256:'));

		// Applied flat over copies of the layers, the diff re-creates the view.
		const check = path.join(base, 'check');
		fs.mkdirSync(check);
		for (const entries of [baseLayer, topLayer]) {
			await extractLayer(streamOf(await makeTar(entries)), check, {format: 'flat'});
		}

		await extractLayer(streamOf(Buffer.concat(data)), check, {format: 'flat'});
		t.deepEqual(describeTree(check), view);
	});

	test(`${name}: a container prepared in one directory works after that directory is renamed`, async t => {
		const {base, lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		const moved = path.join(base, 'moved');
		fs.renameSync(containerDir, moved);
		const rootfs = snapshotter.rootfs(moved, lowers);
		t.true(JSON.stringify(rootfs).includes(moved));
		await withMount(snapshotter, moved, lowers, target, async root => {
			t.deepEqual(describeTree(root), expectedView);
		});
	});

	test(`${name}: with no layers at all the root starts empty and is writable`, async t => {
		const {containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, []);
		await withMount(snapshotter, containerDir, [], target, async root => {
			t.deepEqual(fs.readdirSync(root), []);
			fs.writeFileSync(path.join(root, 'file'), 'x');
		});
		await withMount(snapshotter, containerDir, [], target, async root => {
			t.deepEqual(fs.readdirSync(root), ['file']);
		});
	});

	test(`${name}: what is mounted inside a lower dir is not part of the root, as with a --rootfs of /`, async t => {
		const {base, lowers, containerDir, target} = await setup(t);
		const mounted = path.join(base, 'mounted');
		fs.mkdirSync(path.join(mounted, 'deep'), {recursive: true});
		fs.writeFileSync(path.join(mounted, 'deep/file'), 'not in the layer');
		const mountpoint = path.join(lowers[1], 'home/user');
		bindMount(mounted, mountpoint);
		t.teardown(() => {
			unmount(mountpoint);
		});
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			t.true(fs.statSync(path.join(root, 'home/user')).isDirectory());
			t.deepEqual(fs.readdirSync(path.join(root, 'home/user')), []);
		});
		const names = await tarEntries(snapshotter.diff(containerDir, lowers).stream);
		t.deepEqual(names, [], 'an unchanged root has an empty diff');
	});

	test(`${name}: withMount unmounts even when the work inside fails`, async t => {
		const {lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		await t.throwsAsync(withMount(snapshotter, containerDir, lowers, target, async () => {
			t.true(isMounted(target));
			throw new Error('failed inside');
		}), {message: 'failed inside'});
		t.false(isMounted(target));
		await t.notThrowsAsync(snapshotter.unmount(target), 'unmounting twice is harmless');
	});

	test(`${name}: remove leaves nothing, and removing twice is harmless`, async t => {
		const {lowers, containerDir, target} = await setup(t);
		const snapshotter = make();
		await snapshotter.prepare(containerDir, lowers);
		await withMount(snapshotter, containerDir, lowers, target, async root => {
			fs.writeFileSync(path.join(root, 'written'), 'x');
			fs.rmSync(path.join(root, 'etc/passwd'));
		});
		await snapshotter.remove(containerDir);
		await snapshotter.remove(containerDir);
		t.deepEqual(fs.readdirSync(containerDir), []);
		t.is(fs.readFileSync(path.join(lowers[1], 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
	});
};
