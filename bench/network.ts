/**
 * Networking, berth beside podman and docker where installed:
 *   - `run --rm IMG true` on each engine's bridge, with the bridge already up (a container
 *     stays on it), and with --network none beside it, in rounds that take turns so that a
 *     busy machine weighs on all alike
 *   - throughput of a bounded HTTP transfer (busybox httpd to the host's curl) through a
 *     published port, on 127.0.0.1 and on the host's address, against the container's
 *     address directly
 * Printed as medians and as ratios; the goals are ratios (issue 4: at most 0.6 of podman's and
 * 0.4 of docker's run time; published-port throughput at least 0.9 of the direct path).
 * Every engine keeps to its own corner: berth on its own bridge, subnet and nft table, podman
 * on a network of its private config dir, dockerd on a bridge made here (without iptables,
 * as bench/peers.ts runs it: its published ports go through docker-proxy).
 *
 *   sudo node --import=tsx bench/network.ts [runs] [MiB] [transfer rounds]
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {makeBusyboxTarball} from '../test/helpers/busybox.js';
import {berthCommand, docker, podman, type Peer} from './peers.js';

const runs = Number(process.argv[2] ?? 15);
// 512 MiB: at ~1.5 GB/s a 128 MiB download is over in 80 ms, and slow start and scheduling swing
// each engine's ratio by ±0.1 from one run of the bench to the next.
const mebibytes = Number(process.argv[3] ?? 512);
const rounds = Number(process.argv[4] ?? 15);
const work = fs.mkdtempSync('/tmp/bn-');
const tag = path.basename(work).slice(3, 9).toLowerCase().replaceAll(/[^a-z\d]/g, 'x');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});

const time = (argv: string[]): number => {
	const start = performance.now();
	execFileSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'ignore', 'inherit']});
	return performance.now() - start;
};

const hostAddress = (): string | undefined => Object.entries(os.networkInterfaces())
	.filter(([name]) => !/^(lo|bt|bb|berth|vb|veth|bdk|bpm|podman|docker)/.test(name))
	.flatMap(([, addresses]) => addresses ?? []).find(entry => entry.family === 'IPv4' && !entry.internal)?.address;

/** What the network benchmark needs of an engine beside the Peer basics. */
type Engine = {
	name: string;
	runTrue: string[];
	/** The same with --network none: what the bridge adds is the difference. */
	runNone: string[];
	/** argv that starts a detached container: `publish` its port 80 when given. */
	detached: (name: string, script: string, publish: boolean) => string[];
	/** The container's address and the host port its port 80 is published on. */
	address: (name: string) => string;
	hostPort: (name: string) => string;
	stop: () => void;
};

const berth = (): Engine => {
	Object.assign(process.env, {
		BERTH_ROOT: path.join(work, 'berth/root'), BERTH_RUN: path.join(work, 'berth/run'),
		BERTH_BRIDGE: `bb${tag}0`, BERTH_SUBNET: '10.97.0.0/24', BERTH_NFT_TABLE: `berth_bench_${tag}`,
	});
	const argv = (...args: string[]) => [berthCommand, ...args];
	sh(argv('import', tarball, 'bench-busybox'));
	return {
		name: 'berth',
		runTrue: argv('run', '--rm', 'bench-busybox', 'true'),
		runNone: argv('run', '--rm', '--network', 'none', 'bench-busybox', 'true'),
		detached: (name, script, publish) => argv('run', '-d', '--name', name, ...publish ? ['-p', '80'] : [], '--tmpfs', '/www', 'bench-busybox', 'sh', '-c', script),
		address: name => sh(argv('inspect', '--format', '{{.NetworkSettings.IPAddress}}', name)).trim(),
		hostPort: name => sh(argv('port', name, '80')).trim().split(':').at(-1)!,
		stop() {
			const ids = sh(argv('ps', '-a', '-q')).trim().split('\n').filter(Boolean);
			if (ids.length > 0) {
				sh(argv('rm', '-f', ...ids));
			}
		},
	};
};

const fromPodman = (peer: Peer): Engine => {
	const subnet = '10.98.0.0/24';
	// podman 4.3 names the bridge itself (podmanN, the first its config dir does not use).
	sh(peer.command('network', 'create', '--disable-dns', '--subnet', subnet, 'benchnet'));
	return {
		name: 'podman',
		runTrue: peer.command('run', '--rm', '--network', 'benchnet', 'bench-busybox', 'true'),
		runNone: peer.runTrue,
		detached: (name, script, publish) => peer.command('run', '-d', '--name', name, '--network', 'benchnet', ...publish ? ['-p', '80'] : [], '--tmpfs', '/www', 'bench-busybox', 'sh', '-c', script),
		address: name => sh(peer.command('inspect', '--format', '{{.NetworkSettings.Networks.benchnet.IPAddress}}', name)).trim(),
		hostPort: name => sh(peer.command('port', name, '80')).trim().split('\n')[0]!.split(':').at(-1)!,
		stop() {
			peer.stop();
			sh(peer.command('network', 'rm', '-f', 'benchnet'));
		},
	};
};

const dockerBridge = `bdk${tag}`;

const fromDocker = (peer: Peer): Engine => ({
	name: 'docker',
	runTrue: peer.command('run', '--rm', 'bench-busybox', 'true'),
	runNone: peer.runTrue,
	detached: (name, script, publish) => peer.command('run', '-d', '--name', name, ...publish ? ['-p', '80'] : [], '--tmpfs', '/www', 'bench-busybox', 'sh', '-c', script),
	address: name => sh(peer.command('inspect', '--format', '{{.NetworkSettings.IPAddress}}', name)).trim(),
	hostPort: name => sh(peer.command('port', name, '80')).trim().split('\n')[0]!.split(':').at(-1)!,
	stop() {
		const ids = sh(peer.command('ps', '-a', '-q')).trim().split('\n').filter(Boolean);
		if (ids.length > 0) {
			sh(peer.command('rm', '-f', ...ids));
		}

		peer.stop();
	},
});

/**
 * netavark leaves its own chains (NETAVARK_FORWARD, NETAVARK-HOSTPORT-*) and their jumps in
 * iptables after its last network is gone; when the host had none before, they go too.
 */
const netavarkChains = (): string[] => {
	const save = sh(['iptables-save']);
	return [...save.matchAll(/^:(NETAVARK\S+)/gm)].map(match => match[1]!);
};

const removeNetavarkChains = (): void => {
	for (const table of ['filter', 'nat']) {
		const rules = sh(['iptables', '-w', '-t', table, '-S']).split('\n');
		for (const rule of rules.filter(line => /^-A (FORWARD|PREROUTING|OUTPUT|POSTROUTING) .*-j NETAVARK/.test(line))) {
			// The comment is the one quoted argument netavark writes.
			const args = rule.slice(3).match(/"[^"]*"|\S+/g)!.map(arg => arg.replaceAll('"', ''));
			sh(['iptables', '-w', '-t', table, '-D', ...args]);
		}

		for (const chain of rules.filter(line => line.startsWith('-N NETAVARK')).map(line => line.slice(3))) {
			sh(['iptables', '-w', '-t', table, '-F', chain]);
		}

		for (const chain of rules.filter(line => line.startsWith('-N NETAVARK')).map(line => line.slice(3))) {
			sh(['iptables', '-w', '-t', table, '-X', chain]);
		}
	}
};

const makeDockerBridge = () => {
	sh(['ip', 'link', 'add', dockerBridge, 'type', 'bridge']);
	sh(['ip', 'addr', 'add', '10.99.0.1/24', 'dev', dockerBridge]);
	sh(['ip', 'link', 'set', dockerBridge, 'up']);
};

/** Bytes per second of one download, as curl measures it. */
const download = (url: string): number => Number(sh(['curl', '-sf', '-o', '/dev/null', '-w', '%{speed_download}', url]));

const waitFor = (url: string): void => {
	for (let i = 0; i < 100; i++) {
		try {
			sh(['curl', '-sf', '-o', '/dev/null', '-r', '0-0', url]);
			return;
		} catch {
			execFileSync('sleep', ['0.1']);
		}
	}

	throw new Error(`${url} does not answer`);
};

/**
 * Median MiB/s through each path, and the median of each round's ratio to the direct path:
 * rounds take turns, so a burst of load elsewhere weighs on one round, not on one path.
 */
const throughput = (engine: Engine): Record<string, {speed: number; ratio: number}> => {
	const name = `bench-serve-${process.pid}`;
	sh(engine.detached(name, `head -c ${mebibytes * 1024 * 1024} /dev/zero > /www/big && exec httpd -f -p 80 -h /www`, true));
	const port = engine.hostPort(name);
	const paths: Record<string, string> = {
		direct: `http://${engine.address(name)}/big`,
		'127.0.0.1': `http://127.0.0.1:${port}/big`,
		...hostAddress() ? {'host address': `http://${hostAddress()}:${port}/big`} : {},
	};
	waitFor(paths.direct!);
	const speeds: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map(key => [key, []]));
	for (let round = 0; round < rounds; round++) {
		// Every other round backwards, so that no path always follows the same one.
		const order = round % 2 === 0 ? Object.entries(paths) : Object.entries(paths).reverse();
		for (const [key, url] of order) {
			speeds[key]!.push(download(url) / 1024 / 1024);
		}
	}

	return Object.fromEntries(Object.entries(speeds).map(([key, values]) => [key, {
		speed: median(values),
		ratio: median(values.map((value, round) => value / speeds.direct![round]!)),
	}]));
};

const tarball = makeBusyboxTarball(path.join(work, 'busybox.tar'));
const engines: Engine[] = [];
const absent: string[] = [];
const netavarkBefore = netavarkChains().length > 0;
try {
	engines.push(berth());
	const podmanPeer = podman(path.join(work, 'podman'), tarball);
	if (typeof podmanPeer === 'string') {
		absent.push(`podman: ${podmanPeer}`);
	} else {
		engines.push(fromPodman(podmanPeer));
	}

	makeDockerBridge();
	const dockerPeer = docker(path.join(work, 'docker'), tarball, {bridge: dockerBridge});
	if (typeof dockerPeer === 'string') {
		absent.push(`docker: ${dockerPeer}`);
	} else {
		engines.push(fromDocker(dockerPeer));
	}

	// Each bridge up before timing: one container stays on it.
	for (const engine of engines) {
		sh(engine.detached(`bench-keep-${process.pid}`, 'sleep 1000', false));
		time(engine.runTrue);
	}

	const times: Record<string, {bridge: number[]; none: number[]}> = Object.fromEntries(engines.map(engine => [engine.name, {bridge: [], none: []}]));
	for (let round = 0; round < runs; round++) {
		for (const engine of engines) {
			times[engine.name]!.bridge.push(time(engine.runTrue));
			times[engine.name]!.none.push(time(engine.runNone));
		}
	}

	const ours = median(times.berth!.bridge);
	console.log(`run --rm IMG true on the bridge (already up), and with --network none; medians of ${runs} rounds taking turns\n`);
	for (const engine of engines) {
		const [bridge, none] = [median(times[engine.name]!.bridge), median(times[engine.name]!.none)];
		console.log([engine.name, `bridge ${bridge.toFixed(0)} ms`, `none ${none.toFixed(0)} ms`, engine.name === 'berth' ? '' : `berth/${engine.name} on the bridge = ${(ours / bridge).toFixed(2)}`]
			.map(cell => cell.padEnd(18)).join(''));
	}

	for (const line of absent) {
		console.log(line);
	}

	console.log(`\nthroughput of a ${mebibytes} MiB download (busybox httpd -> curl), medians of ${rounds} rounds, MiB/s;`);
	console.log('(ratio) = median of each round\'s path / direct\n');
	for (const engine of engines) {
		const speeds = throughput(engine);
		console.log(`${engine.name.padEnd(10)}${Object.entries(speeds).map(([key, {speed, ratio}]) =>
			`${key} ${speed.toFixed(0)}${key === 'direct' ? '' : ` (${ratio.toFixed(2)})`}`).join('   ')}`);
	}
} finally {
	for (const engine of engines) {
		engine.stop();
	}

	if (!netavarkBefore) {
		removeNetavarkChains();
	}

	execFileSync('sh', ['-c', `ip link delete ${dockerBridge} 2>/dev/null; umount ${path.join(work, 'podman', 'root', 'overlay')} 2>/dev/null; true`]);
	fs.rmSync(work, {recursive: true, force: true});
}
