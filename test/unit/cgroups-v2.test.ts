/** What only cgroup v2 does: enable controllers above the container's cgroup, map shares to weight. */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {fakeV2} from '../helpers/fake-cgroups.js';
import {sharesToWeight} from '../../source/runtime/cgroups/v2.js';

const id = 'b2'.padEnd(64, '0');
const words = (file: string): string[] => fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(word => word.replace(/^\+/, '')).sort();

test('create enables in each parent only the controllers it has and has not enabled yet', async t => {
	const fixture = fakeV2();
	t.teardown(fixture.cleanup);
	fixture.addCgroup(id);
	await fixture.manager.create(id, {});
	// The root had cpu and memory enabled and offers io and pids too; berth/ offers cpu and memory.
	t.deepEqual(words(path.join(fixture.root, 'cgroup.subtree_control')), ['cpu', 'io', 'memory', 'pids']);
	t.is(fs.readFileSync(path.join(fixture.root, 'cgroup.subtree_control'), 'utf8'), 'cpu memory\n+io\n+pids\n');
	t.deepEqual(words(path.join(fixture.root, 'berth/cgroup.subtree_control')), ['cpu', 'memory']);
});

test('shares map onto weights as runc maps them', t => {
	t.is(sharesToWeight(2), 1);
	t.is(sharesToWeight(1024), 39);
	t.is(sharesToWeight(262_144), 10_000);
});
