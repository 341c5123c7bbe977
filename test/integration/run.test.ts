import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('run prints the command\'s output and removes a --rm container', async t => {
	const result = await berth(roots, ['run', '--rm', '--name', 'ephemeral', testImage, 'echo', 'hello']);
	t.is(result.stdout, 'hello\n');
	t.is(result.code, 0);
	const ps = await berth(roots, ['ps', '-a', '-q', '--filter', 'name=ephemeral']);
	t.is(ps.stdout, '');
});

test('run exits with the container\'s status, 128+N for a signal', async t => {
	t.is((await berth(roots, ['run', '--rm', testImage, 'sh', '-c', 'exit 3'])).code, 3);
	// The shell is not pid 1 under --init, so the signal is not ignored.
	t.is((await berth(roots, ['run', '--rm', '--init', testImage, 'sh', '-c', 'kill -TERM $$'])).code, 143);
});

test('stdout and stderr stay apart without -t', async t => {
	const result = await berth(roots, ['run', '--rm', testImage, 'sh', '-c', 'echo out; echo err >&2']);
	t.is(result.stdout, 'out\n');
	t.is(result.stderr, 'err\n');
});

test('run -i passes stdin through', async t => {
	const result = await berth(roots, ['run', '--rm', '-i', testImage, 'cat'], {input: 'x\n'});
	t.is(result.stdout, 'x\n');
	t.is(result.code, 0);
});

test('a missing command is 127, one that cannot run is 126, each with one line; --rm removes the container', async t => {
	const missing = await berth(roots, ['run', '--rm', '--name', 'never-ran', testImage, 'no-such-command']);
	t.is(missing.code, 127);
	t.regex(missing.stderr, /no-such-command/);
	t.is(missing.stderr.trim().split('\n').length, 1);
	t.is((await berth(roots, ['ps', '-a', '-q', '--filter', 'name=never-ran'])).stdout, '');
	const notExecutable = await berth(roots, ['run', '--rm', testImage, '/etc/passwd']);
	t.is(notExecutable.code, 126);
	t.is(notExecutable.stderr.trim().split('\n').length, 1);
});

test('an unknown image is one line naming it, status 125', async t => {
	// --pull never: a test must not reach out to a public registry.
	const result = await berth(roots, ['run', '--rm', '--pull', 'never', 'no-such-image:1', 'true']);
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: .*no-such-image:1.*\n$/);
});

test('flags shape the container: env, workdir, user, hostname, entrypoint', async t => {
	const result = await berth(roots, [
		'run', '--rm', '-e', 'GREETING=hi', '-w', '/tmp/work', '-u', '1000', '-h', 'box', '--entrypoint', 'sh',
		testImage, '-c', 'echo $GREETING $(pwd) $(id -u) $(hostname)',
	]);
	t.is(result.stdout, 'hi /tmp/work 1000 box\n');
});

test('--env-file adds variables and -e overrides them', async t => {
	const file = path.join(os.tmpdir(), `berth-env-${process.pid}`);
	fs.writeFileSync(file, '# comment\nA=1\nB=2\n');
	t.teardown(() => fs.rmSync(file, {force: true}));
	const result = await berth(roots, ['run', '--rm', '--env-file', file, '-e', 'B=3', testImage, 'sh', '-c', 'echo $A$B']);
	t.is(result.stdout, '13\n');
});

test('bind mounts show host files, read-only when asked', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bind-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	fs.writeFileSync(path.join(dir, 'f'), 'from host\n');
	const rw = await berth(roots, ['run', '--rm', '-v', `${dir}:/data`, testImage, 'sh', '-c', 'cat /data/f; echo new > /data/g']);
	t.is(rw.stdout, 'from host\n');
	t.is(fs.readFileSync(path.join(dir, 'g'), 'utf8'), 'new\n');
	const ro = await berth(roots, ['run', '--rm', '-v', `${dir}:/data:ro`, testImage, 'sh', '-c', 'echo x > /data/h']);
	t.not(ro.code, 0);
	t.false(fs.existsSync(path.join(dir, 'h')));
});

test('--read-only refuses writes to the root but --tmpfs is writable', async t => {
	const result = await berth(roots, ['run', '--rm', '--read-only', '--tmpfs', '/scratch', testImage, 'sh', '-c', 'touch /x 2>/dev/null || echo refused; touch /scratch/y && echo written']);
	t.is(result.stdout, 'refused\nwritten\n');
});

test('writes in a container never reach the image', async t => {
	await berth(roots, ['run', '--rm', testImage, 'sh', '-c', 'echo changed > /etc/passwd; rm /bin/ls']);
	const result = await berth(roots, ['run', '--rm', testImage, 'sh', '-c', 'head -1 /etc/passwd; ls / >/dev/null && echo ls-ok']);
	t.is(result.stdout, 'root:x:0:0:root:/root:/bin/sh\nls-ok\n');
});

test('a --rm container\'s root is overlay with volatile, never synced to disk; a kept container\'s is not', async t => {
	const rootMount = async (args: string[]) => (await berth(roots, ['run', ...args, testImage, 'grep', ' / / ', '/proc/self/mountinfo'])).stdout;
	// Newer kernels show the option as fsync=volatile.
	t.regex(await rootMount(['--rm']), / - overlay overlay .*,(fsync=)?volatile\b/);
	const kept = await rootMount(['--name', 'kept-root']);
	t.regex(kept, / - overlay overlay /);
	t.notRegex(kept, /volatile/);
	t.is((await berth(roots, ['rm', 'kept-root'])).code, 0);
});

test('--rootfs / runs on the host\'s own userland without changing it', async t => {
	const marker = `/tmp/berth-rootfs-${process.pid}`;
	const result = await berth(roots, ['run', '--rm', '--rootfs', '/', 'sh', '-c', `grep -c . /etc/os-release >/dev/null && echo ok > ${marker} && cat ${marker}`]);
	t.is(result.stdout, 'ok\n');
	t.false(fs.existsSync(marker));
});

test('a name in use is refused, naming it', async t => {
	const first = await berth(roots, ['create', '--name', 'twin', testImage, 'true']);
	t.is(first.code, 0);
	const second = await berth(roots, ['create', '--name', 'twin', testImage, 'true']);
	t.is(second.code, 125);
	t.regex(second.stderr, /`twin`/);
	await berth(roots, ['rm', 'twin']);
});

test('bad flag values are one line each, status 125, and leave no container', async t => {
	for (const args of [['-m', 'lots'], ['--cpus', 'x'], ['--cap-add', 'NOPE'], ['-v', 'relative:/x'], ['--security-opt', 'bogus']]) {
		const result = await berth(roots, ['run', '--rm', ...args, testImage, 'true']);
		t.is(result.code, 125, args.join(' '));
		t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
	}

	t.is((await berth(roots, ['ps', '-a', '-q', '--filter', 'name=^bad'])).stdout, '');
});
