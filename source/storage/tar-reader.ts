/**
 * A pull-style tar reader over a byte stream: `next()` gives each entry's header with pax and
 * GNU long names folded in, `body()` streams the current entry's content. gzip input is
 * detected by its magic bytes. While reading it hashes the uncompressed stream, so `finish()`
 * returns the layer's diff id without a second pass.
 */
import {pipeline, Readable} from 'node:stream';
import zlib from 'node:zlib';
import {BerthError} from '../engine/errors.js';
import {native, type Sha256} from '../native/addon.js';
import type {Digest} from './blobs.js';
import {BLOCK, applyPax, checkHeader, parseHeader, parsePax, type TarHeader} from './tar-header.js';

const truncated = () => new BerthError('INVALID_ARCHIVE', 'tar archive is truncated');

/** Longest pax header or GNU long name accepted: a hostile size must not make us buffer gigabytes. */
const maxMetadata = 1024 * 1024;

const isGzip = (chunk: Buffer) => chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;

/** The stream's bytes, gunzipped when they start with the gzip magic. */
async function * decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
	const iterator = source[Symbol.asyncIterator]();
	const first = await iterator.next();
	if (first.done) {
		return;
	}

	async function * all() {
		yield first.value;
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
			yield next.value;
		}
	}

	if (!isGzip(first.value)) {
		try {
			yield * all();
		} finally {
			await iterator.return?.();
		}

		return;
	}

	// Larger chunks than zlib's 16 KiB: fewer trips through the reader (and fewer buffers for
	// the collector) for the same bytes; a MiB costs a quarter of the CPU that 64 KiB does.
	const gunzip = zlib.createGunzip({chunkSize: 1024 * 1024});
	// pipeline destroys the source when gunzip fails or when the reader stops early.
	pipeline(Readable.from(all()), gunzip, () => {});
	try {
		yield * gunzip;
	} catch (error) {
		// zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR...) mean a broken archive; the source's are its own.
		if (String((error as NodeJS.ErrnoException).code).startsWith('Z_')) {
			throw new BerthError('INVALID_ARCHIVE', `cannot decompress layer: ${(error as Error).message}`, {cause: error});
		}

		throw error;
	} finally {
		await iterator.return?.();
	}
}

export class TarReader {
	private readonly iterator: AsyncIterator<Buffer>;
	/** Absent when the caller needs no diff id (an image archive, read only for its files). */
	private readonly hash: Sha256 | undefined;
	private chunk: Buffer = Buffer.alloc(0);
	/** Bytes of the current entry's body (and its padding) not consumed yet. */
	private remaining = 0;
	private padding = 0;
	private globalPax = new Map<string, Buffer>();
	private ended = false;

	constructor(source: AsyncIterable<Buffer>, options: {digest?: boolean} = {}) {
		this.iterator = decompressed(source);
		this.hash = options.digest === false ? undefined : new (native().Sha256)();
	}

	/** The next entry's header, or null at the end of the archive. Skips what is left of the previous body. */
	async next(): Promise<TarHeader | null> {
		if (this.ended) {
			return null;
		}

		await this.skip(this.remaining + this.padding);
		this.remaining = 0;
		this.padding = 0;

		let pax: Map<string, Buffer> | undefined;
		let longPath: string | undefined;
		let longLink: string | undefined;
		for (;;) {
			const block = await this.read(BLOCK);
			const raw = block && parseHeader(block);
			if (!raw) {
				// End of archive: two zero blocks, or just the end of the stream at a block boundary.
				this.ended = true;
				return null;
			}

			if (raw.kind === 'entry') {
				const {header} = raw;
				applyPax(header, this.globalPax);
				if (longPath !== undefined) {
					header.path = longPath;
				}

				if (longLink !== undefined) {
					header.linkpath = longLink;
				}

				if (pax) {
					applyPax(header, pax);
				}

				checkHeader(header);
				this.remaining = header.size;
				this.padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
				return header;
			}

			if (raw.size > maxMetadata) {
				throw new BerthError('INVALID_ARCHIVE', `tar metadata entry of ${raw.size} bytes is too large`);
			}

			const data = await this.read(raw.size);
			await this.skip((BLOCK - (raw.size % BLOCK)) % BLOCK);
			if (data === null && raw.size > 0) {
				throw truncated();
			}

			const bytes = data ?? Buffer.alloc(0);
			switch (raw.kind) {
				case 'pax': {
					pax = parsePax(bytes);
					break;
				}

				case 'global-pax': {
					this.globalPax = new Map([...this.globalPax, ...parsePax(bytes)]);
					break;
				}

				case 'gnu-long-path': {
					longPath = bytes.toString('utf8').replace(/\0.*$/s, '');
					break;
				}

				case 'gnu-long-link': {
					longLink = bytes.toString('utf8').replace(/\0.*$/s, '');
					break;
				}
			}
		}
	}

	/** The current entry's content, in the chunks it arrived in. */
	async * body(): AsyncGenerator<Buffer> {
		while (this.remaining > 0) {
			if (this.chunk.length === 0 && !await this.pull()) {
				throw truncated();
			}

			const part = this.chunk.subarray(0, Math.min(this.remaining, this.chunk.length));
			this.chunk = this.chunk.subarray(part.length);
			this.remaining -= part.length;
			yield part;
		}
	}

	/** Reads what follows the end of the archive (it is part of the diff id) and returns the digest. */
	async finish(): Promise<Digest> {
		while (!this.ended && await this.next() !== null) {
			// Entries nobody asked for still count.
		}

		this.chunk = Buffer.alloc(0);
		while (await this.pull()) {
			this.chunk = Buffer.alloc(0);
		}

		if (!this.hash) {
			throw new BerthError('INVALID_STATE', 'tar reader made without a digest has none to give');
		}

		return `sha256:${await this.hash.digest()}`;
	}

	/** Stops reading and releases the source, when extraction fails half-way. */
	async close(): Promise<void> {
		await this.iterator.return?.(undefined);
	}

	/** The next chunk of the stream, hashed; undefined at its end. */
	private async nextChunk(): Promise<Buffer | undefined> {
		const next = await this.iterator.next();
		if (next.done) {
			return undefined;
		}

		const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
		this.hash?.update(chunk);
		return chunk;
	}

	/** Replaces the consumed current chunk by the next one; false at the end of the stream. */
	private async pull(): Promise<boolean> {
		const chunk = await this.nextChunk();
		this.chunk = chunk ?? Buffer.alloc(0);
		return chunk !== undefined;
	}

	/** Exactly `size` bytes; null when the stream ends before the first one; truncated if it ends later. */
	private async read(size: number): Promise<Buffer | null> {
		if (this.chunk.length >= size) {
			const out = this.chunk.subarray(0, size);
			this.chunk = this.chunk.subarray(size);
			return out;
		}

		// A header across two chunks: copy its own bytes only, not the (MiB-sized) chunk it ends in.
		const parts = this.chunk.length > 0 ? [this.chunk] : [];
		let have = this.chunk.length;
		while (have < size) {
			const chunk = await this.nextChunk();
			if (!chunk) {
				if (have === 0) {
					this.chunk = Buffer.alloc(0);
					return null;
				}

				throw truncated();
			}

			const part = chunk.subarray(0, size - have);
			parts.push(part);
			have += part.length;
			this.chunk = chunk.subarray(part.length);
		}

		return Buffer.concat(parts, size);
	}

	private async skip(size: number): Promise<void> {
		while (size > 0) {
			if (this.chunk.length === 0 && !await this.pull()) {
				throw truncated();
			}

			const part = Math.min(size, this.chunk.length);
			this.chunk = this.chunk.subarray(part);
			size -= part;
		}
	}
}
