/**
 * COPY and ADD, with Docker's rules: a directory source gives its contents, not itself; the
 * destination is a directory when it ends in `/`, already is one, or several sources go to it;
 * relative destinations start at WORKDIR. Files keep their modes and times and are owned by
 * root, or by `--chown`'s user and group (names looked up in the image's /etc/passwd and
 * /etc/group). ADD unpacks a local tar archive, plain or gzipped, into the destination.
 *
 * The files go in as a tar through the layer extractor, into the step's mounted root: the same
 * code, and the same refusal to write through a symlink, as unpacking a layer.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import {BerthError, isErrno} from '../engine/errors.js';
import {extractLayer} from '../storage/extract.js';
import {TreeWalker} from '../storage/pack.js';
import {writeTar, type WriteEntry} from '../storage/tar-writer.js';
import {resolveInRoot} from '../storage/scoped-path.js';
import type {Source, SourceTree} from './sources.js';

/** One source as written matched these entries; a directory brings everything below it. */
export type Item = {source: Source; below: Source[]};

export type CopyOptions = {
	/** The destination as written (variables expanded). */
	dest: string;
	workdir: string;
	/** `--chown` as written (variables expanded). */
	chown?: string;
	/** ADD: unpack archives. */
	unpack: boolean;
};

export const selectItems = async (tree: SourceTree, patterns: readonly string[]): Promise<Item[]> => {
	const items: Item[] = [];
	for (const pattern of patterns) {
		if (/^[a-z][a-z\d+.-]*:\/\//i.test(pattern)) {
			throw new BerthError('NOT_SUPPORTED', `remote sources are not supported: \`${pattern}\``);
		}

		for (const source of await tree.match(pattern)) {
			items.push({source, below: source.stat.isDirectory() ? await tree.below(source) : []});
		}
	}

	return items;
};

type Owner = {uid: number; gid: number};

/** The id of `name` in an /etc/passwd or /etc/group of the image, or the number itself. */
const lookupId = async (root: string, file: string, name: string): Promise<number> => {
	if (/^\d+$/.test(name)) {
		return Number(name);
	}

	const text = await fsp.readFile(await resolveInRoot(root, file), 'utf8').catch(() => '');
	const entry = text.split('\n').map(line => line.split(':')).find(fields => fields[0] === name);
	if (!entry || !/^\d+$/.test(entry[2] ?? '')) {
		throw new BerthError('INVALID_ARGUMENT', `cannot find \`${name}\` in the image's ${file}`);
	}

	return Number(entry[2]);
};

/** `user[:group]`; a user alone stands for its number as the group too, as Docker has it. */
const parseChown = async (root: string, chown: string): Promise<Owner> => {
	const [user, group] = chown.split(':');
	const uid = await lookupId(root, '/etc/passwd', user!);
	return {uid, gid: group === undefined ? uid : await lookupId(root, '/etc/group', group)};
};

/** Whether `file` is a tar archive, plain or gzipped: ADD unpacks those. */
const isTarArchive = async (file: string): Promise<boolean> => {
	const handle = await fsp.open(file, 'r');
	let head: Buffer;
	try {
		const {buffer, bytesRead} = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
		head = buffer.subarray(0, bytesRead);
	} finally {
		await handle.close();
	}

	if (head[0] === 0x1F && head[1] === 0x8B) {
		try {
			head = zlib.gunzipSync(head, {finishFlush: zlib.constants.Z_SYNC_FLUSH});
		} catch {
			return false;
		}
	}

	return head.subarray(257, 262).toString('latin1') === 'ustar';
};

/** Makes `dir` (a host path in the root, resolved) and its missing parents, owned by `owner`. */
const makeDirs = async (dir: string, owner: Owner): Promise<void> => {
	const missing: string[] = [];
	for (let current = dir; ; current = path.dirname(current)) {
		try {
			const stat = await fsp.stat(current);
			if (!stat.isDirectory()) {
				throw new BerthError('INVALID_ARGUMENT', `cannot copy into \`${current}\`: not a directory`);
			}

			break;
		} catch (error) {
			if (!isErrno(error, 'ENOENT')) {
				throw error;
			}

			missing.unshift(current);
		}
	}

	for (const made of missing) {
		await fsp.mkdir(made, 0o755);
		await fsp.chown(made, owner.uid, owner.gid);
	}
};

/** The tar of the entries, named as they will be under the target, owned by `owner`. */
const entriesTar = (entries: Array<{file: string; name: string; stat: fs.Stats}>, owner: Owner) =>
	writeTar((async function * (): AsyncGenerator<WriteEntry> {
		const walker = new TreeWalker('/', 'plain');
		for (const {file, name, stat} of entries) {
			for await (const entry of walker.entry(file, name, stat, {recurse: false})) {
				yield {...entry, header: {...entry.header, uid: owner.uid, gid: owner.gid, xattrs: new Map()}};
			}
		}
	})());

const extractInto = async (target: string, entries: Array<{file: string; name: string; stat: fs.Stats}>, owner: Owner) => {
	const tar = entriesTar(entries, owner);
	await extractLayer(tar.stream, target, {format: 'flat'});
};

/** Copies the items into the image root mounted at `root`. */
export const copyItems = async (root: string, items: readonly Item[], options: CopyOptions): Promise<void> => {
	const owner = options.chown ? await parseChown(root, options.chown) : {uid: 0, gid: 0};
	const dest = path.posix.isAbsolute(options.dest) ? options.dest : path.posix.join(options.workdir || '/', options.dest);
	const several = items.length > 1;
	if (several && !options.dest.endsWith('/')) {
		throw new BerthError('INVALID_ARGUMENT', `when copying several sources, the destination \`${options.dest}\` must be a directory and end with a /`);
	}

	const target = await resolveInRoot(root, dest);
	const intoDir = several || options.dest.endsWith('/') || options.dest === '.'
		|| Boolean((await fsp.stat(target).catch(() => undefined))?.isDirectory());
	for (const {source, below} of items) {
		if (source.stat.isDirectory()) {
			await makeDirs(target, owner);
			await extractInto(target, below, owner);
		} else if (options.unpack && source.stat.isFile() && await isTarArchive(source.file)) {
			await makeDirs(target, owner);
			await extractLayer(fs.createReadStream(source.file), target, {format: 'flat'});
		} else {
			const dir = intoDir ? target : path.dirname(target);
			await makeDirs(dir, owner);
			await extractInto(dir, [{...source, name: intoDir ? path.posix.basename(source.name) : path.basename(target)}], owner);
		}
	}
};
