import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('a fork bomb under --pids-limit is held to the limit and the host is fine', async t => {
	const result = await berth(roots, ['run', '--rm', '--pids-limit', '20', testImage, 'sh', '-c',
		'(for i in $(seq 60); do sleep 5 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#'], {timeout: 30_000});
	const count = Number(result.stdout.trim());
	t.true(count > 1 && count <= 20, result.stdout + result.stderr);
	t.is((await berth(roots, ['run', '--rm', testImage, 'true'])).code, 0);
});

test('a memory hog under -m is OOM-killed: status 137 and OOMKilled', async t => {
	const result = await berth(roots, ['run', '--name', 'hog', '-m', '16m', testImage, 'sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], {timeout: 60_000});
	t.is(result.code, 137, result.stderr);
	const state = await berth(roots, ['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', 'hog']);
	t.is(state.stdout, '137 true\n');
	await berth(roots, ['rm', 'hog']);
});

test('--cpus and --cpu-shares are accepted and shown by inspect', async t => {
	await berth(roots, ['create', '--name', 'cpu', '--cpus', '0.5', '--cpu-shares', '512', testImage, 'true']);
	const result = await berth(roots, ['inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}', 'cpu']);
	t.is(result.stdout, '500000000 512\n');
	const started = await berth(roots, ['start', '-a', 'cpu']);
	t.is(started.code, 0, started.stderr);
	await berth(roots, ['rm', 'cpu']);
});
