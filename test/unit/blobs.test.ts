import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {BlobStore, type Digest} from '../../source/storage/blobs.js';
import {tempDir} from './storage-fixtures.js';

const sha = (data: Buffer): Digest => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Chunks of `data`, and their digest once they have all been taken, as the tar writer gives them. */
const produced = (data: Buffer, chunk: number) => {
	let done = false;
	return {
		source: (async function * () {
			for (let offset = 0; offset < data.length; offset += chunk) {
				yield data.subarray(offset, offset + chunk);
			}

			done = true;
		})(),
		digest: () => {
			if (!done) {
				throw new Error('not ended');
			}

			return sha(data);
		},
	};
};

test('ingestDigested stores the bytes under the digest their producer computed, with no temp file left', async t => {
	const root = tempDir(t);
	const store = new BlobStore(root);
	const data = Buffer.alloc((40 * 1024 * 1024) + 7, 'd');
	const {source, digest} = produced(data, 1024 * 1024);
	const blob = await store.ingestDigested(source, digest);
	t.deepEqual(blob, {digest: sha(data), size: data.length});
	t.true(fs.readFileSync(store.path(blob.digest)).equals(data));
	t.deepEqual(fs.readdirSync(path.join(root, 'ingest')), []);
	t.deepEqual(fs.readdirSync(store.dir), [blob.digest.slice('sha256:'.length)]);

	// The same bytes again: the blob that is there stays.
	const again = produced(data, 3 * 1024 * 1024);
	t.deepEqual(await store.ingestDigested(again.source, again.digest), blob);
	t.deepEqual(fs.readdirSync(path.join(root, 'ingest')), []);
});

test('ingestDigested stores nothing when its source fails half-way', async t => {
	const root = tempDir(t);
	const store = new BlobStore(root);
	const failing = (async function * () {
		yield Buffer.alloc(20 * 1024 * 1024, 'x');
		yield Buffer.alloc(1024 * 1024, 'y');
		throw new Error('source broke');
	})();
	await t.throwsAsync(store.ingestDigested(failing, () => 'sha256:0' as Digest), {message: 'source broke'});
	t.deepEqual(fs.readdirSync(path.join(root, 'ingest')), []);
	t.deepEqual(await store.list(), []);
});
