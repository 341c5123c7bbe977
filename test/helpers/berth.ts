/**
 * Running the real, compiled berth CLI against a store of the test's own: a temporary
 * BERTH_ROOT and BERTH_RUN, torn down (containers killed and removed) even when a test fails.
 */
import {spawn, spawnSync, type SpawnSyncReturns} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {makeBusyboxTarball} from './busybox.js';
import {networkEnv, removeNetworkLeftovers} from './network.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The installed `berth` command, as users start it. */
export const cli = path.join(projectRoot, 'source/native/build/Release/berth');

export type Roots = {root: string; run: string; env: NodeJS.ProcessEnv};

export type Result = {code: number; stdout: string; stderr: string};

const prefix = 'berth-test-';

/** Records who made a test store, and its network's names, so that a later run can tear it down (sweepOrphanedRoots). */
const ownerFile = 'owner.json';

/** When a live process started (field 22 of /proc/PID/stat): a pid alone may have been reused. Undefined once it has ended. */
const startTime = (pid: number): string | undefined => {
	try {
		const [state, ...fields] = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
		return state === 'Z' ? undefined : fields[18];
	} catch {
		return undefined;
	}
};

const rootsAt = (base: string, network: Record<string, string>): Roots => {
	const root = path.join(base, 'root');
	const run = path.join(base, 'run');
	return {root, run, env: {...process.env, BERTH_ROOT: root, BERTH_RUN: run, ...network}};
};

export const makeRoots = (): Roots => {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	const network = networkEnv();
	fs.writeFileSync(path.join(base, ownerFile), JSON.stringify({pid: process.pid, started: startTime(process.pid), network}));
	return rootsAt(base, network);
};

export const berthSync = (roots: Roots, args: string[], options: {input?: string; timeout?: number} = {}): Result => {
	const result: SpawnSyncReturns<string> = spawnSync(cli, args, {
		env: roots.env,
		input: options.input ?? '',
		encoding: 'utf8',
		timeout: options.timeout ?? 60_000,
	});
	return {code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr};
};

/** Runs berth without blocking the event loop (so a test can act while it runs). */
export const berth = async (roots: Roots, args: string[], options: {input?: string; timeout?: number} = {}): Promise<Result> =>
	new Promise((resolve, reject) => {
		const child = spawn(cli, args, {env: roots.env, stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.setEncoding('utf8').on('data', chunk => {
			stderr += chunk;
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code: code ?? 128, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});

const readJson = (file: string): any => {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
};

/** Ends every container of these roots, by the pids berth recorded, and removes the roots. */
export const destroyRoots = (roots: Roots): void => {
	const containers = path.join(roots.root, 'containers');
	const ids = fs.existsSync(containers) ? fs.readdirSync(containers).filter(name => /^[a-f\d]{64}$/.test(name)) : [];
	if (ids.length > 0) {
		berthSync(roots, ['rm', '-f', ...ids], {timeout: 30_000});
	}

	for (const id of ids) {
		const state = readJson(path.join(containers, id, 'state.json'));
		for (const pid of [state?.ShimPid, state?.Pid]) {
			if (typeof pid === 'number' && pid > 0) {
				try {
					process.kill(pid, 'SIGKILL');
				} catch {}
			}
		}
	}

	removeNetworkLeftovers(roots);
	// A shim's late `container cleanup` may still be taking a lock file in the store.
	fs.rmSync(path.dirname(roots.root), {recursive: true, force: true, maxRetries: 10, retryDelay: 100});
};

/**
 * Tears down the test stores whose maker is gone, with their containers and their network:
 * what a test run killed half-way (a timeout, ^C) left behind. Stores of runs still going, and
 * any without an owner record, are left alone. Returns how many went.
 */
export const sweepOrphanedRoots = (): number => {
	let swept = 0;
	for (const name of fs.readdirSync(os.tmpdir()).filter(entry => entry.startsWith(prefix))) {
		const base = path.join(os.tmpdir(), name);
		const owner = readJson(path.join(base, ownerFile)) as {pid: number; started: string; network: Record<string, string>} | undefined;
		if (owner && startTime(owner.pid) !== owner.started) {
			destroyRoots(rootsAt(base, owner.network));
			swept++;
		}
	}

	return swept;
};

const tarball = path.join(projectRoot, 'test/fixtures/generated/busybox.tar');

/** The busybox test image's tarball, built once per test run. */
export const busyboxTarball = (): string => {
	if (!fs.existsSync(tarball)) {
		fs.mkdirSync(path.dirname(tarball), {recursive: true});
		const temp = `${tarball}.${process.pid}`;
		makeBusyboxTarball(temp);
		// Test files run in several processes and each tar has its own mtimes: the first made
		// is kept, never replaced under a test that has hashed it already (link, not rename).
		try {
			fs.linkSync(temp, tarball);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}
		} finally {
			fs.rmSync(temp, {force: true});
		}
	}

	return tarball;
};

export const testImage = 'busybox-test:latest';

/** Fresh roots holding the busybox test image, removed after the file's tests. */
export const rootsWithImage = (): Roots => {
	const roots = makeRoots();
	const result = berthSync(roots, ['import', busyboxTarball(), testImage]);
	if (result.code !== 0) {
		destroyRoots(roots);
		throw new Error(`cannot import the test image: ${result.stderr}`);
	}

	return roots;
};

/** Fresh roots holding the test image, for one test alone (one that counts blobs, say), removed when it ends. */
export const rootsForTest = (t: {teardown: (fn: () => void) => void}): Roots => {
	const roots = rootsWithImage();
	t.teardown(() => {
		destroyRoots(roots);
	});
	return roots;
};

/** Runs berth, fails the test unless it exits 0, and gives its output. */
export const berthOk = async (t: {is: (actual: unknown, expected: unknown, message?: string) => void}, roots: Roots, args: string[]): Promise<string> => {
	const result = await berth(roots, args);
	t.is(result.code, 0, result.stderr);
	return result.stdout;
};

/** Starts berth with `args` and kills it with SIGKILL after `delay` ms, unless it has ended by then. */
export const killAfter = async (roots: Roots, args: string[], delay: number): Promise<void> => {
	const child = spawn(cli, args, {env: roots.env, stdio: 'ignore'});
	const closed = new Promise(resolve => {
		child.on('close', resolve);
	});
	await new Promise(resolve => {
		setTimeout(resolve, delay);
	});
	child.kill('SIGKILL');
	await closed;
};
