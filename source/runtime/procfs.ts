/**
 * Small readers over /proc. Every function takes the proc root last so tests can point it at a
 * fixture tree; the engine uses the default.
 */
import fs from 'node:fs';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';

/** Linux reports times in /proc in USER_HZ ticks, which is 100 on every architecture it runs. */
const ticksPerSecond = 100;

const readOrUndefined = (file: string): string | undefined => {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch (error) {
		// ESRCH: the process exited between opening its directory and reading the file.
		if (isErrno(error, 'ENOENT') || isErrno(error, 'ESRCH')) {
			return undefined;
		}

		throw error;
	}
};

type Stat = {
	comm: string;
	state: string;
	ppid: number;
	ttyNr: number;
	/** utime + stime, in ticks. */
	cpuTicks: number;
	/** Ticks after boot. */
	startTime: number;
};

/**
 * Parses /proc/PID/stat. The command name sits in parentheses and may itself hold spaces and
 * parentheses, so the fields are counted from the last `)`.
 */
const parseStat = (text: string): Stat => {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	// Fields after the name start at field 3 (state), so field N is rest[N - 3].
	const rest = text.slice(close + 2).trim().split(' ');
	const field = (n: number): number => Number(rest[n - 3]);
	return {
		comm: text.slice(open + 1, close),
		state: rest[0]!,
		ppid: field(4),
		ttyNr: field(7),
		cpuTicks: field(14) + field(15),
		startTime: field(22),
	};
};

const readStat = (pid: number, proc: string): Stat | undefined => {
	const text = readOrUndefined(path.join(proc, String(pid), 'stat'));
	return text === undefined ? undefined : parseStat(text);
};

/**
 * When the process started, in clock ticks after boot (field 22 of /proc/PID/stat), or undefined
 * when there is no such process. Recorded beside a pid, it tells that pid's process from a
 * later one that reused the number.
 */
export const processStartTime = (pid: number, proc = '/proc'): number | undefined => readStat(pid, proc)?.startTime;

/** True when `pid` is the very process that started at `startTime` and has not exited (a zombie has). */
export const isAlive = (pid: number, startTime: number, proc = '/proc'): boolean => {
	const stat = readStat(pid, proc);
	return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
};

/** Total RAM of the host in bytes, from MemTotal in /proc/meminfo. */
export const hostMemoryTotal = (proc = '/proc'): number => {
	const match = /^MemTotal:\s+(\d+) kB$/m.exec(fs.readFileSync(path.join(proc, 'meminfo'), 'utf8'));
	return Number(match?.[1] ?? 0) * 1024;
};

/**
 * The CPUs this process may run on (its affinity mask, as Go's runtime.NumCPU that Docker uses
 * for `--cpus` checks), counted from Cpus_allowed_list such as `0-3,8`.
 */
export const cpuCount = (proc = '/proc'): number => {
	const match = /^Cpus_allowed_list:\s*(\S+)$/m.exec(fs.readFileSync(path.join(proc, 'self/status'), 'utf8'));
	let count = 0;
	for (const range of (match?.[1] ?? '0').split(',')) {
		const [first, last = first] = range.split('-').map(Number);
		count += last! - first! + 1;
	}

	return count;
};

export type ProcessTable = {
	titles: string[];
	rows: string[][];
};

export type ProcessTableOptions = {
	proc?: string;
	/** The host's passwd file, for user names. */
	passwd?: string;
	/** The current time, for the C and STIME columns. */
	now?: Date;
};

/**
 * The processes in `pids` as `ps -ef` shows them (UID PID PPID C STIME TTY TIME CMD), for
 * `berth top`. Processes that exit while being read are left out.
 */
export const processTable = (pids: number[], options: ProcessTableOptions = {}): ProcessTable => {
	const proc = options.proc ?? '/proc';
	const now = options.now ?? new Date();
	const users = readUserNames(options.passwd ?? '/etc/passwd');
	const bootTime = Number(/^btime (\d+)$/m.exec(fs.readFileSync(path.join(proc, 'stat'), 'utf8'))?.[1] ?? 0);
	const rows: string[][] = [];
	for (const pid of pids) {
		const stat = readStat(pid, proc);
		const status = readOrUndefined(path.join(proc, String(pid), 'status'));
		const cmdline = readOrUndefined(path.join(proc, String(pid), 'cmdline'));
		if (stat === undefined || status === undefined || cmdline === undefined) {
			continue;
		}

		// ps -f shows the effective uid, the second of Uid's four.
		const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? '?';
		const started = bootTime + (stat.startTime / ticksPerSecond);
		const elapsed = (now.getTime() / 1000) - started;
		const cpuSeconds = stat.cpuTicks / ticksPerSecond;
		// ps caps C at 99: it is a percentage of one CPU over the process's whole life.
		const c = elapsed > 0 ? Math.min(99, Math.floor((cpuSeconds * 100) / elapsed)) : 0;
		const args = cmdline.split('\0').filter(Boolean);
		rows.push([
			users.get(uid) ?? uid,
			String(pid),
			String(stat.ppid),
			String(c),
			formatStartTime(new Date(started * 1000), now),
			ttyName(stat.ttyNr),
			formatCpuTime(Math.floor(cpuSeconds)),
			// Kernel threads and zombies have no command line; ps shows their name in brackets.
			args.length > 0 ? args.join(' ') : `[${stat.comm}]`,
		]);
	}

	return {titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], rows};
};

const readUserNames = (passwd: string): Map<string, string> => {
	const names = new Map<string, string>();
	for (const line of (readOrUndefined(passwd) ?? '').split('\n')) {
		const [name, , uid] = line.split(':');
		if (name && uid !== undefined && !names.has(uid)) {
			names.set(uid, name);
		}
	}

	return names;
};

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** As procps: the time of day when started today, the day when this year, else the year. */
const formatStartTime = (started: Date, now: Date): string => {
	if (started.getFullYear() !== now.getFullYear()) {
		return String(started.getFullYear());
	}

	if (started.toDateString() !== now.toDateString()) {
		return `${months[started.getMonth()]}${pad(started.getDate())}`;
	}

	return `${pad(started.getHours())}:${pad(started.getMinutes())}`;
};

/** `[DD-]HH:MM:SS`, as ps prints TIME. */
const formatCpuTime = (seconds: number): string => {
	const days = Math.floor(seconds / 86_400);
	const clock = `${pad(Math.floor(seconds / 3600) % 24)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
	return days > 0 ? `${days}-${clock}` : clock;
};

/** The name of a controlling terminal from its device number (stat field 7); `?` for none. */
const ttyName = (ttyNr: number): string => {
	const major = (ttyNr >> 8) & 0xfff;
	const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
	if (major >= 136 && major <= 143) {
		return `pts/${((major - 136) * 256) + minor}`;
	}

	if (major === 4) {
		return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
	}

	return '?';
};
