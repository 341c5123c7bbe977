import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const inspect = async (name: string, format: string) => (await berth(roots, ['inspect', '--format', format, name])).stdout.trim();

test('run -d prints a 64-hex id and ps shows the container running', async t => {
	const result = await berth(roots, ['run', '-d', '--name', 'worker', testImage, 'sleep', '1000']);
	t.regex(result.stdout, /^[a-f\d]{64}\n$/);
	const id = result.stdout.trim();
	const ps = await berth(roots, ['ps']);
	t.regex(ps.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
	t.regex(ps.stdout, new RegExp(`${id.slice(0, 12)}\\s+busybox-test:latest\\s+"sleep 1000"\\s+.*Up .*worker`));
	t.is(await inspect(id.slice(0, 8), '{{.State.Status}} {{.State.Running}} {{.Name}}'), 'running true /worker');
	t.is((await berth(roots, ['stop', '-t', '1', 'worker'])).stdout, 'worker\n');
	t.is(await inspect('worker', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
	await berth(roots, ['rm', 'worker']);
});

test('stop sends SIGTERM first: a container that handles it exits on its own', async t => {
	await berth(roots, ['run', '-d', '--name', 'polite', testImage, 'sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done']);
	const started = Date.now();
	await berth(roots, ['stop', 'polite']);
	// Well before the 10 s after which stop would have used SIGKILL.
	t.true(Date.now() - started < 8000);
	t.is(await inspect('polite', '{{.State.ExitCode}}'), '7');
	await berth(roots, ['rm', 'polite']);
});

test('create, start, wait, restart, and rm of a stopped container', async t => {
	const id = (await berth(roots, ['create', '--name', 'once', testImage, 'sh', '-c', 'exit 4'])).stdout.trim();
	t.is(await inspect(id, '{{.State.Status}}'), 'created');
	const started = await berth(roots, ['start', 'once']);
	t.is(started.code, 0, started.stderr);
	t.is((await berth(roots, ['wait', 'once'])).stdout, '4\n');
	t.is(await inspect('once', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 4');
	await berth(roots, ['restart', 'once']);
	t.is((await berth(roots, ['wait', 'once'])).stdout, '4\n');
	t.is((await berth(roots, ['rm', 'once'])).stdout, 'once\n');
	const gone = await berth(roots, ['inspect', 'once']);
	t.is(gone.code, 125);
});

test('start -a attaches and gives the exit status', async t => {
	await berth(roots, ['create', '--name', 'attached', testImage, 'sh', '-c', 'echo hi; exit 5']);
	const result = await berth(roots, ['start', '-a', 'attached']);
	t.is(result.stdout, 'hi\n');
	t.is(result.code, 5);
	await berth(roots, ['rm', 'attached']);
});

test('rm refuses a running container without -f', async t => {
	await berth(roots, ['run', '-d', '--name', 'busy', testImage, 'sleep', '1000']);
	const refused = await berth(roots, ['rm', 'busy']);
	t.is(refused.code, 125);
	t.regex(refused.stderr, /`busy`/);
	t.is((await berth(roots, ['rm', '-f', 'busy'])).code, 0);
	t.is((await berth(roots, ['ps', '-a', '-q', '-f', 'name=^busy$'])).stdout, '');
});

test('kill sends the signal asked for', async t => {
	await berth(roots, ['run', '-d', '--name', 'target', testImage, 'sh', '-c', 'trap "exit 9" USR1; while true; do sleep 0.1; done']);
	await berth(roots, ['kill', '-s', 'USR1', 'target']);
	t.is((await berth(roots, ['wait', 'target'])).stdout, '9\n');
	await berth(roots, ['rm', 'target']);
});

test('pause freezes and unpause thaws', async t => {
	await berth(roots, ['run', '-d', '--name', 'frozen', testImage, 'sleep', '1000']);
	await berth(roots, ['pause', 'frozen']);
	t.is(await inspect('frozen', '{{.State.Status}} {{.State.Paused}}'), 'paused true');
	t.regex((await berth(roots, ['ps', '-f', 'name=frozen'])).stdout, /\(Paused\)/);
	await berth(roots, ['unpause', 'frozen']);
	t.is(await inspect('frozen', '{{.State.Status}}'), 'running');
	await berth(roots, ['rm', '-f', 'frozen']);
});

test('rename, and any unique id prefix selects a container', async t => {
	const id = (await berth(roots, ['create', '--name', 'before', testImage, 'true'])).stdout.trim();
	await berth(roots, ['rename', 'before', 'after']);
	t.is(await inspect(id.slice(0, 6), '{{.Name}}'), '/after');
	await berth(roots, ['rm', 'after']);
});

test('top lists the container\'s processes', async t => {
	await berth(roots, ['run', '-d', '--name', 'topped', testImage, 'sleep', '1000']);
	const result = await berth(roots, ['top', 'topped']);
	t.regex(result.stdout, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
	t.regex(result.stdout, /sleep 1000/);
	await berth(roots, ['rm', '-f', 'topped']);
});

test('stats reads memory and pids from the cgroup', async t => {
	await berth(roots, ['run', '-d', '--name', 'measured', '-m', '64m', testImage, 'sleep', '1000']);
	const result = await berth(roots, ['stats', '--no-stream', 'measured']);
	t.regex(result.stdout, /measured\s+\d+\.\d\d%\s+[\d.]+\w?i?B \/ 64MiB\s+[\d.]+%\s+1\n/);
	await berth(roots, ['rm', '-f', 'measured']);
});

// Serial tests run before the others, so prune sees no other test's containers.
test.serial('container prune removes stopped containers only', async t => {
	await berth(roots, ['run', '--name', 'stopped-one', testImage, 'true']);
	await berth(roots, ['run', '-d', '--name', 'still-running', testImage, 'sleep', '1000']);
	const result = await berth(roots, ['container', 'prune', '-f']);
	t.regex(result.stdout, /Deleted Containers:/);
	t.is((await berth(roots, ['ps', '-a', '-q', '-f', 'name=stopped-one'])).stdout, '');
	t.not((await berth(roots, ['ps', '-q', '-f', 'name=still-running'])).stdout, '');
	await berth(roots, ['rm', '-f', 'still-running']);
});

test('ps --no-trunc shows whole ids and commands', async t => {
	const id = (await berth(roots, ['create', '--name', 'long-command', testImage, 'sh', '-c', 'echo a rather long command line'])).stdout.trim();
	const result = await berth(roots, ['ps', '-a', '--no-trunc', '-f', 'name=long-command']);
	t.regex(result.stdout, new RegExp(`\\n${id}\\s+busybox-test:latest\\s+"sh -c echo a rather long command line"`));
	await berth(roots, ['rm', 'long-command']);
});
