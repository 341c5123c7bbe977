/**
 * Writes a tar archive as a stream from a sequence of entries, so a layer of any size is
 * produced with a few chunks in memory. The sha256 of the bytes is computed on the way: for a
 * layer tar it is the diff id, and for an uncompressed layer blob its digest too.
 *
 * The output comes in batches of a MiB: headers, small files and slices of large ones are
 * packed into one buffer, and a file given by its path is read straight into it. A 100 MB
 * layer of a thousand files is then a hundred chunks to hash and write, not thousands of
 * small buffers, promises and thread-pool round trips. Those reads are synchronous, a MiB at
 * most between two batches: the event loop (and the TUI) gets its turn at every batch.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {Readable} from 'node:stream';
import {BerthError, isErrno} from '../engine/errors.js';
import type {Digest} from './blobs.js';
import {BLOCK, encodeHeader, padding, type TarHeader} from './tar-header.js';

/** A regular file read from disk while the tar is written; it must still have the header's size then. */
export type FileContent = {file: string};

export type WriteEntry = {
	header: TarHeader;
	/** Exactly `header.size` bytes; only regular files have a body. */
	body?: Uint8Array | AsyncIterable<Uint8Array> | FileContent;
};

export type TarOutput = {
	stream: Readable;
	/** The sha256 of everything the stream gave; valid once it has ended. */
	digest: () => Digest;
};

const defaultModes: Partial<Record<TarHeader['type'], number>> = {directory: 0o755, symlink: 0o777};

/** A header with the usual defaults (root-owned, 0644, 0755 or 0777, time zero) for what is not given. */
export const tarHeader = (fields: Partial<TarHeader> & Pick<TarHeader, 'path' | 'type'>): TarHeader => ({
	mode: defaultModes[fields.type] ?? 0o644,
	uid: 0,
	gid: 0,
	size: 0,
	mtime: 0,
	linkpath: '',
	devmajor: 0,
	devminor: 0,
	xattrs: new Map(),
	...fields,
});

const batchSize = 1024 * 1024;
/** Chunks of a streamed body this large go out as they are instead of being copied into a batch. */
const passThrough = 256 * 1024;

// O_NONBLOCK: a file swapped for a FIFO since it was listed must fail, not block the process.
const readFlags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

const readAt = (fd: number, buffer: Buffer, offset: number, length: number, position: number, name: string): number => {
	try {
		return fs.readSync(fd, buffer, offset, length, position);
	} catch (error) {
		if (isErrno(error, 'ESPIPE')) {
			throw new BerthError('INVALID_STATE', `file \`${name}\` became a FIFO while it was being packed`, {cause: error});
		}

		throw error;
	}
};

const isFileContent = (body: WriteEntry['body']): body is FileContent =>
	typeof body === 'object' && 'file' in body && typeof body.file === 'string';

/** Fills a buffer of `batchSize` and hands it over whole; a new buffer takes its place, so a handed one is never written again. */
class Batcher {
	private buffer = Buffer.allocUnsafe(batchSize);
	private used = 0;

	* put(bytes: Uint8Array): Generator<Buffer> {
		if (bytes.length >= passThrough) {
			yield * this.flush();
			yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
			return;
		}

		for (let done = 0; done < bytes.length;) {
			if (this.used === batchSize) {
				yield this.take();
			}

			const count = Math.min(batchSize - this.used, bytes.length - done);
			this.buffer.set(bytes.subarray(done, done + count), this.used);
			this.used += count;
			done += count;
		}
	}

	* zeros(count: number): Generator<Buffer> {
		if (this.used + count > batchSize) {
			yield this.take();
		}

		this.buffer.fill(0, this.used, this.used + count);
		this.used += count;
	}

	/** Reads `size` bytes of `file` into the batches. */
	* file(file: string, size: number, name: string): Generator<Buffer> {
		const fd = fs.openSync(file, readFlags);
		try {
			for (let done = 0; done < size;) {
				if (this.used === batchSize) {
					yield this.take();
				}

				const count = readAt(fd, this.buffer, this.used, Math.min(batchSize - this.used, size - done), done, name);
				if (count === 0) {
					throw new BerthError('INVALID_STATE', `file \`${name}\` shrank while it was being packed`);
				}

				this.used += count;
				done += count;
			}
		} finally {
			fs.closeSync(fd);
		}
	}

	* flush(): Generator<Buffer> {
		if (this.used > 0) {
			yield this.take();
		}
	}

	private take(): Buffer {
		const full = this.buffer.subarray(0, this.used);
		this.buffer = Buffer.allocUnsafe(batchSize);
		this.used = 0;
		return full;
	}
}

async function * batches(entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>): AsyncGenerator<Buffer> {
	const batch = new Batcher();
	for await (const {header, body} of entries) {
		yield * batch.put(encodeHeader(header));
		if (body === undefined || header.size === 0) {
			continue;
		}

		if (isFileContent(body)) {
			yield * batch.file(body.file, header.size, header.path);
		} else if (body instanceof Uint8Array) {
			if (body.length !== header.size) {
				throw new BerthError('INVALID_ARGUMENT', `tar entry \`${header.path}\` has ${body.length} bytes, its header says ${header.size}`);
			}

			yield * batch.put(body);
		} else {
			let written = 0;
			for await (const chunk of body) {
				written += chunk.length;
				if (written > header.size) {
					break;
				}

				yield * batch.put(chunk);
			}

			if (written !== header.size) {
				throw new BerthError('INVALID_ARGUMENT', `tar entry \`${header.path}\` changed size while being written: ${header.size} bytes expected`);
			}
		}

		yield * batch.zeros(padding(header.size));
	}

	yield * batch.zeros(BLOCK * 2);
	yield * batch.flush();
}

export const writeTar = (entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>): TarOutput => {
	const hash = createHash('sha256');
	let digest: Digest | undefined;
	async function * hashed() {
		for await (const chunk of batches(entries)) {
			hash.update(chunk);
			yield chunk;
		}

		digest = `sha256:${hash.digest('hex')}`;
	}

	return {
		// One batch read ahead: the next is packed while the consumer writes this one.
		stream: Readable.from(hashed(), {objectMode: false, highWaterMark: batchSize}),
		digest() {
			if (digest === undefined) {
				throw new BerthError('INVALID_STATE', 'the tar stream has not ended yet: no digest');
			}

			return digest;
		},
	};
};
