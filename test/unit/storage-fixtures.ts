/** Helpers for the storage tests: temporary dirs, hand-made tars, a tree read back as text. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import type {ExecutionContext} from 'ava';
import {native} from '../../source/native/addon.js';
import type {TarHeader} from '../../source/storage/tar-header.js';
import {tarHeader, writeTar} from '../../source/storage/tar-writer.js';

export const tempDir = (t: ExecutionContext, prefix = 'berth-storage-'): string => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	return dir;
};

export type FixtureEntry = Partial<TarHeader> & {path: string; body?: string | Buffer};

/** A tar made entry by entry, with any path at all: malicious ones included. */
export const makeTar = async (entries: FixtureEntry[]): Promise<Buffer> => {
	const output = writeTar(entries.map(({body, ...fields}) => {
		const content = body === undefined ? undefined : Buffer.from(body);
		const type = fields.type ?? (fields.path.endsWith('/') ? 'directory' : 'file');
		return {header: tarHeader({...fields, type, size: content?.length ?? 0}), body: content};
	}));
	const chunks = [];
	for await (const chunk of output.stream) {
		chunks.push(chunk as Buffer);
	}

	return Buffer.concat(chunks);
};

export const streamOf = (data: Buffer): Readable => Readable.from([data]);

const typeLetter = (stat: fs.Stats): string => {
	if (stat.isDirectory()) {
		return 'd';
	}

	if (stat.isSymbolicLink()) {
		return 'l';
	}

	if (stat.isCharacterDevice()) {
		return 'c';
	}

	if (stat.isBlockDevice()) {
		return 'b';
	}

	if (stat.isFIFO()) {
		return 'p';
	}

	return '-';
};

/**
 * Every entry below `dir` as one line of text: type, mode, owner, then the content, link
 * target or device numbers, and the xattrs. Comparing two of these compares two trees.
 */
export const describeTree = (dir: string, options: {times?: boolean} = {}): Record<string, string> => {
	const tree: Record<string, string> = {};
	const walk = (relative: string) => {
		for (const name of fs.readdirSync(path.join(dir, relative)).sort()) {
			const child = relative ? `${relative}/${name}` : name;
			const file = path.join(dir, child);
			const stat = fs.lstatSync(file);
			let what = '';
			if (stat.isFile()) {
				what = fs.readFileSync(file).toString('utf8');
			} else if (stat.isSymbolicLink()) {
				what = `-> ${fs.readlinkSync(file)}`;
			} else if (stat.isCharacterDevice() || stat.isBlockDevice()) {
				what = `${Math.floor(stat.rdev / 256)},${stat.rdev % 256}`;
			}

			const xattrs = native().llistxattr(file).sort().map(key => `${key}=${native().lgetxattr(file, key)?.toString('hex')}`);
			tree[child] = [
				`${typeLetter(stat)}${(stat.mode & 0o7777).toString(8).padStart(4, '0')}`,
				`${stat.uid}:${stat.gid}`,
				options.times ? `@${Math.floor(stat.mtimeMs / 1000)}` : '',
				what,
				xattrs.length > 0 ? `[${xattrs.join(' ')}]` : '',
			].filter(Boolean).join(' ');
			if (stat.isDirectory()) {
				walk(child);
			}
		}
	};

	walk('');
	return tree;
};
