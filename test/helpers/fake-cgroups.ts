/**
 * Stand-ins for the kernel's cgroup trees, as plain directories: each holds the control files a
 * real hierarchy has, with the kernel's default contents and formats. The kernel makes a new
 * cgroup's files on mkdir; here `addCgroup` makes them beforehand. What the suite expects of
 * each tree is written out as the files and values the kernel would hold.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {CgroupManager, Limits} from '../../source/runtime/cgroups/manager.js';
import {CgroupsV1} from '../../source/runtime/cgroups/v1.js';
import {CgroupsV2} from '../../source/runtime/cgroups/v2.js';

/** What a container's cgroup reports, written into the fake files in the kernel's formats. */
export type StatsSample = {
	cpuUsageNs: number;
	usage: number;
	inactiveFile: number;
	cache: number;
	pids: number;
	limit?: number;
};

export type FakeCgroups = {
	name: string;
	root: string;
	proc: string;
	manager: CgroupManager;
	/** The host's RAM as the fake /proc/meminfo reports it. */
	hostMemory: number;
	addCgroup(id: string): void;
	/** The directories the container joins. */
	expectedPaths(id: string): string[];
	/** Limit files (relative to root) and the values the kernel holds after create(id, limits), defaults included. */
	expectedFiles(id: string, limits: Limits): Record<string, string>;
	/** The file create() must write a memory limit to. */
	memoryLimitFile(id: string): string;
	writeStats(id: string, sample: StatsSample): void;
	writeOomKills(id: string, kills: number): void;
	/** Does what the kernel does once every process of the cgroup has stopped or resumed. */
	settleFreezer(id: string, frozen: boolean): void;
	cleanup(): void;
};

const unlimitedV1 = '9223372036854771712';
const hostMemoryKb = 2_048_000;

const write = (file: string, content: string): void => {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, content);
};

const writeFiles = (dir: string, files: Record<string, string>): void => {
	for (const [name, content] of Object.entries(files)) {
		write(path.join(dir, name), content);
	}
};

/** A /proc with four CPUs and 2 GB of RAM. */
const makeProc = (base: string): string => {
	const proc = path.join(base, 'proc');
	write(path.join(proc, 'meminfo'), `MemTotal:        ${hostMemoryKb} kB\nMemFree:          1024000 kB\n`);
	write(path.join(proc, 'self/status'), 'Name:\tnode\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n');
	return proc;
};

const v1MemoryStat = (sample: StatsSample): string => [
	`cache ${sample.cache}`, 'rss 7245824', 'rss_huge 0', 'shmem 0', 'mapped_file 7663616', 'dirty 16384',
	'writeback 0', 'swap 0', 'pgpgin 35108', 'pgpgout 30901', 'pgfault 36669', 'pgmajfault 0',
	'inactive_anon 0', 'active_anon 1531904', `inactive_file ${sample.inactiveFile}`, 'active_file 782336',
	'unevictable 0', `hierarchical_memory_limit ${sample.limit ?? unlimitedV1}`, `hierarchical_memsw_limit ${unlimitedV1}`,
	`total_cache ${sample.cache}`, 'total_rss 7245824', 'total_rss_huge 0', 'total_shmem 0',
	'total_mapped_file 7663616', 'total_dirty 16384', 'total_writeback 0', 'total_swap 0',
	'total_pgpgin 35108', 'total_pgpgout 30901', 'total_pgfault 36669', 'total_pgmajfault 0',
	'total_inactive_anon 0', 'total_active_anon 1531904', `total_inactive_file ${sample.inactiveFile}`,
	'total_active_file 782336', 'total_unevictable 0', '',
].join('\n');

const v2MemoryStat = (sample: StatsSample): string => [
	'anon 7245824', `file ${sample.cache}`, 'kernel 1204224', 'kernel_stack 65536', 'pagetables 139264',
	'sec_pagetables 0', 'percpu 0', 'sock 0', 'vmalloc 0', 'shmem 0', 'zswap 0', 'zswapped 0',
	'file_mapped 7663616', 'file_dirty 16384', 'file_writeback 0', 'swapcached 0', 'anon_thp 0',
	'file_thp 0', 'shmem_thp 0', 'inactive_anon 0', 'active_anon 7245824',
	`inactive_file ${sample.inactiveFile}`, 'active_file 782336', 'unevictable 0',
	'slab_reclaimable 524288', 'slab_unreclaimable 262144', 'slab 786432', 'pgfault 36669', 'pgmajfault 0', '',
].join('\n');

type V1Layout = {
	/** Directory names under the root, as mounted: `cpu,cpuacct` for a co-mount. A `systemd` one is always added. */
	mounts: string[];
	/** Symlinks such as `cpu -> cpu,cpuacct`, as systemd makes. */
	links?: Record<string, string>;
};

/** cgroup v1 with a hierarchy per controller (as on this project's machines) or with co-mounts. */
export const fakeV1 = (name: string, layout: V1Layout): FakeCgroups => {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cgroups-v1-'));
	const root = path.join(base, 'cgroup');
	const proc = makeProc(base);
	const mountOf = (controller: string): string => layout.mounts.find(mount => mount.split(',').includes(controller))!;
	const group = (controller: string, id: string): string => path.join(mountOf(controller), 'berth', id);
	const filesOf: Record<string, Record<string, string>> = {
		memory: {
			'memory.limit_in_bytes': `${unlimitedV1}\n`,
			'memory.memsw.limit_in_bytes': `${unlimitedV1}\n`,
			'memory.usage_in_bytes': '0\n',
			'memory.stat': v1MemoryStat({cpuUsageNs: 0, usage: 0, inactiveFile: 0, cache: 0, pids: 0}),
			'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
		},
		cpu: {'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n', 'cpu.shares': '1024\n'},
		cpuacct: {'cpuacct.usage': '0\n'},
		pids: {'pids.max': 'max\n', 'pids.current': '0\n'},
		freezer: {'freezer.state': 'THAWED\n'},
		devices: {'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm\n'},
		blkio: {},
		cpuset: {'cpuset.cpus': '\n', 'cpuset.mems': '\n'},
	};
	const makeGroup = (dir: string, controllers: string[]): void => {
		write(path.join(dir, 'cgroup.procs'), '');
		write(path.join(dir, 'tasks'), '');
		for (const controller of controllers) {
			writeFiles(dir, filesOf[controller] ?? {});
		}
	};

	// Hierarchies berth does not use, such as the named systemd one, get no berth/ here and must get none from berth.
	const used = layout.mounts.filter(mount => mount.split(',').some(controller => controller in filesOf));
	for (const mount of [...layout.mounts, 'systemd']) {
		makeGroup(path.join(root, mount), mount.split(','));
	}

	for (const mount of used) {
		makeGroup(path.join(root, mount, 'berth'), mount.split(','));
	}

	// Only the root cpuset has CPUs and memory nodes; a new cgroup starts empty.
	writeFiles(path.join(root, mountOf('cpuset')), {'cpuset.cpus': '0-3\n', 'cpuset.mems': '0\n'});
	for (const [link, target] of Object.entries(layout.links ?? {})) {
		fs.symlinkSync(target, path.join(root, link));
	}

	const at = (controller: string, id: string, file: string): string => path.join(root, group(controller, id), file);
	return {
		name,
		root,
		proc,
		manager: new CgroupsV1({root, proc}),
		hostMemory: hostMemoryKb * 1024,
		addCgroup(id) {
			for (const mount of used) {
				makeGroup(path.join(root, mount, 'berth', id), mount.split(','));
			}
		},
		expectedPaths: id => [...used].sort().map(mount => path.join(root, mount, 'berth', id)),
		expectedFiles(id, limits) {
			const files: Record<string, string> = {
				[group('cpuset', id) + '/cpuset.cpus']: '0-3',
				[group('cpuset', id) + '/cpuset.mems']: '0',
			};
			const memory = String(limits.memory ?? unlimitedV1);
			files[group('memory', id) + '/memory.limit_in_bytes'] = memory;
			files[group('memory', id) + '/memory.memsw.limit_in_bytes'] = memory;
			files[group('cpu', id) + '/cpu.cfs_period_us'] = '100000';
			files[group('cpu', id) + '/cpu.cfs_quota_us'] = limits.cpus === undefined ? '-1' : String(Math.round(limits.cpus * 100_000));
			files[group('cpu', id) + '/cpu.shares'] = String(limits.cpuShares ?? 1024);
			files[group('pids', id) + '/pids.max'] = limits.pidsLimit !== undefined && limits.pidsLimit > 0 ? String(limits.pidsLimit) : 'max';
			files[group('devices', id) + '/devices.deny'] = limits.privileged ? '' : 'a';
			files[group('devices', id) + '/devices.allow'] = limits.privileged ? '' : [
				'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
				'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm',
			].join('\n');
			return files;
		},
		memoryLimitFile: id => at('memory', id, 'memory.limit_in_bytes'),
		writeStats(id, sample) {
			write(at('memory', id, 'memory.usage_in_bytes'), `${sample.usage}\n`);
			write(at('memory', id, 'memory.stat'), v1MemoryStat(sample));
			write(at('memory', id, 'memory.limit_in_bytes'), `${sample.limit ?? unlimitedV1}\n`);
			write(at('cpuacct', id, 'cpuacct.usage'), `${sample.cpuUsageNs}\n`);
			write(at('pids', id, 'pids.current'), `${sample.pids}\n`);
		},
		writeOomKills(id, kills) {
			write(at('memory', id, 'memory.oom_control'), `oom_kill_disable 0\nunder_oom 0\noom_kill ${kills}\n`);
		},
		settleFreezer(id, frozen) {
			write(at('freezer', id, 'freezer.state'), frozen ? 'FROZEN\n' : 'THAWED\n');
		},
		cleanup() {
			fs.rmSync(base, {recursive: true, force: true});
		},
	};
};

/** A unified hierarchy whose root has every controller but enables only cpu and memory for its children. */
export const fakeV2 = (): FakeCgroups => {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cgroups-v2-'));
	const root = path.join(base, 'cgroup');
	const proc = makeProc(base);
	const controllers = 'cpuset cpu io memory hugetlb pids rdma misc\n';
	writeFiles(root, {'cgroup.controllers': controllers, 'cgroup.subtree_control': 'cpu memory\n', 'cgroup.procs': '1\n'});
	writeFiles(path.join(root, 'berth'), {'cgroup.controllers': 'cpu memory\n', 'cgroup.subtree_control': '', 'cgroup.procs': ''});
	const at = (id: string, file: string): string => path.join(root, 'berth', id, file);
	const events = (frozen: boolean): string => `populated 0\nfrozen ${frozen ? 1 : 0}\n`;
	return {
		name: 'v2',
		root,
		proc,
		manager: new CgroupsV2({root, proc}),
		hostMemory: hostMemoryKb * 1024,
		addCgroup(id) {
			writeFiles(path.join(root, 'berth', id), {
				'cgroup.procs': '',
				'cgroup.controllers': 'cpu io memory pids\n',
				'cgroup.subtree_control': '',
				'cgroup.events': events(false),
				'cgroup.freeze': '0\n',
				'cpu.max': 'max 100000\n',
				'cpu.weight': '100\n',
				'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
				'memory.max': 'max\n',
				'memory.swap.max': 'max\n',
				'memory.current': '0\n',
				'memory.stat': v2MemoryStat({cpuUsageNs: 0, usage: 0, inactiveFile: 0, cache: 0, pids: 0}),
				'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
				'pids.max': 'max\n',
				'pids.current': '0\n',
			});
		},
		expectedPaths: id => [path.join(root, 'berth', id)],
		expectedFiles(id, limits) {
			const group = `berth/${id}`;
			// runc's conversion of shares to weight, worked out by hand for the shares the suite uses.
			const weights: Record<number, string> = {2: '1', 512: '20', 1024: '39', 262_144: '10000'};
			const files: Record<string, string> = {
				[`${group}/memory.max`]: limits.memory === undefined ? 'max' : String(limits.memory),
				[`${group}/memory.swap.max`]: limits.memory === undefined ? 'max' : '0',
				[`${group}/cpu.max`]: `${limits.cpus === undefined ? 'max' : Math.round(limits.cpus * 100_000)} 100000`,
				[`${group}/cpu.weight`]: limits.cpuShares === undefined ? '100' : weights[limits.cpuShares]!,
				[`${group}/pids.max`]: limits.pidsLimit !== undefined && limits.pidsLimit > 0 ? String(limits.pidsLimit) : 'max',
			};
			return files;
		},
		memoryLimitFile: id => at(id, 'memory.max'),
		writeStats(id, sample) {
			write(at(id, 'memory.current'), `${sample.usage}\n`);
			write(at(id, 'memory.stat'), v2MemoryStat(sample));
			write(at(id, 'memory.max'), sample.limit === undefined ? 'max\n' : `${sample.limit}\n`);
			const usec = sample.cpuUsageNs / 1000;
			write(at(id, 'cpu.stat'), `usage_usec ${usec}\nuser_usec ${usec}\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`);
			write(at(id, 'pids.current'), `${sample.pids}\n`);
		},
		writeOomKills(id, kills) {
			write(at(id, 'memory.events'), `low 0\nhigh 0\nmax 3\noom ${kills}\noom_kill ${kills}\noom_group_kill 0\n`);
		},
		settleFreezer(id, frozen) {
			write(at(id, 'cgroup.events'), events(frozen));
		},
		cleanup() {
			fs.rmSync(base, {recursive: true, force: true});
		},
	};
};
