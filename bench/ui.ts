/**
 * The terminal UI with 200 containers and 100 images (created, not running: cheap), in a pty
 * of 100x30 with CI unset:
 *   - time from starting `berth` to the first full frame (both lists drawn with their items)
 *   - keystroke-to-frame latency: `j`/`k` until the frame shows the new selection (median, p95)
 *   - resident memory of the UI's process after that
 * Goals (issue 6): first frame under 400 ms, keystroke-to-frame under 50 ms, under 150 MB.
 *
 *   sudo node --import=tsx bench/ui.ts [keystrokes]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';

const keystrokes = Number(process.argv[2] ?? 60);
const work = fs.mkdtempSync('/tmp/bu-');
const cli = path.resolve(import.meta.dirname, '../dist/cli.js');
const {CI: _ci, ...parent} = process.env;
const env = {...parent, BERTH_ROOT: path.join(work, 'root'), BERTH_RUN: path.join(work, 'run'), BERTH_CONFIG_DIR: path.join(work, 'config')};
const berth = (...args: string[]): string => execFileSync(process.execPath, [cli, ...args], {env, encoding: 'utf8'});

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

try {
	const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
	berth('import', tarball, 'bench:0');
	process.stderr.write('making 200 containers and 100 images…\n');
	// 99 more images, each a one-file layer of its own.
	fs.mkdirSync(path.join(work, 'file'));
	for (let index = 1; index < 100; index++) {
		fs.writeFileSync(path.join(work, 'file', 'n'), String(index));
		execFileSync('tar', ['-cf', path.join(work, 'n.tar'), '-C', path.join(work, 'file'), 'n']);
		berth('import', path.join(work, 'n.tar'), `bench:${index}`);
	}

	for (let index = 1; index <= 200; index++) {
		berth('create', '--name', `c${String(index).padStart(3, '0')}`, 'bench:0', 'sh');
	}

	const started = performance.now();
	const term = pty.spawn(process.execPath, [cli], {name: 'xterm-256color', cols: 100, rows: 30, env});
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
	await new Promise(resolve => {
		setTimeout(resolve, 500);
	});
	const latencies: number[] = [];
	for (let index = 0; index < keystrokes; index++) {
		const down = index % 2 === 0;
		output = '';
		const wait = until(down ? /› c199/ : /› c200/);
		const sent = performance.now();
		term.write(down ? 'j' : 'k');
		await wait;
		latencies.push(performance.now() - sent);
		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	}

	const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${term.pid}/status`, 'utf8'))![1]) / 1024;
	term.write('q');
	await new Promise<void>(resolve => {
		term.onExit(() => resolve());
	});
	console.log(`first full frame: ${firstFrame.toFixed(0)} ms (goal < 400)`);
	console.log(`keystroke to frame, 200 containers: median ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms over ${keystrokes} (goal < 50)`);
	console.log(`resident memory: ${rss.toFixed(0)} MB (goal < 150)`);
} finally {
	execFileSync(process.execPath, [cli, 'container', 'prune'], {env, stdio: 'ignore'});
	fs.rmSync(work, {recursive: true, force: true});
}
