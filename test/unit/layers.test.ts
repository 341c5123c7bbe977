import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import {sha256, type Digest} from '../../source/storage/blobs.js';
import {chainId, chainIds, LayerStore} from '../../source/storage/layers.js';
import {describeTree, makeTar, streamOf, tempDir} from './storage-fixtures.js';

const layerTar = async (name: string) => makeTar([{path: `${name}/`}, {path: `${name}/file`, body: name}]);

test('chain ids follow the image spec', t => {
	const a = sha256('a');
	const b = sha256('b');
	const c = sha256('c');
	t.is(chainId(undefined, a), a);
	t.is(chainId(a, b), sha256(`${a} ${b}`));
	t.deepEqual(chainIds([a, b, c]), [a, sha256(`${a} ${b}`), sha256(`${sha256(`${a} ${b}`)} ${c}`)]);
	t.deepEqual(chainIds([]), []);
});

test('unpack extracts a layer into layers/<hex>/diff in overlay form and records its diff id', async t => {
	const root = tempDir(t);
	const store = new LayerStore(root);
	const base = await layerTar('base');
	const top = await makeTar([{path: 'base/.wh.file', body: ''}]);
	const baseId = sha256(base);
	const topId = chainId(baseId, sha256(top));
	t.is(await store.unpack(baseId, () => streamOf(zlib.gzipSync(base))), baseId);
	t.is(await store.unpack(topId, () => streamOf(top), baseId), sha256(top));
	t.is(store.dir(topId), path.join(root, 'layers', topId.slice(7), 'diff'));
	t.deepEqual(describeTree(store.dir(topId)), {base: 'd0755 0:0', 'base/file': 'c0000 0:0 0,0'});
	t.true(await store.has(baseId));
	t.is(await store.diffId(topId), sha256(top));
	t.deepEqual((await store.list()).sort(), [baseId, topId].sort());
});

test('a layer that is here already is not opened again', async t => {
	const store = new LayerStore(tempDir(t));
	const data = await layerTar('once');
	await store.unpack(sha256(data), () => streamOf(data));
	t.is(await store.unpack(sha256(data), () => {
		throw new Error('opened again');
	}), sha256(data));
});

test('concurrent unpacks of the same layer unpack it once', async t => {
	const root = tempDir(t);
	const data = await layerTar('shared');
	let opened = 0;
	const open = () => {
		opened++;
		return streamOf(data);
	};

	const results = await Promise.all([1, 2, 3, 4].map(async () => new LayerStore(root).unpack(sha256(data), open)));
	t.deepEqual(results, [sha256(data), sha256(data), sha256(data), sha256(data)]);
	t.is(opened, 1);
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')), [sha256(data).slice(7)]);
});

test('content that does not match the chain id is a DIGEST_MISMATCH and nothing is kept', async t => {
	const root = tempDir(t);
	const store = new LayerStore(root);
	const data = await layerTar('real');
	const claimed = sha256('something else');
	await t.throwsAsync(store.unpack(claimed, () => streamOf(data)), {code: 'DIGEST_MISMATCH', message: new RegExp(`layer \`${claimed}\` does not match`)});
	await t.throwsAsync(store.unpack(chainId(claimed, sha256(data)), () => streamOf(data), sha256('wrong parent')), {code: 'DIGEST_MISMATCH'});
	t.false(await store.has(claimed));
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')), []);
});

test('a failed extraction leaves nothing behind', async t => {
	const root = tempDir(t);
	const store = new LayerStore(root);
	const evil = await makeTar([{path: 'ok', body: 'fine'}, {path: '../escape', body: 'no'}]);
	await t.throwsAsync(store.unpack(sha256(evil), () => streamOf(evil)), {code: 'UNSAFE_PATH'});
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')), []);
});

test('add unpacks a layer of unknown diff id and names it by its chain id', async t => {
	const store = new LayerStore(tempDir(t));
	const base = await layerTar('base');
	const top = await layerTar('top');
	await store.unpack(sha256(base), () => streamOf(base));
	const added = await store.add(() => streamOf(top), sha256(base));
	t.deepEqual(added, {chainId: chainId(sha256(base), sha256(top)), diffId: sha256(top)});
	t.true(await store.has(added.chainId));
	t.deepEqual(await store.add(() => streamOf(top), sha256(base)), added);
});

test('remove deletes a layer, and removing it twice is harmless', async t => {
	const root = tempDir(t);
	const store = new LayerStore(root);
	const data = await layerTar('gone');
	await store.unpack(sha256(data), () => streamOf(data));
	await store.remove(sha256(data));
	await store.remove(sha256(data));
	t.false(await store.has(sha256(data)));
	t.deepEqual(await store.list(), []);
	await t.throwsAsync(store.diffId(sha256(data)), {code: 'NO_SUCH_LAYER'});
});

test('sweep removes what a dead unpack left, and keeps whole layers and live unpacks', async t => {
	const root = tempDir(t);
	const store = new LayerStore(root);
	const data = await layerTar('whole');
	await store.unpack(sha256(data), () => streamOf(data));
	const dead = spawnSync('true').pid;
	fs.mkdirSync(path.join(root, 'layers', `.tmp-${dead}-0123456789ab`, 'diff', 'half'), {recursive: true});
	const live = `.tmp-${process.pid}-0123456789ab`;
	fs.mkdirSync(path.join(root, 'layers', live, 'diff'), {recursive: true});
	await store.sweep();
	t.deepEqual(await store.list(), [sha256(data)]);
	t.deepEqual(fs.readdirSync(path.join(root, 'layers')).sort(), [live, sha256(data).slice(7)].sort());
});

test('an invalid chain id is refused by name', t => {
	const store = new LayerStore('/nonexistent');
	t.throws(() => store.dir('sha256:../../etc' as Digest), {code: 'INVALID_ARGUMENT', message: 'invalid layer chain id `sha256:../../etc`'});
});

test('an unpack killed with SIGKILL leaves only a temporary dir, which sweep removes; the lock is free', async t => {
	const root = tempDir(t);
	const data = await layerTar('killed');
	const storeModule = new URL('../../source/storage/layers.js', import.meta.url).href;
	// The child unpacks from a stream that sends the first entries, then stalls forever.
	const script = `
		import {PassThrough} from 'node:stream';
		import {LayerStore} from ${JSON.stringify(storeModule)};
		const stream = new PassThrough();
		stream.write(Buffer.from(${JSON.stringify(data.subarray(0, 2048).toString('base64'))}, 'base64'));
		setInterval(() => {}, 1000);
		new LayerStore(${JSON.stringify(root)}).unpack(${JSON.stringify(sha256(data))}, () => stream);
	`;
	const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], {stdio: 'inherit'});
	t.teardown(() => child.kill('SIGKILL'));
	const layers = path.join(root, 'layers');
	for (let waited = 0; !fs.existsSync(layers) || !fs.readdirSync(layers).some(name => name.startsWith('.tmp-') && fs.existsSync(path.join(layers, name, 'diff', 'killed', 'file'))); waited += 50) {
		if (waited > 20_000) {
			t.fail('the child never started unpacking');
			return;
		}

		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
	}

	child.kill('SIGKILL');
	await new Promise(resolve => child.once('exit', resolve));
	const store = new LayerStore(root);
	t.false(await store.has(sha256(data)));
	t.deepEqual(await store.list(), []);
	await store.sweep();
	t.deepEqual(fs.readdirSync(layers), []);
	t.is(await store.unpack(sha256(data), () => streamOf(data)), sha256(data));
});
