import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, berthOk, cli, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
let host: string;
test.before(() => {
	roots = rootsWithImage();
	host = path.join(path.dirname(roots.root), 'host');
	fs.mkdirSync(host);
});
test.after.always(() => {
	destroyRoots(roots);
});

const ok = async (t: Parameters<typeof berthOk>[0], args: string[]) => berthOk(t, roots, args);

const made = 'mkdir -p /data/sub && echo one > /data/one && echo two > /data/sub/two && ln -s one /data/link';

test('cp out of a stopped container: a file, a directory, a directory\'s content', async t => {
	await ok(t, ['run', '--name', 'cp-out', testImage, 'sh', '-c', made]);
	const dir = path.join(host, 'out');
	fs.mkdirSync(dir);
	await ok(t, ['cp', 'cp-out:/data/one', path.join(dir, 'renamed')]);
	t.is(fs.readFileSync(path.join(dir, 'renamed'), 'utf8'), 'one\n');
	await ok(t, ['cp', 'cp-out:/data', dir]);
	t.is(fs.readFileSync(path.join(dir, 'data/sub/two'), 'utf8'), 'two\n');
	t.is(fs.readlinkSync(path.join(dir, 'data/link')), 'one');
	await ok(t, ['cp', 'cp-out:/data/.', path.join(dir, 'renamed-dir')]);
	t.deepEqual(fs.readdirSync(path.join(dir, 'renamed-dir')).sort(), ['link', 'one', 'sub']);
	await ok(t, ['container', 'cp', 'cp-out:/data/sub/.', dir]);
	t.true(fs.existsSync(path.join(dir, 'two')));
});

test('cp out to standard output writes a tar', async t => {
	await ok(t, ['run', '--name', 'cp-tar', testImage, 'sh', '-c', made]);
	const file = path.join(host, 'out.tar');
	execFileSync('sh', ['-c', `${JSON.stringify(cli)} cp cp-tar:/data - > ${file}`], {env: roots.env});
	t.deepEqual(execFileSync('tar', ['tf', file], {encoding: 'utf8'}).split('\n').filter(Boolean).sort(),
		['data/', 'data/link', 'data/one', 'data/sub/', 'data/sub/two']);
});

test('cp into a stopped container: the container sees the files when it starts', async t => {
	const source = path.join(host, 'in');
	fs.mkdirSync(path.join(source, 'tree'), {recursive: true});
	fs.writeFileSync(path.join(source, 'tree/file'), 'copied in\n');
	fs.writeFileSync(path.join(source, 'single'), 'single\n');
	await ok(t, ['create', '--name', 'cp-in', testImage, 'sh', '-c', 'cat /root/tree/file /renamed; ls -ln /root/tree/file']);
	await ok(t, ['cp', path.join(source, 'tree'), 'cp-in:/root']);
	await ok(t, ['cp', path.join(source, 'single'), 'cp-in:/renamed']);
	const output = await ok(t, ['start', '-a', 'cp-in']);
	t.regex(output, /^copied in\nsingle\n-rw-r--r-- +1 0 +0 /);
});

test('cp into a running container shows up at once', async t => {
	const file = path.join(host, 'live');
	fs.writeFileSync(file, 'live\n');
	const id = (await ok(t, ['run', '-d', testImage, 'sleep', '1000'])).trim();
	await ok(t, ['cp', file, `${id}:/tmp/`]);
	t.is(await ok(t, ['exec', id, 'cat', '/tmp/live']), 'live\n');
	await ok(t, ['cp', `${id}:/tmp/live`, path.join(host, 'live-back')]);
	t.is(fs.readFileSync(path.join(host, 'live-back'), 'utf8'), 'live\n');
	await berth(roots, ['rm', '-f', id]);
});

test('a symlink in the container resolves inside it, never on the host', async t => {
	const canary = path.join(host, 'canary');
	fs.mkdirSync(canary);
	const file = path.join(host, 'payload');
	fs.writeFileSync(file, 'payload\n');
	// The container's /link points at a path that exists on the host, not in the container.
	await ok(t, ['create', '--name', 'cp-link', testImage, 'sh', '-c', `ls ${canary}`]);
	const staged = path.join(host, 'staged');
	fs.mkdirSync(staged);
	fs.symlinkSync(canary, path.join(staged, 'link'));
	await ok(t, ['cp', `${staged}/.`, 'cp-link:/']);
	const result = await berth(roots, ['cp', file, 'cp-link:/link/payload']);
	t.is(result.code, 125);
	t.deepEqual(fs.readdirSync(canary), []);
	const running = (await ok(t, ['run', '-d', testImage, 'sh', '-c', `ln -s ${canary} /link2; exec sleep 1000`])).trim();
	await new Promise(resolve => {
		setTimeout(resolve, 300);
	});
	t.is((await berth(roots, ['cp', file, `${running}:/link2/payload`])).code, 125);
	t.deepEqual(fs.readdirSync(canary), []);
	await berth(roots, ['rm', '-f', running]);
});

test('cp with a missing source, or without a container path, is one line', async t => {
	await ok(t, ['create', '--name', 'cp-missing', testImage, 'true']);
	for (const args of [['cp', 'cp-missing:/no/such', host], ['cp', path.join(host, 'no-such'), 'cp-missing:/'], ['cp', host, host]]) {
		const result = await berth(roots, args);
		t.is(result.code, 125);
		t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
	}
});
