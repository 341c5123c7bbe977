import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {native} from '../../source/native/addon.js';
import {extractLayer} from '../../source/storage/extract.js';
import {bindMount, mountOverlay, unmount} from '../../source/storage/mounts.js';
import {packLayer, type PackOptions} from '../../source/storage/pack.js';
import {TarReader} from '../../source/storage/tar-reader.js';
import {describeTree, streamOf, tempDir} from './storage-fixtures.js';

const pack = async (dir: string, options?: PackOptions) => {
	const output = packLayer(dir, options);
	const chunks = [];
	for await (const chunk of output.stream) {
		chunks.push(chunk as Buffer);
	}

	const data = Buffer.concat(chunks);
	return {data, digest: output.digest()};
};

const entriesOf = async (data: Buffer) => {
	const reader = new TarReader(streamOf(data));
	const entries = [];
	for (let header = await reader.next(); header; header = await reader.next()) {
		entries.push(header);
	}

	return entries;
};

const makeTree = (dir: string) => {
	fs.mkdirSync(path.join(dir, 'b/c'), {recursive: true});
	fs.mkdirSync(path.join(dir, 'a'));
	fs.writeFileSync(path.join(dir, 'b/c/file'), 'content');
	fs.writeFileSync(path.join(dir, 'b/big'), Buffer.alloc((3 * 1024 * 1024) + 5, 'z'));
	fs.linkSync(path.join(dir, 'b/c/file'), path.join(dir, 'a/hardlink'));
	fs.symlinkSync('../b/c/file', path.join(dir, 'a/symlink'));
	execFileSync('mknod', [path.join(dir, 'a/null'), 'c', '1', '3']);
	execFileSync('mkfifo', [path.join(dir, 'a/fifo')]);
	fs.chownSync(path.join(dir, 'b/c'), 1000, 100);
	fs.chmodSync(path.join(dir, 'b/c/file'), 0o4750);
	native().lsetxattr(path.join(dir, 'b/big'), 'user.kept', Buffer.from('yes'));
};

test('a plain tree packs in sorted order, hardlinks by inode, and unpacks to the same tree', async t => {
	const dir = tempDir(t);
	const source = path.join(dir, 'source');
	makeTree(source);
	const {data, digest} = await pack(source, {format: 'plain'});
	t.is(digest, `sha256:${createHash('sha256').update(data).digest('hex')}`);
	const entries = await entriesOf(data);
	t.deepEqual(entries.map(entry => entry.path), ['a/', 'a/fifo', 'a/hardlink', 'a/null', 'a/symlink', 'b/', 'b/big', 'b/c/', 'b/c/file']);
	t.like(entries[2], {type: 'file', size: 7});
	t.like(entries[8], {type: 'hardlink', linkpath: 'a/hardlink'});
	t.like(entries[3], {type: 'char', devmajor: 1, devminor: 3});
	const target = path.join(dir, 'target');
	fs.mkdirSync(target);
	t.is(await extractLayer(streamOf(data), target), digest);
	t.deepEqual(describeTree(target, {times: true}), describeTree(source, {times: true}));
});

test('packing is deterministic: the same tree gives the same diff id', async t => {
	const dir = tempDir(t);
	makeTree(dir);
	t.is((await pack(dir)).digest, (await pack(dir)).digest);
});

test('GNU tar lists and extracts a packed layer', async t => {
	const dir = tempDir(t);
	const source = path.join(dir, 'source');
	makeTree(source);
	fs.writeFileSync(path.join(dir, 'layer.tar'), (await pack(source, {format: 'plain'})).data);
	const target = path.join(dir, 'target');
	fs.mkdirSync(target);
	execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', path.join(dir, 'layer.tar'), '-C', target]);
	t.deepEqual(describeTree(target), describeTree(source));
});

test('an overlay upper dir packs as OCI whiteouts, and the layer re-creates the same merged view', async t => {
	const dir = tempDir(t);
	const [lower, upper, work, merged, layer, check] = ['lower', 'upper', 'work', 'merged', 'layer', 'check'].map(name => {
		fs.mkdirSync(path.join(dir, name));
		return path.join(dir, name);
	});
	fs.mkdirSync(path.join(lower, 'etc'));
	fs.writeFileSync(path.join(lower, 'etc/deleted'), 'old');
	fs.writeFileSync(path.join(lower, 'etc/changed'), 'old');
	fs.mkdirSync(path.join(lower, 'var/cache'), {recursive: true});
	fs.writeFileSync(path.join(lower, 'var/cache/old'), 'old');
	mountOverlay([lower], upper, work, merged);
	t.teardown(() => unmount(merged));
	fs.rmSync(path.join(merged, 'etc/deleted'));
	fs.appendFileSync(path.join(merged, 'etc/changed'), ' and new');
	fs.rmSync(path.join(merged, 'var/cache'), {recursive: true});
	fs.mkdirSync(path.join(merged, 'var/cache'));
	fs.writeFileSync(path.join(merged, 'var/cache/new'), 'new');
	fs.writeFileSync(path.join(merged, 'added'), 'added');
	fs.linkSync(path.join(merged, 'added'), path.join(merged, 'added-link'));
	native().lsetxattr(path.join(merged, 'added'), 'user.kept', Buffer.from('1'));
	const view = describeTree(merged);
	unmount(merged);

	const {data, digest} = await pack(upper);
	const entries = await entriesOf(data);
	t.deepEqual(entries.map(entry => `${entry.type} ${entry.path}`), [
		'file added',
		'hardlink added-link',
		'directory etc/',
		'file etc/changed',
		'file etc/.wh.deleted',
		'directory var/',
		'directory var/cache/',
		'file var/cache/.wh..wh..opq',
		'file var/cache/new',
	]);
	t.deepEqual([...entries[0].xattrs.keys()], ['user.kept']);
	t.true(entries.every(entry => [...entry.xattrs.keys()].every(key => !key.startsWith('trusted.overlay.'))));

	t.is(await extractLayer(streamOf(data), layer), digest);
	fs.mkdirSync(path.join(dir, 'upper2'));
	fs.mkdirSync(path.join(dir, 'work2'));
	mountOverlay([layer, lower], path.join(dir, 'upper2'), path.join(dir, 'work2'), check);
	t.teardown(() => unmount(check));
	t.deepEqual(describeTree(check), view);
});

test('a mount point inside the tree is packed as its directory, without what is mounted on it', async t => {
	const dir = tempDir(t);
	const [tree, mounted] = ['tree', 'mounted'].map(name => path.join(dir, name));
	fs.mkdirSync(path.join(tree, 'with space/mnt'), {recursive: true});
	fs.mkdirSync(mounted);
	fs.writeFileSync(path.join(mounted, 'secret'), 'not in the tree');
	bindMount(mounted, path.join(tree, 'with space/mnt'));
	t.teardown(() => {
		unmount(path.join(tree, 'with space/mnt'));
	});
	const entries = await entriesOf((await pack(tree, {format: 'plain'})).data);
	t.deepEqual(entries.map(entry => entry.path), ['with space/', 'with space/mnt/']);
});
