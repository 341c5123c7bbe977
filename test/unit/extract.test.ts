import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import {native} from '../../source/native/addon.js';
import {extractLayer} from '../../source/storage/extract.js';
import {describeTree, makeTar, streamOf, tempDir} from './storage-fixtures.js';

const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const capability = Buffer.from('0100000200200000000000000000000000000000', 'hex');

test('every entry type comes out with its owner, mode, times and xattrs', async t => {
	const dir = tempDir(t);
	const data = await makeTar([
		{path: 'etc/', mode: 0o755, mtime: 1_500_000_000},
		{path: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644, mtime: 1_500_000_001},
		{path: 'bin/', mode: 0o755},
		{path: 'bin/su', body: 'suid', mode: 0o4755, uid: 0, gid: 0},
		{path: 'bin/ping', body: 'ping', mode: 0o755, xattrs: new Map([['security.capability', capability]])},
		{path: 'home/user/', mode: 0o700, uid: 1000, gid: 1000, mtime: 1_400_000_000},
		{path: 'home/user/setgid', body: 'g', mode: 0o2750, uid: 1000, gid: 1000},
		{path: 'home/user/link', type: 'symlink', linkpath: '../../etc/passwd', uid: 1000, gid: 1000},
		{path: 'etc/hard', type: 'hardlink', linkpath: 'etc/passwd'},
		{path: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666},
		{path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660, gid: 6},
		{path: 'run/fifo', type: 'fifo', mode: 0o600},
		{path: 'tmp/', mode: 0o1777},
		{path: 'user-xattr', body: '', xattrs: new Map([['user.comment', Buffer.from('kept')]])},
	]);
	const diffId = await extractLayer(streamOf(data), dir);
	t.is(diffId, sha(data));
	t.like(describeTree(dir), {
		etc: 'd0755 0:0',
		'etc/passwd': '-0644 0:0 root:x:0:0::/root:/bin/sh\n',
		'bin/su': '-4755 0:0 suid',
		'bin/ping': `-0755 0:0 ping [security.capability=${capability.toString('hex')}]`,
		'home/user': 'd0700 1000:1000',
		'home/user/setgid': '-2750 1000:1000 g',
		'home/user/link': 'l0777 1000:1000 -> ../../etc/passwd',
		'dev/null': 'c0666 0:0 1,3',
		'dev/sda': 'b0660 0:6 8,0',
		'run/fifo': 'p0600 0:0',
		tmp: 'd1777 0:0',
		'user-xattr': '-0644 0:0 [user.comment=6b657074]',
	});
	t.is(fs.statSync(path.join(dir, 'etc/hard')).ino, fs.statSync(path.join(dir, 'etc/passwd')).ino);
	// Directory times are set once their content is written.
	t.is(fs.statSync(path.join(dir, 'etc')).mtimeMs, 1_500_000_000_000);
	t.is(fs.statSync(path.join(dir, 'etc/passwd')).mtimeMs, 1_500_000_001_000);
	t.is(fs.statSync(path.join(dir, 'home/user')).mtimeMs, 1_400_000_000_000);
});

test('a gzipped layer is detected and its diff id is that of the uncompressed tar', async t => {
	const dir = tempDir(t);
	const data = await makeTar([{path: 'file', body: 'zipped'}]);
	t.is(await extractLayer(streamOf(zlib.gzipSync(data)), dir), sha(data));
	t.is(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'zipped');
});

test('a layer made by GNU tar from a real tree comes out the same', async t => {
	const dir = tempDir(t);
	const source = path.join(dir, 'source');
	fs.mkdirSync(path.join(source, 'a/b/c'), {recursive: true});
	fs.writeFileSync(path.join(source, 'a/b/c/deep'), 'deep');
	fs.writeFileSync(path.join(source, 'a/big'), Buffer.alloc(3 * 1024 * 1024 + 17, 'x'));
	fs.linkSync(path.join(source, 'a/big'), path.join(source, 'a/b/big-link'));
	fs.symlinkSync('b/c', path.join(source, 'a/dirlink'));
	fs.chownSync(path.join(source, 'a/b'), 33, 44);
	fs.chmodSync(path.join(source, 'a/b/c/deep'), 0o4711);
	execFileSync('mknod', [path.join(source, 'zero'), 'c', '1', '5']);
	const tar = path.join(dir, 'layer.tar');
	execFileSync('tar', ['--xattrs', '-cf', tar, '-C', source, '.']);
	const target = path.join(dir, 'target');
	fs.mkdirSync(target);
	t.is(await extractLayer(fs.createReadStream(tar), target), sha(fs.readFileSync(tar)));
	t.deepEqual(describeTree(target, {times: true}), describeTree(source, {times: true}));
	t.is(fs.statSync(path.join(target, 'a/b/big-link')).ino, fs.statSync(path.join(target, 'a/big')).ino);
});

test('overlay form: a whiteout becomes a char device 0:0, an opaque marker the xattr', async t => {
	const dir = tempDir(t);
	await extractLayer(streamOf(await makeTar([
		{path: 'etc/', mode: 0o755},
		{path: 'etc/.wh.shadow', body: '', uid: 7},
		{path: 'var/cache/.wh..wh..opq', body: ''},
		{path: 'var/cache/kept', body: 'new'},
		{path: '.wh..wh.plnk/', mode: 0o700},
		{path: '.wh..wh.aufs', body: ''},
	])), dir);
	t.deepEqual(describeTree(dir), {
		etc: 'd0755 0:0',
		'etc/shadow': 'c0000 7:0 0,0',
		var: 'd0755 0:0',
		'var/cache': 'd0755 0:0 [trusted.overlay.opaque=79]',
		'var/cache/kept': '-0644 0:0 new',
	});
});

test('flat form: a whiteout deletes what it hides, an opaque marker empties the directory but for this layer', async t => {
	const dir = tempDir(t);
	await extractLayer(streamOf(await makeTar([
		{path: 'etc/shadow', body: 'secret'},
		{path: 'etc/passwd', body: 'users'},
		{path: 'var/cache/old/file', body: 'old'},
		{path: 'var/cache/stale', body: 'stale'},
		{path: 'var/lib/', mode: 0o755},
	])), dir, {format: 'flat'});
	await extractLayer(streamOf(await makeTar([
		{path: 'var/cache/new/file', body: 'new'},
		{path: 'var/cache/.wh..wh..opq', body: ''},
		{path: 'etc/.wh.shadow', body: ''},
		{path: 'var/.wh.lib', body: ''},
		{path: 'gone/.wh.nothing', body: ''},
	])), dir, {format: 'flat'});
	t.deepEqual(describeTree(dir), {
		etc: 'd0755 0:0',
		'etc/passwd': '-0644 0:0 users',
		var: 'd0755 0:0',
		'var/cache': 'd0755 0:0',
		'var/cache/new': 'd0755 0:0',
		'var/cache/new/file': '-0644 0:0 new',
	});
});

test('an entry replaces what is there, except a directory over a directory, which keeps its content', async t => {
	const dir = tempDir(t);
	await extractLayer(streamOf(await makeTar([
		{path: 'dir/kept', body: 'kept'},
		{path: 'file-then-dir', body: 'file'},
		{path: 'dir-then-file/inner', body: 'inner'},
		{path: 'link', type: 'symlink', linkpath: 'dir'},
	])), dir, {format: 'flat'});
	native().lsetxattr(path.join(dir, 'dir'), 'user.old', Buffer.from('1'));
	await extractLayer(streamOf(await makeTar([
		{path: 'dir/', mode: 0o700, uid: 5},
		{path: 'file-then-dir/', mode: 0o755},
		{path: 'dir-then-file', body: 'now a file'},
		{path: 'link', body: 'not a link any more'},
	])), dir, {format: 'flat'});
	t.deepEqual(describeTree(dir), {
		dir: 'd0700 5:0 [user.old=31]',
		'dir/kept': '-0644 0:0 kept',
		'dir-then-file': '-0644 0:0 now a file',
		'file-then-dir': 'd0755 0:0',
		link: '-0644 0:0 not a link any more',
	});
});

test('a hardlink to a file missing from the layer is an INVALID_ARCHIVE', async t => {
	const dir = tempDir(t);
	await t.throwsAsync(extractLayer(streamOf(await makeTar([{path: 'link', type: 'hardlink', linkpath: 'missing'}])), dir), {
		code: 'INVALID_ARCHIVE',
		message: 'hardlink `link` points to `missing`, which is not in the layer',
	});
});

test('many small files and a few big ones come out whole, in any order of completion', async t => {
	const dir = tempDir(t);
	const entries = [];
	for (let i = 0; i < 300; i++) {
		entries.push({path: `many/f${i}`, body: Buffer.alloc(i * 97, i % 251)});
	}

	entries.push({path: 'many/big', body: Buffer.alloc(5 * 1024 * 1024, 7)}, {path: 'many/f7', body: 'rewritten'}, {path: 'many/link', type: 'hardlink' as const, linkpath: 'many/f299'});
	await extractLayer(streamOf(await makeTar(entries)), dir);
	for (let i = 0; i < 300; i++) {
		t.deepEqual(fs.readFileSync(path.join(dir, `many/f${i}`)), i === 7 ? Buffer.from('rewritten') : Buffer.alloc(i * 97, i % 251));
	}

	t.is(fs.statSync(path.join(dir, 'many/big')).size, 5 * 1024 * 1024);
	t.is(fs.statSync(path.join(dir, 'many/link')).ino, fs.statSync(path.join(dir, 'many/f299')).ino);
});
