import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {docker} from '../../bench/peers.js';
import {berth, busyboxTarball, cli, destroyRoots, makeRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
let dir: string;
test.before(async () => {
	roots = rootsWithImage();
	dir = path.dirname(roots.root);
	// An image with a deleted file, so that readers must apply a whiteout.
	await berth(roots, ['run', '--name', 'save-source', testImage, 'sh', '-c', 'echo saved > /root/saved; rm /bin/vi']);
	await berth(roots, ['commit', 'save-source', 'saved:v1']);
});
test.after.always(() => {
	destroyRoots(roots);
});

const run = (command: string, args: string[]) => execFileSync(command, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

const runArgv = (argv: string[]) => run(argv[0]!, argv.slice(1));

const saved = async (t: {is: (a: unknown, b: unknown, message?: string) => void}, name: string, ...images: string[]) => {
	const file = path.join(dir, name);
	const result = await berth(roots, ['save', '-o', file, ...images]);
	t.is(result.code, 0, result.stderr);
	return file;
};

test('save writes an OCI layout with Docker\'s manifest.json beside it', async t => {
	const file = await saved(t, 'layout.tar', 'saved:v1');
	const names = run('tar', ['tf', file]).split('\n');
	t.true(['oci-layout', 'index.json', 'manifest.json', 'blobs/sha256/'].every(name => names.includes(name)));
	const index = JSON.parse(run('tar', ['xOf', file, 'index.json']));
	t.is(index.manifests[0].annotations['io.containerd.image.name'], 'docker.io/library/saved:v1');
	t.is(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
	const [manifest] = JSON.parse(run('tar', ['xOf', file, 'manifest.json']));
	t.deepEqual(manifest.RepoTags, ['saved:v1']);
	t.is(manifest.Layers.length, 2);
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', 'saved:v1'])).stdout.trim();
	t.is(manifest.Config, `blobs/sha256/${id.slice(7)}`);
	// The same images saved again give the same bytes.
	t.deepEqual(fs.readFileSync(await saved(t, 'again.tar', 'saved:v1')), fs.readFileSync(file));
});

test('skopeo inspects the archive and its layout; umoci unpacks it with the whiteout applied', async t => {
	const file = await saved(t, 'tools.tar', 'saved:v1');
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', 'saved:v1'])).stdout.trim();
	const layers = JSON.parse((await berth(roots, ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'saved:v1'])).stdout);
	const fromArchive = JSON.parse(run('skopeo', ['inspect', '--raw', `oci-archive:${file}:v1`]));
	t.is(fromArchive.config.digest, id);
	const layout = path.join(dir, 'layout');
	fs.mkdirSync(layout);
	run('tar', ['xf', file, '-C', layout]);
	const inspected = JSON.parse(run('skopeo', ['inspect', `oci:${layout}:v1`]));
	t.deepEqual(inspected.Layers, layers);
	const bundle = path.join(dir, 'bundle');
	run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
	t.is(fs.readFileSync(path.join(bundle, 'rootfs/root/saved'), 'utf8'), 'saved\n');
	t.false(fs.existsSync(path.join(bundle, 'rootfs/bin/vi')));
	t.true(fs.existsSync(path.join(bundle, 'rootfs/bin/sh')));
});

test('several images in one archive load into another store, all of them', async t => {
	const file = await saved(t, 'several.tar', 'saved:v1', testImage);
	const other = makeRoots();
	t.teardown(() => destroyRoots(other));
	const loaded = await berth(other, ['load', '-i', file]);
	t.is(loaded.code, 0, loaded.stderr);
	t.is(loaded.stdout, `Loaded image: saved:v1\nLoaded image: ${testImage}\n`);
	t.is((await berth(other, ['run', '--rm', 'saved:v1', 'cat', '/root/saved'])).stdout, 'saved\n');
	t.is(fs.readdirSync(path.join(other.root, 'blobs/sha256')).length, 6); // Two manifests, two configs, the base layer once, the top layer.
});

test('save to standard output; an image saved by id has no name', async t => {
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', testImage])).stdout.trim();
	const file = path.join(dir, 'by-id.tar');
	execFileSync('sh', ['-c', `${JSON.stringify(cli)} image save ${id.slice(7, 19)} > ${file}`], {env: roots.env});
	const [manifest] = JSON.parse(run('tar', ['xOf', file, 'manifest.json']));
	t.deepEqual(manifest.RepoTags, []);
	const other = makeRoots();
	t.teardown(() => destroyRoots(other));
	t.is((await berth(other, ['load', '-i', file])).stdout, `Loaded image ID: ${id}\n`);
});

test('podman loads what berth saves', async t => {
	if (!fs.existsSync('/usr/bin/podman')) {
		t.log('podman is not installed');
		t.pass();
		return;
	}

	const file = await saved(t, 'podman.tar', 'saved:v1');
	const storage = path.join(dir, 'podman');
	const podman = ['--root', path.join(storage, 'root'), '--runroot', path.join(storage, 'run'), '--storage-driver', 'vfs', '--events-backend', 'none'];
	t.teardown(() => {
		fs.rmSync(storage, {recursive: true, force: true});
	});
	t.regex(run('podman', [...podman, 'load', '-i', file]), /saved:v1/);
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', 'saved:v1'])).stdout.trim();
	t.is(run('podman', [...podman, 'image', 'inspect', '--format', '{{.Id}}', 'saved:v1']).trim(), id.slice(7));
});

test('docker loads what berth saves, and berth what docker saves', async t => {
	// A private dockerd on its own socket and data root (bench/peers.ts), stopped at the end.
	const peer = docker(path.join(dir, 'docker'), busyboxTarball());
	if (typeof peer === 'string') {
		t.log(`docker: ${peer}`);
		t.pass();
		return;
	}

	t.teardown(async () => {
		const pid = Number(fs.readFileSync(path.join(dir, 'docker/docker.pid'), 'utf8'));
		peer.stop();
		// Gone before the roots are removed: it unmounts its data root on the way out.
		for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) {
			await new Promise(resolve => {
				setTimeout(resolve, 100);
			});
		}
	});
	const file = await saved(t, 'docker.tar', 'saved:v1');
	t.regex(runArgv(peer.command('load', '-i', file)), /Loaded image: saved:v1/);
	t.is(runArgv(peer.command('run', '--rm', '--network', 'none', 'saved:v1', 'cat', '/root/saved')), 'saved\n');
	const fromDocker = path.join(dir, 'from-docker.tar');
	runArgv(peer.command('save', '-o', fromDocker, 'bench-busybox'));
	const other = makeRoots();
	t.teardown(() => destroyRoots(other));
	t.is((await berth(other, ['load', '-i', fromDocker])).stdout, 'Loaded image: bench-busybox:latest\n');
	t.is((await berth(other, ['run', '--rm', 'bench-busybox', 'echo', 'from docker'])).stdout, 'from docker\n');
});

test('save of a missing image is one line and writes nothing', async t => {
	const file = path.join(dir, 'missing.tar');
	const result = await berth(roots, ['save', '-o', file, 'saved:v1', 'no-such-image']);
	t.is(result.code, 125);
	t.is(result.stderr, 'berth: no such image: `no-such-image`\n');
	t.false(fs.existsSync(file));
});
