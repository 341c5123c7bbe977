/**
 * The content store: blobs/sha256/<hex>, OCI image layout style. A blob is written into
 * ingest/ while its digest is computed, checked against the expected digest and size when
 * those are known, then renamed into blobs/, so a blob under blobs/ is always whole and true.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {pipeline} from 'node:stream/promises';
import {Transform, type Readable} from 'node:stream';
import {BerthError, isErrno} from '../engine/errors.js';
import {listDir, syncDir, sweepTemp, tempName, writeBack} from './atomic.js';
import {native} from '../native/addon.js';
import {closeFd, openFd, writeAllFd} from './fd.js';

export type Digest = `sha256:${string}`;

export type BlobRef = {
	digest: Digest;
	size: number;
};

const digestPattern = /^sha256:[a-f\d]{64}$/;

export const isDigest = (value: string): value is Digest => digestPattern.test(value);

const fullSync = async (fd: number) => new Promise<void>((resolve, reject) => {
	fs.fsync(fd, error => error ? reject(error) : resolve());
});

export const sha256 = (data: string | Uint8Array): Digest => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export class BlobStore {
	readonly dir: string;
	readonly ingestDir: string;

	constructor(root: string) {
		this.dir = path.join(root, 'blobs', 'sha256');
		this.ingestDir = path.join(root, 'ingest');
	}

	path(digest: Digest): string {
		if (!isDigest(digest)) {
			throw new BerthError('INVALID_ARGUMENT', `invalid digest \`${digest}\``);
		}

		return path.join(this.dir, digest.slice('sha256:'.length));
	}

	/** Synchronous, as readJson: one access(2) costs less than a promise's round trip through the thread pool. */
	async has(digest: Digest): Promise<boolean> {
		try {
			fs.accessSync(this.path(digest));
			return true;
		} catch {
			return false;
		}
	}

	async read(digest: Digest): Promise<Buffer> {
		try {
			return await fsp.readFile(this.path(digest));
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				throw new BerthError('NO_SUCH_FILE', `blob \`${digest}\` is not in the store`, {cause: error});
			}

			throw error;
		}
	}

	/**
	 * Manifests, configs and indexes are a few KiB: read with one synchronous call, as store
	 * records are (storage/atomic.ts), not fs.promises.readFile's four thread-pool round trips.
	 */
	async readJson<T>(digest: Digest): Promise<T> {
		try {
			return JSON.parse(fs.readFileSync(this.path(digest), 'utf8')) as T;
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				throw new BerthError('NO_SUCH_FILE', `blob \`${digest}\` is not in the store`, {cause: error});
			}

			throw error;
		}
	}

	open(digest: Digest): Readable {
		return fs.createReadStream(this.path(digest));
	}

	async size(digest: Digest): Promise<number> {
		return (await fsp.stat(this.path(digest))).size;
	}

	async put(data: string | Uint8Array): Promise<BlobRef> {
		const bytes = typeof data === 'string' ? Buffer.from(data) : data;
		const digest = sha256(bytes);
		if (!await this.has(digest)) {
			await this.commit(digest, async temp => fsp.writeFile(temp, bytes));
		}

		return {digest, size: bytes.length};
	}

	/**
	 * Streams `source` into the store. With `expected`, a digest or size that differs is a
	 * DIGEST_MISMATCH and nothing is stored. `onData` sees every chunk (progress, a second hash).
	 */
	async ingest(source: Readable, expected?: Partial<BlobRef>, onData?: (chunk: Buffer) => void): Promise<BlobRef> {
		await fsp.mkdir(this.ingestDir, {recursive: true});
		const temp = path.join(this.ingestDir, tempName());
		const hash = new (native().Sha256)();
		let size = 0;
		const wrote = writeBack(this.ingestDir);
		const count = new Transform({
			transform(chunk: Buffer, _encoding, callback) {
				hash.update(chunk);
				size += chunk.length;
				wrote(chunk.length);
				onData?.(chunk);
				callback(null, chunk);
			},
		});
		// Opened before anything can fail, so the cleanup below never races the file's creation.
		const handle = await fsp.open(temp, 'wx');
		try {
			await pipeline(source, count, handle.createWriteStream());
			const digest: Digest = `sha256:${await hash.digest()}`;
			if ((expected?.digest && expected.digest !== digest) || (expected?.size !== undefined && expected.size !== size)) {
				throw new BerthError('DIGEST_MISMATCH', `content of \`${expected.digest ?? 'blob'}\` does not match: got ${digest}, ${size} bytes`);
			}

			await this.commit(digest, async file => fsp.rename(temp, file));
			return {digest, size};
		} finally {
			await handle.close().catch(() => undefined);
			await fsp.rm(temp, {force: true});
		}
	}

	/**
	 * Stores bytes whose sha256 their producer computes as it makes them, so they are not hashed
	 * twice: the tar writer's digest of a layer is its diff id, and the digest of the layer's
	 * uncompressed blob. The next chunk is made while the previous one is written.
	 */
	async ingestDigested(source: AsyncIterable<Uint8Array>, digest: () => Digest): Promise<BlobRef> {
		await fsp.mkdir(this.ingestDir, {recursive: true});
		const temp = path.join(this.ingestDir, tempName());
		const fd = await openFd(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
		let writing: Promise<void> = Promise.resolve();
		const wrote = writeBack(this.ingestDir);
		try {
			let size = 0;
			for await (const chunk of source) {
				await writing;
				writing = writeAllFd(fd, [Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)]);
				writing.catch(() => undefined); // Thrown by the await above or below.
				size += chunk.length;
				wrote(chunk.length);
			}

			await writing;
			const blob = {digest: digest(), size};
			if (!await this.has(blob.digest)) {
				await fullSync(fd);
				await fsp.mkdir(this.dir, {recursive: true});
				await fsp.rename(temp, this.path(blob.digest));
				await syncDir(this.dir);
			}

			return blob;
		} finally {
			await writing.catch(() => undefined);
			await closeFd(fd);
			await fsp.rm(temp, {force: true});
		}
	}

	async remove(digest: Digest): Promise<void> {
		await fsp.rm(this.path(digest), {force: true});
	}

	async list(): Promise<Digest[]> {
		return (await listDir(this.dir)).filter(name => !name.startsWith('.')).map(hex => `sha256:${hex}` as Digest);
	}

	/** Removes what killed writers left behind. */
	async sweep(): Promise<void> {
		await sweepTemp(this.ingestDir);
		await sweepTemp(this.dir);
	}

	/** `write` fills a temporary path which is fsynced and renamed to the blob's place. */
	private async commit(digest: Digest, write: (temp: string) => Promise<void>): Promise<void> {
		await fsp.mkdir(this.dir, {recursive: true});
		const target = this.path(digest);
		const temp = path.join(this.dir, tempName());
		try {
			await write(temp);
			const handle = await fsp.open(temp, 'r');
			try {
				await handle.sync();
			} finally {
				await handle.close();
			}

			await fsp.rename(temp, target);
			await syncDir(this.dir);
		} finally {
			await fsp.rm(temp, {force: true});
		}
	}
}
