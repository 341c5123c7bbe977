import {createHash} from 'node:crypto';
import {Readable} from 'node:stream';
import zlib from 'node:zlib';
import test from 'ava';
import {TarReader} from '../../source/storage/tar-reader.js';
import {makeTar} from './storage-fixtures.js';

/** Every entry's path, link, xattrs and content, and the stream's digest. */
const readAll = async (chunks: Buffer[]) => {
	const reader = new TarReader(Readable.from(chunks));
	const entries: string[] = [];
	for (let header = await reader.next(); header; header = await reader.next()) {
		const body = [];
		for await (const chunk of reader.body()) {
			body.push(chunk);
		}

		entries.push(`${header.path} ${header.linkpath} ${[...header.xattrs].join()} ${Buffer.concat(body).toString('utf8')}`);
	}

	return {entries, digest: await reader.finish()};
};

const split = (data: Buffer, size: number): Buffer[] =>
	Array.from({length: Math.ceil(data.length / size)}, (_, index) => data.subarray(index * size, (index + 1) * size));

test('headers, pax records and bodies split anywhere across chunks read the same as one chunk', async t => {
	const data = await makeTar([
		{path: 'dir/'},
		{path: `${'long/'.repeat(40)}file`, body: 'a'.repeat(1500)},
		{path: 'link', type: 'symlink', linkpath: 'x'.repeat(300)},
		{path: 'attrs', body: 'b', xattrs: new Map([['user.note', Buffer.from('y'.repeat(700))]])},
		{path: 'empty', body: ''},
	]);
	const whole = await readAll([data]);
	t.is(whole.digest, `sha256:${createHash('sha256').update(data).digest('hex')}`);
	t.is(whole.entries.length, 5);
	for (const size of [1, 7, 511, 512, 513, 1000]) {
		t.deepEqual(await readAll(split(data, size)), whole, `chunks of ${size}`);
	}
});

test('a gzipped layer bigger than one gunzip chunk reads whole', async t => {
	const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'z');
	const data = await makeTar([{path: 'big', body: big}, {path: 'after', body: 'end'}]);
	const {entries, digest} = await readAll(split(zlib.gzipSync(data), 65_536));
	t.is(digest, `sha256:${createHash('sha256').update(data).digest('hex')}`);
	t.deepEqual(entries, [`big   ${big.toString('utf8')}`, 'after   end']);
});
