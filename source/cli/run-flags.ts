/** The flags `run` and `create` share, and their translation into the engine's RunOptions. */
import type {Command} from 'commander';
import type {RunOptions} from '../runtime/spec.js';
import {parseBytes, parseCpus, parseInteger} from '../runtime/units.js';
import {BerthError} from '../engine/errors.js';
import {pullPolicies, type PullPolicy} from '../engine/registry.js';
import {collect, getEngine} from './context.js';
import {progressPrinter} from './progress.js';

const parsePullPolicy = (value: string): PullPolicy => {
	if (!pullPolicies.includes(value as PullPolicy)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid pull policy \`${value}\`: expected ${pullPolicies.join(', ')}`);
	}

	return value as PullPolicy;
};

export const addRunFlags = (command: Command): Command => command
	// -h is --hostname here, as in Docker.
	.helpOption('--help', 'display help for command')
	.option('-i, --interactive', 'keep STDIN open even if not attached')
	.option('-t, --tty', 'allocate a pseudo-TTY')
	.option('--rm', 'remove the container when it exits')
	.option('--name <name>', 'assign a name to the container')
	.option('-e, --env <KEY=VALUE>', 'set an environment variable', collect)
	.option('--env-file <file>', 'read environment variables from a file', collect)
	.option('-w, --workdir <dir>', 'working directory inside the container')
	.option('-u, --user <user[:group]>', 'user name or uid, optionally with a group')
	.option('-h, --hostname <name>', 'container host name')
	.option('-v, --volume <host:container[:ro]>', 'bind mount a host path', collect)
	.option('--tmpfs <path[:options]>', 'mount a tmpfs', collect)
	.option('--entrypoint <command>', 'override the image\'s entrypoint')
	.option('-m, --memory <bytes>', 'memory limit (e.g. 512m, 1g)')
	.option('--cpus <number>', 'number of CPUs (e.g. 1.5)')
	.option('-c, --cpu-shares <shares>', 'relative CPU weight')
	.option('--pids-limit <n>', 'maximum number of processes')
	.option('--cap-add <cap>', 'add a Linux capability', collect)
	.option('--cap-drop <cap>', 'drop a Linux capability', collect)
	.option('--privileged', 'give the container all capabilities, no seccomp, no masked paths')
	.option('--security-opt <option>', 'security option: no-new-privileges, seccomp=unconfined', collect)
	.option('--read-only', 'mount the container\'s root filesystem read-only')
	.option('--init', 'run an init inside the container that forwards signals and reaps processes')
	.option('--detach-keys <keys>', 'key sequence to detach from the container (default ctrl-p,ctrl-q)')
	.option('-l, --label <key=value>', 'set a label', collect)
	.option('--stop-signal <signal>', 'signal to stop the container (default SIGTERM)')
	.option('--network <name>', 'network: bridge, none, host or a network made by `network create`', 'bridge')
	.option('-p, --publish <[ip:][hostPort:]containerPort[/proto]>', 'publish a container port on the host', collect)
	.option('-P, --publish-all', 'publish every exposed port on a free host port')
	.option('--pull <policy>', 'pull the image first: missing (when it is not here), always or never', parsePullPolicy, 'missing')
	.option('--rootfs', 'the first argument is a directory to use as the container\'s root (read-only, with a throwaway layer above)');

/** The flags as commander gives them: RunOptions, but with the values still as typed. */
export type RunFlags = Omit<RunOptions, 'image' | 'command' | 'labels' | 'memory' | 'nanoCpus' | 'cpuShares' | 'pidsLimit'> & {
	label?: string[];
	memory?: string;
	cpus?: string;
	cpuShares?: string;
	pidsLimit?: string;
	pull?: PullPolicy;
};

/** Pulls the image as --pull says, drawing the progress on stderr as Docker does before a run. */
export const pullFirst = async (image: string, flags: RunFlags): Promise<void> => {
	if (!flags.rootfs) {
		await getEngine().registry.prepare(image, flags.pull ?? 'missing', {onProgress: progressPrinter(process.stderr)});
	}
};

export const runOptions = (image: string, command: string[], flags: RunFlags): RunOptions => ({
	...flags,
	image,
	command,
	labels: flags.label,
	memory: flags.memory === undefined ? undefined : parseBytes(flags.memory, 'memory limit'),
	nanoCpus: flags.cpus === undefined ? undefined : Math.round(parseCpus(flags.cpus) * 1e9),
	cpuShares: flags.cpuShares === undefined ? undefined : parseInteger(flags.cpuShares, 'cpu shares'),
	pidsLimit: flags.pidsLimit === undefined ? undefined : parseInteger(flags.pidsLimit, 'pids limit'),
});
