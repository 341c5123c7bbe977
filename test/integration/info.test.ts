import test from 'ava';
import {berth, destroyRoots, makeRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('--help lists every command', async t => {
	const help = (await berth(roots, ['--help'])).stdout;
	for (const command of ['run', 'create', 'start', 'stop', 'kill', 'restart', 'rm', 'wait', 'attach', 'logs', 'exec', 'ps', 'inspect', 'top', 'stats', 'rename', 'pause', 'unpause', 'container', 'images', 'import', 'events', 'info', 'version']) {
		t.regex(help, new RegExp(`\\n  ${command} `), command);
	}
});

test.serial('info reports the storage driver, cgroup version and counts', async t => {
	await berth(roots, ['create', '--name', 'counted', testImage, 'true']);
	const info = (await berth(roots, ['info'])).stdout;
	t.regex(info, /^Containers: 1\n Running: 0\n Paused: 0\n Stopped: 1\nImages: 1\n/);
	t.regex(info, /Storage Driver: (overlay|copy)\n/);
	t.regex(info, /Cgroup Version: [12]\n/);
	t.is((await berth(roots, ['info', '--format', '{{.Images}}'])).stdout, '1\n');
	await berth(roots, ['rm', 'counted']);
});

test('version prints berth\'s version', async t => {
	t.regex((await berth(roots, ['version'])).stdout, /^Version:\s+\d+\.\d+\.\d+\n/);
});

test('events streams what other berth processes do', async t => {
	const events = berth(roots, ['events', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'], {timeout: 8000});
	await new Promise(resolve => {
		setTimeout(resolve, 1500);
	});
	await berth(roots, ['run', '--rm', '--name', 'observed', testImage, 'true']);
	const {stdout} = await events;
	t.regex(stdout, /container create observed\n/);
	t.regex(stdout, /container start observed\n/);
	t.regex(stdout, /container die observed\n/);
	t.regex(stdout, /container destroy observed\n/);
});

test('events --until a time past shows what happened by then, and exits', async t => {
	await berth(roots, ['run', '--rm', '--name', 'past', testImage, 'true']);
	const past = await berth(roots, ['events', '--since', '0', '--until', '0s', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], {timeout: 8000});
	t.is(past.code, 0);
	t.regex(past.stdout, /^create past$/m);
	t.regex(past.stdout, /^destroy past$/m);
});

test('events on a store nothing has happened in yet shows nothing', async t => {
	const fresh = makeRoots();
	t.teardown(() => {
		destroyRoots(fresh);
	});
	t.deepEqual(await berth(fresh, ['events', '--since', '0', '--until', '1']), {code: 0, stdout: '', stderr: ''});
});

test('an unknown command or flag is one line and status 125', async t => {
	const unknown = await berth(roots, ['frobnicate']);
	t.is(unknown.code, 125);
	t.regex(unknown.stderr, /frobnicate/);
	const flag = await berth(roots, ['ps', '--bogus']);
	t.is(flag.code, 125);
	t.regex(flag.stderr, /--bogus/);
});
