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
import {BerthError, isErrno} from '../engine/errors.js';
import {native} from '../native/addon.js';
import {closeFd, openFd, readFd} from './fd.js';
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

/** Files are read in slices of this size, so a large file never sits whole in memory. */
const readSlice = 1024 * 1024;
/** How far ahead small files are read. */
const prefetchFiles = 16;
const prefetchBytes = 16 * 1024 * 1024;

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

async function * readFile(file: string, size: number, name: string): AsyncGenerator<Buffer> {
	const fd = await openFd(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
	try {
		for (let done = 0; done < size;) {
			const chunk = await readFd(fd, Math.min(readSlice, size - done), done);
			if (chunk.length === 0) {
				throw new BerthError('INVALID_STATE', `file \`${name}\` shrank while it was being packed`);
			}

			done += chunk.length;
			yield chunk;
		}
	} finally {
		await closeFd(fd);
	}
}

/** Reads a small file whole: one buffer, one chunk of output with its header. */
const readSmall = async (file: string, size: number, name: string): Promise<Buffer> => {
	const chunks = [];
	for await (const chunk of readFile(file, size, name)) {
		chunks.push(chunk);
	}

	return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
};

/**
 * Reads the small files of a directory a few at a time ahead of the one being written, so
 * their open, read and close round trips overlap instead of queueing one after the other.
 */
class Prefetch {
	private readonly reads = new Map<number, Promise<Buffer>>();
	private next = 0;
	private bytes = 0;

	constructor(private readonly entries: Array<{file: string; name: string; stat: fs.Stats}>) {}

	/** The content of entry `index` when it is a small file (started now if it was not yet). */
	take(index: number): Promise<Buffer> | undefined {
		this.fill(index);
		const read = this.reads.get(index);
		this.reads.delete(index);
		if (read) {
			this.bytes -= this.entries[index].stat.size;
		}

		this.fill(index + 1);
		return read;
	}

	/** Lets reads nobody will take finish quietly, when packing stops half-way. */
	async abandon(): Promise<void> {
		await Promise.allSettled(this.reads.values());
	}

	private fill(from: number): void {
		this.next = Math.max(this.next, from);
		while (this.next < this.entries.length && this.reads.size < prefetchFiles && this.bytes < prefetchBytes) {
			const {file, name, stat} = this.entries[this.next];
			if (stat.isFile() && stat.size <= readSlice) {
				const read = readSmall(file, stat.size, name);
				read.catch(() => undefined); // Reported when taken.
				this.reads.set(this.next, read);
				this.bytes += stat.size;
			}

			this.next++;
		}
	}
}

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
		})).filter(child => !this.skip?.(child.name, child.stat, child.file));
		const prefetch = new Prefetch(children);
		try {
			for (const [index, {file, name, stat}] of children.entries()) {
				yield * this.entry(file, name, stat, {content: prefetch.take(index)});
			}
		} finally {
			await prefetch.abandon();
		}
	}

	/**
	 * The entries for one file, and for a directory everything below it unless `recurse` is
	 * false. `content` is the file's content when it was read ahead.
	 */
	async * entry(file: string, relative: string, stat: fs.Stats, options: {recurse?: boolean; content?: Promise<Buffer>} = {}): AsyncGenerator<WriteEntry> {
		const {recurse = true, content} = options;
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
				yield {header, body: content ? await content : readFile(file, stat.size, relative)};
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

