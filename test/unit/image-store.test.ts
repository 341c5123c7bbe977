import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {MediaType, type Descriptor} from '../../source/image/oci.js';
import {ImageStore} from '../../source/image/store.js';
import {BlobStore, sha256, type Digest} from '../../source/storage/blobs.js';

const run = promisify(execFile);
const storeModule = fileURLToPath(new URL('../../source/image/store.js', import.meta.url));
const blobsModule = fileURLToPath(new URL('../../source/storage/blobs.js', import.meta.url));

const makeStore = (t: ExecutionContext) => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-'));
	t.teardown(() => fs.rmSync(root, {recursive: true, force: true}));
	return {root, store: new ImageStore(root, new BlobStore(root))};
};

/** An image of fake layers: the store never looks inside them. */
const makeImage = async (store: ImageStore, name: string, layerContents: string[] = [name]): Promise<Descriptor> => {
	const layers = await Promise.all(layerContents.map(async content => {
		const blob = await store.blobs.put(content);
		return {blob: {mediaType: MediaType.ociLayer, ...blob}, diffId: sha256(content)};
	}));
	return store.writeImage({
		config: {architecture: 'amd64', os: 'linux', config: {Cmd: [name]}, history: [{created_by: name}]},
		layers,
	});
};

const readImagesJson = (root: string) => JSON.parse(fs.readFileSync(path.join(root, 'images.json'), 'utf8')) as {
	references: Record<string, Digest>;
	untagged: Digest[];
};

test('writeImage writes an OCI manifest and config whose history all has created', async t => {
	const {store} = makeStore(t);
	const descriptor = await makeImage(store, 'one', ['a', 'b']);
	t.is(descriptor.mediaType, MediaType.ociManifest);
	const manifest = await store.blobs.readJson<{config: Descriptor; layers: Descriptor[]}>(descriptor.digest);
	t.is(manifest.config.mediaType, MediaType.ociConfig);
	t.deepEqual(manifest.layers.map(layer => layer.digest), [sha256('a'), sha256('b')]);
	const config = await store.blobs.readJson<{created: string; rootfs: unknown; history: Array<{created: string}>}>(manifest.config.digest);
	t.deepEqual(config.rootfs, {type: 'layers', diff_ids: [sha256('a'), sha256('b')]});
	t.regex(config.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	t.is(config.history[0]!.created, config.created);
});

test('a tagged image is listed and found by name, id and id prefix', async t => {
	const {store} = makeStore(t);
	const descriptor = await makeImage(store, 'one', ['a', 'bb']);
	await store.tag('busybox', descriptor.digest);
	await store.tag('localhost:5000/x:1', descriptor.digest);
	const [image, ...others] = await store.list();
	t.is(others.length, 0);
	t.deepEqual(image!.references, ['docker.io/library/busybox:latest', 'localhost:5000/x:1']);
	t.is(image!.manifestDigest, descriptor.digest);
	t.is(image!.size, 3);
	t.deepEqual(image!.layers, [sha256('a'), sha256('bb')]);
	t.is(image!.id, image!.manifest.config.digest);
	t.deepEqual(image!.config.config?.Cmd, ['one']);
	for (const name of ['busybox', 'busybox:latest', 'docker.io/library/busybox', 'index.docker.io/library/busybox:latest', 'localhost:5000/x:1', image!.id, image!.id.slice(7), image!.id.slice(7, 19), `sha256:${image!.id.slice(7, 12)}`]) {
		t.is((await store.resolve(name)).id, image!.id, name);
	}

	await t.throwsAsync(store.resolve('busybox:other'), {code: 'NO_SUCH_IMAGE', message: 'no such image: `busybox:other`'});
	await t.throwsAsync(store.resolve('f'.repeat(64)), {code: 'NO_SUCH_IMAGE'});
	await t.throwsAsync(store.resolve('Foo'), {code: 'INVALID_REFERENCE'});
});

test('a name wins over an id prefix, as in Docker', async t => {
	const {store} = makeStore(t);
	const first = await makeImage(store, 'one');
	const second = await makeImage(store, 'two');
	await store.tag('one', first.digest);
	await store.tag('two', second.digest);
	const two = await store.resolve('two');
	const prefix = two.id.slice(7, 13);
	await store.tag(prefix, first.digest);
	t.is((await store.resolve(prefix)).manifestDigest, first.digest);
	t.is((await store.resolve(`sha256:${prefix}`)).manifestDigest, second.digest);
});

test('an id prefix shared by two images is ambiguous', async t => {
	const {store} = makeStore(t);
	// Among 17 ids two share their first hex digit.
	const ids = new Map<string, Digest>();
	let shared: string | undefined;
	for (let n = 0; shared === undefined; n++) {
		const descriptor = await makeImage(store, `image-${n}`);
		const id = await store.addImage(descriptor);
		shared = ids.has(id[7]!) ? id[7] : undefined;
		ids.set(id[7]!, id);
	}

	await t.throwsAsync(store.resolve(shared!), {code: 'AMBIGUOUS_ID'});
	const one = ids.get(shared!)!;
	t.is((await store.resolve(one.slice(7, 30))).id, one);
});

test('an untagged image is dangling, listed and found by id', async t => {
	const {root, store} = makeStore(t);
	const descriptor = await makeImage(store, 'one');
	const id = await store.addImage(descriptor);
	t.deepEqual(readImagesJson(root), {references: {}, untagged: [descriptor.digest]});
	const [image] = await store.list();
	t.is(image!.id, id);
	t.deepEqual(image!.references, []);
	t.is((await store.resolve(id.slice(7, 19))).id, id);
	// Tagging adopts it; adding it again changes nothing.
	await store.tag('one', descriptor.digest);
	await store.addImage(descriptor);
	t.deepEqual(readImagesJson(root), {references: {'docker.io/library/one:latest': descriptor.digest}, untagged: []});
});

test('a tag moved to another image leaves the old one dangling only if it has no other name', async t => {
	const {root, store} = makeStore(t);
	const first = await makeImage(store, 'one');
	const second = await makeImage(store, 'two');
	await store.tag('app', first.digest);
	await store.tag('app:stable', first.digest);
	await store.tag('app', second.digest);
	t.deepEqual(readImagesJson(root).untagged, []);
	await store.tag('app:stable', second.digest);
	t.deepEqual(readImagesJson(root), {
		references: {'docker.io/library/app:latest': second.digest, 'docker.io/library/app:stable': second.digest},
		untagged: [first.digest],
	});
	t.is((await store.list()).length, 2);
});

test('untag drops one name and reports the others', async t => {
	const {root, store} = makeStore(t);
	const descriptor = await makeImage(store, 'one');
	await store.tag('a', descriptor.digest);
	await store.tag('b:1', descriptor.digest);
	t.deepEqual(await store.untag('docker.io/library/a:latest'), ['docker.io/library/b:1']);
	t.deepEqual(await store.untag('b:1'), []);
	t.deepEqual(readImagesJson(root), {references: {}, untagged: [descriptor.digest]});
	await t.throwsAsync(store.untag('b:1'), {code: 'NO_SUCH_IMAGE', message: 'no such image: `b:1`'});
});

test('remove returns the blobs and unpacked layers no other image uses', async t => {
	const {root, store} = makeStore(t);
	const base = await makeImage(store, 'base', ['l1', 'l2']);
	const child = await makeImage(store, 'child', ['l1', 'l2', 'l3']);
	const other = await makeImage(store, 'other', ['l2']);
	await store.tag('base', base.digest);
	await store.tag('child', child.digest);
	await store.tag('child:2', child.digest);
	await store.tag('other', other.digest);
	const childImage = await store.resolve('child');
	let released: unknown;
	const garbage = await store.remove(childImage.id, async found => {
		released = found;
		// The lock is still held and images.json already forgets the image.
		t.false(Object.values(readImagesJson(root).references).includes(child.digest));
	});
	t.deepEqual(released, garbage);
	t.deepEqual(garbage.references, ['docker.io/library/child:2', 'docker.io/library/child:latest']);
	t.deepEqual(garbage.blobs.sort(), [child.digest, childImage.id, sha256('l3')].sort());
	// l1 and l1+l2 stay for base; the chain l1+l2+l3 was the child's alone; other's l2 alone is a different chain.
	t.is(garbage.chainIds.length, 1);
	await t.throwsAsync(store.resolve('child'), {code: 'NO_SUCH_IMAGE'});
	await t.throwsAsync(store.remove(childImage.id), {code: 'NO_SUCH_IMAGE'});

	const baseImage = await store.resolve('base');
	const baseGarbage = await store.remove(baseImage.id);
	t.deepEqual(baseGarbage.blobs.sort(), [base.digest, baseImage.id, sha256('l1')].sort());
	t.is(baseGarbage.chainIds.length, 2);
	t.deepEqual(readImagesJson(root), {references: {'docker.io/library/other:latest': other.digest}, untagged: []});
});

test('an image whose blobs are missing is not recorded', async t => {
	const {root, store} = makeStore(t);
	const descriptor = await makeImage(store, 'one', ['layer']);
	await store.blobs.remove(sha256('layer'));
	await t.throwsAsync(store.tag('one', descriptor.digest), {code: 'NO_SUCH_FILE'});
	await t.throwsAsync(store.addImage(descriptor), {code: 'NO_SUCH_FILE'});
	await t.throwsAsync(store.tag('one', sha256('nothing')), {code: 'NO_SUCH_FILE'});
	t.false(fs.existsSync(path.join(root, 'images.json')));
	const config = await store.blobs.put('{}');
	await t.throwsAsync(store.addImage({mediaType: MediaType.ociManifest, ...config}), {code: 'INVALID_ARGUMENT'});
});

test('two processes tagging at once lose no tag', async t => {
	const {root, store} = makeStore(t);
	const descriptor = await makeImage(store, 'one');
	const script = `
		import {ImageStore} from ${JSON.stringify(storeModule)};
		import {BlobStore} from ${JSON.stringify(blobsModule)};
		const [root, manifest, prefix] = process.argv.slice(1);
		const store = new ImageStore(root, new BlobStore(root));
		for (let n = 0; n < 25; n++) {
			await store.tag(prefix + ':' + n, manifest);
		}
	`;
	const tagger = async (prefix: string) => run(process.execPath, ['--import=tsx', '--input-type=module', '-e', script, root, descriptor.digest, prefix]);
	await Promise.all([tagger('left'), tagger('right')]);
	const {references} = readImagesJson(root);
	t.is(Object.keys(references).length, 50);
	t.is(references['docker.io/library/left:24'], descriptor.digest);
	t.is(references['docker.io/library/right:0'], descriptor.digest);
});

test('recording what is recorded already writes nothing: a rebuild that made the same image leaves images.json as it was', async t => {
	const {root, store} = makeStore(t);
	const descriptor = await makeImage(store, 'one');
	const dangling = await makeImage(store, 'two');
	await store.record([{manifest: descriptor.digest, references: ['built']}, {manifest: dangling.digest, references: []}]);
	const file = path.join(root, 'images.json');
	const before = fs.statSync(file);
	// A write is a new file renamed over the old one: a new inode.
	t.deepEqual(await store.record([{manifest: descriptor.digest, references: ['built:latest']}]), [(await store.resolve('built')).id]);
	await store.record([{manifest: dangling.digest, references: []}]);
	await store.tag('docker.io/library/built', descriptor.digest);
	t.is(fs.statSync(file).ino, before.ino);
	// The lock is not even taken: a store whose lock is held by another process still answers.
	fs.rmSync(path.join(root, 'locks'), {recursive: true, force: true});
	fs.writeFileSync(path.join(root, 'locks'), 'not a directory');
	await t.notThrowsAsync(store.record([{manifest: descriptor.digest, references: ['built']}]));
	fs.rmSync(path.join(root, 'locks'));
	await store.tag('other', descriptor.digest);
	t.not(fs.statSync(file).ino, before.ino);
	t.deepEqual(readImagesJson(root).references, {'docker.io/library/built:latest': descriptor.digest, 'docker.io/library/other:latest': descriptor.digest});
});
