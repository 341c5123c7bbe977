/** Linux capabilities by name, and the set a container gets: Docker's defaults, adjusted by flags. */
import fs from 'node:fs';
import {BerthError} from '../engine/errors.js';

const names = [
	'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
	'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
	'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
	'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
	'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
	'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

/** Docker's default set: CapEff 00000000a80425fb. */
export const defaultCapabilities = [
	'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
	'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** `cap_sys_admin`, `SYS_ADMIN` and `CAP_SYS_ADMIN` all name the same capability, as in Docker. */
const normalise = (name: string): string => {
	const upper = name.toUpperCase().replace(/^CAP_/, '');
	if (upper !== 'ALL' && !(names as readonly string[]).includes(upper)) {
		throw new BerthError('INVALID_ARGUMENT', `unknown capability \`${name}\``);
	}

	return upper;
};

const bit = (name: string): bigint => 1n << BigInt(names.indexOf(name as typeof names[number]));

const boundingSet = (): bigint => {
	const match = /^CapBnd:\s+([\da-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
	return match ? BigInt(`0x${match[1]}`) : (1n << 64n) - 1n;
};

/** The capability mask of a container, as 16 hex digits (the form /proc/PID/status shows). */
export const capabilityMask = (options: {add?: string[]; drop?: string[]; privileged?: boolean}): string => {
	const add = (options.add ?? []).map(normalise);
	const drop = (options.drop ?? []).map(normalise);
	let set = new Set(options.privileged || add.includes('ALL') ? names : defaultCapabilities);
	if (drop.includes('ALL')) {
		set = new Set();
	}

	for (const name of add.filter(name => name !== 'ALL')) {
		set.add(name as typeof names[number]);
	}

	for (const name of drop) {
		set.delete(name as typeof names[number]);
	}

	let mask = 0n;
	for (const name of set) {
		mask |= bit(name);
	}

	// Never more than berth itself may hold: a kernel may know fewer, a sandbox may withhold some.
	return (mask & boundingSet()).toString(16).padStart(16, '0');
};
