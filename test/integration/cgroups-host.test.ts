/**
 * The cgroup manager on this machine's real hierarchy (root, real kernel): a process put in a
 * container's cgroup is seen, counted, frozen, thawed and killed. Each test uses its own id and
 * removes its cgroup even when it fails; the only processes killed are the ones it started.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import {detectCgroups} from '../../source/runtime/cgroups/detect.js';
import {writeControl} from '../../source/runtime/cgroups/files.js';
import type {CgroupManager} from '../../source/runtime/cgroups/manager.js';
import {CgroupsV2} from '../../source/runtime/cgroups/v2.js';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

const isRoot = process.getuid?.() === 0;
const manager = detectCgroups();
const v1Test = isRoot && manager.version === 1 ? test.serial : test.skip;

/** This project's machines are hybrid: v1 controllers plus a bare cgroup2 mount, where v2's freezer can be tried. */
const unified = '/sys/fs/cgroup/unified';
const v2Test = isRoot && fs.existsSync(path.join(unified, 'cgroup.controllers')) ? test.serial : test.skip;

const newId = (): string => randomBytes(32).toString('hex');
const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

/**
 * Starts a shell that waits for a line on stdin before it goes on, so it can be put in the cgroup
 * first and then allocate (charged to the cgroup) and spin. A test that starts one fails on its
 * own time limit rather than ava's, so its teardown still kills the shell and removes the cgroup.
 */
const startSpinner = (t: ExecutionContext): ChildProcess => {
	t.timeout(60_000);
	const child = spawn('sh', ['-c', 'read go; x=$(head -c 2000000 /dev/zero | tr "\\0" a); while :; do :; done'], {stdio: ['pipe', 'ignore', 'ignore']});
	t.teardown(() => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGKILL');
		}
	});
	return child;
};

/** The signal that ends the child. */
const exitSignal = async (child: ChildProcess): Promise<string | null> => new Promise(resolve => {
	child.once('exit', (_code, signal) => {
		resolve(signal);
	});
});

const join = (dirs: string[], pid: number): void => {
	for (const dir of dirs) {
		fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
	}
};

/** CPU ticks the process has used, from /proc/PID/stat. */
const cpuTicks = (pid: number): number => {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return Number(fields[11]) + Number(fields[12]);
};

const withCgroup = (t: ExecutionContext, cgroups: CgroupManager, id: string): void => {
	t.teardown(async () => {
		await cgroups.destroy(id);
	});
};

v1Test('create writes the limits into the real hierarchy and returns one dir per controller', async t => {
	const id = newId();
	withCgroup(t, manager, id);
	const dirs = await manager.create(id, {memory: 64 * 1024 * 1024, cpus: 0.5, cpuShares: 512, pidsLimit: 50});
	const byController = (name: string): string => dirs.find(dir => path.basename(path.dirname(path.dirname(dir))).split(',').includes(name))!;
	for (const name of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', 'devices', 'blkio', 'cpuset']) {
		t.truthy(byController(name), name);
	}

	t.false(dirs.some(dir => dir.includes('/systemd/')));
	t.is(read(path.join(byController('memory'), 'memory.limit_in_bytes')), String(64 * 1024 * 1024));
	t.is(read(path.join(byController('cpu'), 'cpu.cfs_quota_us')), '50000');
	t.is(read(path.join(byController('cpu'), 'cpu.shares')), '512');
	t.is(read(path.join(byController('pids'), 'pids.max')), '50');
	t.is(read(path.join(byController('cpuset'), 'cpuset.cpus')), read('/sys/fs/cgroup/cpuset/cpuset.cpus'));
	t.deepEqual(read(path.join(byController('devices'), 'devices.list')).split('\n').sort(), [
		'b *:* m', 'c *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
		'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm',
	].sort());
	t.regex(fs.readFileSync(manager.oomFile(id), 'utf8'), /^oom_kill 0$/m);
});

v1Test('a value the kernel refuses is a one-line INVALID_ARGUMENT', async t => {
	const id = newId();
	withCgroup(t, manager, id);
	const [dir] = (await manager.create(id, {})).filter(dir => dir.includes('/cpu/') || dir.includes('/cpu,'));
	const error = await t.throwsAsync(writeControl(path.join(dir!, 'cpu.cfs_quota_us'), '500', 'cpus'));
	t.is(error?.message, 'invalid cpus `500`: the kernel refuses it (EINVAL on cpu.cfs_quota_us)');
	t.is((error as {code?: string}).code, 'INVALID_ARGUMENT');
});

v1Test('a process in the cgroup is listed, counted, frozen, thawed and killed by destroy', async t => {
	const id = newId();
	withCgroup(t, manager, id);
	const dirs = await manager.create(id, {memory: 64 * 1024 * 1024, pidsLimit: 20});
	const child = startSpinner(t);
	const exited = exitSignal(child);
	join(dirs, child.pid!);
	t.deepEqual(await manager.pids(id), [child.pid]);
	child.stdin!.end('go\n');

	await sleep(300);
	const stats = await manager.stats(id);
	t.true(stats.cpuUsageNs > 0, `cpu ${stats.cpuUsageNs}`);
	t.true(stats.memoryUsage > 0, `memory ${stats.memoryUsage}`);
	t.is(stats.memoryLimit, 64 * 1024 * 1024);
	t.true(stats.pids >= 1);

	await manager.freeze(id);
	t.true(await manager.isFrozen(id));
	const frozenAt = cpuTicks(child.pid!);
	await sleep(300);
	t.is(cpuTicks(child.pid!), frozenAt, 'no progress while frozen');

	await manager.thaw(id);
	t.false(await manager.isFrozen(id));
	await sleep(300);
	t.true(cpuTicks(child.pid!) > frozenAt, 'progress once thawed');

	// Frozen again, so destroy must thaw it for SIGKILL to land.
	await manager.freeze(id);
	await manager.destroy(id);
	t.is(await exited, 'SIGKILL');
	for (const dir of dirs) {
		t.false(fs.existsSync(dir), dir);
	}

	await manager.destroy(id);
});

v2Test('v2 freezes, thaws and destroys on a real cgroup2 mount', async t => {
	const cgroups = new CgroupsV2({root: unified});
	const id = newId();
	withCgroup(t, cgroups, id);
	const dirs = await cgroups.create(id, {});
	const child = startSpinner(t);
	const exited = exitSignal(child);
	join(dirs, child.pid!);
	t.deepEqual(await cgroups.pids(id), [child.pid]);
	child.stdin!.end('go\n');

	await cgroups.freeze(id);
	t.true(await cgroups.isFrozen(id));
	const frozenAt = cpuTicks(child.pid!);
	await sleep(300);
	t.is(cpuTicks(child.pid!), frozenAt, 'no progress while frozen');
	await cgroups.thaw(id);
	await sleep(300);
	t.true(cpuTicks(child.pid!) > frozenAt, 'progress once thawed');

	await cgroups.freeze(id);
	await cgroups.destroy(id);
	t.is(await exited, 'SIGKILL');
	t.false(fs.existsSync(dirs[0]!));
});

v2Test('on a cgroup2 root a container is in its own cgroup from the start, and sees it as its root', async t => {
	const roots = rootsWithImage();
	t.teardown(() => {
		destroyRoots(roots);
	});
	const v2: Roots = {...roots, env: {...roots.env, BERTH_CGROUP_ROOT: unified}};
	const {stdout} = await berth(v2, ['run', '--rm', '--network', 'none', testImage, 'sh', '-c', 'cat /proc/self/cgroup; cat /proc/1/cgroup']);
	t.deepEqual(stdout.split('\n').filter(line => line.startsWith('0::')), ['0::/', '0::/']);
	const id = (await berth(v2, ['run', '-d', '--network', 'none', testImage, 'sleep', '60'])).stdout.trim();
	const pid = (await berth(v2, ['inspect', '--format', '{{.State.Pid}}', id])).stdout.trim();
	t.regex(read(`/proc/${pid}/cgroup`), new RegExp(`^0::/berth/${id}$`, 'm'));
	t.deepEqual(read(path.join(unified, 'berth', id, 'cgroup.procs')).split('\n'), [pid]);
	await berth(v2, ['rm', '-f', id]);
	t.false(fs.existsSync(path.join(unified, 'berth', id)));
});
