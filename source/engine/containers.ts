/**
 * Container lifecycle: create, start, stop, kill, remove, wait, exec, and the state every
 * command reads. The lifecycle on disk:
 *
 *   create   containers/<id>/ is made whole in a temporary dir, then renamed into place
 *   start    cgroup made, berth-shim started; the shim creates the container and supervises it
 *   (runs)   the shim copies output to the log and attach clients
 *   exit     the shim writes BERTH_RUN/<id>/exit, then runs `berth container cleanup ID`
 *   cleanup  state.json records the exit, the cgroup and run dir go, --rm removes the container
 *
 * Cleanup is idempotent and also runs from any command that finds a container whose shim is
 * gone (killed, or its pid reused), so no container shows as running forever.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {BerthError, isErrno} from './errors.js';
import type {Engine} from './engine.js';
import type {Image} from '../image/store.js';
import {createdState, type Container, type ContainerRecord, type State} from '../runtime/container.js';
import {newId, randomName, validName} from '../runtime/names.js';
import {containerSpec, type ImageRunConfig, type RunOptions} from '../runtime/spec.js';
import {execShim, signalNumber, startShim} from '../runtime/shim.js';
import {execRecords, runRecords, type ExecOptions} from '../runtime/shim-conf.js';
import {isAlive, processStartTime, processTable, type ProcessTable} from '../runtime/procfs.js';
import type {Stats} from '../runtime/cgroups/manager.js';
import {tempName} from '../storage/atomic.js';
import {native} from '../native/addon.js';
import {hostsText} from '../network/hosts.js';

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

const nowIso = (): string => new Date().toISOString();

const isoFromNs = (ns: bigint): string => {
	const date = new Date(Number(ns / 1_000_000n)).toISOString();
	return `${date.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
};

/** A process we started is alive while its pid still has the start time we saw. */
const alive = (pid: number | undefined, startTime: number | undefined): boolean =>
	pid !== undefined && pid > 0 && startTime !== undefined && isAlive(pid, startTime);

const isActive = (state: State): boolean => state.Status === 'running' || state.Status === 'paused';

/** The exit file the shim writes: "CODE OOM FINISHED_NS". */
const readExit = async (file: string): Promise<{code: number; oom: boolean; finished: string} | undefined> => {
	try {
		const [code, oom, finished] = fs.readFileSync(file, 'utf8').trim().split(' ');
		return {code: Number(code), oom: oom === '1', finished: isoFromNs(BigInt(finished ?? '0'))};
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}
};

/** The host's resolvers; a loopback-only one (systemd-resolved) is useless inside, so Docker's fallback. */
const resolvConf = (): string => {
	let host = '';
	try {
		host = fs.readFileSync('/etc/resolv.conf', 'utf8');
	} catch {}

	const lines = host.split('\n').filter(line => /^(nameserver|search|options)\s/.test(line));
	const servers = lines.filter(line => line.startsWith('nameserver') && !/\s(127\.|::1)/.test(line));
	return [
		...lines.filter(line => !line.startsWith('nameserver')),
		...servers.length > 0 ? servers : ['nameserver 8.8.8.8', 'nameserver 8.8.4.4'],
	].join('\n') + '\n';
};

export type StartOptions = {
	/** Hold the command until the first attach client connects (a foreground run). */
	waitAttach?: boolean;
};

export class Containers {
	constructor(private readonly engine: Engine) {}

	private get store() {
		return this.engine.containerStore;
	}

	/** A container by id, name or id prefix, with its state brought up to date. */
	async get(reference: string): Promise<Container> {
		const id = await this.store.resolve(reference);
		return this.refresh(await this.store.read(id));
	}

	async list(options: {all?: boolean} = {}): Promise<Container[]> {
		const containers = await Promise.all((await this.store.list()).map(async container => this.refresh(container)));
		await this.engine.networks.sweep(containers);
		return containers
			.filter(container => options.all || isActive(container.State))
			.sort((a, b) => (a.Created < b.Created ? 1 : -1));
	}

	/**
	 * Notices a container whose process has exited or whose shim has died, and cleans it up;
	 * and one whose shim started but whose `start` was killed before recording it.
	 */
	private async refresh(container: Container): Promise<Container> {
		if (container.State.Status === 'created' && fs.existsSync(path.join(this.store.runDir(container.Id), 'shim.pid'))) {
			container = await this.adopt(container.Id);
		}

		if (!isActive(container.State) || !await this.hasEnded(container)) {
			return container;
		}

		await this.cleanup(container.Id);
		return this.store.read(container.Id).catch(error => {
			if (error instanceof BerthError && error.code === 'NO_SUCH_CONTAINER') {
				return {...container, State: {...container.State, Status: 'removing' as const, Running: false}};
			}

			throw error;
		});
	}

	/** Records as running a container whose shim is up though no `start` finished saying so. */
	private async adopt(id: string): Promise<Container> {
		return this.store.withLock(id, async () => {
			const container = await this.store.read(id);
			const runDir = this.store.runDir(id);
			const readPid = async (name: string) => Number(await fsp.readFile(path.join(runDir, name), 'utf8').catch(() => '0'));
			const [pid, shimPid] = [await readPid('pid'), await readPid('shim.pid')];
			if (container.State.Status !== 'created' || shimPid === 0) {
				return container;
			}

			const state = this.runningState(pid, shimPid);
			await this.store.writeState(id, state);
			return {...container, State: state};
		});
	}

	private runningState(pid: number, shimPid: number): State {
		return {
			...createdState(),
			Status: 'running',
			Running: true,
			Pid: pid,
			PidStartTime: processStartTime(pid),
			ShimPid: shimPid,
			ShimStartTime: processStartTime(shimPid),
			StartedAt: nowIso(),
		};
	}

	private async hasEnded(container: Container): Promise<boolean> {
		const {State: state} = container;
		if (fs.existsSync(path.join(this.store.runDir(container.Id), 'exit'))) {
			return true;
		}

		return !alive(state.ShimPid, state.ShimStartTime);
	}

	/** `base` is the image when it is already at hand (a build step's, which images.json does not list). */
	async create(options: RunOptions, base?: Image): Promise<Container> {
		// What a killed create left; the image stores are swept by the commands that write them.
		await this.store.sweep();
		const {image, lowers, runConfig} = await this.resolveRoot(options, base);
		const id = newId();
		const spec = containerSpec(id, options, runConfig);
		await this.engine.networks.check(spec.HostConfig.NetworkMode, Object.keys(spec.HostConfig.PortBindings).length > 0 || Boolean(spec.HostConfig.PublishAllPorts));
		const snapshotter = await this.engine.snapshotter();
		const record: ContainerRecord = {
			Id: id,
			Name: '',
			Created: nowIso(),
			Image: image,
			ImageName: options.image,
			...spec,
			Rootfs: {driver: snapshotter.name, lowers},
			...options.detachKeys ? {DetachKeys: options.detachKeys} : {},
		};
		const created = await this.store.withStoreLock(async () => {
			record.Name = `/${await this.chooseName(options.name)}`;
			const temp = path.join(this.store.dir, tempName(id));
			try {
				// A few small files: synchronous calls spare some twenty round trips through the thread pool.
				fs.mkdirSync(temp, {recursive: true, mode: 0o700});
				await snapshotter.prepare(temp, lowers);
				fs.writeFileSync(path.join(temp, 'hostname'), `${spec.Config.Hostname}\n`);
				fs.writeFileSync(path.join(temp, 'hosts'), hostsText(spec.Config.Hostname));
				fs.writeFileSync(path.join(temp, 'resolv.conf'), resolvConf());
				fs.writeFileSync(path.join(temp, 'config.json'), JSON.stringify(record, null, '\t'));
				fs.writeFileSync(path.join(temp, 'state.json'), JSON.stringify(createdState(), null, '\t'));
				fs.renameSync(temp, this.store.containerDir(id));
			} catch (error) {
				await snapshotter.remove(temp).catch(() => undefined);
				await native().removeTree(temp);
				throw error;
			}

			return this.store.read(id);
		});
		await this.event('create', created);
		return created;
	}

	/** The read-only layers a new container stands on: the image's (unpacked now if need be) or a --rootfs dir. */
	private async resolveRoot(options: RunOptions, base?: Image): Promise<{image: string; lowers: string[]; runConfig: ImageRunConfig}> {
		if (options.rootfs) {
			const dir = path.resolve(options.image);
			const stat = await fsp.stat(dir).catch(() => undefined);
			if (!stat?.isDirectory()) {
				throw new BerthError('NO_SUCH_FILE', `rootfs \`${options.image}\` is not a directory`);
			}

			return {image: '', lowers: [dir], runConfig: {}};
		}

		const image = base ?? await this.engine.images.get(options.image);
		const lowers = await this.engine.images.unpack(image);
		return {image: image.id, lowers, runConfig: image.config.config ?? {}};
	}

	private async chooseName(requested?: string): Promise<string> {
		const taken = new Set((await this.store.list()).map(container => container.Name));
		if (requested !== undefined) {
			if (!validName(requested)) {
				throw new BerthError('INVALID_ARGUMENT', `invalid container name \`${requested}\`: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
			}

			const name = requested.replace(/^\//, '');
			if (taken.has(`/${name}`)) {
				throw new BerthError('NAME_IN_USE', `the container name \`${name}\` is already in use`);
			}

			return name;
		}

		for (;;) {
			const name = randomName();
			if (!taken.has(`/${name}`)) {
				return name;
			}
		}
	}

	async start(reference: string, options: StartOptions = {}): Promise<Container> {
		const id = await this.store.resolve(reference);
		const started = await this.store.withLock(id, async () => {
			const container = await this.refresh(await this.store.read(id));
			if (isActive(container.State)) {
				return container;
			}

			return this.launch(container, options);
		}).catch(async (error: unknown) => {
			// As Docker: a --rm container that cannot start is removed.
			const container = await this.store.read(id).catch(() => undefined);
			if (container?.HostConfig.AutoRemove && !isActive(container.State)) {
				await this.erase(container);
			}

			throw error;
		});
		await this.event('start', started);
		return started;
	}

	/** Makes the cgroup and the network, starts the shim; on any failure undoes them and records the error. */
	private async launch(container: Container, options: StartOptions): Promise<Container> {
		const {Id: id} = container;
		const runDir = this.store.runDir(id);
		const containerDir = this.store.containerDir(id);
		const cgroups = this.engine.cgroups();
		const snapshotter = await this.engine.snapshotter();
		await native().removeTree(runDir);
		fs.mkdirSync(path.join(runDir, 'rootfs'), {recursive: true, mode: 0o700});
		let shim: {pid: number; shimPid: number};
		try {
			const host = container.HostConfig;
			const cgroupDirs = await cgroups.create(id, {
				memory: host.Memory || undefined,
				cpus: host.NanoCpus ? host.NanoCpus / 1e9 : undefined,
				cpuShares: host.CpuShares || undefined,
				pidsLimit: host.PidsLimit || undefined,
				privileged: host.Privileged,
			});
			const netns = await this.engine.networks.attach(container);
			shim = await startShim(path.join(runDir, 'shim.conf'), runRecords(container, {
				rootfs: await snapshotter.rootfs(containerDir, container.Rootfs.lowers),
				mountpoint: path.join(runDir, 'rootfs'),
				runDir,
				containerDir,
				cgroups: cgroupDirs,
				oomFile: cgroups.oomFile(id),
				waitAttach: Boolean(options.waitAttach),
				netns,
			}), this.engine.roots);
		} catch (error) {
			await this.engine.networks.detach(id);
			await cgroups.destroy(id);
			await native().removeTree(runDir);
			if (error instanceof BerthError) {
				await this.store.writeState(id, {...container.State, ExitCode: error.exitCode, Error: error.message});
			}

			throw error;
		}

		const state = this.runningState(shim.pid, shim.shimPid);
		await this.store.writeState(id, state);
		return {...container, State: state};
	}

	/**
	 * Records how a container ended and releases what it held. Safe to run any number of times,
	 * from the shim or from any command that notices the container has ended.
	 */
	async cleanup(id: string): Promise<void> {
		const removed = await this.store.withLock(id, async () => {
			let container: Container;
			try {
				container = await this.store.read(id);
			} catch (error) {
				if (error instanceof BerthError && error.code === 'NO_SUCH_CONTAINER') {
					return undefined;
				}

				throw error;
			}

			if (!isActive(container.State) || !await this.hasEnded(container)) {
				return undefined;
			}

			const exit = await readExit(path.join(this.store.runDir(id), 'exit'));
			// The shim is gone without a word: whatever it left in the cgroup dies with it.
			await this.release(id);
			const exitCode = String(exit?.code ?? 137);
			if (container.HostConfig.AutoRemove) {
				// No record of the exit: the container goes as soon as its lock is let go.
				await this.event('die', container, {exitCode});
				return container;
			}

			await this.store.writeState(id, {
				...container.State,
				Status: 'exited',
				Running: false,
				Paused: false,
				Pid: 0,
				ExitCode: exit?.code ?? 137,
				OOMKilled: exit?.oom ?? false,
				Error: exit ? '' : 'berth-shim exited unexpectedly',
				FinishedAt: exit?.finished ?? nowIso(),
			});
			await this.event('die', container, {exitCode});
			return undefined;
		});
		if (removed) {
			await this.erase(removed);
		}
	}

	/** Lets go of what a running container holds: its cgroup, its network, its run directory. */
	private async release(id: string): Promise<void> {
		await Promise.all([
			this.engine.cgroups().destroy(id),
			this.engine.networks.detach(id),
			native().removeTree(this.store.runDir(id)),
		]);
	}

	/** Deletes the layers and records of a container that holds nothing any more. */
	private async erase(container: Container): Promise<void> {
		const snapshotter = await this.engine.snapshotter();
		await this.store.withStoreLock(async () => {
			await snapshotter.remove(this.store.containerDir(container.Id));
			await this.store.remove(container.Id);
		});
		await this.event('destroy', container);
	}

	/** Resolves when the container has ended (its exit recorded), polling the shim's exit file. */
	private async waitEnded(id: string, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
			const container = await this.store.read(id).catch(() => undefined);
			if (!container || !isActive(container.State)) {
				return true;
			}

			if (await this.hasEnded(container)) {
				await this.cleanup(id);
				return true;
			}

			if (Date.now() >= deadline) {
				return false;
			}

			await sleep(Math.min(delay, Math.max(deadline - Date.now(), 1)));
		}
	}

	private signalProcess(container: Container, signal: number): void {
		const {Pid: pid, PidStartTime: start} = container.State;
		if (alive(pid, start)) {
			try {
				process.kill(pid, signal);
			} catch (error) {
				if (!isErrno(error, 'ESRCH')) {
					throw error;
				}
			}
		}
	}

	async kill(reference: string, signal = 'SIGKILL'): Promise<Container> {
		const number = signalNumber(signal);
		const container = await this.running(reference);
		this.signalProcess(container, number);
		await this.event('kill', container, {signal: String(number)});
		return container;
	}

	/** The stop signal, then SIGKILL after `timeout` seconds, as `docker stop`. */
	async stop(reference: string, timeout?: number): Promise<Container> {
		const container = await this.get(reference);
		if (isActive(container.State)) {
			this.signalProcess(container, signalNumber(container.Config.StopSignal || 'SIGTERM'));
			if (container.State.Paused) {
				await this.engine.cgroups().thaw(container.Id);
			}

			if (!await this.waitEnded(container.Id, (timeout ?? 10) * 1000)) {
				this.signalProcess(container, 9);
				await this.waitEnded(container.Id);
			}

			await this.event('stop', container);
		}

		return container;
	}

	async restart(reference: string, timeout?: number): Promise<Container> {
		const container = await this.stop(reference, timeout);
		return this.start(container.Id);
	}

	/** Waits for the container to stop and gives its exit code. */
	async wait(reference: string): Promise<number> {
		const id = await this.store.resolve(reference);
		for (;;) {
			const container = await this.store.read(id).catch(() => undefined);
			if (!container) {
				throw new BerthError('NO_SUCH_CONTAINER', `no such container: \`${reference}\``);
			}

			if (container.State.Status === 'exited') {
				return container.State.ExitCode;
			}

			if (isActive(container.State)) {
				await this.waitEnded(id);
			} else {
				await sleep(100);
			}
		}
	}

	async remove(reference: string, options: {force?: boolean} = {}): Promise<Container> {
		let container = await this.get(reference);
		if (isActive(container.State)) {
			if (!options.force) {
				throw new BerthError('INVALID_STATE', `cannot remove running container \`${reference}\`: stop it first or use --force`);
			}

			this.signalProcess(container, 9);
			if (container.State.Paused) {
				await this.engine.cgroups().thaw(container.Id);
			}

			await this.waitEnded(container.Id);
			container = await this.store.read(container.Id).catch(() => container);
		}

		// A start killed half-way left its network, and maybe its cgroup, behind.
		await this.release(container.Id);
		await this.erase(container);
		return container;
	}

	async exec(reference: string, options: ExecOptions & {detach?: boolean}): Promise<number> {
		const container = await this.running(reference);
		const runDir = this.store.runDir(container.Id);
		const confFile = path.join(runDir, `exec-${newId().slice(0, 12)}.conf`);
		const env = [...container.Config.Env.filter(entry => !(options.env ?? []).some(own => own.split('=')[0] === entry.split('=')[0])), ...options.env ?? []];
		const records = execRecords(container, container.State.Pid, this.engine.cgroups().paths(container.Id), {...options, env});
		await this.event('exec_start', container, {execID: path.basename(confFile, '.conf')});
		return execShim(confFile, records, Boolean(options.detach));
	}

	async pause(reference: string): Promise<Container> {
		return this.setPaused(reference, true);
	}

	async unpause(reference: string): Promise<Container> {
		return this.setPaused(reference, false);
	}

	/** Freezes or thaws every process of the container through its cgroup's freezer. */
	private async setPaused(reference: string, paused: boolean): Promise<Container> {
		const container = await this.get(reference);
		if (container.State.Status !== (paused ? 'running' : 'paused')) {
			throw new BerthError('INVALID_STATE', `container \`${reference}\` is not ${paused ? 'running' : 'paused'}`);
		}

		await this.store.withLock(container.Id, async () => {
			const cgroups = this.engine.cgroups();
			await (paused ? cgroups.freeze(container.Id) : cgroups.thaw(container.Id));
			await this.store.writeState(container.Id, {...container.State, Status: paused ? 'paused' : 'running', Paused: paused});
		});
		await this.event(paused ? 'pause' : 'unpause', container);
		return container;
	}

	async rename(reference: string, name: string): Promise<void> {
		const id = await this.store.resolve(reference);
		await this.store.withStoreLock(async () => {
			const newName = await this.chooseName(name);
			const container = await this.store.read(id);
			const {State: _state, ...record} = container;
			await this.store.writeRecord({...record, Name: `/${newName}`});
			await this.event('rename', {...container, Name: `/${newName}`}, {oldName: container.Name});
		});
	}

	/** Removes every container that is not running; gives their ids. */
	async prune(): Promise<string[]> {
		const stopped = (await this.list({all: true})).filter(container => !isActive(container.State));
		const removed: string[] = [];
		for (const container of stopped) {
			try {
				await this.remove(container.Id);
				removed.push(container.Id);
			} catch (error) {
				// Started or removed by another process meanwhile: not ours to prune.
				if (!(error instanceof BerthError) || !['NO_SUCH_CONTAINER', 'INVALID_STATE'].includes(error.code)) {
					throw error;
				}
			}
		}

		return removed;
	}

	/** The container as `docker inspect` shows it. */
	async inspect(reference: string): Promise<Record<string, unknown>> {
		const container = await this.get(reference);
		const {State: state, Rootfs: rootfs, DetachKeys: _keys, ImageName: _name, ...record} = container;
		const {ShimPid: _shim, ShimStartTime: _shimStart, PidStartTime: _start, ...publicState} = state;
		return {
			Id: record.Id,
			Created: record.Created,
			Path: record.Path,
			Args: record.Args,
			State: {...publicState, Restarting: false},
			Image: record.Image,
			ResolvConfPath: path.join(this.store.containerDir(record.Id), 'resolv.conf'),
			HostnamePath: path.join(this.store.containerDir(record.Id), 'hostname'),
			HostsPath: path.join(this.store.containerDir(record.Id), 'hosts'),
			LogPath: path.join(this.store.containerDir(record.Id), 'container.log'),
			Name: record.Name,
			RestartCount: 0,
			Driver: rootfs.driver,
			Platform: 'linux',
			HostConfig: record.HostConfig,
			GraphDriver: {Name: rootfs.driver, Data: {LowerDir: rootfs.lowers.join(':')}},
			Mounts: record.Mounts,
			Config: record.Config,
			NetworkSettings: await this.engine.networks.settings(container),
		};
	}

	private async running(reference: string): Promise<Container> {
		const container = await this.get(reference);
		if (!isActive(container.State)) {
			throw new BerthError('INVALID_STATE', `container \`${reference}\` is not running`);
		}

		return container;
	}

	/** The container's processes as `ps -ef` shows them. */
	async top(reference: string): Promise<ProcessTable> {
		const container = await this.running(reference);
		return processTable(await this.engine.cgroups().pids(container.Id));
	}

	/** Resource use now, read from the container's cgroup. */
	async stats(reference: string): Promise<{container: Container; stats: Stats}> {
		const container = await this.running(reference);
		return {container, stats: await this.engine.cgroups().stats(container.Id)};
	}

	attachSocket(container: Container): string {
		return path.join(this.store.runDir(container.Id), 'attach.sock');
	}

	logFile(container: Container): string {
		return path.join(this.store.containerDir(container.Id), 'container.log');
	}

	/** Whether the container has ended and its output is all in the log (for `logs -f`). */
	async isStopped(id: string): Promise<boolean> {
		const container = await this.store.read(id).catch(() => undefined);
		return !container || !isActive(container.State) || this.hasEnded(container);
	}

	private async event(action: string, container: Container, attributes: Record<string, string> = {}): Promise<void> {
		await this.engine.events.record('container', action, container.Id, {
			name: container.Name.replace(/^\//, ''), image: container.ImageName, ...attributes,
		});
	}
}

