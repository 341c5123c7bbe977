/**
 * `build` of one Dockerfile (a few RUN and COPY steps on the busybox image), berth beside
 * `podman build` and `docker build` (the classic builder of docker.io's 20.10) where installed:
 *   - cold: `--no-cache`, every step run
 *   - cached: the same build again, every step a cache hit
 * Printed as medians and as ratios berth/peer; the goals (issue 7) are a cold build at most
 * 0.6 of podman's time and a cached one at most 0.3 of it. RUN steps use no network, in all.
 *
 *   sudo node --import=tsx bench/build.ts [runs]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';
import {berthCommand, docker, podman, type Peer} from './peers.js';

const runs = Number(process.argv[2] ?? 5);
// Short: a unix socket's path (BERTH_RUN/<id>/attach.sock) has at most 107 bytes.
const work = fs.mkdtempSync('/tmp/bb-');

const dockerfile = `FROM bench-busybox
RUN echo one > /one && mkdir -p /var/cache/bench
COPY app/ /app/
RUN for i in 1 2 3; do cat /app/*.txt >> /var/cache/bench/all; done
COPY config.txt /etc/bench.conf
RUN wc -c /var/cache/bench/all > /count && chmod 600 /etc/bench.conf
ENV MODE=bench
WORKDIR /app
CMD ["cat", "/count"]
`;

/** The context: the Dockerfile, 50 small files in app/ and one more. */
const makeContext = (dir: string): string => {
	fs.mkdirSync(path.join(dir, 'app'), {recursive: true});
	fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
	for (let i = 0; i < 50; i++) {
		fs.writeFileSync(path.join(dir, 'app', `file-${i}.txt`), `${'line of text\n'.repeat(150)}${i}\n`);
	}

	fs.writeFileSync(path.join(dir, 'config.txt'), 'setting = 1\n');
	return dir;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const time = (argv: string[]): number => {
	const start = performance.now();
	execFileSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'ignore', 'inherit']});
	return performance.now() - start;
};

type Result = {cold: number; cached: number};

/** `build(...flags)` is the argv of a build of the context tagged bench-built. */
const measure = (build: (...flags: string[]) => string[]): Result => {
	time(build()); // Warms the base image's layers and the peer's own caches.
	const cold = median(Array.from({length: runs}, () => time(build('--no-cache'))));
	time(build());
	const cached = median(Array.from({length: runs}, () => time(build())));
	return {cold, cached};
};

const context = makeContext(path.join(work, 'context'));
const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
const buildWith = (peer: Peer) => (...flags: string[]) => peer.cli!('build', '--network', 'none', ...flags, '-t', 'bench-built', context);
const peers: Array<Peer | string> = [];
try {
	const env = {...process.env, BERTH_ROOT: path.join(work, 'berth/root'), BERTH_RUN: path.join(work, 'berth/run')};
	Object.assign(process.env, env);
	execFileSync(berthCommand, ['import', tarball, 'bench-busybox'], {stdio: 'ignore'});
	const ours = measure((...flags) => [berthCommand, 'build', '--network', 'none', ...flags, '-t', 'bench-built', context]);
	const rows: Array<[string, Result | string]> = [['berth', ours]];
	for (const [name, make] of [['podman', () => podman(path.join(work, 'podman'), tarball)], ['docker', () => docker(path.join(work, 'docker'), tarball)]] as const) {
		const peer = make();
		peers.push(peer);
		rows.push([name, typeof peer === 'string' ? peer : measure(buildWith(peer))]);
	}

	const cell = (value: number) => `${value.toFixed(0)} ms`;
	console.log(`${runs} runs each, medians; ratio = berth / peer (lower is better for berth)\n`);
	console.log(['engine', 'cold (--no-cache)', 'fully cached'].map(text => text.padEnd(20)).join(''));
	for (const [name, result] of rows) {
		if (typeof result === 'string') {
			console.log(`${name.padEnd(20)}${result}`);
			continue;
		}

		console.log([name, cell(result.cold), cell(result.cached)].map(text => text.padEnd(20)).join(''));
		if (name !== 'berth') {
			console.log(['  ratio', (ours.cold / result.cold).toFixed(2), (ours.cached / result.cached).toFixed(2)].map(text => text.padEnd(20)).join(''));
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
