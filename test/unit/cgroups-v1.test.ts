/** What only cgroup v1 does: find its hierarchies and leave the ones it does not use alone. */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {fakeV1} from '../helpers/fake-cgroups.js';

const id = 'a1'.padEnd(64, '0');

test('hierarchies it does not use, co-mounts and their symlinks are each handled once', async t => {
	const fixture = fakeV1('v1', {
		mounts: ['blkio', 'cpu,cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'net_cls,net_prio', 'pids'],
		links: {cpu: 'cpu,cpuacct', cpuacct: 'cpu,cpuacct', net_cls: 'net_cls,net_prio'},
	});
	t.teardown(fixture.cleanup);
	fixture.addCgroup(id);
	const dirs = await fixture.manager.create(id, {cpus: 1, cpuShares: 512});
	t.deepEqual(dirs.map(dir => path.relative(fixture.root, dir).split(path.sep)[0]), [
		'blkio', 'cpu,cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids',
	]);
	t.false(fs.existsSync(path.join(fixture.root, 'systemd/berth')));
	t.false(fs.existsSync(path.join(fixture.root, 'net_cls,net_prio/berth')));
	t.is(fs.readFileSync(path.join(fixture.root, 'cpu,cpuacct/berth', id, 'cpu.shares'), 'utf8'), '512\n');
});

test('a kernel without swap accounting has no memsw file, and the memory limit still applies', async t => {
	const fixture = fakeV1('v1', {mounts: ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']});
	t.teardown(fixture.cleanup);
	fixture.addCgroup(id);
	fs.rmSync(path.join(fixture.root, 'memory/berth', id, 'memory.memsw.limit_in_bytes'));
	await fixture.manager.create(id, {memory: 8 * 1024 * 1024});
	t.is(fs.readFileSync(fixture.memoryLimitFile(id), 'utf8'), '8388608\n');
	t.false(fs.existsSync(path.join(fixture.root, 'memory/berth', id, 'memory.memsw.limit_in_bytes')));
});

test('without a freezer hierarchy a container is never frozen, and freezing it says why not', async t => {
	const fixture = fakeV1('v1', {mounts: ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']});
	t.teardown(fixture.cleanup);
	fixture.addCgroup(id);
	await fixture.manager.create(id, {});
	t.false(await fixture.manager.isFrozen(id));
	const error = await t.throwsAsync(fixture.manager.freeze(id));
	t.is((error as {code?: string}).code, 'NOT_SUPPORTED');
	t.regex(error!.message, /controller `freezer` is not mounted/);
});
