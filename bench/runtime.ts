/**
 * Container start-up and footprint, berth beside podman, docker and crun where installed:
 *   - `run --rm --network none IMG true`, end to end (median of rounds that take turns between
 *     the engines, so that a busy machine weighs on all alike)
 *   - `run -d IMG sleep` and `exec CTR true` latency
 *   - resident memory of what stays beside an idle detached container (berth-shim; conmon;
 *     containerd-shim)
 * Printed as medians and as ratios berth/peer; the goals are ratios (issue: at most 0.6 of
 * podman's and 0.4 of docker's run time; the shim no bigger than conmon).
 *
 *   sudo node --import=tsx bench/runtime.ts [runs]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {makeBusyboxRootfs, makeBusyboxTarball} from '../test/helpers/busybox.js';
import {berthCommand, crun, docker, podman, type Peer} from './peers.js';

const runs = Number(process.argv[2] ?? 15);
// Short: a unix socket's path (BERTH_RUN/<id>/attach.sock) has at most 107 bytes.
const work = fs.mkdtempSync('/tmp/bb-');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const time = (argv: string[]): number => {
	const start = performance.now();
	execFileSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'ignore', 'inherit']});
	return performance.now() - start;
};

const rssKiB = (pids: number[]): number => pids.reduce((sum, pid) => {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return sum + Number(match?.[1] ?? 0);
}, 0);

type Result = {run?: number; detached?: number; exec?: number; rss?: number};

/** Each measure in rounds that take turns between the engines, so that a busy machine weighs on all alike. */
const measure = (engines: Peer[]): Map<Peer, Result> => {
	const samples = new Map(engines.map(engine => [engine, {run: [] as number[], detached: [] as number[], exec: [] as number[]}]));
	const names = Array.from({length: 5}, (_, i) => `bench-${process.pid}-${i}`);
	const detaching = engines.filter(engine => engine.runDetached('x').length > 0);
	for (const engine of engines) {
		time(engine.runTrue);
	}

	for (let round = 0; round < runs; round++) {
		for (const engine of engines) {
			samples.get(engine)!.run.push(time(engine.runTrue));
		}
	}

	for (const name of names) {
		for (const engine of detaching) {
			samples.get(engine)!.detached.push(time(engine.runDetached(name)));
		}
	}

	for (let round = 0; round < runs; round++) {
		for (const engine of detaching) {
			samples.get(engine)!.exec.push(time(engine.exec(names[0]!)));
		}
	}

	execFileSync('sleep', ['1']);
	const results = new Map(engines.map(engine => {
		const {run, detached, exec} = samples.get(engine)!;
		const result: Result = {run: median(run)};
		if (detaching.includes(engine)) {
			Object.assign(result, {detached: median(detached), exec: median(exec), rss: rssKiB(engine.helperPids(names[0]!))});
		}

		return [engine, result] as const;
	}));
	for (const engine of detaching) {
		for (const name of names) {
			time(engine.remove(name));
		}
	}

	return results;
};

const berth = (): Peer => {
	const env = {...process.env, BERTH_ROOT: path.join(work, 'berth/root'), BERTH_RUN: path.join(work, 'berth/run')};
	Object.assign(process.env, env);
	const argv = (...args: string[]) => [berthCommand, ...args];
	execFileSync(berthCommand, ['import', tarball, 'bench-busybox'], {stdio: 'ignore'});
	return {
		name: 'berth',
		runTrue: argv('run', '--rm', '--network', 'none', 'bench-busybox', 'true'),
		runDetached: name => argv('run', '-d', '--network', 'none', '--name', name, 'bench-busybox', 'sleep', '1000'),
		exec: name => argv('exec', name, 'true'),
		remove: name => argv('rm', '-f', name),
		helperPids(name) {
			const state = JSON.parse(execFileSync(berthCommand, ['inspect', '--format', '{{json .State}}', name], {encoding: 'utf8'})) as {Pid: number};
			// The shim is the parent of the container's pid 1.
			const stat = fs.readFileSync(`/proc/${state.Pid}/stat`, 'utf8');
			return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])];
		},
		stop() {},
	};
};

const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
const rootfs = makeBusyboxRootfs(fs.mkdtempSync(path.join(work, 'rootfs-')));
const peers: Array<Peer | string> = [];
try {
	const ours = berth();
	const made: Array<[string, Peer | string]> = [['podman', podman(path.join(work, 'podman'), tarball)], ['docker', docker(path.join(work, 'docker'), tarball)], ['crun', crun(path.join(work, 'crun'), rootfs)]];
	peers.push(...made.map(([, peer]) => peer));
	const running = [ours, ...made.flatMap(([, peer]) => typeof peer === 'string' ? [] : [peer])];
	const results = measure(running);
	const rows: Array<[string, Result | string]> = [['berth', results.get(ours)!], ...made.map(([name, peer]): [string, Result | string] => [name, typeof peer === 'string' ? peer : results.get(peer)!])];
	const oursResult = results.get(ours)!;
	const cell = (value?: number, unit = 'ms') => value === undefined ? '-' : `${value.toFixed(0)} ${unit}`;
	const ratio = (a?: number, b?: number) => a === undefined || b === undefined ? '-' : (a / b).toFixed(2);
	console.log(`${runs} rounds taking turns, medians; ratio = berth / peer (lower is better for berth); load average ${os.loadavg().map(load => load.toFixed(2)).join(' ')}\n`);
	console.log(['engine', 'run --rm true', 'run -d', 'exec', 'idle helper RSS'].map(text => text.padEnd(18)).join(''));
	for (const [name, result] of rows) {
		if (typeof result === 'string') {
			console.log(`${name.padEnd(18)}${result}`);
			continue;
		}

		console.log([name, cell(result.run), cell(result.detached), cell(result.exec), cell(result.rss, 'KiB')].map(text => text.padEnd(18)).join(''));
		if (name !== 'berth') {
			console.log(['  ratio', ratio(oursResult.run, result.run), ratio(oursResult.detached, result.detached), ratio(oursResult.exec, result.exec), ratio(oursResult.rss, result.rss)].map(text => text.padEnd(18)).join(''));
		}
	}
} finally {
	for (const peer of peers) {
		if (typeof peer !== 'string') {
			peer.stop();
		}
	}

	fs.rmSync(work, {recursive: true, force: true});
}
