import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(async () => {
	roots = rootsWithImage();
	await berth(roots, ['run', '-d', '--name', 'host', '-h', 'inside', '-e', 'FROM_RUN=yes', testImage, 'sleep', '1000']);
});
test.after.always(() => {
	destroyRoots(roots);
});

test('exec runs in the container\'s namespaces with its environment', async t => {
	const result = await berth(roots, ['exec', 'host', 'sh', '-c', 'echo $(hostname) $FROM_RUN; cat /proc/1/comm']);
	// The container's own pid namespace: its pid 1 is the container's command.
	t.is(result.stdout, 'inside yes\nsleep\n');
	t.is(result.code, 0);
});

test('exec gives the command\'s exit status, 127 when it is missing', async t => {
	t.is((await berth(roots, ['exec', 'host', 'sh', '-c', 'exit 6'])).code, 6);
	t.is((await berth(roots, ['exec', 'host', 'no-such-command'])).code, 127);
});

test('exec -e, -w, -u and -i', async t => {
	const result = await berth(roots, ['exec', '-i', '-e', 'X=1', '-w', '/tmp', '-u', '1000', 'host', 'sh', '-c', 'echo $X $(pwd) $(id -u); cat']);
	t.is(result.stdout, '1 /tmp 1000\n');
	const piped = await berth(roots, ['exec', '-i', 'host', 'cat'], {input: 'through\n'});
	t.is(piped.stdout, 'through\n');
});

test('exec -d leaves the command running', async t => {
	await berth(roots, ['exec', '-d', 'host', 'sh', '-c', 'sleep 0.2; touch /tmp/done']);
	await new Promise(resolve => {
		setTimeout(resolve, 1000);
	});
	t.is((await berth(roots, ['exec', 'host', 'ls', '/tmp/done'])).code, 0);
});

test('exec on a stopped container is refused with its name', async t => {
	await berth(roots, ['create', '--name', 'idle', testImage, 'true']);
	const result = await berth(roots, ['exec', 'idle', 'true']);
	t.is(result.code, 125);
	t.regex(result.stderr, /`idle`/);
});
