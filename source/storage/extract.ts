/**
 * Extracts a layer tar onto disk: files, directories, symlinks, hardlinks, device nodes and
 * fifos, with owners, modes, times and xattrs; OCI whiteouts converted for overlayfs, or
 * applied to a flat tree. Nothing is written outside the target (see safe-path.ts).
 *
 * Metadata order matters: chown clears setuid/setgid bits and file capabilities, so chmod and
 * xattrs come after it; a directory's times are set last, once nothing more is created in it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {BerthError, isErrno} from '../engine/errors.js';
import {native, S_IFBLK, S_IFCHR, S_IFIFO} from '../native/addon.js';
import type {Digest} from './blobs.js';
import {closeFd, openFd, writeAllFd} from './fd.js';
import {cleanEntryPath, RootGuard} from './safe-path.js';
import {TarReader} from './tar-reader.js';
import {OPAQUE_WHITEOUT, OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX} from './whiteout.js';
import {WriteQueue} from './write-queue.js';
import type {TarHeader} from './tar-header.js';

export type WhiteoutFormat =
	/** A layer directory for overlayfs: whiteouts become char devices 0:0, opaque dirs get the xattr. */
	| 'overlay'
	/** A flat tree holding the layers below (the copying snapshotter): whiteouts delete what they hide. */
	| 'flat';

export type ExtractOptions = {
	format?: WhiteoutFormat;
};

const writeFlags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
/** Files up to this size are read whole from the tar, then written in the background; bigger ones stream. */
const smallFile = 1024 * 1024;

const lstatOrNull = async (file: string): Promise<fs.Stats | null> => {
	try {
		return await fsp.lstat(file);
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return null;
		}

		throw error;
	}
};

/** Extracts the (possibly gzipped) layer tar `source` into `target` and returns its diff id. */
export const extractLayer = async (source: AsyncIterable<Buffer>, target: string, options: ExtractOptions = {}): Promise<Digest> => {
	const reader = new TarReader(source);
	const fresh = (await fsp.readdir(target)).length === 0;
	const extractor = new Extractor(target, options.format ?? 'overlay', reader, fresh);
	try {
		for (let header = await reader.next(); header !== null; header = await reader.next()) {
			await extractor.entry(header);
		}

		await extractor.finish();
		return await reader.finish();
	} finally {
		// Even on failure no write may go on after we return: the caller removes the target.
		await extractor.abandon();
		await reader.close();
	}
};

class Extractor {
	private readonly guard: RootGuard;
	/** Directory times to set at the end, by relative path. */
	private readonly directoryTimes = new Map<string, [number, number]>();
	/** In a flat tree, the paths this layer wrote: an opaque whiteout must spare them. */
	private readonly written = new Set<string>();
	private readonly writes = new WriteQueue();
	/**
	 * Into an empty target, what exists is what this extraction made: the non-directories are
	 * kept here (directories are the guard's), which spares an lstat, and its ENOENT, per entry.
	 */
	private readonly made = new Set<string>();

	constructor(target: string, private readonly format: WhiteoutFormat, private readonly reader: TarReader, private readonly fresh: boolean) {
		this.guard = new RootGuard(target);
	}

	async entry(header: TarHeader): Promise<void> {
		const relative = cleanEntryPath(header.path);
		// Docker skips the root's own entry: a layer does not get to change the mode of `/`.
		if (relative === '') {
			return;
		}

		const base = path.posix.basename(relative);
		if (base.startsWith(WHITEOUT_PREFIX)) {
			await this.whiteout(header, relative, base);
			return;
		}

		await this.writes.settle(relative);
		const file = await this.guard.parents(relative, header.path);
		const existing = await this.existing(relative, file);
		if (existing && !(existing === 'directory' && header.type === 'directory')) {
			// Same rule as Docker: an entry replaces whatever was there, except a directory over a directory.
			if (header.type === 'hardlink' && cleanEntryPath(header.linkpath) === relative) {
				return;
			}

			await this.removeTree(relative);
		}

		// Entries without content are made in place, as mknod and lchown always were: each is a
		// metadata call of microseconds, while a round trip through the thread pool waits behind
		// the writes of every layer being unpacked (a pull spent 2.4 s on busybox's 268 symlinks).
		switch (header.type) {
			case 'directory': {
				if (existing !== 'directory') {
					fs.mkdirSync(file, 0o700);
				}

				this.guard.directory(relative);
				this.attributes(file, header);
				this.directoryTimes.set(relative, [header.atime ?? header.mtime, header.mtime]);
				break;
			}

			case 'file': {
				await this.writeFile(file, relative, header);
				break;
			}

			case 'symlink': {
				fs.symlinkSync(header.linkpath, file);
				this.attributes(file, header);
				break;
			}

			case 'hardlink': {
				fs.linkSync(await this.linkTarget(header), file);
				break;
			}

			case 'char':
			case 'block':
			case 'fifo': {
				const kind = {char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO}[header.type];
				native().mknod(file, kind | (header.mode & 0o777), header.devmajor, header.devminor);
				this.attributes(file, header);
				break;
			}
		}

		this.wrote(relative, header.type === 'directory');
	}

	/** Sets the directories' times, now that nothing more will be created in them. */
	async finish(): Promise<void> {
		await this.writes.settle();
		await Promise.all([...this.directoryTimes].map(async ([relative, [atime, mtime]]) =>
			fsp.lutimes(this.guard.absolute(relative), atime, mtime)));
	}

	/** Waits for the writes in flight, ignoring their errors: the extraction has failed already. */
	async abandon(): Promise<void> {
		await this.writes.settle().catch(() => undefined);
	}

	private async whiteout(header: TarHeader, relative: string, base: string): Promise<void> {
		const parent = path.posix.dirname(relative) === '.' ? '' : path.posix.dirname(relative);
		if (base === OPAQUE_WHITEOUT) {
			await this.writes.settle(parent);
			const marker = await this.guard.parents(relative, header.path);
			await this.opaque(path.dirname(marker), parent);
			return;
		}

		if (base.startsWith(WHITEOUT_META_PREFIX)) {
			return;
		}

		const name = base.slice(WHITEOUT_PREFIX.length);
		if (name === '' || name === '.' || name === '..') {
			throw new BerthError('UNSAFE_PATH', `layer entry \`${header.path}\` whites out its own directory`);
		}

		const hidden = parent === '' ? name : `${parent}/${name}`;
		await this.writes.settle(hidden);
		if (this.format === 'flat') {
			let file: string;
			try {
				file = await this.guard.parents(hidden, header.path, false);
			} catch (error) {
				if (isErrno(error, 'ENOENT')) {
					return; // Nothing there to hide.
				}

				throw error;
			}

			if (await this.existing(hidden, file)) {
				await this.removeTree(hidden);
			}

			return;
		}

		const file = await this.guard.parents(hidden, header.path);
		if (await this.existing(hidden, file)) {
			await this.removeTree(hidden);
		}

		native().mknod(file, S_IFCHR, 0, 0);
		native().lchown(file, header.uid, header.gid);
		this.wrote(hidden, false);
	}

	private async opaque(directory: string, relative: string): Promise<void> {
		if (this.format === 'overlay') {
			native().lsetxattr(directory, OPAQUE_XATTR, Buffer.from('y'));
			return;
		}

		// Flat tree: the directory keeps only what this layer put in it.
		const prefix = relative === '' ? '' : `${relative}/`;
		for (const name of await fsp.readdir(directory)) {
			if (!this.written.has(prefix + name)) {
				await this.removeTree(prefix + name);
			}
		}
	}

	/**
	 * A small file is read whole and written in the background while the next entries are
	 * read, so the thread pool keeps several files going; a big one is streamed in place.
	 */
	private async writeFile(file: string, relative: string, header: TarHeader): Promise<void> {
		if (header.size > smallFile) {
			await this.writeContent(file, header, this.reader.body());
			return;
		}

		const chunks: Buffer[] = [];
		for await (const chunk of this.reader.body()) {
			chunks.push(chunk);
		}

		await this.writes.add(relative, header.size, async () => this.writeContent(file, header, chunks));
	}

	/**
	 * Opening and writing may wait on the disk, so they go to the thread pool. chown, chmod and
	 * utimes on the open descriptor only change the inode in memory: they are done in place,
	 * as a round trip through the pool would cost ten times the syscall.
	 */
	private async writeContent(file: string, header: TarHeader, chunks: AsyncIterable<Buffer> | Buffer[]): Promise<void> {
		const fd = await openFd(file, writeFlags, 0o600);
		try {
			let batch: Buffer[] = [];
			let batched = 0;
			for await (const chunk of chunks) {
				batch.push(chunk);
				batched += chunk.length;
				if (batched >= smallFile) {
					await writeAllFd(fd, batch);
					batch = [];
					batched = 0;
				}
			}

			if (batched > 0) {
				await writeAllFd(fd, batch);
			}

			fs.fchownSync(fd, header.uid, header.gid);
			fs.fchmodSync(fd, header.mode);
			this.xattrs(file, header);
			fs.futimesSync(fd, header.atime ?? header.mtime, header.mtime);
		} finally {
			await closeFd(fd);
		}
	}

	/** Owner, mode, xattrs and times by path, for anything but a regular file. */
	private attributes(file: string, header: TarHeader): void {
		native().lchown(file, header.uid, header.gid);
		if (header.type !== 'symlink') {
			fs.chmodSync(file, header.mode);
		}

		this.xattrs(file, header);
		if (header.type !== 'directory') {
			fs.lutimesSync(file, header.atime ?? header.mtime, header.mtime);
		}
	}

	private xattrs(file: string, header: TarHeader): void {
		for (const [name, value] of header.xattrs) {
			if (name.startsWith(OVERLAY_XATTR_PREFIX)) {
				continue;
			}

			try {
				native().lsetxattr(file, name, value);
			} catch (error) {
				// As Docker: a filesystem without xattrs, or a namespace we may not write
				// (user.* on a symlink), loses the attribute rather than the layer.
				if (!isErrno(error, 'ENOTSUP') && !isErrno(error, 'EPERM')) {
					throw error;
				}
			}
		}
	}

	/** The absolute path a hardlink entry points at, which must be a non-directory already inside the root. */
	private async linkTarget(header: TarHeader): Promise<string> {
		const relative = cleanEntryPath(header.linkpath);
		const missing = () => new BerthError('INVALID_ARCHIVE', `hardlink \`${header.path}\` points to \`${header.linkpath}\`, which is not in the layer`);
		if (relative === '') {
			throw missing();
		}

		let target: string;
		let stat: fs.Stats | null;
		await this.writes.settle(relative);
		try {
			target = await this.guard.parents(relative, header.linkpath, false);
			stat = await lstatOrNull(target);
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				throw missing();
			}

			throw error;
		}

		if (!stat || stat.isDirectory()) {
			throw missing();
		}

		return target;
	}

	/** What is at `relative` now: a directory, something else, or nothing. */
	private async existing(relative: string, file: string): Promise<'directory' | 'other' | undefined> {
		if (this.fresh) {
			return this.guard.isDirectory(relative) ? 'directory' : (this.made.has(relative) ? 'other' : undefined);
		}

		const stat = await lstatOrNull(file);
		return stat ? (stat.isDirectory() ? 'directory' : 'other') : undefined;
	}

	/** Removes whatever is at `relative`, and forgets what was known below it. */
	private async removeTree(relative: string): Promise<void> {
		await this.writes.settle(relative);
		await fsp.rm(this.guard.absolute(relative), {recursive: true, force: true});
		this.guard.replaced(relative);
		if (this.fresh) {
			for (const made of this.made) {
				if (made === relative || made.startsWith(`${relative}/`)) {
					this.made.delete(made);
				}
			}
		}

		for (const known of this.directoryTimes.keys()) {
			if (known === relative || known.startsWith(`${relative}/`)) {
				this.directoryTimes.delete(known);
			}
		}
	}

	/**
	 * Remembers what was made at `relative`, and in a flat tree `relative` and its parents as
	 * this layer's, for a later opaque whiteout.
	 */
	private wrote(relative: string, directory: boolean): void {
		if (this.fresh && !directory) {
			this.made.add(relative);
		}

		if (this.format !== 'flat') {
			return;
		}

		for (let at = relative; at !== '.' && !this.written.has(at); at = path.posix.dirname(at)) {
			this.written.add(at);
		}
	}
}
