import test from 'ava';
import {berth, busyboxTarball, destroyRoots, makeRoots, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = makeRoots();
	roots.env.BERTH_STORAGE_DRIVER = 'copy';
});
test.after.always(() => {
	destroyRoots(roots);
});

test('the copying driver runs containers where overlay is not wanted, and keeps the image intact', async t => {
	t.is((await berth(roots, ['import', busyboxTarball(), 'copied'])).code, 0);
	t.regex((await berth(roots, ['info'])).stdout, /Storage Driver: copy\n/);
	const changed = await berth(roots, ['run', '--rm', 'copied', 'sh', '-c', 'rm /bin/ls; echo new > /etc/motd; cat /etc/motd']);
	t.is(changed.stdout, 'new\n');
	const fresh = await berth(roots, ['run', '--rm', 'copied', 'sh', '-c', 'test -e /bin/ls && test ! -e /etc/motd && echo intact']);
	t.is(fresh.stdout, 'intact\n');
	const id = (await berth(roots, ['create', 'copied', 'true'])).stdout.trim();
	t.is((await berth(roots, ['inspect', '--format', '{{.Driver}}', id])).stdout, 'copy\n');
	await berth(roots, ['rm', id]);
});
