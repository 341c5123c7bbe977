/** The CONF records (source/native/shim/protocol.h) that start a container or exec in one. */
import os from 'node:os';
import path from 'node:path';
import {nativeBuildDir} from '../native/addon.js';
import type {Container} from './container.js';
import {capabilityMask} from './capabilities.js';
import type {ConfRecord} from './shim.js';

/** Paths Docker masks from a container that is not privileged. */
const maskedPaths = [
	'/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
	'/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
	'/sys/devices/virtual/powercap',
];

const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's defaults for a container's open files and processes, within the caller's hard limit. */
const rlimits: ConfRecord[] = [['rlimit', 'NOFILE', 1_048_576, 1_048_576]];

/** The `berth` command as installed (its launcher): what the shim runs after its container exits. */
export const berthCommand = (): string => path.join(nativeBuildDir(), 'berth');

/** How the container's root is made: overlay layers, or a ready tree the shim binds. */
export type RootfsSpec = {kind: 'overlay'; lower: string[]; upper: string; work: string} | {kind: 'bind'; dir: string};

const securityRecords = (container: Container): ConfRecord[] => {
	const {HostConfig: host} = container;
	return [
		['caps', capabilityMask({add: host.CapAdd, drop: host.CapDrop, privileged: host.Privileged})],
		...host.SecurityOpt.includes('no-new-privileges') ? [['no_new_privileges', 1] as ConfRecord] : [],
		...host.Privileged || host.SecurityOpt.includes('seccomp=unconfined') ? [] : [['seccomp', 1] as ConfRecord],
	];
};

const processRecords = (env: string[], argv: string[], cwd: string, user: string): ConfRecord[] => [
	...env.map((entry): ConfRecord => ['env', entry]),
	...argv.map((arg): ConfRecord => ['arg', arg]),
	['cwd', cwd],
	...user ? [['user', user] as ConfRecord] : [],
];

export type RunPaths = {
	rootfs: RootfsSpec;
	/** Where the shim mounts the root (an empty directory). */
	mountpoint: string;
	runDir: string;
	containerDir: string;
	cgroups: string[];
	oomFile?: string;
	waitAttach: boolean;
	/** The network namespace to join (a bridged container's); none and host need none. */
	netns?: string;
};

/** overlayfs's `volatile` option, in Linux since 5.10. */
const kernelHasVolatileOverlay = (release = os.release()): boolean => {
	const [major = 0, minor = 0] = release.split('.').map(Number);
	return major > 5 || (major === 5 && minor >= 10);
};

export const runRecords = (container: Container, paths: RunPaths): ConfRecord[] => {
	const {Config: config, HostConfig: host} = container;
	const run = (name: string) => path.join(paths.runDir, name);
	const etc = (name: string): ConfRecord => ['mount', path.join(paths.containerDir, name), `/etc/${name}`, 'bind', '', ''];
	const rootfs: ConfRecord[] = paths.rootfs.kind === 'overlay'
		? [...paths.rootfs.lower.map((dir): ConfRecord => ['lower', dir]), ['upper', paths.rootfs.upper], ['work', paths.rootfs.work]]
		: [];
	return [
		['id', container.Id],
		['rootfs', paths.rootfs.kind === 'overlay' ? paths.mountpoint : paths.rootfs.dir],
		...rootfs,
		// Unmounting an overlay syncs the whole filesystem of its upper dir, every other writer's
		// data included: a --rm container's changes are thrown away, so they are never synced.
		...paths.rootfs.kind === 'overlay' && host.AutoRemove && kernelHasVolatileOverlay() ? [['volatile', 1] as ConfRecord] : [],
		...host.ReadonlyRootfs ? [['readonly_rootfs', 1] as ConfRecord] : [],
		etc('hostname'), etc('hosts'), etc('resolv.conf'),
		...container.Mounts.map((mount): ConfRecord => mount.Type === 'bind'
			? ['mount', mount.Source, mount.Destination, 'bind', mount.RW ? 'rbind' : 'rbind,ro', '']
			: ['mount', 'tmpfs', mount.Destination, 'tmpfs', 'nosuid,nodev,noexec', mount.Options || 'mode=1777']),
		...host.Privileged ? [['privileged', 1] as ConfRecord] : [
			...maskedPaths.map((entry): ConfRecord => ['mask', entry]),
			...readonlyPaths.map((entry): ConfRecord => ['readonly', entry]),
		],
		['hostname', config.Hostname],
		...processRecords(config.Env, [container.Path, ...container.Args], config.WorkingDir, config.User),
		...config.Tty ? [['tty', 1] as ConfRecord] : [],
		...config.OpenStdin ? [['stdin', 1] as ConfRecord] : [],
		...securityRecords(container),
		...rlimits,
		...paths.cgroups.map((dir): ConfRecord => ['cgroup', dir]),
		...paths.oomFile ? [['oom', paths.oomFile] as ConfRecord] : [],
		paths.netns ? ['netns', paths.netns] : ['network', host.NetworkMode === 'host' ? 'host' : 'none'],
		...host.Init ? [['init', 1] as ConfRecord] : [],
		['log', path.join(paths.containerDir, 'container.log')],
		['attach', run('attach.sock')],
		...paths.waitAttach ? [['wait_attach', 1] as ConfRecord] : [],
		['exit', run('exit')],
		['pidfile', run('pid')],
		['shimpid', run('shim.pid')],
		['cleanup', berthCommand(), 'container', 'cleanup', container.Id],
	];
};

export type ExecOptions = {
	command: string[];
	env?: string[];
	workdir?: string;
	user?: string;
	tty?: boolean;
	privileged?: boolean;
};

export const execRecords = (container: Container, pid: number, cgroups: string[], options: ExecOptions): ConfRecord[] => [
	['pid', pid],
	...cgroups.map((dir): ConfRecord => ['cgroup', dir]),
	...processRecords(options.env ?? [], options.command, options.workdir ?? container.Config.WorkingDir, options.user ?? container.Config.User),
	...securityRecords(options.privileged ? {...container, HostConfig: {...container.HostConfig, Privileged: true}} : container),
	...options.tty ? [['tty', 1] as ConfRecord] : [],
];
