/**
 * A pass-through stream for a layer tarball on its way into the blob store. In the one pass it
 * tells the compression from the magic bytes, computes the diff id (sha256 of the uncompressed
 * tar) and checks the tar structure. A stream that is not a whole tar, plain or gzipped, fails
 * at the latest at its end, so BlobStore.ingest never commits it.
 */
import {createHash} from 'node:crypto';
import {Transform, type TransformCallback} from 'node:stream';
import {createGunzip, type Gunzip} from 'node:zlib';
import {BerthError} from '../engine/errors.js';
import type {Digest} from '../storage/blobs.js';
import {TarCheck} from './tar-check.js';

const magic: Array<[string, number[]]> = [
	['gzip', [0x1F, 0x8B]],
	['zstd', [0x28, 0xB5, 0x2F, 0xFD]],
	['xz', [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]],
	['bzip2', [0x42, 0x5A, 0x68]],
];
const sniffLength = 6;

const detect = (head: Buffer): string =>
	magic.find(([, bytes]) => bytes.every((byte, i) => head[i] === byte))?.[0] ?? 'none';

export class LayerCheck extends Transform {
	/** Known once the first bytes have passed. */
	compression: 'none' | 'gzip' | undefined;
	/** Known once the stream has ended without error. */
	diffId: Digest | undefined;
	private readonly hash = createHash('sha256');
	private readonly tar = new TarCheck();
	private head = Buffer.alloc(0);
	private gunzip: Gunzip | undefined;

	override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
		this.push(chunk);
		if (this.compression !== undefined) {
			this.feed(chunk, callback);
			return;
		}

		this.head = Buffer.concat([this.head, chunk]);
		if (this.head.length < sniffLength) {
			callback();
			return;
		}

		this.begin(callback);
	}

	override _flush(callback: TransformCallback): void {
		const finish = () => {
			try {
				this.tar.end();
				this.diffId = `sha256:${this.hash.digest('hex')}`;
				callback();
			} catch (error) {
				callback(error as Error);
			}
		};

		const close = () => {
			if (this.gunzip) {
				this.gunzip.once('end', finish);
				this.gunzip.end();
			} else {
				finish();
			}
		};

		if (this.compression === undefined) {
			// Shorter than the magic bytes: surely not an archive, and the tar check will say so.
			this.begin(error => error ? callback(error) : close());
		} else {
			close();
		}
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		this.gunzip?.destroy();
		callback(error);
	}

	/** Picks the decompression from the first bytes, then reads them. */
	private begin(callback: TransformCallback): void {
		const {head} = this;
		this.head = Buffer.alloc(0);
		const kind = detect(head);
		if (kind !== 'none' && kind !== 'gzip') {
			callback(new BerthError('NOT_SUPPORTED', `\`${kind}\` compressed archives are not supported, only gzip`));
			return;
		}

		this.compression = kind;
		if (kind === 'gzip') {
			this.gunzip = createGunzip();
			this.gunzip.on('data', (data: Buffer) => {
				try {
					this.readTar(data);
				} catch (error) {
					this.destroy(error as Error);
				}
			});
			this.gunzip.on('error', error => {
				this.destroy(new BerthError('INVALID_ARCHIVE', `invalid gzip stream: ${error.message}`, {cause: error}));
			});
		}

		this.feed(head, callback);
	}

	private feed(chunk: Buffer, callback: TransformCallback): void {
		if (!this.gunzip) {
			try {
				this.readTar(chunk);
			} catch (error) {
				callback(error as Error);
				return;
			}

			callback();
			return;
		}

		// Waits for the decompressor when it is behind; if it fails, it destroys this stream instead.
		if (this.gunzip.write(chunk)) {
			callback();
		} else {
			this.gunzip.once('drain', () => {
				callback();
			});
		}
	}

	/** Throws INVALID_ARCHIVE as soon as the tar cannot be whole. */
	private readTar(data: Buffer): void {
		this.hash.update(data);
		this.tar.write(data);
	}
}
