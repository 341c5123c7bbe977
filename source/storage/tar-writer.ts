/**
 * Writes a tar archive as a stream from a sequence of entries, so a layer of any size is
 * produced with a few chunks in memory. The sha256 of the bytes is computed on the way: for a
 * layer tar it is the diff id.
 */
import {createHash} from 'node:crypto';
import {Readable} from 'node:stream';
import {BerthError} from '../engine/errors.js';
import type {Digest} from './blobs.js';
import {encodeHeader, endOfArchive, paddingFor, type TarHeader} from './tar-header.js';

export type WriteEntry = {
	header: TarHeader;
	/** Exactly `header.size` bytes; only regular files have a body. */
	body?: Uint8Array | AsyncIterable<Uint8Array>;
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

/** Small bodies are sent in the same chunk as their header: fewer, larger chunks downstream. */
const joinBelow = 64 * 1024;

async function * chunks(entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>): AsyncGenerator<Buffer> {
	for await (const {header, body} of entries) {
		const head = encodeHeader(header);
		if (body === undefined || header.size === 0) {
			yield head;
			continue;
		}

		if (body instanceof Uint8Array) {
			if (body.length !== header.size) {
				throw new BerthError('INVALID_ARGUMENT', `tar entry \`${header.path}\` has ${body.length} bytes, its header says ${header.size}`);
			}

			yield header.size < joinBelow ? Buffer.concat([head, body, paddingFor(header.size)]) : head;
			if (header.size >= joinBelow) {
				yield Buffer.from(body.buffer, body.byteOffset, body.length);
				yield paddingFor(header.size);
			}

			continue;
		}

		yield head;
		let written = 0;
		for await (const chunk of body) {
			written += chunk.length;
			if (written > header.size) {
				break;
			}

			yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
		}

		if (written !== header.size) {
			throw new BerthError('INVALID_ARGUMENT', `tar entry \`${header.path}\` changed size while being written: ${header.size} bytes expected`);
		}

		yield paddingFor(header.size);
	}

	yield endOfArchive();
}

export const writeTar = (entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>): TarOutput => {
	const hash = createHash('sha256');
	let digest: Digest | undefined;
	async function * hashed() {
		for await (const chunk of chunks(entries)) {
			hash.update(chunk);
			yield chunk;
		}

		digest = `sha256:${hash.digest('hex')}`;
	}

	return {
		stream: Readable.from(hashed(), {objectMode: false, highWaterMark: 256 * 1024}),
		digest() {
			if (digest === undefined) {
				throw new BerthError('INVALID_STATE', 'the tar stream has not ended yet: no digest');
			}

			return digest;
		},
	};
};
