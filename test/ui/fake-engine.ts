/**
 * An engine for component tests: containers and images held in memory, the calls the UI makes
 * recorded, errors injectable. Only what the UI uses is there; the rest throws.
 */
import {EventEmitter} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Engine} from '../../source/engine/engine.js';
import {BerthError} from '../../source/engine/errors.js';
import type {Container, Status} from '../../source/runtime/container.js';
import {createdState} from '../../source/runtime/container.js';
import type {Image} from '../../source/image/store.js';

export type Call = {method: string; args: unknown[]};

export const fakeContainer = (name: string, status: Status = 'running', created = '2026-01-01T00:00:00Z'): Container => ({
	Id: `${name.padEnd(12, '0')}${'a'.repeat(52)}`.slice(0, 64),
	Name: `/${name}`,
	Created: created,
	Image: 'sha256:' + '1'.repeat(64),
	ImageName: 'busybox:latest',
	Path: 'sh',
	Args: [],
	Config: {
		Hostname: name, Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
		OpenStdin: false, StdinOnce: false, Env: ['PATH=/bin', 'GREETING=hello'], Cmd: ['sh'], Image: 'busybox:latest',
		WorkingDir: '', Entrypoint: null, Labels: {}, StopSignal: 'SIGTERM',
	},
	HostConfig: {
		Binds: [], NetworkMode: 'none', PortBindings: {}, AutoRemove: false, CapAdd: [], CapDrop: [], Privileged: false,
		ReadonlyRootfs: false, SecurityOpt: [], Tmpfs: {}, Init: false, Memory: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: 0,
	},
	Mounts: [],
	Rootfs: {driver: 'vfs', lowers: []},
	State: {...createdState(), Status: status, Running: status === 'running', StartedAt: new Date(Date.now() - 60_000).toISOString()},
});

export const fakeImage = (reference: string, created = '2026-01-01T00:00:00Z'): Image => {
	const hex = Buffer.from(reference).toString('hex').padEnd(64, '0').slice(0, 64);
	return {
		id: `sha256:${hex}` as Image['id'],
		manifestDigest: `sha256:${'f'.repeat(64)}` as Image['id'],
		manifest: {schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {mediaType: '', digest: `sha256:${hex}`, size: 0}, layers: []} as unknown as Image['manifest'],
		config: {architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}, history: [{created, created_by: 'import'}]} as unknown as Image['config'],
		references: [/^[^/]*[.:][^/]*\//.test(reference) ? reference : reference.includes("/") ? `docker.io/${reference}` : `docker.io/library/${reference}`],
		created,
		size: 2_130_000,
		layers: [],
	};
};

export type FakeEngine = {
	engine: Engine;
	calls: Call[];
	containers: Container[];
	images: Image[];
	/** Makes the next call of `method` fail with this error. */
	failNext: (method: string, error: Error) => void;
	/** Changes the state as another berth process would, and says so through the events. */
	change: (update: () => void) => void;
	logFile: string;
	/** The ids whose stats were read, in order. */
	statsRead: string[];
	/** How many times the containers were listed. */
	containersListed: number;
	root: string;
	close: () => void;
};

export const fakeEngine = (options: {containers?: Container[]; images?: Image[]; withCommit?: boolean; pushNeedsLogin?: boolean} = {}): FakeEngine => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ui-'));
	const logFile = path.join(root, 'container.log');
	fs.writeFileSync(logFile, '');
	// Watched as a store's is.
	fs.mkdirSync(path.join(root, 'containers'));
	const calls: Call[] = [];
	const failures = new Map<string, Error>();
	const events = new EventEmitter();
	const fake: FakeEngine = {
		engine: undefined as unknown as Engine,
		calls,
		containers: options.containers ?? [],
		images: options.images ?? [],
		failNext: (method, error) => {
			failures.set(method, error);
		},
		change: update => {
			update();
			events.emit('event', {Type: 'container', Action: 'create', Actor: {ID: 'x', Attributes: {}}, time: 0, timeNano: 0});
		},
		logFile,
		statsRead: [],
		containersListed: 0,
		root,
		close: () => {
			fs.rmSync(root, {recursive: true, force: true});
		},
	};
	const record = (method: string, ...args: unknown[]): void => {
		calls.push({method, args});
		const failure = failures.get(method);
		if (failure) {
			failures.delete(method);
			throw failure;
		}
	};

	const find = (reference: string): Container => {
		const found = fake.containers.find(container => container.Id === reference || container.Name === `/${reference}`);
		if (!found) {
			throw new BerthError('NO_SUCH_CONTAINER', `no such container: \`${reference}\``);
		}

		return found;
	};

	const containers = {
		list: async () => {
			fake.containersListed++;
			return [...fake.containers];
		},
		get: async (reference: string) => find(reference),
		start: async (reference: string) => {
			record('start', reference);
			return find(reference);
		},
		stop: async (reference: string) => {
			record('stop', reference);
			return find(reference);
		},
		restart: async (reference: string) => {
			record('restart', reference);
			return find(reference);
		},
		kill: async (reference: string) => {
			record('kill', reference);
			return find(reference);
		},
		pause: async (reference: string) => {
			record('pause', reference);
			return find(reference);
		},
		remove: async (reference: string, removeOptions: unknown) => {
			record('remove', reference, removeOptions);
			const container = find(reference);
			fake.containers = fake.containers.filter(item => item !== container);
			events.emit('event', {Type: 'container', Action: 'destroy'});
			return container;
		},
		inspect: async (reference: string) => ({Id: find(reference).Id, Config: find(reference).Config}),
		stats: async (reference: string) => {
			fake.statsRead.push(reference);
			return {container: find(reference), stats: {cpuUsageNs: Date.now() * 1e5, memoryUsage: 3 * 1024 * 1024, memoryLimit: 1024 ** 3, pids: 2}};
		},
		logFile: () => logFile,
		isStopped: async () => true,
	};
	const images: Record<string, unknown> = {
		list: async () => [...fake.images],
		get: async (reference: string) => fake.images.find(image => image.id === reference || image.references.some(name => name.endsWith(reference)))!,
		inspect: async (reference: string) => ({Id: reference}),
		unpack: async () => [],
	};
	if (options.withCommit !== false) {
		images.commit = async (container: string, commitOptions: {reference?: string}) => {
			record('commit', container, commitOptions);
			const image = fakeImage(commitOptions.reference ?? 'untagged', new Date().toISOString());
			fake.images = [image, ...fake.images];
			events.emit('event', {Type: 'image', Action: 'commit'});
			return image.id;
		};
	}

	let pushes = 0;
	const registry = {
		push: async (reference: string, pushOptions: {onProgress?: (event: unknown) => void}) => {
			record('push', reference);
			if (pushes++ === 0 && options.pushNeedsLogin) {
				throw new BerthError('REGISTRY_UNAUTHORIZED', `unauthorized: \`${reference}\``);
			}

			pushOptions.onProgress?.({type: 'layer', digest: `sha256:${'a'.repeat(64)}`, phase: 'pushing', current: 512, total: 1024});
			// As the registry client says it: the end of an upload has no byte count.
			pushOptions.onProgress?.({type: 'layer', digest: `sha256:${'a'.repeat(64)}`, phase: 'done', total: 1024});
			pushOptions.onProgress?.({type: 'digest', reference, digest: `sha256:${'d'.repeat(64)}`, size: 500});
			return {reference, digest: `sha256:${'d'.repeat(64)}`, size: 500};
		},
		login: async (domain: string, credentials: unknown) => {
			record('login', domain, credentials);
			return domain;
		},
	};
	fake.engine = {registry, roots: {root, run: path.join(root, 'run')}, events, containers, images} as unknown as Engine;
	return fake;
};
