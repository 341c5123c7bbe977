/**
 * A layer tar from a directory, streamed: an overlay upper dir for `commit` (char devices 0:0
 * become `.wh.NAME`, the opaque xattr a `.wh..wh..opq` entry first in its directory, overlay's
 * own xattrs dropped), or a plain tree for `export` and `save`, taken as it is.
 *
 * The output is deterministic: names sorted, times in whole seconds, no user or group names,
 * so packing the same tree twice gives the same diff id. Files with several links become one
 * file and hardlinks to it, found by inode.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {native} from '../native/addon.js';
import {mountPointsBelow} from './mounts.js';
import {tarHeader, writeTar, type TarOutput, type WriteEntry} from './tar-writer.js';
import type {EntryType} from './tar-header.js';
import {isOpaque, isWhiteout, OPAQUE_WHITEOUT, OVERLAY_XATTR_PREFIX, WHITEOUT_PREFIX} from './whiteout.js';
import type {Skip} from './changes.js';

export type PackFormat = 'overlay' | 'plain';

export type PackOptions = {
	/** 'overlay' (default) reads `dir` as an overlay upper dir; 'plain' takes every file as it is. */
	format?: PackFormat;
	/** Entries left out, with everything below them. */
	skip?: Skip;
};

const byName = (a: string, b: string) => (a < b ? -1 : (a > b ? 1 : 0));

/** Device numbers from st_rdev, as glibc's major() and minor() split them. */
const major = (rdev: number) => ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
const minor = (rdev: number) => (rdev & 0xff) | ((rdev >>> 12) & ~0xff);

const typeOf = (stat: fs.Stats): EntryType | null => {
	if (stat.isFile()) {
		return 'file';
	}

	if (stat.isDirectory()) {
		return 'directory';
	}

	if (stat.isSymbolicLink()) {
		return 'symlink';
	}

	if (stat.isCharacterDevice()) {
		return 'char';
	}

	if (stat.isBlockDevice()) {
		return 'block';
	}

	if (stat.isFIFO()) {
		return 'fifo';
	}

	return null; // Sockets: no tar form, and no use outside the process that made them.
};

const listXattrs = (file: string): string[] => {
	try {
		return native().llistxattr(file);
	} catch (error) {
		if (isErrno(error, 'ENOTSUP')) {
			return []; // A filesystem without xattrs (a mount point's, say) has none to keep.
		}

		throw error;
	}
};

const xattrsOf = (file: string, format: PackFormat): Map<string, Buffer> => {
	const xattrs = new Map<string, Buffer>();
	for (const name of listXattrs(file)) {
		if (format === 'overlay' && name.startsWith(OVERLAY_XATTR_PREFIX)) {
			continue;
		}

		const value = native().lgetxattr(file, name);
		if (value !== null) {
			xattrs.set(name, value);
		}
	}

	return xattrs;
};

/** Turns files under `root` into tar entries; one walker per tar, as it remembers hardlinks. */
export class TreeWalker {
	/** First path seen for each inode with several links. */
	private readonly inodes = new Map<string, string>();
	private mountPoints?: Promise<Set<string>>;

	constructor(private readonly root: string, private readonly format: PackFormat, private readonly skip?: Skip) {}

	async * directory(relative: string): AsyncGenerator<WriteEntry> {
		const dir = relative === '' ? this.root : path.join(this.root, relative);
		const names = (await fsp.readdir(dir)).sort(byName);
		// Stat a whole directory at once: the thread pool does them in parallel.
		const stats = await Promise.all(names.map(async name => fsp.lstat(path.join(dir, name))));
		const children = names.map((name, index) => ({
			file: path.join(dir, name),
			name: relative === '' ? name : `${relative}/${name}`,
			stat: stats[index],
		})).filter(child => !this.skip?.(child.name, () => child.stat, child.file));
		for (const {file, name, stat} of children) {
			yield * this.entry(file, name, stat);
		}
	}

	/** The entries for one file, and for a directory everything below it unless `recurse` is false. */
	async * entry(file: string, relative: string, stat: fs.Stats, options: {recurse?: boolean} = {}): AsyncGenerator<WriteEntry> {
		const {recurse = true} = options;
		const type = typeOf(stat);
		if (type === null) {
			return;
		}

		const base = {
			mode: stat.mode & 0o7777,
			uid: stat.uid,
			gid: stat.gid,
			mtime: Math.floor(stat.mtimeMs / 1000),
		};

		if (this.format === 'overlay' && isWhiteout(stat)) {
			const name = path.posix.join(path.posix.dirname(relative), WHITEOUT_PREFIX + path.posix.basename(relative));
			yield {header: tarHeader({...base, path: name, type: 'file'})};
			return;
		}

		const header = tarHeader({...base, path: relative, type, xattrs: xattrsOf(file, this.format)});
		if (type === 'directory') {
			header.path += '/';
			yield {header};
			if (this.format === 'overlay' && isOpaque(file)) {
				yield {header: tarHeader({...base, mode: base.mode & 0o777, path: `${relative}/${OPAQUE_WHITEOUT}`, type: 'file'})};
			}

			// A mount point is packed as the directory it is, without what is mounted on it: the
			// same as overlayfs shows a lower dir (a --rootfs of `/` must not take /proc along).
			this.mountPoints ??= mountPointsBelow(this.root);
			if (recurse && !(await this.mountPoints).has(relative)) {
				yield * this.directory(relative);
			}

			return;
		}

		if (stat.nlink > 1) {
			const key = `${stat.dev}:${stat.ino}`;
			const first = this.inodes.get(key);
			if (first !== undefined) {
				yield {header: {...header, type: 'hardlink', linkpath: first, xattrs: new Map()}};
				return;
			}

			this.inodes.set(key, relative);
		}

		switch (type) {
			case 'symlink': {
				header.linkpath = await fsp.readlink(file);
				yield {header};
				break;
			}

			case 'char':
			case 'block': {
				header.devmajor = major(stat.rdev);
				header.devminor = minor(stat.rdev);
				yield {header};
				break;
			}

			case 'file': {
				header.size = stat.size;
				// Read by the tar writer straight into its output.
				yield {header, body: {file}};
				break;
			}

			default: {
				yield {header};
			}
		}
	}
}

/** The tar of `dir`'s content (not `dir` itself), and its digest once the stream has ended. */
export const packLayer = (dir: string, options: PackOptions = {}): TarOutput =>
	writeTar(new TreeWalker(dir, options.format ?? 'overlay', options.skip).directory(''));

