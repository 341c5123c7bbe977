import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const run = async (script: string, flags: string[] = []) =>
	berth(roots, ['run', '--rm', ...flags, testImage, 'sh', '-c', script]);

test('the command is pid 1 and host processes are invisible', async t => {
	const result = await run('echo $$; set -- /proc/[0-9]*; echo $#');
	t.is(result.stdout, '1\n1\n');
});

test('the default capability set is Docker\'s', async t => {
	t.regex((await run('grep CapEff /proc/self/status')).stdout, /CapEff:\s+00000000a80425fb/);
	t.regex((await run('grep CapEff /proc/self/status', ['--cap-drop', 'NET_RAW', '--cap-add', 'SYS_ADMIN'])).stdout, /CapEff:\s+00000000a82405fb/);
	t.regex((await run('grep CapEff /proc/self/status', ['-u', '1000'])).stdout, /CapEff:\s+0000000000000000/);
	// Privileged means every capability berth itself holds.
	const own = /CapBnd:\s+(\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]!;
	t.regex((await run('grep CapBnd /proc/self/status', ['--privileged'])).stdout, new RegExp(`CapBnd:\\s+${own}`));
});

test('mounting is denied', async t => {
	const result = await run('mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && echo mounted || echo denied');
	t.is(result.stdout.trim().split('\n').pop(), 'denied');
});

test('new user namespaces are denied', async t => {
	const result = await run('unshare -U true 2>/dev/null && echo allowed || echo denied');
	t.is(result.stdout, 'denied\n');
});

test('masked and read-only paths are as Docker makes them', async t => {
	t.is((await run('wc -c < /proc/keys')).stdout.trim(), '0');
	t.is((await run('echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo written || echo refused')).stdout, 'refused\n');
	t.is((await run('touch /sys/x 2>/dev/null && echo written || echo refused')).stdout, 'refused\n');
});

test('/dev holds only the default nodes', async t => {
	const result = await run('ls /dev');
	const entries = result.stdout.trim().split(/\s+/).sort();
	for (const node of ['full', 'null', 'random', 'tty', 'urandom', 'zero', 'pts', 'shm', 'mqueue']) {
		t.true(entries.includes(node), `missing /dev/${node}: ${entries.join(' ')}`);
	}

	t.false(entries.some(entry => /^(sd|vd|nvme|mem|kmsg|loop)/.test(entry)), entries.join(' '));
	t.is((await run('echo data > /dev/null && head -c 4 /dev/zero | wc -c')).stdout.trim(), '4');
});

test('no-new-privileges is set when asked', async t => {
	t.regex((await run('grep NoNewPrivs /proc/self/status', ['--security-opt', 'no-new-privileges'])).stdout, /NoNewPrivs:\s+1/);
	t.regex((await run('grep NoNewPrivs /proc/self/status')).stdout, /NoNewPrivs:\s+0/);
});

test('--network none is only loopback', async t => {
	const result = await run('ls /sys/class/net', ['--network', 'none']);
	t.is(result.stdout.trim(), 'lo');
});

test('rlimits never exceed the caller\'s hard limit', async t => {
	const inside = Number((await run('ulimit -Hn')).stdout.trim());
	const host = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], {encoding: 'utf8'}).trim());
	t.true(inside > 0 && inside <= host, `${inside} > ${host}`);
});
