/**
 * From the flags of `run`/`create` and the image's config to the container's Docker-shaped
 * Config and HostConfig, with Docker's rules for merging the two.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import type {Config, HostConfig, Mount} from './container.js';
import {capabilityMask} from './capabilities.js';
import {portBindings} from '../network/ports.js';

/** The flags of `berth run` and `berth create`, as the CLI parsed them. */
export type RunOptions = {
	image: string;
	command: string[];
	name?: string;
	env?: string[];
	envFile?: string[];
	workdir?: string;
	user?: string;
	hostname?: string;
	volume?: string[];
	entrypoint?: string;
	memory?: number;
	nanoCpus?: number;
	cpuShares?: number;
	pidsLimit?: number;
	capAdd?: string[];
	capDrop?: string[];
	privileged?: boolean;
	securityOpt?: string[];
	readOnly?: boolean;
	tmpfs?: string[];
	init?: boolean;
	tty?: boolean;
	interactive?: boolean;
	rm?: boolean;
	detachKeys?: string;
	network?: string;
	/** -p specs: [IP:][HOSTPORT:]CTRPORT[/PROTO]. */
	publish?: string[];
	/** -P: publish every EXPOSEd port. */
	publishAll?: boolean;
	/** Run on this directory instead of an image. */
	rootfs?: boolean;
	labels?: string[];
	stopSignal?: string;
};

/** What of an image's config a container inherits (OCI image config `config` field). */
export type ImageRunConfig = {
	User?: string;
	Env?: string[];
	Entrypoint?: string[] | null;
	Cmd?: string[] | null;
	WorkingDir?: string;
	Labels?: Record<string, string> | null;
	StopSignal?: string;
	ExposedPorts?: Record<string, Record<string, never>>;
};

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `KEY=VALUE` stays; a bare `KEY` takes the caller's value, or is dropped when it has none. */
const expandEnv = (entries: string[]): string[] => entries.flatMap(entry => {
	if (entry.includes('=')) {
		return [entry];
	}

	const value = process.env[entry];
	return value === undefined ? [] : [`${entry}=${value}`];
});

const readEnvFile = (file: string): string[] => {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new BerthError('NO_SUCH_FILE', `cannot read env file \`${file}\`: ${(error as Error).message}`, {cause: error});
	}

	return text.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('#'));
};

/** Later entries win, as in Docker; the variable keeps its first position. */
export const mergeEnv = (...lists: string[][]): string[] => {
	const merged = new Map<string, string>();
	for (const entry of lists.flat()) {
		const key = entry.split('=', 1)[0]!;
		merged.set(key, entry);
	}

	return [...merged.values()];
};

const parseBind = (spec: string): Mount => {
	const [source, destination, mode = 'rw', ...rest] = spec.split(':');
	if (!source || !destination || rest.length > 0 || !/^(ro|rw)$/.test(mode)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid volume specification \`${spec}\``);
	}

	if (!path.isAbsolute(source)) {
		throw new BerthError('NOT_SUPPORTED', `named volumes are not supported: \`${source}\` (give an absolute host path)`);
	}

	if (!path.isAbsolute(destination)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid volume specification \`${spec}\`: the container path must be absolute`);
	}

	return {Type: 'bind', Source: path.resolve(source), Destination: path.posix.normalize(destination), Mode: mode, RW: mode === 'rw'};
};

const parseTmpfs = (spec: string): [string, string] => {
	const [destination = '', options = ''] = spec.split(/:(.*)/s);
	if (!path.isAbsolute(destination)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid tmpfs specification \`${spec}\`: the path must be absolute`);
	}

	return [destination, options];
};

const parseSecurityOpts = (options: string[]): {noNewPrivileges: boolean; seccomp: boolean} => {
	let noNewPrivileges = false;
	let seccomp = true;
	for (const option of options) {
		if (/^no-new-privileges(?:[:=]true)?$/.test(option)) {
			noNewPrivileges = true;
		} else if (/^no-new-privileges[:=]false$/.test(option)) {
			noNewPrivileges = false;
		} else if (/^seccomp[:=]unconfined$/.test(option)) {
			seccomp = false;
		} else {
			throw new BerthError('INVALID_ARGUMENT', `invalid security option \`${option}\``);
		}
	}

	return {noNewPrivileges, seccomp};
};

const parseLabels = (labels: string[]): Record<string, string> =>
	Object.fromEntries(labels.map(label => {
		const [key, value = ''] = label.split(/=(.*)/s);
		return [key!, value];
	}));

export type ContainerSpec = {
	Path: string;
	Args: string[];
	Config: Config;
	HostConfig: HostConfig;
	Mounts: Mount[];
};

/** Docker's merge of flags over the image config; throws on any value that can't work. */
export const containerSpec = (id: string, options: RunOptions, image: ImageRunConfig): ContainerSpec => {
	const entrypoint = options.entrypoint === undefined
		? (image.Entrypoint ?? null)
		: (options.entrypoint === '' ? null : [options.entrypoint]);
	// A new entrypoint drops the image's CMD, as in Docker.
	const cmd = options.command.length > 0
		? options.command
		: (options.entrypoint === undefined ? (image.Cmd ?? null) : null);
	const argv = [...entrypoint ?? [], ...cmd ?? []];
	if (argv.length === 0) {
		throw new BerthError('INVALID_ARGUMENT', `no command specified for \`${options.image}\``);
	}

	const imageEnv = image.Env ?? [defaultPath];
	const env = mergeEnv(
		imageEnv.some(entry => entry.startsWith('PATH=')) ? imageEnv : [defaultPath, ...imageEnv],
		...(options.envFile ?? []).map(readEnvFile),
		expandEnv(options.env ?? []),
	);
	const {noNewPrivileges, seccomp} = parseSecurityOpts(options.securityOpt ?? []);
	const securityOpt = [...noNewPrivileges ? ['no-new-privileges'] : [], ...seccomp ? [] : ['seccomp=unconfined']];
	capabilityMask({add: options.capAdd, drop: options.capDrop});
	const binds = (options.volume ?? []).map(parseBind);
	const tmpfs = Object.fromEntries((options.tmpfs ?? []).map(parseTmpfs));
	const mounts: Mount[] = [
		...binds,
		...Object.entries(tmpfs).map(([destination, tmpfsOptions]): Mount => ({
			Type: 'tmpfs', Source: '', Destination: destination, Mode: '', RW: !/(^|,)ro(,|$)/.test(tmpfsOptions), Options: tmpfsOptions,
		})),
	];
	const hostname = options.hostname ?? id.slice(0, 12);
	if (!/^[a-zA-Z\d]([a-zA-Z\d.-]{0,62})$/.test(hostname)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid hostname \`${hostname}\``);
	}

	// Whether a named network exists is the engine's to check.
	const network = options.network ?? 'bridge';
	const ports = portBindings(options.publish ?? []);
	const exposed = {...image.ExposedPorts, ...Object.fromEntries(Object.keys(ports).map(key => [key, {}]))};

	return {
		Path: argv[0]!,
		Args: argv.slice(1),
		Config: {
			Hostname: hostname,
			Domainname: '',
			User: options.user ?? image.User ?? '',
			AttachStdin: Boolean(options.interactive),
			AttachStdout: true,
			AttachStderr: true,
			Tty: Boolean(options.tty),
			OpenStdin: Boolean(options.interactive),
			StdinOnce: Boolean(options.interactive),
			Env: env,
			Cmd: cmd,
			Image: options.image,
			WorkingDir: options.workdir ?? (image.WorkingDir || '/'),
			Entrypoint: entrypoint,
			Labels: {...image.Labels, ...parseLabels(options.labels ?? [])},
			StopSignal: options.stopSignal ?? image.StopSignal ?? 'SIGTERM',
			...Object.keys(exposed).length > 0 ? {ExposedPorts: exposed} : {},
		},
		HostConfig: {
			Binds: options.volume ?? [],
			NetworkMode: network,
			PortBindings: ports,
			...options.publishAll ? {PublishAllPorts: true} : {},
			AutoRemove: Boolean(options.rm),
			CapAdd: options.capAdd ?? [],
			CapDrop: options.capDrop ?? [],
			Privileged: Boolean(options.privileged),
			ReadonlyRootfs: Boolean(options.readOnly),
			SecurityOpt: securityOpt,
			Tmpfs: tmpfs,
			Init: Boolean(options.init),
			Memory: options.memory ?? 0,
			NanoCpus: options.nanoCpus ?? 0,
			CpuShares: options.cpuShares ?? 0,
			PidsLimit: options.pidsLimit ?? 0,
		},
		Mounts: mounts,
	};
};
