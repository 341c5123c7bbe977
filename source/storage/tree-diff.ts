/**
 * The changes of a flat root (the copying snapshotter's rootfs/) against the layers it was
 * copied from, as a layer tar: added and changed entries, `.wh.NAME` for deleted ones.
 *
 * The layers are read as overlayfs would merge them, without a copy. A non-directory counts as
 * changed when its type, mode, owner, size, device or mtime differ, or when its ctime is later
 * than the moment the root was prepared: ctime cannot be set from userspace, so it catches a
 * rewrite that kept size and mtime. A directory is written when its own attributes differ or
 * something below it changed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {mountPointsBelow} from './mounts.js';
import {TreeWalker} from './pack.js';
import {tarHeader, writeTar, type TarOutput, type WriteEntry} from './tar-writer.js';
import type {Skip} from './changes.js';
import {isOpaque, isWhiteout, WHITEOUT_PREFIX} from './whiteout.js';

/** A layer's directory, and where it is in the layer: a mount point there hides what is mounted. */
type Source = {dir: string; relative: string; mountPoints: Set<string>};

/** An entry of the merged layers; for a directory, the layer dirs that make it up, topmost first. */
type LowerEntry = {stat: fs.Stats; sources: Source[]};

const byName = (a: string, b: string) => (a < b ? -1 : (a > b ? 1 : 0));

const fileType = (stat: fs.Stats) => stat.mode & fs.constants.S_IFMT;

const readdirOrEmpty = async (dir: string): Promise<string[]> => {
	try {
		return await fsp.readdir(dir);
	} catch (error) {
		if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
			return [];
		}

		throw error;
	}
};

/**
 * The children of a merged directory made of `sources` (topmost first), as overlayfs shows
 * them: the topmost entry of a name wins, a whiteout hides the name, and a directory continues
 * into the layers below until one of them is opaque or holds a non-directory there.
 */
const mergedChildren = async (sources: readonly Source[]): Promise<Map<string, LowerEntry | null>> => {
	const children = new Map<string, LowerEntry | null>();
	/** Names whose lower layers no longer count. */
	const closed = new Set<string>();
	for (const {dir, relative, mountPoints} of sources) {
		const names = await readdirOrEmpty(dir);
		const stats = await Promise.all(names.map(async name => fsp.lstat(path.join(dir, name))));
		for (const [index, name] of names.entries()) {
			const file = path.join(dir, name);
			const stat = stats[index];
			const above = children.get(name);
			// What is mounted on a directory is not part of the layer (see TreeWalker).
			const childRelative = relative === '' ? name : `${relative}/${name}`;
			const source = stat.isDirectory() && !mountPoints.has(childRelative) ? [{dir: file, relative: childRelative, mountPoints}] : [];
			if (above === undefined) {
				if (isWhiteout(stat)) {
					children.set(name, null);
					closed.add(name);
				} else {
					children.set(name, {stat, sources: source});
					if (!stat.isDirectory() || isOpaque(file)) {
						closed.add(name);
					}
				}

				continue;
			}

			if (closed.has(name) || above === null) {
				continue;
			}

			if (stat.isDirectory()) {
				above.sources.push(...source);
				if (isOpaque(file)) {
					closed.add(name);
				}
			} else {
				closed.add(name);
			}
		}
	}

	return children;
};

const sameAttributes = (a: fs.Stats, b: fs.Stats) =>
	fileType(a) === fileType(b) && (a.mode & 0o7777) === (b.mode & 0o7777) && a.uid === b.uid && a.gid === b.gid;

const sameFile = (lower: fs.Stats, upper: fs.Stats, preparedAt: number) =>
	sameAttributes(lower, upper)
	&& lower.size === upper.size
	&& lower.rdev === upper.rdev
	// Whole seconds: layer tars keep no more, so a copied file may have lost the fraction.
	&& Math.floor(lower.mtimeMs / 1000) === Math.floor(upper.mtimeMs / 1000)
	&& upper.ctimeMs <= preparedAt;

class TreeDiff {
	private readonly walker: TreeWalker;

	constructor(private readonly root: string, private readonly preparedAt: number, private readonly skip?: Skip) {
		this.walker = new TreeWalker(root, 'plain', skip);
	}

	async * directory(relative: string, sources: readonly Source[]): AsyncGenerator<WriteEntry> {
		const dir = relative === '' ? this.root : path.join(this.root, relative);
		const names = (await fsp.readdir(dir)).sort(byName);
		const stats = new Map(await Promise.all(names.map(async name => [name, await fsp.lstat(path.join(dir, name))] as const)));
		const lower = await mergedChildren(sources);
		const all = [...new Set([...names, ...[...lower].filter(([, entry]) => entry !== null).map(([name]) => name)])].sort(byName);
		for (const name of all) {
			const child = relative === '' ? name : `${relative}/${name}`;
			const file = path.join(dir, name);
			const upper = stats.get(name);
			const below = lower.get(name);
			if (upper && this.skip?.(child, () => upper, file)) {
				continue;
			}

			if (upper === undefined) {
				const whiteout = relative === '' ? WHITEOUT_PREFIX + name : `${relative}/${WHITEOUT_PREFIX}${name}`;
				yield {header: tarHeader({path: whiteout, type: 'file', mode: 0o644})};
			} else if (!below || fileType(below.stat) !== fileType(upper)) {
				yield * this.walker.entry(file, child, upper);
			} else if (upper.isDirectory()) {
				yield * this.changedDirectory(file, child, upper, below);
			} else if (!sameFile(below.stat, upper, this.preparedAt)) {
				yield * this.walker.entry(file, child, upper);
			}
		}
	}

	/** A directory's own entry only when it changed or something below it did, then what did. */
	private async * changedDirectory(file: string, relative: string, upper: fs.Stats, below: LowerEntry): AsyncGenerator<WriteEntry> {
		const inside = this.directory(relative, below.sources);
		const first = await inside.next();
		if (first.done && sameAttributes(below.stat, upper)) {
			return;
		}

		yield * this.walker.entry(file, relative, upper, {recurse: false});
		if (!first.done) {
			yield first.value;
			yield * inside;
		}
	}
}

/**
 * The layer tar of what changed in `root` since it was made from `lowers` (topmost first) at
 * `preparedAt` (ms since the epoch, compared with ctimes).
 */
export const diffTree = (root: string, lowers: readonly string[], preparedAt: number | Promise<number>, skip?: Skip): TarOutput =>
	writeTar((async function * () {
		const sources = await Promise.all(lowers.map(async dir => ({dir, relative: '', mountPoints: await mountPointsBelow(dir)})));
		yield * new TreeDiff(root, await preparedAt, skip).directory('', sources);
	})());
