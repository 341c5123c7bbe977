/**
 * The one suite every CgroupManager passes, run on temporary trees that stand in for the kernel's:
 * v1 as on this project's machines (a hierarchy per controller), v1 as systemd mounts it
 * (cpu and cpuacct together, with symlinks), and v2.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {type FakeCgroups, fakeV1, fakeV2} from '../helpers/fake-cgroups.js';
import type {Limits} from '../../source/runtime/cgroups/manager.js';

const separate = ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids'];
const fixtures: Array<() => FakeCgroups> = [
	() => fakeV1('v1', {mounts: separate}),
	() => fakeV1('v1 co-mounted', {
		mounts: ['blkio', 'cpu,cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'net_cls,net_prio', 'pids'],
		links: {cpu: 'cpu,cpuacct', cpuacct: 'cpu,cpuacct'},
	}),
	fakeV2,
];

const id = 'c0ffee'.padEnd(64, '0');

const readTrimmed = (file: string): string => fs.readFileSync(file, 'utf8').trim();

for (const makeFixture of fixtures) {
	const probe = makeFixture();
	const {name} = probe;
	probe.cleanup();
	const setup = (t: {teardown(fn: () => void): void}): FakeCgroups => {
		const fixture = makeFixture();
		t.teardown(() => {
			fixture.cleanup();
		});
		fixture.addCgroup(id);
		return fixture;
	};

	const assertFiles = (t: import('ava').ExecutionContext, fixture: FakeCgroups, limits: Limits): void => {
		for (const [file, value] of Object.entries(fixture.expectedFiles(id, limits))) {
			t.is(readTrimmed(path.join(fixture.root, file)), value, file);
		}
	};

	test(`${name}: create writes the limits a user asked for and returns the directories to join`, async t => {
		const fixture = setup(t);
		const limits: Limits = {memory: 512 * 1024 * 1024, cpus: 1.5, cpuShares: 512, pidsLimit: 100};
		const dirs = await fixture.manager.create(id, limits);
		t.deepEqual(dirs, fixture.expectedPaths(id));
		t.deepEqual(fixture.manager.paths(id), dirs);
		assertFiles(t, fixture, limits);
	});

	test(`${name}: create with no limits leaves the kernel's defaults`, async t => {
		const fixture = setup(t);
		await fixture.manager.create(id, {});
		assertFiles(t, fixture, {});
	});

	test(`${name}: the cpu-shares bounds and zero pids-limit`, async t => {
		for (const cpuShares of [2, 1024, 262_144]) {
			const fixture = setup(t);
			await fixture.manager.create(id, {cpuShares, pidsLimit: 0});
			assertFiles(t, fixture, {cpuShares, pidsLimit: 0});
		}
	});

	test(`${name}: privileged containers get no device rules`, async t => {
		const fixture = setup(t);
		await fixture.manager.create(id, {privileged: true});
		assertFiles(t, fixture, {privileged: true});
	});

	test(`${name}: values that cannot run a container are refused in one line`, async t => {
		const fixture = setup(t);
		const cases: Array<[Limits, string]> = [
			[{memory: 1024}, 'invalid memory limit `1k`: minimum is 6MB'],
			[{cpus: 0.001}, 'invalid cpus `0.001`: minimum is 0.01'],
			[{cpus: 8}, 'invalid cpus `8`: only 4 CPUs are available'],
			[{cpuShares: 1}, 'invalid cpu-shares `1`: must be from 2 to 262144'],
		];
		for (const [limits, message] of cases) {
			const error = await t.throwsAsync(fixture.manager.create(id, limits), {message});
			t.is((error as {code?: string}).code, 'INVALID_ARGUMENT');
		}
	});

	test(`${name}: a limit whose controller is missing fails with NOT_SUPPORTED and create undoes itself`, async t => {
		const fixture = setup(t);
		fs.rmSync(fixture.memoryLimitFile(id));
		const error = await t.throwsAsync(fixture.manager.create(id, {memory: 64 * 1024 * 1024}));
		t.is((error as {code?: string}).code, 'NOT_SUPPORTED');
		for (const dir of fixture.expectedPaths(id)) {
			t.false(fs.existsSync(dir), dir);
		}
	});

	test(`${name}: stats parse the kernel's files`, async t => {
		const fixture = setup(t);
		await fixture.manager.create(id, {});
		fixture.writeStats(id, {cpuUsageNs: 1_234_567_000, usage: 50_000_000, inactiveFile: 10_000_000, cache: 12_000_000, pids: 3});
		t.deepEqual(await fixture.manager.stats(id), {
			cpuUsageNs: 1_234_567_000,
			memoryUsage: 40_000_000,
			memoryLimit: fixture.hostMemory,
			memoryCache: 12_000_000,
			pids: 3,
		});
		fixture.writeStats(id, {cpuUsageNs: 0, usage: 5_000_000, inactiveFile: 0, cache: 0, pids: 1, limit: 64 * 1024 * 1024});
		t.is((await fixture.manager.stats(id)).memoryLimit, 64 * 1024 * 1024);
	});

	test(`${name}: stats of a container without a cgroup is INVALID_STATE`, async t => {
		const fixture = setup(t);
		const error = await t.throwsAsync(fixture.manager.stats('f'.repeat(64)));
		t.is((error as {code?: string}).code, 'INVALID_STATE');
	});

	test(`${name}: OOM kills are read from the oom file`, async t => {
		const fixture = setup(t);
		await fixture.manager.create(id, {memory: 64 * 1024 * 1024});
		t.is(await fixture.manager.oomKills(id), 0);
		fixture.writeOomKills(id, 2);
		t.is(await fixture.manager.oomKills(id), 2);
		t.regex(fs.readFileSync(fixture.manager.oomFile(id), 'utf8'), /^oom_kill 2$/m);
	});

	test(`${name}: pids lists cgroup.procs`, async t => {
		const fixture = setup(t);
		const [dir] = await fixture.manager.create(id, {});
		fs.writeFileSync(path.join(dir!, 'cgroup.procs'), '41\n42\n');
		t.deepEqual(await fixture.manager.pids(id), [41, 42]);
	});

	test(`${name}: freeze and thaw wait for the kernel`, async t => {
		const fixture = setup(t);
		await fixture.manager.create(id, {});
		t.false(await fixture.manager.isFrozen(id));
		// The kernel settles a moment later; both must be over before the next step starts.
		const settle = async (frozen: boolean, ms: number) => new Promise<void>(resolve => {
			setTimeout(() => {
				fixture.settleFreezer(id, frozen);
				resolve();
			}, ms);
		});
		await Promise.all([fixture.manager.freeze(id), settle(true, 50)]);
		t.true(await fixture.manager.isFrozen(id));
		await Promise.all([fixture.manager.thaw(id), settle(false, 20)]);
		t.false(await fixture.manager.isFrozen(id));
	});

	test(`${name}: destroy removes every directory and is harmless twice or when never created`, async t => {
		const fixture = setup(t);
		const dirs = await fixture.manager.create(id, {memory: 64 * 1024 * 1024});
		await fixture.manager.destroy(id);
		for (const dir of dirs) {
			t.false(fs.existsSync(dir), dir);
			t.true(fs.existsSync(path.dirname(dir)), 'the berth parent stays for other containers');
		}

		await fixture.manager.destroy(id);
		await fixture.manager.destroy('e'.repeat(64));
		t.pass();
	});
}
