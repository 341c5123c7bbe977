/**
 * Checks, a chunk at a time, that bytes form a whole tar archive by the rules of Go's
 * archive/tar, which Docker and podman read layers with: 512-byte headers with a valid
 * checksum, bodies as long as their header (or a PAX `size` record) says, and an end at the
 * two zero blocks or cleanly between two entries. It walks the structure only; the entries are
 * read when the layer is unpacked.
 */
import {BerthError} from '../engine/errors.js';

const block = 512;
/** Go refuses PAX headers larger than this, and so do we: they are held in memory. */
const maxPaxSize = 1 << 20;
/** Hard links, symlinks, devices, directories and fifos have no body whatever their size says. */
const headerOnlyTypes = new Set(['1', '2', '3', '4', '5', '6']);
/** Headers that describe the entry after them: PAX global, GNU long name and long link name. */
const prefixTypes = new Set(['g', 'L', 'K']);

const invalid = (why: string, offset: number): BerthError =>
	new BerthError('INVALID_ARCHIVE', `invalid tar archive: ${why} at byte \`${offset}\``);

/** Octal text padded with spaces or NULs; NaN when it is not. */
const parseOctal = (field: Buffer): number => {
	const text = field.toString('latin1').split('\0', 1)[0]!.trim();
	if (!/^[0-7]*$/.test(text)) {
		return Number.NaN;
	}

	return text === '' ? 0 : Number.parseInt(text, 8);
};

/** Octal text, or GNU base-256 when the top bit is set. */
const parseNumber = (field: Buffer, offset: number): number => {
	if (field[0]! & 0x80) {
		if (field[0]! & 0x40) {
			throw invalid('negative number in header', offset);
		}

		let value = field[0]! & 0x3F;
		for (const byte of field.subarray(1)) {
			value = (value * 256) + byte;
		}

		if (!Number.isSafeInteger(value)) {
			throw invalid('number too large in header', offset);
		}

		return value;
	}

	const value = parseOctal(field);
	if (Number.isNaN(value)) {
		throw invalid('malformed number in header', offset);
	}

	return value;
};

/** Go accepts the checksum computed over unsigned or over signed bytes (old tars used either). */
const checksumValid = (header: Buffer): boolean => {
	let unsigned = 0;
	let signed = 0;
	for (let i = 0; i < block; i++) {
		const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
		unsigned += byte;
		signed += byte > 127 ? byte - 256 : byte;
	}

	const stored = parseOctal(header.subarray(148, 156));
	return stored === unsigned || stored === signed;
};

/** The `size` record of a PAX extended header, which overrides the next header's size field. */
const paxSize = (body: Buffer, offset: number): number | undefined => {
	let size: number | undefined;
	for (let at = 0; at < body.length;) {
		const space = body.indexOf(0x20, at);
		const length = Number(body.toString('latin1', at, space));
		if (space === -1 || !Number.isSafeInteger(length) || length <= space - at || at + length > body.length) {
			throw invalid('malformed PAX header', offset);
		}

		const record = body.toString('utf8', space + 1, at + length - 1);
		const equals = record.indexOf('=');
		if (record.slice(0, equals) === 'size') {
			size = Number(record.slice(equals + 1));
			if (!Number.isSafeInteger(size) || size < 0) {
				throw invalid('malformed PAX size', offset);
			}
		}

		at += length;
	}

	return size;
};

export class TarCheck {
	/** Bytes seen so far. */
	private offset = 0;
	private readonly header = Buffer.alloc(block);
	private headerFill = 0;
	/** Bytes of the current body, padding included, still to come. */
	private bodyLeft = 0;
	/** The body of a PAX header being collected, and its size without padding. */
	private pax: Buffer[] | undefined;
	private paxLength = 0;
	private nextSize: number | undefined;
	private zeroBlocks = 0;

	/** Throws INVALID_ARCHIVE as soon as the bytes cannot be a tar archive. */
	write(chunk: Buffer): void {
		let at = 0;
		while (at < chunk.length && this.zeroBlocks < 2) {
			if (this.bodyLeft > 0) {
				const take = Math.min(this.bodyLeft, chunk.length - at);
				this.pax?.push(chunk.subarray(at, at + take));
				this.bodyLeft -= take;
				at += take;
				this.offset += take;
				if (this.bodyLeft === 0 && this.pax) {
					this.nextSize = paxSize(Buffer.concat(this.pax).subarray(0, this.paxLength), this.offset);
					this.pax = undefined;
				}

				continue;
			}

			const take = Math.min(block - this.headerFill, chunk.length - at);
			chunk.copy(this.header, this.headerFill, at, at + take);
			this.headerFill += take;
			at += take;
			this.offset += take;
			if (this.headerFill === block) {
				this.headerFill = 0;
				this.readHeader(this.offset - block);
			}
		}
	}

	/** Throws INVALID_ARCHIVE when the archive stopped short. */
	end(): void {
		if (this.offset === 0) {
			throw new BerthError('INVALID_ARCHIVE', 'invalid tar archive: the archive is empty');
		}

		if (this.headerFill > 0 || this.bodyLeft > 0) {
			throw invalid('truncated', this.offset);
		}
	}

	private readHeader(offset: number): void {
		if (this.header.every(byte => byte === 0)) {
			this.zeroBlocks++;
			return;
		}

		if (this.zeroBlocks > 0) {
			throw invalid('data after an end-of-archive block', offset);
		}

		if (!checksumValid(this.header)) {
			throw invalid(offset === 0 ? 'not a tar header' : 'bad header checksum', offset);
		}

		const type = String.fromCharCode(this.header[156]!);
		let size = parseNumber(this.header.subarray(124, 136), offset);
		if (type === 'x') {
			if (size > maxPaxSize) {
				throw invalid('PAX header too large', offset);
			}

			this.pax = [];
			this.paxLength = size;
		} else if (!prefixTypes.has(type) && this.nextSize !== undefined) {
			size = this.nextSize;
			this.nextSize = undefined;
		}

		if (headerOnlyTypes.has(type)) {
			size = 0;
		}

		this.bodyLeft = Math.ceil(size / block) * block;
		if (this.bodyLeft === 0 && this.pax) {
			this.pax = undefined;
		}
	}
}
