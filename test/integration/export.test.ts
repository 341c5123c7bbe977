import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, cli, destroyRoots, killAfter, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const names = (tarball: string) => execFileSync('tar', ['tf', tarball], {encoding: 'utf8'}).split('\n');

/** The views of containers mounted under `run` (the network's namespace files are mounted there too). */
const mountsUnder = (run: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(line => line.includes(`${run}/.tmp-`));

// Serial: each checks that no view of any container stays mounted.
test.serial('export of a stopped container is a flat tar of its whole filesystem, and leaves no mount', async t => {
	await berth(roots, ['run', '--name', 'export-stopped', testImage, 'sh', '-c', 'echo x > /root/added; rm /bin/vi']);
	const file = path.join(path.dirname(roots.root), 'stopped.tar');
	const result = await berth(roots, ['export', '-o', file, 'export-stopped']);
	t.is(result.code, 0, result.stderr);
	const listed = names(file);
	t.true(listed.includes('root/added'));
	t.true(listed.includes('bin/sh'));
	t.false(listed.includes('bin/vi'));
	t.false(listed.some(name => name.includes('.wh.')));
	t.deepEqual(mountsUnder(roots.run), []);
});

test.serial('export of a running container, and import of the export, round-trip', async t => {
	const id = (await berth(roots, ['run', '-d', testImage, 'sh', '-c', 'echo live > /tmp/live; exec sleep 1000'])).stdout.trim();
	const file = path.join(path.dirname(roots.root), 'running.tar');
	// The container writes its file soon after it starts.
	for (let i = 0; i === 0 || (i < 50 && !names(file).includes('tmp/live')); i++) {
		const result = await berth(roots, ['container', 'export', '--output', file, id]);
		t.is(result.code, 0, result.stderr);
	}

	t.deepEqual(mountsUnder(roots.run), []);
	t.is((await berth(roots, ['import', file, 'exported:running'])).code, 0);
	t.is((await berth(roots, ['run', '--rm', 'exported:running', 'cat', '/tmp/live'])).stdout, 'live\n');
	await berth(roots, ['rm', '-f', id]);
});

test.serial('a view that a killed export left mounted is unmounted by the next export', async t => {
	await berth(roots, ['run', '--name', 'export-killed', testImage, 'sh', '-c', 'mkdir /data; for i in $(seq 300); do head -c 100000 /dev/urandom > /data/$i; done']);
	for (const delay of [500, 700, 900]) {
		await killAfter(roots, ['export', '-o', path.join(path.dirname(roots.root), 'killed.tar'), 'export-killed'], delay);
	}

	t.is((await berth(roots, ['export', '-o', path.join(path.dirname(roots.root), 'after.tar'), 'export-killed'])).code, 0);
	t.deepEqual(mountsUnder(roots.run), []);
	t.deepEqual(fs.readdirSync(roots.run).filter(name => name.endsWith('-mount')), []);
});

test('export to standard output streams the same tar', async t => {
	await berth(roots, ['create', '--name', 'export-stdout', testImage, 'true']);
	const file = path.join(path.dirname(roots.root), 'stdout.tar');
	execFileSync('sh', ['-c', `${JSON.stringify(cli)} export export-stdout > ${file}`], {env: roots.env});
	t.true(names(file).includes('bin/busybox'));
});

test('export of a missing container is one line and writes no file', async t => {
	const file = path.join(path.dirname(roots.root), 'missing.tar');
	const result = await berth(roots, ['export', '-o', file, 'no-such-container']);
	t.is(result.code, 125);
	t.is(result.stderr, 'berth: no such container: `no-such-container`\n');
	t.false(fs.existsSync(file));
});
