/**
 * Talking to berth-shim directly, as the engine does (source/native/shim/protocol.h): CONF
 * records, `run` with its one-line answer on fd 3, and `exec` on pipes.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One CONF record: the key, then its fields. */
export type ConfRecord = [key: string, ...fields: Array<string | number>];

/** The binary under test: $BERTH_SHIM, or the one node-gyp builds. */
export const shimBinary = (): string => process.env.BERTH_SHIM ?? path.resolve('source/native/build/Release/berth-shim');

export const encodeConf = (records: ConfRecord[]): Buffer =>
	Buffer.from(records.map(record => record.join('\x1f') + '\0').join(''));

export type RunAnswer = {
	/** The line on fd 3, without its newline. */
	line: string;
	/** The container's pid 1 after "ok". */
	pid?: number;
	/** After "err": its code and message. */
	code?: number;
	message?: string;
	shim: ChildProcess;
	/** Resolves with the shim's own exit status once it has ended. */
	shimExit: Promise<number | null>;
};

const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => new Promise(resolve => {
	let text = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		text += chunk;
	});
	stream.on('end', () => {
		resolve(text);
	});
	stream.on('error', () => {
		resolve(text);
	});
});

/** Writes CONF and starts `berth-shim run`, detached like the engine does; resolves with its answer. */
export const startShim = async (confFile: string, records: ConfRecord[]): Promise<RunAnswer> => {
	fs.writeFileSync(confFile, encodeConf(records), {mode: 0o600});
	const shim = spawn(shimBinary(), ['run', confFile], {detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe']});
	const shimExit = new Promise<number | null>(resolve => {
		shim.on('exit', code => {
			resolve(code);
		});
		shim.on('error', () => {
			resolve(null);
		});
	});
	const text = await readAll(shim.stdio[3] as NodeJS.ReadableStream);
	const line = text.replace(/\n$/, '');
	const ok = /^ok (\d+)$/.exec(line);
	const error = /^err (\d+) (.*)$/.exec(line);
	return {
		line,
		pid: ok ? Number(ok[1]) : undefined,
		code: error ? Number(error[1]) : undefined,
		message: error ? error[2] : undefined,
		shim,
		shimExit,
	};
};

export type ExecResult = {status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Runs `berth-shim exec` with pipes for stdio; `input` goes to its stdin. */
export const execShim = async (confFile: string, records: ConfRecord[], input = ''): Promise<ExecResult> => {
	fs.writeFileSync(confFile, encodeConf(records), {mode: 0o600});
	const child = spawn(shimBinary(), ['exec', confFile], {stdio: ['pipe', 'pipe', 'pipe']});
	child.stdin.on('error', () => {
		// The command may end without reading its input.
	});
	child.stdin.end(input);
	const [stdout, stderr, [status, signal]] = await Promise.all([
		readAll(child.stdout),
		readAll(child.stderr),
		new Promise<[number | null, NodeJS.Signals | null]>(resolve => {
			child.on('exit', (code, sig) => {
				resolve([code, sig]);
			});
		}),
	]);
	return {status, signal, stdout, stderr};
};
