/**
 * Reading and writing cgroup control files, and removing a cgroup, shared by both versions.
 * Only plain file operations: on a temporary tree they behave as on the kernel's, which is what
 * lets one test suite run every implementation without a real mount. Control files live in the
 * kernel's memory: they are read and written with synchronous calls, a few microseconds each,
 * where a round trip through node's thread pool costs more than the call.
 */
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {BerthError, isErrno} from '../../engine/errors.js';

/** How long destroy waits for killed processes to leave, and freeze for the kernel to stop them. */
export const SETTLE_TIMEOUT_MS = 5000;
export const POLL_MS = 10;

/** The file's content, or undefined when it does not exist (a controller this kernel lacks). */
export const readControl = async (file: string): Promise<string | undefined> => {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}
};

/** A file holding one number, such as `memory.current`; `max` (no limit) reads as Infinity. */
export const readNumber = async (file: string): Promise<number | undefined> => {
	const text = (await readControl(file))?.trim();
	if (text === undefined) {
		return undefined;
	}

	return text === 'max' ? Number.POSITIVE_INFINITY : Number(text);
};

/** `key value` lines, as in memory.stat, cpu.stat, memory.events and memory.oom_control. */
export const parseKeyValues = (text: string): Map<string, number> => {
	const values = new Map<string, number>();
	for (const line of text.split('\n')) {
		const [key, value] = line.trim().split(/\s+/);
		if (key && value !== undefined) {
			values.set(key, Number(value));
		}
	}

	return values;
};

export const readKeyValues = async (file: string): Promise<Map<string, number>> =>
	parseKeyValues((await readControl(file)) ?? '');

/** The count in an `oom_kill N` line: v1 memory.oom_control and v2 memory.events both have one. */
export const parseOomKills = (text: string): number => parseKeyValues(text).get('oom_kill') ?? 0;

/**
 * Turns a failed write into a message a user can act on: the kernel answers EINVAL, ERANGE or
 * EBUSY for a value it refuses, and ENOENT when this kernel lacks the controller.
 */
const writeError = (file: string, value: string, what: string, error: unknown): Error => {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (['EINVAL', 'ERANGE', 'EBUSY', 'EOVERFLOW'].includes(code)) {
		return new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${value}\`: the kernel refuses it (${code} on ${path.basename(file)})`, {cause: error});
	}

	if (code === 'ENOENT') {
		return new BerthError('NOT_SUPPORTED', `cannot write \`${file}\`: this kernel does not have it (is the controller enabled?)`, {cause: error});
	}

	if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
		return new BerthError('PERMISSION_DENIED', `cannot write \`${file}\`: ${code} (berth needs root to manage cgroups)`, {cause: error});
	}

	return error as Error;
};

/**
 * Writes one value, as `echo VALUE > FILE` would; `what` names it for the user. Never creates
 * the file: a missing control file means a missing controller, which must not pass silently.
 */
export const writeControl = async (file: string, value: string, what = 'value'): Promise<void> => {
	await writeValues(file, [value], fs.constants.O_WRONLY | fs.constants.O_TRUNC, what);
};

/**
 * Writes each value with its own write(2), for files that take one rule per write
 * (devices.allow, cgroup.subtree_control). Appending changes nothing for the kernel and keeps
 * every rule in a plain file, where the unit tests read them.
 */
export const appendControl = async (file: string, values: string[]): Promise<void> => {
	await writeValues(file, values, fs.constants.O_WRONLY | fs.constants.O_APPEND, 'rule');
};

const writeValues = async (file: string, values: string[], flags: number, what: string): Promise<void> => {
	let fd: number | undefined;
	let value = values[0] ?? '';
	try {
		fd = fs.openSync(file, flags);
		for (value of values) {
			fs.writeSync(fd, `${value}\n`);
		}
	} catch (error) {
		throw writeError(file, value, what, error);
	} finally {
		if (fd !== undefined) {
			fs.closeSync(fd);
		}
	}
};

/** Writes the value only when the file exists, for optional knobs such as memory.memsw.limit_in_bytes. */
export const writeControlIfPresent = async (file: string, value: string, what?: string): Promise<void> => {
	if (fs.existsSync(file)) {
		await writeControl(file, value, what);
	}
};

/** Pids listed in `cgroup.procs` of `dir` and of every cgroup below it. */
export const readPids = async (dir: string): Promise<number[]> => {
	const pids = ((await readControl(path.join(dir, 'cgroup.procs'))) ?? '')
		.split('\n')
		.filter(Boolean)
		.map(Number);
	for (const child of await childCgroups(dir)) {
		pids.push(...await readPids(child));
	}

	return pids;
};

const childCgroups = async (dir: string): Promise<string[]> => {
	try {
		const entries = fs.readdirSync(dir, {withFileTypes: true});
		return entries.filter(entry => entry.isDirectory()).map(entry => path.join(dir, entry.name));
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return [];
		}

		throw error;
	}
};

/** True when `dir` is gone now: a cgroup with no process and no child is removed at once. */
const removedAtOnce = (dir: string): boolean => {
	try {
		fs.rmdirSync(dir);
		return true;
	} catch (error) {
		return isErrno(error, 'ENOENT');
	}
};

/**
 * Kills every process in `dir` (and below), waits until the cgroup is empty, then removes it,
 * children first. A cgroup already gone is not an error.
 */
export const removeCgroup = async (dir: string): Promise<void> => {
	// The common case: the container has ended and its cgroup is empty.
	if (removedAtOnce(dir)) {
		return;
	}

	for (const child of await childCgroups(dir)) {
		await removeCgroup(child);
	}

	await killAll(dir);
	await removeDir(dir);
};

const killAll = async (dir: string): Promise<void> => {
	const deadline = Date.now() + SETTLE_TIMEOUT_MS;
	for (let pids = await readPids(dir); pids.length > 0; pids = await readPids(dir)) {
		if (Date.now() > deadline) {
			throw new BerthError('RUNTIME_FAILED', `cannot empty cgroup \`${dir}\`: processes ${pids.join(', ')} survive SIGKILL`);
		}

		for (const pid of pids) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch (error) {
				if (!isErrno(error, 'ESRCH')) {
					throw error;
				}
			}
		}

		await sleep(POLL_MS);
	}
};

const removeDir = async (dir: string): Promise<void> => {
	const deadline = Date.now() + SETTLE_TIMEOUT_MS;
	for (;;) {
		try {
			fs.rmdirSync(dir);
			return;
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				return;
			}

			// A cgroupfs directory goes with its control files and answers EBUSY, never ENOTEMPTY, when in
			// use; ENOTEMPTY means a plain tree (the unit tests' stand-in), whose files are ordinary files.
			if (isErrno(error, 'ENOTEMPTY')) {
				fs.rmSync(dir, {recursive: true, force: true});
				return;
			}

			// The kernel may report the cgroup busy for a moment after its last process is gone.
			if (!isErrno(error, 'EBUSY') || Date.now() > deadline) {
				throw new BerthError('RUNTIME_FAILED', `cannot remove cgroup \`${dir}\`: ${(error as Error).message}`, {cause: error});
			}
		}

		await sleep(POLL_MS);
	}
};

/** Polls `done` until it is true; false if it is not by the deadline. */
export const waitFor = async (done: () => Promise<boolean>): Promise<boolean> => {
	const deadline = Date.now() + SETTLE_TIMEOUT_MS;
	while (!await done()) {
		if (Date.now() > deadline) {
			return false;
		}

		await sleep(POLL_MS);
	}

	return true;
};
