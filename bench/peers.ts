/**
 * The engines berth is measured against, each set up in a private corner so that a benchmark
 * never touches a user's own containers: podman with its own storage and containers.conf,
 * dockerd started on its own socket and data root (and stopped by its pid), crun on a bundle.
 * A peer that is not installed, or cannot run here, says why instead of a number.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The `berth` command as installed: node started from berth's start-up snapshot. */
export const berthCommand = path.resolve(import.meta.dirname, '../source/native/build/Release/berth');

export type Peer = {
	name: string;
	/** argv of any command of this engine, run against its private store (none for crun). */
	command: (...args: string[]) => string[];
	/** argv that runs IMAGE's `true` in a fresh container, removed afterwards, with no network. */
	runTrue: string[];
	/** argv that starts a detached `sleep` container named NAME. */
	runDetached: (name: string) => string[];
	exec: (name: string) => string[];
	remove: (name: string) => string[];
	/** The pids of the helpers that stay beside an idle detached container (conmon, shim...). */
	helperPids: (name: string) => number[];
	/** argv of any other command of this engine, in its private corner (`build`, ...). */
	cli?: (...args: string[]) => string[];
	stop: () => void;
};

const which = (command: string): boolean => {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
};

const run = (argv: string[]) =>
	execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

const pidsNamed = (pattern: RegExp, marker: string): number[] => fs.readdirSync('/proc').filter(entry => /^\d+$/.test(entry))
	.filter(pid => {
		try {
			const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
			return pattern.test(cmdline) && cmdline.includes(marker);
		} catch {
			return false;
		}
	}).map(Number);

export const podman = (dir: string, tarball: string): Peer | string => {
	if (!which('podman')) {
		return 'not installed (Debian package podman)';
	}

	// Root here lacks CAP_SYS_RESOURCE, and the nofile hard limit is 20000: podman's defaults would fail.
	fs.mkdirSync(dir, {recursive: true});
	const conf = path.join(dir, 'containers.conf');
	// Networks made with `podman network create` stay in this dir, not in /etc/containers/networks.
	fs.writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=20000:20000","nproc=32768:32768"]\n[network]\nnetwork_config_dir = "${path.join(dir, 'networks')}"\n`);
	process.env.CONTAINERS_CONF = conf;
	const base = ['podman', '--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
	const argv = (...args: string[]) => [...base, ...args];
	run(argv('import', tarball, 'bench-busybox'));
	return {
		name: 'podman',
		command: argv,
		runTrue: argv('run', '--rm', '--network', 'none', 'bench-busybox', 'true'),
		runDetached: name => argv('run', '-d', '--network', 'none', '--name', name, 'bench-busybox', 'sleep', '1000'),
		exec: name => argv('exec', name, 'true'),
		remove: name => argv('rm', '-f', '-t', '0', name),
		helperPids: name => pidsNamed(/^\/usr\/bin\/conmon /, name),
		cli: argv,
		stop() {
			run(argv('rm', '-af'));
			// podman's overlay driver keeps its own storage dir mounted.
			execFileSync('sh', ['-c', `umount ${path.join(dir, 'root', 'overlay')} || true`], {stdio: 'ignore'});
		},
	};
};

/** `bridge`: an existing bridge for dockerd's default network (still without iptables rules); none by default. */
export const docker = (dir: string, tarball: string, options: {bridge?: string} = {}): Peer | string => {
	if (!which('dockerd') || !fs.existsSync('/usr/bin/docker')) {
		return 'not installed (Debian package docker.io)';
	}

	fs.mkdirSync(dir, {recursive: true});
	const socket = path.join(dir, 'docker.sock');
	const daemon: ChildProcess = spawn('dockerd', [
		'--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid'),
		'-H', `unix://${socket}`, '--bridge', options.bridge ?? 'none', '--iptables=false', '--ip6tables=false',
	], {stdio: 'ignore'});
	const argv = (...args: string[]) => ['/usr/bin/docker', '-H', `unix://${socket}`, ...args];
	for (let i = 0; i < 100 && !fs.existsSync(socket); i++) {
		execFileSync('sleep', ['0.2']);
	}

	run(argv('import', tarball, 'bench-busybox'));
	return {
		name: 'docker',
		command: argv,
		runTrue: argv('run', '--rm', '--network', 'none', 'bench-busybox', 'true'),
		runDetached: name => argv('run', '-d', '--network', 'none', '--name', name, 'bench-busybox', 'sleep', '1000'),
		exec: name => argv('exec', name, 'true'),
		remove: name => argv('rm', '-f', name),
		helperPids: () => pidsNamed(/containerd-shim/, dir),
		cli: argv,
		stop() {
			daemon.kill('SIGTERM');
			// Until it has let go of what it holds (the bridge it was given, its mounts); a zombie has.
			const stat = `/proc/${daemon.pid}/stat`;
			execFileSync('sh', ['-c', `while [ -e ${stat} ] && [ "$(cut -d' ' -f3 ${stat})" != Z ]; do sleep 0.1; done`]);
		},
	};
};

/** crun on an OCI bundle of the same rootfs: the floor any engine's start-up stands on. */
export const crun = (dir: string, rootfs: string): Peer | string => {
	if (!which('crun')) {
		return 'not installed (Debian package crun)';
	}

	const bundle = path.join(dir, 'bundle');
	fs.mkdirSync(bundle, {recursive: true});
	run(['crun', 'spec', '-b', bundle]);
	const specFile = path.join(bundle, 'config.json');
	const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
	spec.root = {path: rootfs, readonly: true};
	spec.process.terminal = false;
	spec.process.args = ['true'];
	spec.process.rlimits = [];
	fs.writeFileSync(specFile, JSON.stringify(spec));
	let count = 0;
	const probe = ['crun', 'run', '--bundle', bundle, `bench-probe-${process.pid}`];
	try {
		run(probe);
	} catch (error) {
		return `cannot run here: ${String((error as {stderr?: string}).stderr ?? error).trim().split('\n')[0]}`;
	}

	return {
		name: 'crun',
		command: () => [],
		get runTrue() {
			return ['crun', 'run', '--bundle', bundle, `bench-${process.pid}-${count++}`];
		},
		runDetached: () => [],
		exec: () => [],
		remove: () => [],
		helperPids: () => [],
		stop() {},
	};
};
