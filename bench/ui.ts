/**
 * The terminal UI with 200 containers and 100 images (created, not running: cheap), in a pty
 * of 100x30 with CI unset:
 *   - time from starting `berth` to the first full frame (both lists drawn with their items)
 *   - keystroke-to-frame latency: `j`/`k` until the frame shows the new selection (median, p95)
 *   - resident memory of the UI's process after that
 *   - CPU time (user + system) the UI's process spent to its first frame and per keystroke: on
 *     a machine shared with other work the wall times above grow with the load, these less so
 * Each round starts the UI afresh on the same store; the figures are the rounds' medians.
 * Goals (issue 6): first frame under 400 ms, keystroke-to-frame under 50 ms, under 150 MB.
 *
 *   sudo node --import=tsx bench/ui.ts [keystrokes] [rounds]
 *
 * Making the store takes a few minutes (300 berth commands); BENCH_UI_STORE=DIR keeps it in DIR
 * and uses it again on the next run. BENCH_UI_BERTH=FILE runs another build's launcher.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';

const keystrokes = Number(process.argv[2] ?? 60);
const rounds = Number(process.argv[3] ?? 5);
const kept = process.env.BENCH_UI_STORE;
const work = kept ?? fs.mkdtempSync('/tmp/bu-');
// `berth` as installed: the launcher, which starts the UI from dist/cli.js.
const launcher = process.env.BENCH_UI_BERTH ?? path.resolve(import.meta.dirname, '../source/native/build/Release/berth');
const {CI: _ci, ...parent} = process.env;
const env = {...parent, BERTH_ROOT: path.join(work, 'root'), BERTH_RUN: path.join(work, 'run'), BERTH_CONFIG_DIR: path.join(work, 'config')};
const berth = (...args: string[]): string => execFileSync(launcher, args, {env, encoding: 'utf8'});

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const median = (values: number[]): number => percentile(values, 0.5);
const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** 200 containers and 100 images, each image a one-file layer of its own. */
const makeStore = (): void => {
	const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
	berth('import', tarball, 'bench:0');
	process.stderr.write('making 200 containers and 100 images…\n');
	fs.mkdirSync(path.join(work, 'file'), {recursive: true});
	for (let index = 1; index < 100; index++) {
		fs.writeFileSync(path.join(work, 'file', 'n'), String(index));
		execFileSync('tar', ['-cf', path.join(work, 'n.tar'), '-C', path.join(work, 'file'), 'n']);
		berth('import', path.join(work, 'n.tar'), `bench:${index}`);
	}

	for (let index = 1; index <= 200; index++) {
		berth('create', '--name', `c${String(index).padStart(3, '0')}`, 'bench:0', 'sh');
	}

	fs.writeFileSync(path.join(work, 'ready'), '');
};

type Round = {firstFrame: number; latencies: number[]; rss: number; startCpu: number; keyCpu: number};

/** The CPU time a process has used so far, ms (/proc/PID/stat counts it in ticks of 10 ms). */
const cpuMs = (pid: number): number => {
	const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
	return (Number(fields[11]) + Number(fields[12])) * 10;
};

const round = async (): Promise<Round> => {
	const started = performance.now();
	const term = pty.spawn(launcher, [], {name: 'xterm-256color', cols: 100, rows: 30, env});
	const exited = new Promise<void>(resolve => {
		term.onExit(() => resolve());
	});
	let output = '';
	let waiter: {pattern: RegExp; resolve: () => void} | undefined;
	term.onData(data => {
		output += data;
		if (waiter && waiter.pattern.test(output)) {
			const {resolve} = waiter;
			waiter = undefined;
			resolve();
		}
	});
	const until = async (pattern: RegExp): Promise<number> => {
		const from = performance.now();
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no frame matched ${pattern}`)), 10_000);
			waiter = {pattern, resolve: () => {
				clearTimeout(timer);
				resolve();
			}};
			if (pattern.test(output)) {
				waiter.resolve();
			}
		});
		return performance.now() - from;
	};

	await until(/Containers \(200\)[\s\S]*› c200[\s\S]*Images \(100\)[\s\S]*bench:/);
	const firstFrame = performance.now() - started;
	const startCpu = cpuMs(term.pid);
	await sleep(500);
	const cpuBefore = cpuMs(term.pid);
	const latencies: number[] = [];
	for (let index = 0; index < keystrokes; index++) {
		const down = index % 2 === 0;
		output = '';
		const wait = until(down ? /› c199/ : /› c200/);
		const sent = performance.now();
		term.write(down ? 'j' : 'k');
		await wait;
		latencies.push(performance.now() - sent);
		await sleep(20);
	}

	const keyCpu = (cpuMs(term.pid) - cpuBefore) / keystrokes;
	const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${term.pid}/status`, 'utf8'))![1]) / 1024;
	term.write('q');
	await exited;
	return {firstFrame, latencies, rss, startCpu, keyCpu};
};

try {
	if (!fs.existsSync(path.join(work, 'ready'))) {
		makeStore();
	}

	const results: Round[] = [];
	for (let index = 0; index < rounds; index++) {
		const result = await round();
		results.push(result);
		process.stderr.write(`round ${index + 1}: first frame ${result.firstFrame.toFixed(0)} ms, keystroke median ${median(result.latencies).toFixed(1)} ms, p95 ${percentile(result.latencies, 0.95).toFixed(1)} ms, ${result.rss.toFixed(0)} MB, CPU ${result.startCpu} ms to the first frame, ${result.keyCpu.toFixed(1)} ms a keystroke\n`);
	}

	const firstFrames = results.map(result => result.firstFrame);
	console.log(`load average ${os.loadavg().map(load => load.toFixed(2)).join(' ')}, ${rounds} rounds, medians:`);
	console.log(`first full frame: ${median(firstFrames).toFixed(0)} ms (min ${Math.min(...firstFrames).toFixed(0)}, max ${Math.max(...firstFrames).toFixed(0)}; goal < 400)`);
	console.log(`keystroke to frame, 200 containers: median ${median(results.map(result => median(result.latencies))).toFixed(1)} ms, p95 ${median(results.map(result => percentile(result.latencies, 0.95))).toFixed(1)} ms over ${keystrokes} a round (goal < 50)`);
	console.log(`resident memory: ${median(results.map(result => result.rss)).toFixed(0)} MB (goal < 150)`);
	console.log(`CPU time: ${median(results.map(result => result.startCpu)).toFixed(0)} ms to the first frame, ${median(results.map(result => result.keyCpu)).toFixed(1)} ms a keystroke`);
} finally {
	if (!kept) {
		execFileSync(launcher, ['container', 'prune'], {env, stdio: 'ignore'});
		fs.rmSync(work, {recursive: true, force: true});
	}
}
