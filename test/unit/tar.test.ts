import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import {native} from '../../source/native/addon.js';
import {BLOCK, encodeHeader, parseHeader} from '../../source/storage/tar-header.js';
import {TarReader} from '../../source/storage/tar-reader.js';
import {tarHeader, writeTar} from '../../source/storage/tar-writer.js';
import type {TarHeader} from '../../source/storage/tar-header.js';
import {makeTar, streamOf, tempDir} from './storage-fixtures.js';

const readAll = async (data: Buffer | AsyncIterable<Buffer>) => {
	const reader = new TarReader(Buffer.isBuffer(data) ? streamOf(data) : data);
	const entries: Array<TarHeader & {content: string}> = [];
	for (let header = await reader.next(); header; header = await reader.next()) {
		const chunks = [];
		for await (const chunk of reader.body()) {
			chunks.push(chunk);
		}

		entries.push({...header, content: Buffer.concat(chunks).toString('utf8')});
	}

	return {entries, digest: await reader.finish()};
};

const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const longName = `${'directory-'.repeat(12)}/${'file-'.repeat(30)}.txt`;

test('a header is one ustar block unless a value needs pax: long path, long link, big id, xattrs', t => {
	const plain = tarHeader({path: `${'d'.repeat(150)}/${'f'.repeat(99)}`, type: 'file', uid: 2_097_151, mtime: 1_700_000_000.75});
	t.is(encodeHeader(plain).length, BLOCK);
	t.like(parseHeader(encodeHeader(plain)), {kind: 'entry', header: {path: plain.path, uid: 2_097_151, mtime: 1_700_000_000}});
	for (const needsPax of [
		{path: longName},
		{linkpath: 'x'.repeat(101), type: 'symlink' as const},
		{uid: 2_097_152},
		{xattrs: new Map([['user.a', Buffer.from('b')]])},
	]) {
		const blocks = encodeHeader(tarHeader({path: 'file', type: 'file', ...needsPax}));
		t.true(blocks.length > BLOCK);
		t.like(parseHeader(blocks.subarray(0, BLOCK)), {kind: 'pax'});
	}
});

test('the reader gives back what the writer wrote, and the digest of the stream', async t => {
	const data = await makeTar([
		{path: 'dir/', mode: 0o750, uid: 5, gid: 6, mtime: 1_600_000_000},
		{path: 'dir/file', body: 'hello', mode: 0o4711},
		{path: longName, body: 'long'},
		{path: 'link', type: 'symlink', linkpath: 'y'.repeat(200)},
		{path: 'hard', type: 'hardlink', linkpath: 'dir/file'},
		{path: 'null', type: 'char', devmajor: 1, devminor: 3},
		{path: 'disk', type: 'block', devmajor: 8, devminor: 1},
		{path: 'fifo', type: 'fifo'},
		{path: 'big-ids', body: '', uid: 3_000_000_000, gid: 4_000_000_000},
		{path: 'caps', body: 'x', xattrs: new Map([['security.capability', Buffer.from([1, 0, 0, 2, 255, 0])], ['user.note', Buffer.from('n=1\nx')]])},
	]);
	const {entries, digest} = await readAll(data);
	t.is(digest, sha(data));
	t.deepEqual(entries.map(entry => [entry.path, entry.type]), [
		['dir/', 'directory'], ['dir/file', 'file'], [longName, 'file'], ['link', 'symlink'], ['hard', 'hardlink'],
		['null', 'char'], ['disk', 'block'], ['fifo', 'fifo'], ['big-ids', 'file'], ['caps', 'file'],
	]);
	t.like(entries[0], {mode: 0o750, uid: 5, gid: 6, mtime: 1_600_000_000});
	t.like(entries[1], {content: 'hello', mode: 0o4711, size: 5});
	t.is(entries[2].content, 'long');
	t.is(entries[3].linkpath, 'y'.repeat(200));
	t.is(entries[4].linkpath, 'dir/file');
	t.like(entries[5], {devmajor: 1, devminor: 3});
	t.like(entries[8], {uid: 3_000_000_000, gid: 4_000_000_000});
	t.deepEqual(entries[9].xattrs.get('security.capability'), Buffer.from([1, 0, 0, 2, 255, 0]));
	t.deepEqual(entries[9].xattrs.get('user.note'), Buffer.from('n=1\nx'));
});

test('GNU tar reads what the writer wrote', async t => {
	const dir = tempDir(t);
	const file = path.join(dir, 'layer.tar');
	fs.writeFileSync(file, await makeTar([
		{path: 'a/', mtime: 1_600_000_000},
		{path: `a/${longName}`, body: 'content', uid: 1000, gid: 1000, mtime: 1_600_000_000},
		{path: 'a/link', type: 'symlink', linkpath: 'target', mtime: 1_600_000_000},
	]));
	const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], {encoding: 'utf8'});
	t.regex(listing, new RegExp(`-rw-r--r-- 1000/1000 +7 2020-09-1\\d \\d\\d:\\d\\d a/${longName}`));
	t.regex(listing, /lrwxrwxrwx 0\/0 +0 .* a\/link -> target/);
	execFileSync('tar', ['-xf', file, '-C', dir]);
	t.is(fs.readFileSync(path.join(dir, 'a', longName), 'utf8'), 'content');
});

test('the reader takes GNU long names, pax and old-style archives made by GNU tar, gzipped or not', async t => {
	const dir = tempDir(t);
	const source = path.join(dir, 'source');
	fs.mkdirSync(path.dirname(path.join(source, 'd', longName)), {recursive: true});
	fs.writeFileSync(path.join(source, 'd', longName), 'gnu');
	fs.symlinkSync('l'.repeat(150), path.join(source, 'd', 'long-link'));
	fs.writeFileSync(path.join(source, 'xattr'), 'x');
	native().lsetxattr(path.join(source, 'xattr'), 'user.color', Buffer.from('blue'));
	for (const format of ['gnu', 'posix', 'oldgnu']) {
		const file = path.join(dir, `${format}.tar`);
		execFileSync('tar', [`--format=${format}`, '--xattrs', '--xattrs-include=user.*', '-cf', file, '-C', source, 'd', 'xattr']);
		const data = fs.readFileSync(file);
		for (const input of [data, zlib.gzipSync(data)]) {
			const {entries, digest} = await readAll(input);
			t.is(digest, sha(data), format);
			t.is(entries.find(entry => entry.path.endsWith('.txt'))?.content, 'gnu', format);
			t.is(entries.find(entry => entry.path === 'd/long-link')?.linkpath, 'l'.repeat(150), format);
			if (format === 'posix') {
				t.deepEqual(entries.find(entry => entry.path === 'xattr')?.xattrs.get('user.color'), Buffer.from('blue'));
			}
		}
	}
});

test('a truncated archive, a corrupt header or a broken gzip is an INVALID_ARCHIVE', async t => {
	const data = await makeTar([{path: 'file', body: 'x'.repeat(2000)}]);
	await t.throwsAsync(readAll(data.subarray(0, 1024)), {code: 'INVALID_ARCHIVE', message: 'tar archive is truncated'});
	const corrupt = Buffer.from(data);
	corrupt[10] ^= 0xff;
	await t.throwsAsync(readAll(corrupt), {code: 'INVALID_ARCHIVE', message: /checksum/});
	const gzip = zlib.gzipSync(data);
	await t.throwsAsync(readAll(gzip.subarray(0, gzip.length - 100)), {code: 'INVALID_ARCHIVE'});
});

test('an archive that ends without its zero blocks is read to the end; bytes after them count in the digest', async t => {
	const data = await makeTar([{path: 'file', body: 'x'}]);
	const bare = data.subarray(0, data.length - (2 * BLOCK));
	t.deepEqual((await readAll(bare)).entries.map(entry => entry.path), ['file']);
	const padded = Buffer.concat([data, Buffer.alloc(10 * BLOCK)]);
	t.is((await readAll(padded)).digest, sha(padded));
});

test('unsupported entry types are refused by name', async t => {
	const data = await makeTar([{path: 'sparse', body: 'x'}]);
	data[156] = 'S'.charCodeAt(0);
	// Fix the checksum for the changed type flag.
	data.fill(0x20, 148, 156);
	let sum = 0;
	for (let i = 0; i < BLOCK; i++) {
		sum += data[i];
	}

	data.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
	await t.throwsAsync(readAll(data), {code: 'INVALID_ARCHIVE', message: 'unsupported tar entry type `S` for `sparse`'});
});

test('an error of the source itself comes through as it is, gzipped or not', async t => {
	const data = await makeTar([{path: 'file', body: 'x'.repeat(100_000)}]);
	for (const input of [data, zlib.gzipSync(data)]) {
		const failing = (async function * () {
			yield input.subarray(0, 1000);
			throw Object.assign(new Error('connection reset'), {code: 'ECONNRESET'});
		})();
		await t.throwsAsync(readAll(failing), {code: 'ECONNRESET'});
	}
});

test('a header with an impossible size or id is refused by name', async t => {
	// A pax record of the same length as the xattr's replaces it: `uid=-5` and so on.
	const record = 'SCHILY.xattr.user.a=b';
	const pax = await makeTar([{path: 'bad', body: '', xattrs: new Map([['user.a', Buffer.from('b')]])}]);
	for (const [replacement, message] of [
		['uid=-5', 'tar entry `bad` has an invalid uid (-5)'],
		['gid=4294967296', 'tar entry `bad` has an invalid gid (4294967296)'],
		['size=-1', 'tar entry `bad` has an invalid size (-1)'],
		['size=1.5', 'tar entry `bad` has an invalid size (1.5)'],
	] as const) {
		const data = Buffer.from(pax.toString('latin1').replace(record, replacement.padEnd(record.length, ' ')), 'latin1');
		await t.throwsAsync(readAll(data), {code: 'INVALID_ARCHIVE', message});
	}
});

const collect = async (output: {stream: AsyncIterable<unknown>}) => {
	const chunks: Buffer[] = [];
	for await (const chunk of output.stream) {
		chunks.push(chunk as Buffer);
	}

	return chunks;
};

test('files given by path are read into output chunks of a MiB, whatever their sizes', async t => {
	const dir = tempDir(t);
	const entries = [];
	for (let index = 0; index < 300; index++) {
		const file = path.join(dir, `f${index}`);
		fs.writeFileSync(file, Buffer.alloc(10_000 + index, index % 256));
		entries.push({header: tarHeader({path: `f${index}`, type: 'file', size: 10_000 + index}), body: {file}});
	}

	const big = path.join(dir, 'big');
	fs.writeFileSync(big, Buffer.alloc((2 * 1024 * 1024) + 3, 'b'));
	entries.push({header: tarHeader({path: 'big', type: 'file', size: (2 * 1024 * 1024) + 3}), body: {file: big}});
	const output = writeTar(entries);
	const chunks = await collect(output);
	const data = Buffer.concat(chunks);
	t.true(chunks.slice(0, -1).every(chunk => chunk.length === 1024 * 1024), 'every chunk but the last is a whole MiB');
	t.is(chunks.length, Math.ceil(data.length / (1024 * 1024)));
	const {entries: read, digest} = await readAll(data);
	t.is(digest, output.digest());
	t.is(digest, sha(data));
	t.is(read.length, 301);
	t.is(read[299].content, Buffer.alloc(10_299, 299 % 256).toString('utf8'));
	t.is(read[300].content.length, (2 * 1024 * 1024) + 3);
});

test('a file shorter than its header, or turned into a FIFO, fails the tar by name instead of hanging it', async t => {
	const dir = tempDir(t);
	const short = path.join(dir, 'short');
	fs.writeFileSync(short, 'abc');
	await t.throwsAsync(collect(writeTar([{header: tarHeader({path: 'short', type: 'file', size: 10}), body: {file: short}}])), {
		code: 'INVALID_STATE', message: 'file `short` shrank while it was being packed',
	});
	const fifo = path.join(dir, 'fifo');
	execFileSync('mkfifo', [fifo]);
	await t.throwsAsync(collect(writeTar([{header: tarHeader({path: 'fifo', type: 'file', size: 10}), body: {file: fifo}}])), {
		code: 'INVALID_STATE', message: 'file `fifo` became a FIFO while it was being packed',
	});
	const link = path.join(dir, 'link');
	fs.symlinkSync(short, link);
	await t.throwsAsync(collect(writeTar([{header: tarHeader({path: 'link', type: 'file', size: 3}), body: {file: link}}])), {code: 'ELOOP'});
});
