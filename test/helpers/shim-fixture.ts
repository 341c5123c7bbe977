/**
 * A container started straight from berth-shim, on a busybox rootfs in its own temporary
 * directory, with the records the engine would send. Everything it made is removed when the
 * test ends, pass or fail: its processes (by pid, only while they are still ours), its files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {makeBusyboxRootfs} from './busybox.js';
import {startShim, type ConfRecord, type RunAnswer} from './shim-conf.js';

export const defaultCaps = '00000000a80425fb';
export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What Docker masks and makes read-only, as source/runtime/shim-conf.ts sends them. */
export const maskedPaths = [
	'/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
	'/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
	'/sys/devices/virtual/powercap',
];
export const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export type ContainerOptions = {
	args: string[];
	/** Records added after the defaults; a function gets the container's directory. */
	records?: ConfRecord[] | ((dir: string) => ConfRecord[]);
	/** Keys of default records to leave out, e.g. `seccomp`. */
	without?: string[];
	/** Overlay of the busybox tree (lower) with an upper and work dir, instead of a bind. */
	overlay?: boolean;
	/** Changes the rootfs before the container starts. */
	prepare?: (rootfs: string) => void;
};

export type LogRecord = {time: string; stream: 'stdout' | 'stderr'; tag: 'P' | 'F'; text: string};

export type ExitRecord = {code: number; oom: number; finished: bigint};

export type TestContainer = {
	dir: string;
	/** The tree the container sees: the busybox dir, or the overlay's lower. */
	tree: string;
	upper?: string;
	files: {conf: string; log: string; exit: string; attach: string; pidfile: string; shimpid: string};
	answer: RunAnswer;
	/** Waits for the shim to end (the container exited, cleanup ran) and reads the exit file. */
	wait(timeoutMs?: number): Promise<ExitRecord>;
	log(): LogRecord[];
	/** A stream's text, rebuilt from the log's records. */
	output(stream?: 'stdout' | 'stderr'): string;
};

/** A fresh temporary directory, removed after the test. */
export const tempDir = (t: ExecutionContext, prefix = 'berth-shim-'): string => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	t.teardown(() => {
		fs.rmSync(dir, {recursive: true, force: true});
	});
	return dir;
};

const alive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

/** The parent of `pid`, or undefined once it is gone. */
export const parentOf = (pid: number): number | undefined => {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
	} catch {
		return undefined;
	}
};

const withTimeout = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			reject(new Error(`${what} did not happen within ${ms} ms`));
		}, ms);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
};

/** Stops what a test started: the container (only while its shim is still its parent), then the shim. */
const stop = async (answer: RunAnswer): Promise<void> => {
	const {shim} = answer;
	const running = shim.exitCode === null && shim.signalCode === null;
	if (!running) {
		return;
	}

	if (answer.pid && parentOf(answer.pid) === shim.pid) {
		process.kill(answer.pid, 'SIGKILL');
	}

	try {
		await withTimeout(answer.shimExit, 5000, 'shim exit');
	} catch {
		if (shim.pid && alive(shim.pid)) {
			shim.kill('SIGKILL');
		}
	}
};

export const parseLog = (text: string): LogRecord[] => text.split('\n').filter(Boolean).map(line => {
	const match = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
	if (!match) {
		throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
	}

	return {time: match[1]!, stream: match[2] as LogRecord['stream'], tag: match[3] as LogRecord['tag'], text: match[4]!};
});

const baseRecords = (dir: string, tree: string, options: ContainerOptions): ConfRecord[] => {
	const rootfs: ConfRecord[] = options.overlay
		? [['rootfs', path.join(dir, 'merged')], ['lower', tree], ['upper', path.join(dir, 'upper')], ['work', path.join(dir, 'work')]]
		: [['rootfs', tree]];
	const records: ConfRecord[] = [
		['id', crypto.randomBytes(32).toString('hex')],
		...rootfs,
		...maskedPaths.map((entry): ConfRecord => ['mask', entry]),
		...readonlyPaths.map((entry): ConfRecord => ['readonly', entry]),
		['hostname', 'berth-test'],
		['env', defaultPath],
		...options.args.map((arg): ConfRecord => ['arg', arg]),
		['caps', defaultCaps],
		['seccomp', 1],
		['rlimit', 'NOFILE', 1_048_576, 1_048_576],
		['network', 'none'],
		['log', path.join(dir, 'container.log')],
		['attach', path.join(dir, 'attach.sock')],
		['exit', path.join(dir, 'exit')],
		['pidfile', path.join(dir, 'pid')],
		['shimpid', path.join(dir, 'shim.pid')],
	];
	return records.filter(([key]) => !(options.without ?? []).includes(key));
};

export const startContainer = async (t: ExecutionContext, options: ContainerOptions): Promise<TestContainer> => {
	const dir = tempDir(t);
	const tree = makeBusyboxRootfs(path.join(dir, options.overlay ? 'lower' : 'rootfs'));
	if (options.overlay) {
		for (const sub of ['merged', 'upper', 'work']) {
			fs.mkdirSync(path.join(dir, sub));
		}
	}

	options.prepare?.(tree);
	const files = {
		conf: path.join(dir, 'conf'),
		log: path.join(dir, 'container.log'),
		exit: path.join(dir, 'exit'),
		attach: path.join(dir, 'attach.sock'),
		pidfile: path.join(dir, 'pid'),
		shimpid: path.join(dir, 'shim.pid'),
	};
	const extra = typeof options.records === 'function' ? options.records(dir) : options.records ?? [];
	const answer = await startShim(files.conf, [...baseRecords(dir, tree, options), ...extra]);
	// Registered after tempDir's, so it runs first: processes stop before their files go.
	t.teardown(async () => stop(answer));
	const readLog = () => fs.existsSync(files.log) ? parseLog(fs.readFileSync(files.log, 'utf8')) : [];
	return {
		dir,
		tree,
		upper: options.overlay ? path.join(dir, 'upper') : undefined,
		files,
		answer,
		async wait(timeoutMs = 30_000) {
			await withTimeout(answer.shimExit, timeoutMs, 'container exit');
			const [code, oom, finished] = fs.readFileSync(files.exit, 'utf8').trim().split(' ');
			return {code: Number(code), oom: Number(oom), finished: BigInt(finished!)};
		},
		log: readLog,
		output(stream = 'stdout') {
			return readLog().filter(record => record.stream === stream)
				.map(record => record.text + (record.tag === 'F' ? '\n' : '')).join('');
		},
	};
};

/** Runs a command to its end; its stdout, stderr and exit code. */
export const runContainer = async (t: ExecutionContext, options: ContainerOptions) => {
	const container = await startContainer(t, options);
	if (container.answer.pid === undefined) {
		throw new Error(`the shim answered \`${container.answer.line}\``);
	}

	const exit = await container.wait();
	return {...exit, stdout: container.output('stdout'), stderr: container.output('stderr'), container};
};

/** Lines of the host's mount table that mention `dir`. */
export const hostMountsUnder = (dir: string): string[] =>
	fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(line => line.includes(dir));

export const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});
