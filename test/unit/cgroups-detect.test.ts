import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {cgroupRoot, detectCgroups} from '../../source/runtime/cgroups/detect.js';

test('the root is /sys/fs/cgroup unless BERTH_CGROUP_ROOT says otherwise', t => {
	t.is(cgroupRoot({}), '/sys/fs/cgroup');
	t.is(cgroupRoot({BERTH_CGROUP_ROOT: '/tmp/x/../cg'}), '/tmp/cg');
});

test('a root that is not a cgroup2 mount gets v1', t => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-detect-'));
	t.teardown(() => {
		fs.rmSync(root, {recursive: true});
	});
	t.is(detectCgroups(root).version, 1);
});

test('a cgroup2 mount gets v2', t => {
	const mount = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
		.map(line => line.split(' '))
		.find(fields => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
	if (mount === undefined) {
		t.pass('this machine has no cgroup2 mount');
		return;
	}

	t.is(detectCgroups(mount).version, 2);
});
