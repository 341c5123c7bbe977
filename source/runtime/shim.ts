/**
 * Starting berth-shim: the CONF file it reads and the one line it answers with.
 * source/native/shim/protocol.h is the contract; this is its engine side.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import {constants} from 'node:os';
import path from 'node:path';
import {BerthError, type ErrorCode} from '../engine/errors.js';
import {environment, native, nativeBuildDir} from '../native/addon.js';
import type {Roots} from '../engine/paths.js';

/** One CONF record: the key, then its fields. */
export type ConfRecord = [key: string, ...fields: Array<string | number>];

export const shimBinary = (): string => process.env.BERTH_SHIM ?? path.join(nativeBuildDir(), 'berth-shim');

export const encodeConf = (records: ConfRecord[]): Buffer => {
	for (const record of records) {
		for (const field of record) {
			if (/[\0\x1f]/.test(String(field))) {
				throw new BerthError('INVALID_ARGUMENT', `invalid character in \`${String(field).replace(/[\0\x1f]/g, '?')}\``);
			}
		}
	}

	return Buffer.from(records.map(record => record.join('\x1f') + '\0').join(''));
};

const codeOf: Record<string, ErrorCode> = {126: 'COMMAND_NOT_EXECUTABLE', 127: 'COMMAND_NOT_FOUND'};

/** The shim's answer on fd 3: "ok PID" or "err CODE MESSAGE". */
const parseAnswer = (text: string): number => {
	const ok = /^ok (\d+)\n/.exec(text);
	if (ok) {
		return Number(ok[1]);
	}

	const error = /^err (\d+) (.*)\n?/.exec(text);
	if (error) {
		throw new BerthError(codeOf[error[1]!] ?? 'RUNTIME_FAILED', error[2]!);
	}

	throw new BerthError('RUNTIME_FAILED', `berth-shim ended without an answer${text ? `: \`${text.trim()}\`` : ''}`);
};

/** Everything written to a pipe until its last writer closes it; the descriptor is closed. */
const readToEnd = async (fd: number): Promise<string> => new Promise((resolve, reject) => {
	fs.readFile(fd, 'utf8', (error, text) => {
		fs.close(fd, () => undefined);
		if (error) {
			reject(error);
		} else {
			resolve(text);
		}
	});
});

/**
 * Starts a container's shim, detached so it outlives this process. Resolves with the
 * container's pid and the shim's once the container is ready to exec.
 */
export const startShim = async (confFile: string, records: ConfRecord[], roots: Roots): Promise<{pid: number; shimPid: number}> => {
	fs.writeFileSync(confFile, encodeConf(records), {mode: 0o600});
	// The cleanup command the shim runs later must find the same stores.
	const env = environment({...process.env, BERTH_ROOT: roots.root, BERTH_RUN: roots.run});
	let shim: {pid: number; fd: number};
	try {
		shim = native().spawnDetached(shimBinary(), [shimBinary(), 'run', confFile], env);
	} catch (error) {
		throw new BerthError('RUNTIME_FAILED', `cannot start \`${shimBinary()}\`: ${(error as Error).message}`, {cause: error});
	}

	return {pid: parseAnswer(await readToEnd(shim.fd)), shimPid: shim.pid};
};

/**
 * Runs a command inside a running container on the given stdio, resolving with its exit
 * status. With `detach`, returns at once and the command runs on its own.
 */
export const execShim = async (confFile: string, records: ConfRecord[], detach: boolean): Promise<number> => {
	await fsp.writeFile(confFile, encodeConf(records), {mode: 0o600});
	const child = spawn(shimBinary(), ['exec', confFile], {
		detached: detach,
		stdio: detach ? 'ignore' : 'inherit',
	});
	if (detach) {
		child.unref();
		return 0;
	}

	return new Promise((resolve, reject) => {
		child.on('error', error => {
			reject(new BerthError('RUNTIME_FAILED', `cannot start \`${shimBinary()}\`: ${error.message}`, {cause: error}));
		});
		child.on('exit', (code, signal) => {
			resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
		});
	});
};

export const signalNumber = (name: string): number => {
	const upper = name.toUpperCase();
	const key = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
	const number = /^\d+$/.test(name) ? Number(name) : constants.signals[key];
	if (!number || number > 64) {
		throw new BerthError('INVALID_ARGUMENT', `invalid signal \`${name}\``);
	}

	return number;
};
