import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('logs shows stdout and stderr of a finished container, on the right streams', async t => {
	await berth(roots, ['run', '--name', 'talker', testImage, 'sh', '-c', 'echo one; echo two >&2; echo three']);
	const result = await berth(roots, ['logs', 'talker']);
	t.is(result.stdout, 'one\nthree\n');
	t.is(result.stderr, 'two\n');
	t.regex((await berth(roots, ['logs', '-t', 'talker'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n/);
	await berth(roots, ['rm', 'talker']);
});

test('logs --tail shows the last lines', async t => {
	await berth(roots, ['run', '--name', 'counter', testImage, 'seq', '1', '1000']);
	t.is((await berth(roots, ['logs', '--tail', '2', 'counter'])).stdout, '999\n1000\n');
	await berth(roots, ['rm', 'counter']);
});

test('logs -f follows a running container until it exits', async t => {
	await berth(roots, ['run', '-d', '--name', 'ticker', testImage, 'sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.3; done']);
	const result = await berth(roots, ['logs', '-f', 'ticker']);
	t.is(result.stdout, 'tick 1\ntick 2\ntick 3\n');
	await berth(roots, ['rm', 'ticker']);
});
