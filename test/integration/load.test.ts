import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import {berth, busyboxTarball, destroyRoots, makeRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
let dir: string;
let archive: string;
test.before(async () => {
	roots = rootsWithImage();
	dir = path.dirname(roots.root);
	archive = path.join(dir, 'berth.tar');
	await berth(roots, ['save', '-o', archive, testImage]);
});
test.after.always(() => {
	destroyRoots(roots);
});

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A fresh store, removed after the test. */
const store = (t: {teardown: (fn: () => void) => void}) => {
	const made = makeRoots();
	t.teardown(() => destroyRoots(made));
	return made;
};

/** Files under `stage` as a tar, the way `docker save` lays them out (./ prefix included). */
const tarOf = (stage: string, file: string) => {
	execFileSync('tar', ['cf', file, '-C', stage, '.']);
	return file;
};

/**
 * An archive as Docker before 25 wrote it: `<id>/layer.tar`, `<config hex>.json`, manifest.json
 * and repositories; the second image's layer is a symlink to the first's, as Docker links them.
 */
const oldDockerArchive = (name: string) => {
	const stage = fs.mkdtempSync(path.join(dir, 'stage-'));
	const layer = fs.readFileSync(busyboxTarball());
	const entries = ['one', 'two'].map((tag, index) => {
		const config = JSON.stringify({
			architecture: 'amd64', os: 'linux', created: '2020-01-01T00:00:00Z',
			config: {Cmd: ['echo', `old docker ${tag}`]},
			rootfs: {type: 'layers', diff_ids: [`sha256:${hex(layer)}`]},
			history: [{created: '2020-01-01T00:00:00Z', created_by: 'docker import'}],
		});
		fs.writeFileSync(path.join(stage, `${hex(config)}.json`), config);
		const v1 = hex(`layer ${index}`);
		fs.mkdirSync(path.join(stage, v1));
		fs.writeFileSync(path.join(stage, v1, 'VERSION'), '1.0');
		fs.writeFileSync(path.join(stage, v1, 'json'), JSON.stringify({id: v1}));
		if (index === 0) {
			fs.writeFileSync(path.join(stage, v1, 'layer.tar'), layer);
		} else {
			fs.symlinkSync(`../${hex('layer 0')}/layer.tar`, path.join(stage, v1, 'layer.tar'));
		}

		return {Config: `${hex(config)}.json`, RepoTags: [`old:${tag}`], Layers: [`${v1}/layer.tar`]};
	});
	fs.writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(entries));
	fs.writeFileSync(path.join(stage, 'repositories'), JSON.stringify({old: {one: hex('layer 0'), two: hex('layer 1')}}));
	return tarOf(stage, path.join(dir, name));
};

test('load reads berth\'s archive, plain or gzipped, from a file or standard input', async t => {
	const other = store(t);
	const loaded = await berth(other, ['load', '-i', archive]);
	t.is(loaded.stdout, `Loaded image: ${testImage}\n`);
	t.is((await berth(other, ['run', '--rm', testImage, 'echo', 'loaded'])).stdout, 'loaded\n');
	const again = store(t);
	const gzipped = zlib.gzipSync(fs.readFileSync(archive));
	t.is((await berth(again, ['image', 'load'], {input: gzipped as unknown as string})).stdout, `Loaded image: ${testImage}\n`);
});

test('load reads Docker\'s old archives: layer.tar per layer, linked layers, several images', async t => {
	const other = store(t);
	const result = await berth(other, ['load', '-i', oldDockerArchive('old.tar')]);
	t.is(result.code, 0, result.stderr);
	t.is(result.stdout, 'Loaded image: old:one\nLoaded image: old:two\n');
	t.is((await berth(other, ['run', '--rm', 'old:two'])).stdout, 'old docker two\n');
	// One layer blob for the two images.
	t.is(fs.readdirSync(path.join(other.root, 'blobs/sha256')).length, 5);
});

test('load reads a plain OCI layout, without manifest.json', async t => {
	const stage = fs.mkdtempSync(path.join(dir, 'oci-'));
	execFileSync('tar', ['xf', archive, '-C', stage]);
	fs.rmSync(path.join(stage, 'manifest.json'));
	const other = store(t);
	const result = await berth(other, ['load', '-i', tarOf(stage, path.join(dir, 'oci.tar'))]);
	t.is(result.stdout, `Loaded image: ${testImage}\n`);
});

test('load reads podman\'s docker-archive and oci-archive', async t => {
	if (!fs.existsSync('/usr/bin/podman')) {
		t.log('podman is not installed');
		t.pass();
		return;
	}

	const storage = path.join(dir, 'podman');
	const podman = (...args: string[]) => execFileSync('podman', [
		'--root', path.join(storage, 'root'), '--runroot', path.join(storage, 'run'), '--storage-driver', 'vfs', '--events-backend', 'none', ...args,
	], {stdio: 'ignore'});
	t.teardown(() => {
		fs.rmSync(storage, {recursive: true, force: true});
	});
	podman('import', '--change', 'CMD ["echo", "from podman"]', busyboxTarball(), 'localhost/from-podman:1');
	for (const format of ['docker-archive', 'oci-archive']) {
		const file = path.join(dir, `podman-${format}.tar`);
		podman('save', '--format', format, '-o', file, 'localhost/from-podman:1');
		const other = store(t);
		const result = await berth(other, ['load', '-i', file]);
		t.is(result.code, 0, result.stderr);
		t.is(result.stdout, 'Loaded image: localhost/from-podman:1\n', format);
		t.is((await berth(other, ['run', '--rm', 'localhost/from-podman:1'])).stdout, 'from podman\n');
	}
});

/** berth's archive, unpacked into a directory to tamper with, and its one image's manifest.json entry. */
const unpacked = (prefix: string) => {
	const stage = fs.mkdtempSync(path.join(dir, prefix));
	execFileSync('tar', ['xf', archive, '-C', stage]);
	const [manifest] = JSON.parse(fs.readFileSync(path.join(stage, 'manifest.json'), 'utf8'));
	return {stage, manifest: manifest as {Config: string; Layers: string[]}};
};

test.serial('a corrupt, truncated or foreign archive is one line and leaves the images and blobs as they were', async t => {
	const flipped = unpacked('flipped-');
	const layer = path.join(flipped.stage, flipped.manifest.Layers[0]!);
	const bytes = fs.readFileSync(layer);
	bytes[bytes.length - 2000] ^= 1;
	fs.writeFileSync(layer, bytes);
	// A config whose diff id is wrong, under its own true name: its blob is stored before the check fails.
	const lying = unpacked('lying-');
	const config = JSON.parse(fs.readFileSync(path.join(lying.stage, lying.manifest.Config), 'utf8'));
	config.rootfs.diff_ids = [`sha256:${hex('another layer')}`];
	const configText = JSON.stringify(config);
	fs.writeFileSync(path.join(lying.stage, 'blobs/sha256', hex(configText)), configText);
	fs.writeFileSync(path.join(lying.stage, 'manifest.json'), JSON.stringify([{...lying.manifest, Config: `blobs/sha256/${hex(configText)}`}]));
	fs.rmSync(path.join(lying.stage, 'index.json'));
	const gzipped = zlib.gzipSync(fs.readFileSync(archive));
	const truncated = path.join(dir, 'truncated.tar.gz');
	fs.writeFileSync(truncated, gzipped.subarray(0, gzipped.length / 2));
	const foreign = path.join(dir, 'foreign.tar');
	fs.writeFileSync(foreign, 'not an archive at all\n'.repeat(100));
	const before = (await berth(roots, ['images', '-a', '-q', '--no-trunc'])).stdout;
	const blobs = fs.readdirSync(path.join(roots.root, 'blobs/sha256')).sort();
	const files = [tarOf(flipped.stage, path.join(dir, 'flipped.tar')), tarOf(lying.stage, path.join(dir, 'lying.tar')), truncated, foreign];
	for (const [index, file] of files.entries()) {
		const result = await berth(roots, ['load', '-i', file]);
		t.is(result.code, 125);
		t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
		if (index < 2) {
			t.regex(result.stderr, /does not match/);
		}

		t.is((await berth(roots, ['images', '-a', '-q', '--no-trunc'])).stdout, before);
		t.deepEqual(fs.readdirSync(path.join(roots.root, 'blobs/sha256')).sort(), blobs);
	}

	t.deepEqual(fs.readdirSync(path.join(roots.root, 'ingest')), []);
});

test('load of a missing file is one line', async t => {
	const result = await berth(roots, ['load', '-i', path.join(dir, 'no-such-file.tar')]);
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: cannot read `.*no-such-file.tar`/);
});
