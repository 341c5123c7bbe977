/** Picks the cgroup manager for this machine: v2 where the root is a cgroup2 mount, v1 otherwise. */
import fs from 'node:fs';
import path from 'node:path';
import type {CgroupManager} from './manager.js';
import {CgroupsV1} from './v1.js';
import {CgroupsV2} from './v2.js';

/** statfs(2) f_type of a cgroup2 filesystem. */
const CGROUP2_SUPER_MAGIC = 0x63_67_72_70;

/** `/sys/fs/cgroup`, or BERTH_CGROUP_ROOT so tests can point berth at a tree of their own. */
export const cgroupRoot = (env: NodeJS.ProcessEnv = process.env): string =>
	path.resolve(env.BERTH_CGROUP_ROOT ?? '/sys/fs/cgroup');

/**
 * A hybrid machine (v1 controllers, plus a cgroup2 at `/sys/fs/cgroup/unified` that holds no
 * controller berth uses) counts as v1: the root itself is a tmpfs of v1 mounts.
 */
export const detectCgroups = (root = cgroupRoot(), proc = '/proc'): CgroupManager =>
	fs.statfsSync(root).type === CGROUP2_SUPER_MAGIC ? new CgroupsV2({root, proc}) : new CgroupsV1({root, proc});
