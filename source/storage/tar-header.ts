/**
 * Tar headers as layer tars use them: ustar blocks, pax extended headers (path, linkpath,
 * size, uid, gid, mtime, atime, SCHILY.xattr.*) and GNU long names, decoded into one flat
 * `TarHeader`; and the reverse, a header block (with a pax block before it when ustar cannot
 * hold a value) for the writer.
 */
import {BerthError} from '../engine/errors.js';

export const BLOCK = 512;

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export type TarHeader = {
	/** As written in the archive: may hold `./`, a leading `/`, a trailing `/` on directories. */
	path: string;
	type: EntryType;
	/** Permission bits with setuid, setgid and sticky (07777). */
	mode: number;
	uid: number;
	gid: number;
	size: number;
	/** Seconds since the epoch; fractional when a pax header said so. */
	mtime: number;
	atime?: number;
	linkpath: string;
	devmajor: number;
	devminor: number;
	xattrs: Map<string, Buffer>;
};

/** What the block after a header holds, for the reader: an entry, or metadata for the next one. */
export type RawHeader =
	| {kind: 'entry'; header: TarHeader}
	| {kind: 'pax' | 'global-pax' | 'gnu-long-path' | 'gnu-long-link'; size: number};

const typeFlags: Record<string, EntryType> = {
	'0': 'file',
	'\0': 'file',
	'7': 'file', // Contiguous file: a regular file everywhere but a few 1980s systems.
	'1': 'hardlink',
	'2': 'symlink',
	'3': 'char',
	'4': 'block',
	'5': 'directory',
	'6': 'fifo',
};

const flagOf: Record<EntryType, string> = {
	file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6',
};

const invalid = (message: string) => new BerthError('INVALID_ARCHIVE', message);

/** A NUL-terminated string field. */
const readString = (block: Buffer, offset: number, length: number): string => {
	const end = block.indexOf(0, offset);
	return block.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
};

/** Octal ASCII, or GNU base-256 (high bit of the first byte set) for values octal cannot hold. */
const readNumber = (block: Buffer, offset: number, length: number): number => {
	if (block[offset] & 0x80) {
		const negative = block[offset] === 0xff;
		let value = 0;
		for (let i = offset; i < offset + length; i++) {
			const byte = i === offset ? block[i] & 0x7f : block[i];
			value = (value * 256) + (negative ? 0xff - byte : byte);
		}

		return negative ? -(value + 1) : value;
	}

	const text = block.toString('latin1', offset, offset + length).replace(/[\0 ]+$/, '').trim();
	if (text === '') {
		return 0;
	}

	if (!/^[0-7]+$/.test(text)) {
		// Escaped: a foreign file's bytes may hold newlines, and the error is one line.
		throw invalid(`invalid number \`${JSON.stringify(text).slice(1, -1)}\` in tar header`);
	}

	return Number.parseInt(text, 8);
};

const isZeroBlock = (block: Buffer): boolean => {
	for (let i = 0; i < BLOCK; i++) {
		if (block[i] !== 0) {
			return false;
		}
	}

	return true;
};

/** Checksum over the block with the checksum field read as spaces; old tars summed signed bytes. */
const checksums = (block: Buffer): [number, number] => {
	let unsigned = 0;
	let signed = 0;
	for (let i = 0; i < BLOCK; i++) {
		const byte = i >= 148 && i < 156 ? 0x20 : block[i];
		unsigned += byte;
		signed += byte > 127 ? byte - 256 : byte;
	}

	return [unsigned, signed];
};

/** Decodes one header block; null for the zero block that ends an archive. */
export const parseHeader = (block: Buffer): RawHeader | null => {
	if (isZeroBlock(block)) {
		return null;
	}

	const expected = readNumber(block, 148, 8);
	if (!checksums(block).includes(expected)) {
		throw invalid('tar header checksum mismatch: not a tar archive, or a corrupt one');
	}

	const flag = String.fromCharCode(block[156]);
	const size = readNumber(block, 124, 12);
	switch (flag) {
		case 'x': {
			return {kind: 'pax', size};
		}

		case 'g': {
			return {kind: 'global-pax', size};
		}

		case 'L': {
			return {kind: 'gnu-long-path', size};
		}

		case 'K': {
			return {kind: 'gnu-long-link', size};
		}

		default: {
			break;
		}
	}

	let name = readString(block, 0, 100);
	// The prefix field is POSIX ustar's; GNU tar keeps access and change times in the same bytes.
	if (block.toString('latin1', 257, 263) === 'ustar\0') {
		const prefix = readString(block, 345, 155);
		if (prefix) {
			name = `${prefix}/${name}`;
		}
	}

	let type = typeFlags[flag];
	if (type === undefined) {
		throw invalid(`unsupported tar entry type \`${flag}\` for \`${name}\``);
	}

	// Pre-POSIX tars mark directories only by the trailing slash.
	if (type === 'file' && name.endsWith('/')) {
		type = 'directory';
	}

	return {
		kind: 'entry',
		header: {
			path: name,
			type,
			mode: readNumber(block, 100, 8) & 0o7777,
			uid: readNumber(block, 108, 8),
			gid: readNumber(block, 116, 8),
			size: type === 'file' ? size : 0,
			mtime: readNumber(block, 136, 12),
			linkpath: readString(block, 157, 100),
			devmajor: readNumber(block, 329, 8),
			devminor: readNumber(block, 337, 8),
			xattrs: new Map(),
		},
	};
};

/** Pax records, `LENGTH KEY=VALUE\n` each; values stay bytes because xattr values are binary. */
export const parsePax = (data: Buffer): Map<string, Buffer> => {
	const records = new Map<string, Buffer>();
	let at = 0;
	while (at < data.length) {
		if (data[at] === 0) {
			break; // Padding some writers leave at the end.
		}

		const space = data.indexOf(0x20, at);
		const length = space === -1 ? Number.NaN : Number(data.toString('latin1', at, space));
		if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length || data[at + length - 1] !== 0x0a) {
			throw invalid('malformed pax header in tar archive');
		}

		const record = data.subarray(space + 1, at + length - 1);
		const equals = record.indexOf(0x3d);
		if (equals === -1) {
			throw invalid('malformed pax record in tar archive');
		}

		records.set(record.toString('utf8', 0, equals), record.subarray(equals + 1));
		at += length;
	}

	return records;
};

const paxNumber = (key: string, value: Buffer): number => {
	const number = Number(value.toString('utf8'));
	if (!Number.isFinite(number)) {
		throw invalid(`invalid pax value \`${value.toString('utf8')}\` for \`${key}\``);
	}

	return number;
};

const xattrPrefix = 'SCHILY.xattr.';

/** Applies pax records (global ones first, then the entry's own) over what the ustar block said. */
export const applyPax = (header: TarHeader, records: Map<string, Buffer>): void => {
	for (const [key, value] of records) {
		if (key.startsWith(xattrPrefix)) {
			header.xattrs.set(key.slice(xattrPrefix.length), value);
			continue;
		}

		switch (key) {
			case 'path': {
				header.path = value.toString('utf8');
				break;
			}

			case 'linkpath': {
				header.linkpath = value.toString('utf8');
				break;
			}

			case 'size': {
				if (header.type === 'file') {
					header.size = paxNumber(key, value);
				}

				break;
			}

			case 'uid':
			case 'gid':
			case 'mtime':
			case 'atime': {
				header[key] = paxNumber(key, value);
				break;
			}

			default: {
				// Sparse files would come out wrong rather than fail: refuse them.
				if (key.startsWith('GNU.sparse.')) {
					throw invalid(`sparse file \`${header.path}\` in tar archive is not supported`);
				}

				break; // uname, gname, ctime, comments...: nothing berth restores.
			}
		}
	}
};

const maxId = (2 ** 32) - 2; // (uid_t)-1 means "unchanged" to chown.

/** Refuses values no filesystem could take, so a hostile header fails here and by name. */
export const checkHeader = (header: TarHeader): void => {
	const bad = (field: string, value: number) =>
		new BerthError('INVALID_ARCHIVE', `tar entry \`${header.path}\` has an invalid ${field} (${value})`);
	if (!Number.isSafeInteger(header.size) || header.size < 0) {
		throw bad('size', header.size);
	}

	for (const field of ['uid', 'gid'] as const) {
		if (!Number.isInteger(header[field]) || header[field] < 0 || header[field] > maxId) {
			throw bad(field, header[field]);
		}
	}

	for (const field of ['devmajor', 'devminor'] as const) {
		if (!Number.isInteger(header[field]) || header[field] < 0 || header[field] > 0xffffffff) {
			throw bad(field, header[field]);
		}
	}
};

// --- Writing ---

const maxOctal = (length: number) => (8 ** (length - 1)) - 1;

const writeString = (block: Buffer, offset: number, length: number, value: string): void => {
	block.write(value, offset, length, 'utf8');
};

const writeOctal = (block: Buffer, offset: number, length: number, value: number): void => {
	block.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'latin1');
};

const paxRecord = (key: string, value: Buffer): Buffer => {
	const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
	// The length counts its own digits, so add digits until the total stops changing.
	let length = body.length;
	while (String(length).length + body.length !== length) {
		length = String(length).length + body.length;
	}

	return Buffer.concat([Buffer.from(String(length)), body]);
};

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes) at a slash, if it fits. */
const splitUstar = (name: string): [string, string] | null => {
	if (Buffer.byteLength(name) <= 100) {
		return ['', name];
	}

	for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
		const prefix = name.slice(0, slash);
		const rest = name.slice(slash + 1);
		if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') {
			return [prefix, rest];
		}
	}

	return null;
};

const ustarBlock = (header: TarHeader, name: [string, string], linkpath: string, flag: string, size: number): Buffer => {
	const block = Buffer.alloc(BLOCK);
	writeString(block, 0, 100, name[1]);
	writeOctal(block, 100, 8, header.mode & 0o7777);
	writeOctal(block, 108, 8, Math.min(header.uid, maxOctal(8)));
	writeOctal(block, 116, 8, Math.min(header.gid, maxOctal(8)));
	writeOctal(block, 124, 12, size);
	writeOctal(block, 136, 12, Math.max(0, Math.min(Math.trunc(header.mtime), maxOctal(12))));
	block.fill(0x20, 148, 156);
	block.write(flag, 156, 1, 'latin1');
	writeString(block, 157, 100, linkpath);
	block.write('ustar\u000000', 257, 8, 'latin1');
	writeOctal(block, 329, 8, header.devmajor);
	writeOctal(block, 337, 8, header.devminor);
	writeString(block, 345, 155, name[0]);
	writeOctal(block, 148, 7, checksums(block)[0]);
	return block;
};

/** How many zero bytes round `size` up to a whole block. */
export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * The header blocks for one entry: a ustar block, preceded by a pax header when a path, link
 * target, id or size does not fit ustar, or when the entry has xattrs. Times are whole seconds,
 * as Docker writes them, so the same tree always gives the same bytes.
 */
export const encodeHeader = (header: TarHeader): Buffer => {
	const records: Buffer[] = [];
	const name = splitUstar(header.path);
	if (name === null) {
		records.push(paxRecord('path', Buffer.from(header.path)));
	}

	if (Buffer.byteLength(header.linkpath) > 100) {
		records.push(paxRecord('linkpath', Buffer.from(header.linkpath)));
	}

	for (const key of ['uid', 'gid'] as const) {
		if (header[key] > maxOctal(8)) {
			records.push(paxRecord(key, Buffer.from(String(header[key]))));
		}
	}

	if (header.size > maxOctal(12)) {
		records.push(paxRecord('size', Buffer.from(String(header.size))));
	}

	for (const [key, value] of [...header.xattrs].sort(([a], [b]) => (a < b ? -1 : (a > b ? 1 : 0)))) {
		records.push(paxRecord(xattrPrefix + key, value));
	}

	const flag = flagOf[header.type];
	const short: [string, string] = name ?? ['', header.path.slice(0, 100)];
	const main = ustarBlock(header, short, header.linkpath.slice(0, 100), flag, header.size > maxOctal(12) ? 0 : header.size);
	if (records.length === 0) {
		return main;
	}

	const pax = Buffer.concat(records);
	const paxName = splitUstar(`PaxHeaders.0/${header.path.replace(/\/$/, '').split('/').pop()!}`.slice(0, 100)) ?? ['', 'PaxHeaders.0'];
	const paxHeader = ustarBlock({...header, uid: 0, gid: 0, devmajor: 0, devminor: 0}, paxName, '', 'x', pax.length);
	return Buffer.concat([paxHeader, pax, Buffer.alloc(padding(pax.length)), main]);
};
