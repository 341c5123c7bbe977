/**
 * cgroup v2: one unified hierarchy. The container's cgroup is the single directory `berth/<id>`;
 * its controllers must first be enabled in the `cgroup.subtree_control` of every cgroup above it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError, isBerthError} from '../../engine/errors.js';
import {cpuCount, hostMemoryTotal} from '../procfs.js';
import {
	appendControl, parseOomKills, readControl, readKeyValues, readNumber, readPids,
	removeCgroup, waitFor, writeControl, writeControlIfPresent,
} from './files.js';
import {CPU_PERIOD_US, checkLimits} from './limits.js';
import {BERTH_GROUP, type CgroupManager, type Limits, type ManagerOptions, type Stats} from './manager.js';

/** The controllers berth limits or reads; freezing is part of the v2 core and needs none. */
const wanted = ['cpu', 'io', 'memory', 'pids'];

/** runc's mapping of v1 shares (2..262144) onto v2 weights (1..10000), so both mean the same. */
export const sharesToWeight = (shares: number): number => 1 + Math.floor(((shares - 2) * 9999) / 262_142);

const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter(Boolean);

export class CgroupsV2 implements CgroupManager {
	readonly version = 2;
	private readonly proc: string;

	constructor(private readonly options: ManagerOptions) {
		this.proc = options.proc ?? '/proc';
	}

	async create(id: string, limits: Limits): Promise<string[]> {
		checkLimits(limits, cpuCount(this.proc));
		const parent = path.join(this.options.root, BERTH_GROUP);
		try {
			await this.enableControllers(this.options.root);
			fs.mkdirSync(parent, {recursive: true});
			await this.enableControllers(parent);
			fs.mkdirSync(this.dir(id), {recursive: true});
			await this.writeLimits(id, limits);
		} catch (error) {
			await this.destroy(id);
			throw error;
		}

		return this.paths(id);
	}

	paths(id: string): string[] {
		return [this.dir(id)];
	}

	oomFile(id: string): string {
		return path.join(this.dir(id), 'memory.events');
	}

	async oomKills(id: string): Promise<number> {
		return parseOomKills((await readControl(this.oomFile(id))) ?? '');
	}

	async stats(id: string): Promise<Stats> {
		const dir = this.dir(id);
		const usage = await readNumber(path.join(dir, 'memory.current'));
		if (usage === undefined) {
			throw new BerthError('INVALID_STATE', `container \`${id}\` has no cgroup: is it running?`);
		}

		const memoryStat = await readKeyValues(path.join(dir, 'memory.stat'));
		const cpuStat = await readKeyValues(path.join(dir, 'cpu.stat'));
		const limit = (await readNumber(path.join(dir, 'memory.max'))) ?? Number.POSITIVE_INFINITY;
		const pids = await readNumber(path.join(dir, 'pids.current'));
		return {
			cpuUsageNs: (cpuStat.get('usage_usec') ?? 0) * 1000,
			memoryUsage: usage - Math.min(usage, memoryStat.get('inactive_file') ?? 0),
			memoryLimit: Math.min(limit, hostMemoryTotal(this.proc)),
			memoryCache: memoryStat.get('file'),
			pids: pids ?? (await this.pids(id)).length,
		};
	}

	async pids(id: string): Promise<number[]> {
		return readPids(this.dir(id));
	}

	async freeze(id: string): Promise<void> {
		await writeControl(path.join(this.dir(id), 'cgroup.freeze'), '1');
		if (!await waitFor(async () => this.isFrozen(id))) {
			await writeControl(path.join(this.dir(id), 'cgroup.freeze'), '0');
			throw new BerthError('RUNTIME_FAILED', `cannot freeze container \`${id}\`: its processes did not stop`);
		}
	}

	async thaw(id: string): Promise<void> {
		await writeControl(path.join(this.dir(id), 'cgroup.freeze'), '0');
		if (!await waitFor(async () => !await this.isFrozen(id))) {
			throw new BerthError('RUNTIME_FAILED', `cannot thaw container \`${id}\``);
		}
	}

	/** cgroup.freeze is what was asked; `frozen 1` in cgroup.events is when every process has stopped. */
	async isFrozen(id: string): Promise<boolean> {
		return (await readKeyValues(path.join(this.dir(id), 'cgroup.events'))).get('frozen') === 1;
	}

	async destroy(id: string): Promise<void> {
		// Unlike v1, SIGKILL reaches the processes of a frozen v2 cgroup, so there is no need to thaw.
		await removeCgroup(this.dir(id));
	}

	private dir(id: string): string {
		return path.join(this.options.root, BERTH_GROUP, id);
	}

	/**
	 * Enables in `dir`'s children the wanted controllers that `dir` has and has not yet enabled.
	 * One write per controller, so one the kernel refuses does not hold back the others; a limit
	 * that needs it then fails with its own message.
	 */
	private async enableControllers(dir: string): Promise<void> {
		const available = words(await readControl(path.join(dir, 'cgroup.controllers')));
		const enabled = words(await readControl(path.join(dir, 'cgroup.subtree_control'))).map(word => word.replace(/^\+/, ''));
		for (const controller of wanted.filter(name => available.includes(name) && !enabled.includes(name))) {
			try {
				await appendControl(path.join(dir, 'cgroup.subtree_control'), [`+${controller}`]);
			} catch (error) {
				if (!isBerthError(error)) {
					throw error;
				}
			}
		}
	}

	private async writeLimits(id: string, limits: Limits): Promise<void> {
		const dir = this.dir(id);
		if (limits.memory !== undefined) {
			await writeControl(path.join(dir, 'memory.max'), String(limits.memory), 'memory limit');
			// v2 counts swap apart from memory: forbid it, or the limit would only bound RAM.
			await writeControlIfPresent(path.join(dir, 'memory.swap.max'), '0', 'memory limit');
		}

		if (limits.cpus !== undefined) {
			await writeControl(path.join(dir, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`, 'cpus');
		}

		if (limits.cpuShares !== undefined) {
			await writeControl(path.join(dir, 'cpu.weight'), String(sharesToWeight(limits.cpuShares)), 'cpu-shares');
		}

		if (limits.pidsLimit !== undefined && limits.pidsLimit > 0) {
			await writeControl(path.join(dir, 'pids.max'), String(limits.pidsLimit), 'pids-limit');
		}
	}
}
