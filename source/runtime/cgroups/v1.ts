/**
 * cgroup v1: a hierarchy per controller, each mounted in a directory under the root named after
 * it (`memory`) or after the controllers mounted together (`cpu,cpuacct`). The container's cgroup
 * is `berth/<id>` in each hierarchy berth uses; the named `systemd` hierarchy is left alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError, isErrno} from '../../engine/errors.js';
import {native} from '../../native/addon.js';
import {cpuCount, hostMemoryTotal} from '../procfs.js';
import {
	appendControl, parseOomKills, readControl, readKeyValues, readNumber, readPids,
	removeCgroup, waitFor, writeControl, writeControlIfPresent,
} from './files.js';
import {CPU_PERIOD_US, checkLimits} from './limits.js';
import {BERTH_GROUP, type CgroupManager, type Limits, type ManagerOptions, type Stats} from './manager.js';

const controllers = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', 'devices', 'blkio', 'cpuset'] as const;
type Controller = typeof controllers[number];

/** Docker's default device rules: the null, zero, full, random and tty devices, ptys, and mknod of any. */
const allowedDevices = [
	'c *:* m',
	'b *:* m',
	'c 1:3 rwm',
	'c 1:5 rwm',
	'c 1:7 rwm',
	'c 1:8 rwm',
	'c 1:9 rwm',
	'c 5:0 rwm',
	'c 5:1 rwm',
	'c 5:2 rwm',
	'c 136:* rwm',
];

/**
 * Where each controller is mounted under `root`. Symlinks such as `cpu -> cpu,cpuacct` are
 * skipped: the directory they point to is found under its own name.
 */
const findHierarchies = (root: string): Map<Controller, string> => {
	const found = new Map<Controller, string>();
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(root, {withFileTypes: true});
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return found;
		}

		throw error;
	}

	for (const entry of entries.filter(entry => entry.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
		for (const name of entry.name.split(',')) {
			const controller = controllers.find(known => known === name);
			if (controller && !found.has(controller)) {
				found.set(controller, path.join(root, entry.name));
			}
		}
	}

	return found;
};

/** A new cpuset cgroup starts with no CPUs and no memory nodes, and no process may join it then. */
const inheritCpuset = async (dir: string): Promise<void> => {
	for (const file of ['cpuset.cpus', 'cpuset.mems']) {
		if ((await readControl(path.join(dir, file)))?.trim() === '') {
			const parent = (await readControl(path.join(path.dirname(dir), file)))?.trim() ?? '';
			await writeControl(path.join(dir, file), parent);
		}
	}
};

/** statfs(2) f_type of a cgroup v1 hierarchy. */
const CGROUP_SUPER_MAGIC = 0x27_e0_eb;

/**
 * The first move of a process between cgroups waits for an RCU grace period (~10 ms), and moves
 * within a grace period of the last one do not. Moving this process into the cgroup it is in
 * already (nothing changes for it) starts that wait on the thread pool while the container is
 * being prepared, so the shim's moves of the container find it over. Only a speed-up: any
 * failure is ignored, and a tree that is not a cgroup filesystem (the tests') is left alone.
 */
const startGracePeriod = (hierarchy: string, proc: string): void => {
	try {
		if (fs.statfsSync(hierarchy).type !== CGROUP_SUPER_MAGIC) {
			return;
		}

		const name = path.basename(hierarchy);
		const own = fs.readFileSync(path.join(proc, 'self/cgroup'), 'utf8').split('\n')
			.map(line => line.split(':'))
			.find(([, controllers]) => controllers === name)?.[2];
		if (own !== undefined) {
			native().writeFile(path.join(hierarchy, own, 'cgroup.procs'), String(process.pid)).catch(() => undefined);
		}
	} catch {}
};

export class CgroupsV1 implements CgroupManager {
	readonly version = 1;
	private readonly hierarchies: Map<Controller, string>;
	private readonly proc: string;

	constructor(private readonly options: ManagerOptions) {
		this.hierarchies = findHierarchies(options.root);
		this.proc = options.proc ?? '/proc';
	}

	async create(id: string, limits: Limits): Promise<string[]> {
		checkLimits(limits, cpuCount(this.proc));
		try {
			for (const hierarchy of new Set(this.hierarchies.values())) {
				for (const dir of [path.join(hierarchy, BERTH_GROUP), path.join(hierarchy, BERTH_GROUP, id)]) {
					fs.mkdirSync(dir, {recursive: true});
					if (hierarchy === this.hierarchies.get('cpuset')) {
						await inheritCpuset(dir);
					}
				}
			}

			// After the mkdirs: the wait holds the lock that a mkdir takes.
			const [first] = this.hierarchies.values();
			if (first !== undefined) {
				startGracePeriod(first, this.proc);
			}

			await this.writeLimits(id, limits);
		} catch (error) {
			await this.destroy(id);
			throw error;
		}

		return this.paths(id);
	}

	paths(id: string): string[] {
		return [...new Set(this.hierarchies.values())].map(hierarchy => path.join(hierarchy, BERTH_GROUP, id));
	}

	oomFile(id: string): string {
		return path.join(this.dir('memory', id), 'memory.oom_control');
	}

	async oomKills(id: string): Promise<number> {
		return parseOomKills((await readControl(this.oomFile(id))) ?? '');
	}

	async stats(id: string): Promise<Stats> {
		const memory = this.dir('memory', id);
		const usage = await readNumber(path.join(memory, 'memory.usage_in_bytes'));
		if (usage === undefined) {
			throw new BerthError('INVALID_STATE', `container \`${id}\` has no cgroup: is it running?`);
		}

		// The total_ fields count the cgroups below too, should the container have made any.
		const stat = await readKeyValues(path.join(memory, 'memory.stat'));
		const limit = (await readNumber(path.join(memory, 'memory.limit_in_bytes'))) ?? Number.POSITIVE_INFINITY;
		const cpuUsageNs = (await readNumber(path.join(this.dir('cpuacct', id), 'cpuacct.usage'))) ?? 0;
		const pids = this.hierarchies.has('pids') ? await readNumber(path.join(this.dir('pids', id), 'pids.current')) : undefined;
		return {
			cpuUsageNs,
			memoryUsage: usage - Math.min(usage, stat.get('total_inactive_file') ?? 0),
			memoryLimit: Math.min(limit, hostMemoryTotal(this.proc)),
			memoryCache: stat.get('total_cache'),
			pids: pids ?? (await this.pids(id)).length,
		};
	}

	async pids(id: string): Promise<number[]> {
		// Every hierarchy holds the same processes; any one will do.
		const [dir] = this.paths(id);
		return dir === undefined ? [] : readPids(dir);
	}

	async freeze(id: string): Promise<void> {
		const state = path.join(this.dir('freezer', id), 'freezer.state');
		// A task busy in the kernel can hold the cgroup in FREEZING; asking again retries it.
		const frozen = await waitFor(async () => {
			await writeControl(state, 'FROZEN');
			return (await readControl(state))?.trim() === 'FROZEN';
		});
		if (!frozen) {
			await writeControl(state, 'THAWED');
			throw new BerthError('RUNTIME_FAILED', `cannot freeze container \`${id}\`: its processes did not stop`);
		}
	}

	async thaw(id: string): Promise<void> {
		const state = path.join(this.dir('freezer', id), 'freezer.state');
		await writeControl(state, 'THAWED');
		if (!await waitFor(async () => (await readControl(state))?.trim() === 'THAWED')) {
			throw new BerthError('RUNTIME_FAILED', `cannot thaw container \`${id}\``);
		}
	}

	async isFrozen(id: string): Promise<boolean> {
		if (!this.hierarchies.has('freezer')) {
			return false;
		}

		return (await readControl(path.join(this.dir('freezer', id), 'freezer.state')))?.trim() === 'FROZEN';
	}

	async destroy(id: string): Promise<void> {
		// A frozen task does not act on SIGKILL until it is thawed.
		if (await this.isFrozen(id)) {
			await this.thaw(id);
		}

		await Promise.all(this.paths(id).map(async dir => removeCgroup(dir)));
	}

	private dir(controller: Controller, id: string): string {
		const hierarchy = this.hierarchies.get(controller);
		if (hierarchy === undefined) {
			throw new BerthError('NOT_SUPPORTED', `the cgroup v1 controller \`${controller}\` is not mounted under \`${this.options.root}\``);
		}

		return path.join(hierarchy, BERTH_GROUP, id);
	}

	private async writeLimits(id: string, limits: Limits): Promise<void> {
		if (limits.memory !== undefined) {
			const dir = this.dir('memory', id);
			// memsw is memory plus swap and must never be below the memory limit, so it comes second.
			await writeControl(path.join(dir, 'memory.limit_in_bytes'), String(limits.memory), 'memory limit');
			await writeControlIfPresent(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memory), 'memory limit');
		}

		if (limits.cpus !== undefined) {
			const dir = this.dir('cpu', id);
			await writeControl(path.join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US), 'cpus');
			await writeControl(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CPU_PERIOD_US)), 'cpus');
		}

		if (limits.cpuShares !== undefined) {
			await writeControl(path.join(this.dir('cpu', id), 'cpu.shares'), String(limits.cpuShares), 'cpu-shares');
		}

		if (limits.pidsLimit !== undefined && limits.pidsLimit > 0) {
			await writeControl(path.join(this.dir('pids', id), 'pids.max'), String(limits.pidsLimit), 'pids-limit');
		}

		if (!limits.privileged && this.hierarchies.has('devices')) {
			const dir = this.dir('devices', id);
			await writeControl(path.join(dir, 'devices.deny'), 'a');
			await appendControl(path.join(dir, 'devices.allow'), allowedDevices);
		}
	}
}
