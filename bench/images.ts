/**
 * Image speed, berth beside podman and docker where installed, and beside tar + gzip:
 *   - `commit` of a container that wrote 100 MB in 1000 files, and `diff` of it
 *   - `save` and `load` of the 100 MB image that commit made
 * Medians in ms, then ratios. Goals (issue 3): commit and diff at most 0.8 of the faster of
 * podman and docker; save and load within 1.5x of `tar czf` / `tar xzf` of the same files.
 *
 *   sudo node --import=tsx bench/images.ts [runs]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';
import {docker, podman, type Peer} from './peers.js';

const runs = Number(process.argv[2] ?? 5);
const work = fs.mkdtempSync('/tmp/bi-');
const cli = path.resolve(import.meta.dirname, '../dist/cli.js');
// 1000 files of 100 kB: half random, half zeros, so gzip has something to do and not everything.
const writeData = 'mkdir /data && for i in $(seq 1000); do { head -c 50000 /dev/urandom; head -c 50000 /dev/zero; } > /data/$i; done';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26});

/** Median time of `argv`, with `before` (not timed) run ahead of each. */
const time = (argv: string[], before?: () => void): number => median(Array.from({length: runs}, () => {
	before?.();
	const start = performance.now();
	run(argv);
	return performance.now() - start;
}));

type Engine = Pick<Peer, 'name' | 'command'> & {stop: () => void};

const berth = (dir: string, tarball: string): Engine => {
	const env = {BERTH_ROOT: path.join(dir, 'root'), BERTH_RUN: path.join(dir, 'run')};
	const command = (...args: string[]) => ['env', `BERTH_ROOT=${env.BERTH_ROOT}`, `BERTH_RUN=${env.BERTH_RUN}`, process.execPath, cli, ...args];
	run(command('import', tarball, 'bench-busybox'));
	return {name: 'berth', command, stop() {}};
};

type Figures = Record<'commit' | 'diff' | 'save' | 'load', number>;

const measure = (engine: Engine): Figures => {
	const argv = engine.command;
	run(argv('run', '--name', 'bench-writer', '--network', 'none', 'bench-busybox', 'sh', '-c', writeData));
	const archive = path.join(work, `${engine.name}.tar`);
	const figures = {
		commit: time(argv('commit', 'bench-writer', 'bench:image')),
		diff: time(argv('diff', 'bench-writer')),
		save: time(argv('save', '-o', archive, 'bench:image'), () => fs.rmSync(archive, {force: true})),
		load: time(argv('load', '-i', archive), () => run(argv('rmi', 'bench:image'))),
	};
	run(argv('rm', '-f', 'bench-writer'));
	return figures;
};

const report = (name: string, figures: Partial<Figures>) => {
	const cells = (['commit', 'diff', 'save', 'load'] as const).map(key => (figures[key] === undefined ? '-' : figures[key]!.toFixed(0)).padStart(8));
	console.log(`${name.padEnd(12)}${cells.join('')}`);
};

try {
	const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
	const results = new Map<string, Figures>();
	console.log(`${runs} runs each, medians in ms\n${''.padEnd(12)}  commit    diff    save    load`);
	for (const [name, setUp] of [['berth', berth], ['podman', podman], ['docker', docker]] as const) {
		const dir = path.join(work, name);
		const engine = setUp(dir, tarball);
		if (typeof engine === 'string') {
			console.log(`${name.padEnd(12)}${engine}`);
			continue;
		}

		try {
			results.set(name, measure(engine));
			report(name, results.get(name)!);
		} finally {
			engine.stop();
		}
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
	execFileSync('sh', ['-c', `umount -R ${work}/podman/root/overlay 2>/dev/null; ip link del docker0 2>/dev/null; true`]);
	fs.rmSync(work, {recursive: true, force: true});
}
