/**
 * The cgroup manager: where each container's processes are counted, limited, frozen and killed.
 *
 * Lifecycle of one container's cgroup, keyed by the container id:
 *
 *   create(id, limits)   makes `berth/<id>` (one directory on cgroup v2; one per controller
 *                        hierarchy on v1), writes the limits into it and returns the directories.
 *                        Nothing runs in it yet: the shim's container process joins each of them
 *                        (writes itself to `cgroup.procs`) before it unshares its cgroup namespace,
 *                        so every process of the container, and every `berth exec`, is inside from
 *                        its first instruction. When create fails it leaves nothing behind.
 *   paths(id)            the same directories again, for `berth exec` (its process joins them too).
 *   oomFile(id)          the file the shim reads after exit to tell an OOM kill (`oom_kill N`).
 *   stats / pids / oomKills
 *                        read-only views while the container runs (`berth stats`, `berth top`).
 *   freeze / thaw        `berth pause` / `berth unpause`; both return once the kernel has done it.
 *   destroy(id)          after the container exits (or to force it): kills any process still in
 *                        the cgroup, waits until it is empty, removes the directories. Running it
 *                        twice, or on a cgroup that was never made, is harmless.
 *
 * Implementations: v1.ts (a hierarchy per controller) and v2.ts (the unified hierarchy); detect.ts
 * picks one. Each takes its root directory, so the unit tests run them on a temporary tree.
 */

/** What a user asked for with `-m`, `--cpus`, `--cpu-shares`, `--pids-limit`, `--privileged`. */
export type Limits = {
	/** Bytes. Memory plus swap is held to the same value, so swapping cannot dodge it. */
	memory?: number;
	/** CPUs, fractions allowed: the container gets this much CPU time per period. */
	cpus?: number;
	/** Relative CPU weight, 2 to 262144 (1024 is the default). */
	cpuShares?: number;
	/** Most processes at once; zero or negative for no limit. */
	pidsLimit?: number;
	/** No device rules: the container may use any device node it is given. */
	privileged?: boolean;
};

export type Stats = {
	/** CPU time used by every process of the container, ever, in nanoseconds. */
	cpuUsageNs: number;
	/** Bytes in use as `docker stats` counts them: less the inactive page cache, which the kernel reclaims first. */
	memoryUsage: number;
	/** The memory limit, or the host's RAM when there is none. */
	memoryLimit: number;
	/** Bytes of page cache charged to the container. */
	memoryCache?: number;
	pids: number;
};

export type CgroupManager = {
	readonly version: 1 | 2;
	create(id: string, limits: Limits): Promise<string[]>;
	paths(id: string): string[];
	oomFile(id: string): string;
	/** How many times the kernel's OOM killer killed a process of the container. */
	oomKills(id: string): Promise<number>;
	stats(id: string): Promise<Stats>;
	/** The host pids of every process in the container's cgroup. */
	pids(id: string): Promise<number[]>;
	freeze(id: string): Promise<void>;
	thaw(id: string): Promise<void>;
	isFrozen(id: string): Promise<boolean>;
	destroy(id: string): Promise<void>;
};

/** Every container's cgroup sits under this directory of each hierarchy. */
export const BERTH_GROUP = 'berth';

/** Where a manager finds the kernel's files. */
export type ManagerOptions = {
	/** The cgroup mount (v2) or the directory holding the controller mounts (v1). */
	root: string;
	/** The proc root, for the host's RAM and CPU count. */
	proc?: string;
};
