import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {gzipSync} from 'node:zlib';
import test, {type ExecutionContext} from 'ava';
import {importTarball} from '../../source/image/import.js';
import {MediaType, goArch, type ImageConfig, type Manifest} from '../../source/image/oci.js';
import {ImageStore} from '../../source/image/store.js';
import {BlobStore} from '../../source/storage/blobs.js';

const sha256 = (data: Uint8Array) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const setup = (t: ExecutionContext) => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-import-'));
	t.teardown(() => fs.rmSync(root, {recursive: true, force: true}));
	return {root, store: new ImageStore(root, new BlobStore(root))};
};

/** A small root filesystem tarred by GNU tar, as a user would make one. */
const makeTarball = (t: ExecutionContext, extra: (dir: string) => void = () => undefined): Buffer => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rootfs-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	fs.mkdirSync(path.join(dir, 'rootfs/etc'), {recursive: true});
	fs.mkdirSync(path.join(dir, 'rootfs/bin'));
	fs.writeFileSync(path.join(dir, 'rootfs/etc/hostname'), 'berth\n');
	fs.symlinkSync('/etc/hostname', path.join(dir, 'rootfs/bin/link'));
	extra(path.join(dir, 'rootfs'));
	execFileSync('tar', ['--numeric-owner', '-C', path.join(dir, 'rootfs'), '-cf', path.join(dir, 'rootfs.tar'), '.']);
	return fs.readFileSync(path.join(dir, 'rootfs.tar'));
};

/** Everything a failed import must leave as it was. */
const snapshot = (root: string) => {
	const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
	const images = path.join(root, 'images.json');
	return {
		images: fs.existsSync(images) ? fs.readFileSync(images, 'utf8') : undefined,
		blobs: list(path.join(root, 'blobs/sha256')),
		ingest: list(path.join(root, 'ingest')),
	};
};

const readImage = async (store: ImageStore, name: string) => {
	const image = await store.resolve(name);
	const config = await store.blobs.readJson<ImageConfig>(image.id);
	const manifest = await store.blobs.readJson<Manifest>(image.manifestDigest);
	return {image, config, manifest};
};

test('a plain tarball is the layer byte for byte, its digest the diff id', async t => {
	const {store} = setup(t);
	const tar = makeTarball(t);
	const id = await importTarball(store, Readable.from([tar]), {reference: 'imported:1', message: 'from a tarball'});
	const {image, config, manifest} = await readImage(store, 'imported:1');
	t.is(image.id, id);
	t.deepEqual(image.references, ['docker.io/library/imported:1']);
	t.is(manifest.mediaType, MediaType.ociManifest);
	t.is(manifest.layers.length, 1);
	t.is(manifest.layers[0]!.mediaType, MediaType.ociLayer);
	t.is(manifest.layers[0]!.digest, sha256(tar));
	t.is(manifest.layers[0]!.size, tar.length);
	t.true((await store.blobs.read(manifest.layers[0]!.digest)).equals(tar));
	t.deepEqual(config.rootfs, {type: 'layers', diff_ids: [sha256(tar)]});
	t.is(config.os, 'linux');
	t.is(config.architecture, goArch());
	t.regex(config.created!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	t.deepEqual(config.history, [{created: config.created, created_by: 'berth import', comment: 'from a tarball'}]);
	t.is(image.size, tar.length);
});

test('a gzipped tarball is kept compressed, its diff id from the tar inside', async t => {
	const {store} = setup(t);
	// Big enough to make the decompressor push back.
	const tar = makeTarball(t, dir => {
		fs.writeFileSync(path.join(dir, 'random'), randomBytes(4 << 20));
	});
	const gz = gzipSync(tar);
	// The magic bytes arrive in pieces, as they may from a pipe.
	const chunks = [gz.subarray(0, 1), gz.subarray(1, 4)];
	for (let at = 4; at < gz.length; at += 65_536) {
		chunks.push(gz.subarray(at, at + 65_536));
	}

	await importTarball(store, Readable.from(chunks), {reference: 'zipped'});
	const {config, manifest} = await readImage(store, 'zipped');
	t.is(manifest.layers[0]!.mediaType, MediaType.ociLayerGzip);
	t.is(manifest.layers[0]!.digest, sha256(gz));
	t.true((await store.blobs.read(manifest.layers[0]!.digest)).equals(gz));
	t.deepEqual(config.rootfs.diff_ids, [sha256(tar)]);
	t.deepEqual(config.history, [{created: config.created, created_by: 'berth import'}]);
});

test('changes set the runtime config; without a reference the image is dangling', async t => {
	const {store} = setup(t);
	const id = await importTarball(store, Readable.from([makeTarball(t)]), {
		changes: ['CMD ["/bin/sh"]', 'ENV PATH=/usr/bin:/bin', 'WORKDIR /srv', 'EXPOSE 80', 'LABEL a=b', 'USER nobody'],
	});
	const [image, ...others] = await store.list();
	t.is(others.length, 0);
	t.is(image!.id, id);
	t.deepEqual(image!.references, []);
	t.deepEqual(image!.config.config, {
		Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin'], WorkingDir: '/srv', ExposedPorts: {'80/tcp': {}}, Labels: {a: 'b'}, User: 'nobody',
	});
	t.is((await store.resolve(id.slice(7, 19))).id, id);
});

test('the same tarball imported twice is one layer blob', async t => {
	const {root, store} = setup(t);
	const tar = makeTarball(t);
	await importTarball(store, Readable.from([tar]), {reference: 'a'});
	await importTarball(store, Readable.from([tar]), {reference: 'b'});
	const [a, b] = await Promise.all([store.resolve('a'), store.resolve('b')]);
	t.is(a.manifest.layers[0]!.digest, b.manifest.layers[0]!.digest);
	// Created differs, so the configs do; the layer blob is shared: 2 configs + 2 manifests + 1 layer.
	t.is(fs.readdirSync(path.join(root, 'blobs/sha256')).length, 5);
});

test('a broken archive is refused and leaves the store as it was', async t => {
	const {root, store} = setup(t);
	await importTarball(store, Readable.from([makeTarball(t)]), {reference: 'existing'});
	const tar = makeTarball(t, dir => {
		fs.writeFileSync(path.join(dir, 'data'), randomBytes(100_000));
	});
	const gz = gzipSync(tar);
	const cases: Array<[string, Buffer, string]> = [
		['truncated in a body', tar.subarray(0, 20_000), 'INVALID_ARCHIVE'],
		['truncated in a header', tar.subarray(0, 1000), 'INVALID_ARCHIVE'],
		['text', Buffer.from('this is not a tarball, just some text\n'.repeat(40)), 'INVALID_ARCHIVE'],
		['empty', Buffer.alloc(0), 'INVALID_ARCHIVE'],
		['shorter than the magic', Buffer.from('ab'), 'INVALID_ARCHIVE'],
		['truncated gzip', gz.subarray(0, gz.length - 100), 'INVALID_ARCHIVE'],
		['gzipped text', gzipSync(Buffer.from('not a tar\n'.repeat(100))), 'INVALID_ARCHIVE'],
		['corrupt gzip', Buffer.concat([gz.subarray(0, 100), Buffer.alloc(200, 0x55), gz.subarray(300)]), 'INVALID_ARCHIVE'],
		['xz', Buffer.from([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2, 3]), 'NOT_SUPPORTED'],
	];
	const before = snapshot(root);
	for (const [name, input, code] of cases) {
		await t.throwsAsync(importTarball(store, Readable.from([input]), {reference: 'broken'}), {code}, name);
		t.deepEqual(snapshot(root), before, name);
	}

	t.is((await store.list()).length, 1);
});

test('an error of the source stream fails the import and stores nothing', async t => {
	const {root, store} = setup(t);
	const tar = makeTarball(t);
	const before = snapshot(root);
	const source = new Readable({
		read() {
			this.push(tar.subarray(0, 1024));
			this.destroy(new Error('disk on fire'));
		},
	});
	await t.throwsAsync(importTarball(store, source), {message: 'disk on fire'});
	t.deepEqual(snapshot(root), before);
});

test('a bad reference or change fails before the input is read', async t => {
	const {root, store} = setup(t);
	const before = snapshot(root);
	let read = false;
	const source = () => new Readable({
		read() {
			read = true;
			this.push(null);
		},
	});
	await t.throwsAsync(importTarball(store, source(), {reference: 'Bad'}), {code: 'INVALID_REFERENCE'});
	await t.throwsAsync(importTarball(store, source(), {changes: ['RUN true']}), {code: 'INVALID_ARGUMENT'});
	t.false(read);
	t.deepEqual(snapshot(root), before);
});

test('a store that cannot be written fails the import instead of leaving it waiting', async t => {
	const {root, store} = setup(t);
	fs.writeFileSync(path.join(root, 'ingest'), 'not a directory');
	const source = Readable.from([makeTarball(t)]);
	await t.throwsAsync(importTarball(store, source), {code: 'EEXIST'});
	t.true(source.destroyed);
	t.false(fs.existsSync(path.join(root, 'images.json')));
});
