/**
 * Crash-safe writes and cross-process locks for every store under BERTH_ROOT.
 *
 * A write goes to a temporary file beside its target (named `.tmp-*`, swept by `sweepTemp`),
 * is fsynced, then renamed over the target, so a reader sees the old or the new content and
 * never a torn one. Locks are flock(2)s on files under `locks/`: the kernel drops them when
 * their holder dies, so `kill -9` never leaves a store locked.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {native, LOCK_EX, LOCK_NB, LOCK_UN} from '../native/addon.js';
import {isErrno} from '../engine/errors.js';

export const TEMP_PREFIX = '.tmp-';

/**
 * A temporary name carrying its writer's pid, so a sweep removes only what a dead writer
 * left and never the file a live berth process is still writing.
 */
export const tempName = (label = ''): string =>
	`${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}${label ? `-${label}` : ''}`;

export const tempPath = (target: string): string => path.join(path.dirname(target), tempName(path.basename(target)));

/** Whether the berth process that made this temporary entry is still running. */
export const writerAlive = (name: string): boolean => {
	const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1] ?? 0);
	if (pid === 0) {
		return false;
	}

	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return isErrno(error, 'EPERM');
	}
};

/**
 * Writes `data` to `target` atomically and durably. Records are small: synchronous calls cost a
 * fraction of the eight round trips through the thread pool that the same steps take async.
 */
export const writeFileAtomic = async (target: string, data: string | Uint8Array, mode = 0o644): Promise<void> => {
	const temp = tempPath(target);
	const fd = fs.openSync(temp, 'wx', mode);
	try {
		fs.writeFileSync(fd, data);
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}

	try {
		fs.renameSync(temp, target);
	} catch (error) {
		fs.rmSync(temp, {force: true});
		throw error;
	}

	const dir = fs.openSync(path.dirname(target), 'r');
	try {
		fs.fsyncSync(dir);
	} finally {
		fs.closeSync(dir);
	}
};

export const writeJsonAtomic = async (target: string, value: unknown, mode?: number): Promise<void> =>
	writeFileAtomic(target, JSON.stringify(value, null, '\t') + '\n', mode);

/**
 * Store records are a few KiB: one synchronous read costs a fraction of fs.promises.readFile's
 * open, fstat, read and close round trips through the thread pool (the 400 files of 200
 * containers: 10 ms of CPU instead of 60 to 90).
 */
export const readJson = async <T>(file: string): Promise<T> => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Like readJson, but `fallback` when the file does not exist. */
export const readJsonOr = async <T>(file: string, fallback: T): Promise<T> => {
	try {
		return await readJson<T>(file);
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return fallback;
		}

		throw error;
	}
};

/** On the thread pool: the stores of blobs and layers call it while their big writes are in flight. */
export const syncDir = async (dir: string): Promise<void> => {
	const handle = await fsp.open(dir, 'r');
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
};

/** Bytes written between two starts of writeback (see writeBack). */
const writeBackEvery = 16 * 1024 * 1024;
let writingBack = false;

/**
 * Counts the bytes a big write puts under `dir` and every 16 MiB starts the disk on what is
 * dirty on that filesystem: one syncfs at a time for the whole process, on the thread pool,
 * its result ignored. A pull writes hundreds of MB that the kernel would otherwise keep in
 * memory until the fsyncs and syncfs making each blob and layer durable: at the end of a
 * 200 MB pull those found ~300 MB to write (~100 ms); now they find the tail.
 */
export const writeBack = (dir: string): ((bytes: number) => void) => {
	let unflushed = 0;
	return bytes => {
		unflushed += bytes;
		if (unflushed < writeBackEvery || writingBack) {
			return;
		}

		unflushed = 0;
		writingBack = true;
		void native().syncfs(dir).catch(() => undefined).finally(() => {
			writingBack = false;
		});
	};
};

/** The names in `dir`; none when it does not exist (yet). */
export const listDir = async (dir: string): Promise<string[]> => {
	try {
		return await fsp.readdir(dir);
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return [];
		}

		throw error;
	}
};

/** Removes the temporary files and directories that killed writers left in `dir`. */
export const sweepTemp = async (dir: string): Promise<void> => {
	const names = await listDir(dir);
	await Promise.all(names.filter(name => name.startsWith(TEMP_PREFIX) && !writerAlive(name))
		.map(async name => fsp.rm(path.join(dir, name), {recursive: true, force: true})));
};

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/**
 * Runs `fn` holding an exclusive flock on `lockFile`. Waiting polls a non-blocking flock, so
 * the event loop (and the TUI) stays alive while another berth process holds the lock.
 */
export const withLock = async <T>(lockFile: string, fn: () => Promise<T>): Promise<T> => {
	fs.mkdirSync(path.dirname(lockFile), {recursive: true});
	const fd = fs.openSync(lockFile, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
	try {
		for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
			try {
				native().flock(fd, LOCK_EX | LOCK_NB);
				break;
			} catch (error) {
				if (!isErrno(error, 'EWOULDBLOCK') && !isErrno(error, 'EAGAIN')) {
					throw error;
				}

				await sleep(wait);
			}
		}

		try {
			return await fn();
		} finally {
			native().flock(fd, LOCK_UN);
		}
	} finally {
		fs.closeSync(fd);
	}
};
