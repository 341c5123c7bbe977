/**
 * A container's changes as `docker diff` lists them: `A` added, `C` changed, `D` deleted, one
 * absolute path each, parents before children. Only names and inodes are read, never file
 * content, so a diff of a large upper dir costs a walk of it.
 *
 * Whether a path was added or changed depends on whether the layers below have it. The lookup
 * takes the topmost layer holding the name (a whiteout there means absent); it does not follow
 * opaque directories of lower layers, which would only turn a rare `C` into an `A`.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {cleanEntryPath} from './safe-path.js';
import {TarReader} from './tar-reader.js';
import {isOpaque, isWhiteout, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX} from './whiteout.js';

export type Change = {kind: 'A' | 'C' | 'D'; path: string};

/**
 * Entries of a container's root that are not its own changes (the mount points its runtime
 * made). `stat` gives the entry's lstat, made only if the skip asks for it.
 */
export type Skip = (relative: string, stat: () => fs.Stats, file: string) => boolean;

const byName = (a: string, b: string) => (a < b ? -1 : (a > b ? 1 : 0));

const lstatOrUndefined = async (file: string): Promise<fs.Stats | undefined> => {
	try {
		return await fsp.lstat(file);
	} catch (error) {
		if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
			return undefined;
		}

		throw error;
	}
};

/** The entry at `relative` as the layers (topmost first) show it, or undefined where there is none. */
const lowerStat = async (lowers: readonly string[], relative: string): Promise<fs.Stats | undefined> => {
	for (const lower of lowers) {
		const stat = await lstatOrUndefined(path.join(lower, relative));
		if (stat) {
			return isWhiteout(stat) ? undefined : stat;
		}
	}

	return undefined;
};

const sameAttributes = (a: fs.Stats, b: fs.Stats) =>
	(a.mode & 0o177777) === (b.mode & 0o177777) && a.uid === b.uid && a.gid === b.gid;

/**
 * The changes recorded in an overlay upper dir. A directory that is only there because
 * something below it was written (a copy-up) counts as changed when something below it did,
 * or its own attributes differ, as Docker shows it.
 *
 * The walk reads names and their types from the directories alone: an entry is stat'ed only
 * when that decides something (a char device that may be a whiteout, a directory the layers
 * below have too), so a new directory of a thousand files costs one readdir, not a thousand
 * lstats. The layers below are looked up for a whole directory at once.
 */
export const upperChanges = async (upper: string, lowers: readonly string[], skip?: Skip): Promise<Change[]> => {
	const walk = async (relative: string, below: boolean): Promise<Change[]> => {
		const dir = relative === '' ? upper : path.join(upper, relative);
		const entries = (await fsp.readdir(dir, {withFileTypes: true})).sort((a, b) => byName(a.name, b.name));
		const children = entries.map(entry => ({entry, child: relative === '' ? entry.name : `${relative}/${entry.name}`, file: `${dir}/${entry.name}`}))
			.filter(({child, file}) => !skip?.(child, () => fs.lstatSync(file), file));
		const lowerStats = below ? await Promise.all(children.map(async ({child}) => lowerStat(lowers, child))) : [];
		const changes: Change[] = [];
		for (const [index, {entry, child, file}] of children.entries()) {
			// Whiteouts are char devices 0:0: only those need their device number read.
			if (entry.isCharacterDevice() && isWhiteout(await fsp.lstat(file))) {
				changes.push({kind: 'D', path: `/${child}`});
				continue;
			}

			const lower = lowerStats[index];
			if (!entry.isDirectory()) {
				changes.push({kind: lower ? 'C' : 'A', path: `/${child}`});
				continue;
			}

			// Opaque or not, a directory the layers below lack is added with all it holds.
			const opaque = lower !== undefined && isOpaque(file);
			const inside = await walk(child, lower !== undefined && !opaque);
			if (!lower || inside.length > 0 || opaque || !sameAttributes(lower, await fsp.lstat(file))) {
				changes.push({kind: lower ? 'C' : 'A', path: `/${child}`}, ...inside);
			}
		}

		return changes;
	};

	return walk('', true);
};

/** The changes a layer tar (`.wh.` whiteouts) makes over `lowers`. */
export const tarChanges = async (tar: AsyncIterable<Buffer>, lowers: readonly string[]): Promise<Change[]> => {
	const reader = new TarReader(tar);
	const changes: Change[] = [];
	try {
		for (let header = await reader.next(); header !== null; header = await reader.next()) {
			const relative = cleanEntryPath(header.path);
			const base = path.posix.basename(relative);
			if (relative === '' || base.startsWith(WHITEOUT_META_PREFIX)) {
				continue;
			}

			if (base.startsWith(WHITEOUT_PREFIX)) {
				changes.push({kind: 'D', path: `/${path.posix.join(path.posix.dirname(relative), base.slice(WHITEOUT_PREFIX.length))}`});
			} else {
				changes.push({kind: await lowerStat(lowers, relative) ? 'C' : 'A', path: `/${relative}`});
			}
		}

		await reader.finish();
	} finally {
		await reader.close();
	}

	return changes;
};
