/**
 * Image speed, berth beside podman and docker where installed, and beside tar + gzip:
 *   - `commit` of a container that wrote 100 MB in 1000 files, and `diff` of it
 *   - `save` and `load` of the 100 MB image that commit made
 * The engines take turns at each run, so the load of a shared machine falls on all alike.
 * Medians in ms, then ratios. Goals (issue 3): commit and diff at most 0.8 of the faster of
 * podman and docker; save and load within 1.5x of `tar czf` / `tar xzf` of the same files.
 *
 *   sudo node --import=tsx bench/images.ts [runs]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';
import {berthCommand, docker, podman, type Peer} from './peers.js';

const runs = Number(process.argv[2] ?? 5);
const work = fs.mkdtempSync('/tmp/bi-');
// 1000 files of 100 kB: half random, half zeros, so gzip has something to do and not everything.
const writeData = 'mkdir /data && for i in $(seq 1000); do { head -c 50000 /dev/urandom; head -c 50000 /dev/zero; } > /data/$i; done';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26});

/** Runs `argv`, which may fail: removing an image that is not there yet. */
const tryRun = (argv: string[]) => {
	try {
		execFileSync(argv[0]!, argv.slice(1), {stdio: 'ignore'});
	} catch {}
};

const timed = (argv: string[]): number => {
	const start = performance.now();
	run(argv);
	return performance.now() - start;
};

/** Median time of `argv`, with `before` (not timed) run ahead of each. */
const time = (argv: string[], before?: () => void): number => median(Array.from({length: runs}, () => {
	before?.();
	return timed(argv);
}));

const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type Engine = Pick<Peer, 'name' | 'command'> & {stop: () => void};

const berth = (dir: string, tarball: string): Engine => {
	const env = {BERTH_ROOT: path.join(dir, 'root'), BERTH_RUN: path.join(dir, 'run')};
	// As users start it: the launcher, which starts from the start-up snapshot.
	const command = (...args: string[]) => ['env', `BERTH_ROOT=${env.BERTH_ROOT}`, `BERTH_RUN=${env.BERTH_RUN}`, berthCommand, ...args];
	run(command('import', tarball, 'bench-busybox'));
	return {name: 'berth', command, stop() {}};
};

const steps = ['commit', 'diff', 'save', 'load'] as const;
type Figures = Record<typeof steps[number], number>;

/**
 * One run of each step on each engine, the engines taking turns (in another order each run),
 * so that the load of the shared machine weighs on all of them alike. `before` (not timed)
 * runs ahead of each.
 */
const measureAll = (engines: Engine[]): Map<string, Figures> => {
	const archive = (engine: Engine) => path.join(work, `${engine.name}.tar`);
	const plan: Record<typeof steps[number], {argv: (engine: Engine) => string[]; before?: (engine: Engine) => void}> = {
		// Each commit on an empty store, as the first one: a layer blob already stored is not written again.
		commit: {argv: engine => engine.command('commit', 'bench-writer', 'bench:image'), before: engine => tryRun(engine.command('rmi', 'bench:image'))},
		diff: {argv: engine => engine.command('diff', 'bench-writer')},
		save: {argv: engine => engine.command('save', '-o', archive(engine), 'bench:image'), before: engine => fs.rmSync(archive(engine), {force: true})},
		load: {argv: engine => engine.command('load', '-i', archive(engine)), before: engine => run(engine.command('rmi', 'bench:image'))},
	};
	const times = new Map(engines.map(engine => [engine.name, Object.fromEntries(steps.map(step => [step, [] as number[]]))]));
	for (const engine of engines) {
		run(engine.command('run', '--name', 'bench-writer', '--network', 'none', 'bench-busybox', 'sh', '-c', writeData));
	}

	for (const step of steps) {
		for (let round = 0; round < runs; round++) {
			const order = engines.map((_, index) => engines[(index + round) % engines.length]!);
			for (const engine of order) {
				plan[step].before?.(engine);
				times.get(engine.name)![step]!.push(timed(plan[step].argv(engine)));
			}
		}
	}

	for (const engine of engines) {
		run(engine.command('rm', '-f', 'bench-writer'));
	}

	return new Map([...times].map(([name, figures]) => [name, Object.fromEntries(steps.map(step => [step, median(figures[step]!)])) as Figures]));
};

const report = (name: string, figures: Partial<Figures>) => {
	const cells = steps.map(key => (figures[key] === undefined ? '-' : figures[key]!.toFixed(0)).padStart(8));
	console.log(`${name.padEnd(12)}${cells.join('')}`);
};

const engines: Engine[] = [];
try {
	const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
	console.log(`${runs} runs each, engines taking turns; medians in ms; load average ${loadAverage()}\n${''.padEnd(12)}  commit    diff    save    load`);
	for (const [name, setUp] of [['berth', berth], ['podman', podman], ['docker', docker]] as const) {
		const engine = setUp(path.join(work, name), tarball);
		if (typeof engine === 'string') {
			console.log(`${name.padEnd(12)}${engine}`);
		} else {
			engines.push(engine);
		}
	}

	const results = measureAll(engines);
	for (const [name, figures] of results) {
		report(name, figures);
	}

	// tar + gzip of the same files, as berth's commit wrote them into its layer.
	const data = path.join(work, 'data');
	fs.mkdirSync(data);
	run(['sh', '-c', `cd ${data} && ${writeData.replace('mkdir /data && ', '').replaceAll('/data/', '')}`]);
	const gz = path.join(work, 'data.tar.gz');
	const out = path.join(work, 'out');
	const tarGzip = {
		save: time(['tar', 'czf', gz, '-C', data, '.'], () => fs.rmSync(gz, {force: true})),
		load: time(['tar', 'xzf', gz, '-C', out], () => fs.rmSync(out, {recursive: true, force: true}) ?? fs.mkdirSync(out)),
	};
	report('tar + gzip', tarGzip);

	console.log(`load average at the end ${loadAverage()}`);
	const own = results.get('berth')!;
	const peers = [...results].filter(([name]) => name !== 'berth').map(([, figures]) => figures);
	console.log('\nratios');
	for (const key of ['commit', 'diff'] as const) {
		const fastest = Math.min(...peers.map(figures => figures[key]));
		console.log(`${key.padEnd(8)} berth / fastest peer ${peers.length > 0 ? (own[key] / fastest).toFixed(2) : 'n/a'} (goal <= 0.8)`);
	}

	for (const key of ['save', 'load'] as const) {
		console.log(`${key.padEnd(8)} berth / tar + gzip    ${(own[key] / tarGzip[key]).toFixed(2)} (goal <= 1.5)`);
	}
} finally {
	for (const engine of engines) {
		engine.stop();
	}

	execFileSync('sh', ['-c', `umount -R ${work}/podman/root/overlay 2>/dev/null; ip link del docker0 2>/dev/null; true`]);
	fs.rmSync(work, {recursive: true, force: true});
}
