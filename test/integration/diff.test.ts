import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const script = 'echo x > /root/added; echo y >> /etc/group; rm /bin/vi; mkdir -p /opt/new && touch /opt/new/file';
const expected = 'C /bin\nD /bin/vi\nC /etc\nC /etc/group\nA /opt\nA /opt/new\nA /opt/new/file\nC /root\nA /root/added\n';

test('diff lists added, changed and deleted paths as Docker prints them', async t => {
	await berth(roots, ['run', '--name', 'diff-stopped', testImage, 'sh', '-c', script]);
	const result = await berth(roots, ['diff', 'diff-stopped']);
	t.is(result.code, 0, result.stderr);
	t.is(result.stdout, expected);
	t.is((await berth(roots, ['container', 'diff', 'diff-stopped'])).stdout, expected);
});

test('a fresh container has no changes, running or not', async t => {
	const id = (await berth(roots, ['run', '-d', testImage, 'sleep', '1000'])).stdout.trim();
	t.is((await berth(roots, ['diff', id])).stdout, '');
	await berth(roots, ['rm', '-f', id]);
	await berth(roots, ['create', '--name', 'diff-created', testImage, 'true']);
	t.is((await berth(roots, ['diff', 'diff-created'])).stdout, '');
});

test('diff of a running container shows its changes as they happen', async t => {
	const id = (await berth(roots, ['run', '-d', testImage, 'sleep', '1000'])).stdout.trim();
	await berth(roots, ['exec', id, 'sh', '-c', 'rm /bin/vi']);
	t.is((await berth(roots, ['diff', id])).stdout, 'C /bin\nD /bin/vi\n');
	await berth(roots, ['rm', '-f', id]);
});

test('diff gives the same lines with the copying storage driver', async t => {
	const copy = {...roots, env: {...roots.env, BERTH_STORAGE_DRIVER: 'copy'}};
	await berth(copy, ['run', '--name', 'diff-copy', testImage, 'sh', '-c', script]);
	t.is((await berth(copy, ['diff', 'diff-copy'])).stdout, expected);
});

test('a directory emptied and made again, a directory whose mode changed and a device node show as Docker shows them', async t => {
	const remade = 'rm -rf /home/user && mkdir /home/user && touch /home/user/f; chmod 700 /tmp; mknod /null c 1 3';
	const lines = 'C /home\nC /home/user\nA /home/user/f\nA /null\nC /tmp\n';
	await berth(roots, ['run', '--name', 'diff-remade', testImage, 'sh', '-c', remade]);
	t.is((await berth(roots, ['diff', 'diff-remade'])).stdout, lines);
	const copy = {...roots, env: {...roots.env, BERTH_STORAGE_DRIVER: 'copy'}};
	await berth(copy, ['run', '--name', 'diff-remade-copy', testImage, 'sh', '-c', remade]);
	t.is((await berth(copy, ['diff', 'diff-remade-copy'])).stdout, lines);
});

test('diff of a missing container is one line', async t => {
	const result = await berth(roots, ['diff', 'no-such-container']);
	t.is(result.code, 125);
	t.is(result.stderr, 'berth: no such container: `no-such-container`\n');
});
