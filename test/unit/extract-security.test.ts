/**
 * Malicious layers: each tries to write, link, chmod or delete outside the extraction root.
 * A canary directory beside the root must come out untouched every time.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {extractLayer, type WhiteoutFormat} from '../../source/storage/extract.js';
import {describeTree, type FixtureEntry, makeTar, streamOf, tempDir} from './storage-fixtures.js';

/** A root to extract into, and beside it a canary directory holding a file. */
const setup = (t: ExecutionContext) => {
	const base = tempDir(t);
	const root = path.join(base, 'root');
	const canary = path.join(base, 'canary');
	fs.mkdirSync(root);
	fs.mkdirSync(canary, {mode: 0o755});
	fs.writeFileSync(path.join(canary, 'canary'), 'original', {mode: 0o644});
	const before = {tree: describeTree(canary), stat: fs.statSync(path.join(canary, 'canary')), dir: fs.statSync(canary)};
	const untouched = () => {
		t.deepEqual(describeTree(canary), before.tree);
		const stat = fs.statSync(path.join(canary, 'canary'));
		t.is(stat.nlink, 1, 'no hardlink was made to the canary');
		t.is(stat.mtimeMs, before.stat.mtimeMs);
		t.is(fs.statSync(canary).mtimeMs, before.dir.mtimeMs, 'nothing was created or removed in the canary directory');
		t.is(fs.statSync(canary).mode, before.dir.mode);
	};

	return {base, root, canary, untouched};
};

const extract = async (root: string, entries: FixtureEntry[], format: WhiteoutFormat = 'overlay') =>
	extractLayer(streamOf(await makeTar(entries)), root, {format});

const refuses = (title: string, entries: (canary: string) => FixtureEntry[], message: RegExp | string, format: WhiteoutFormat = 'overlay') => {
	test(title, async t => {
		const {root, canary, untouched} = setup(t);
		await t.throwsAsync(extract(root, entries(canary), format), {code: 'UNSAFE_PATH', message});
		untouched();
	});
};

refuses('`..` is refused', () => [{path: '../canary/canary', body: 'pwned'}], 'layer entry `../canary/canary` escapes its root');

refuses('`..` in the middle is refused', () => [{path: 'a/../../canary/canary', body: 'pwned'}], /escapes its root/);

refuses('a write through a symlink made earlier in the same layer is refused', canary => [
	{path: 'evil', type: 'symlink', linkpath: canary},
	{path: 'evil/canary', body: 'pwned'},
], 'layer entry `evil/canary` escapes its root through the symlink `evil`');

refuses('a relative symlink climbing out is refused too', () => [
	{path: 'sub/', mode: 0o755},
	{path: 'sub/evil', type: 'symlink', linkpath: '../../canary'},
	{path: 'sub/evil/new', body: 'pwned'},
], /through the symlink `sub\/evil`/);

refuses('a directory swapped for a symlink after it was checked is checked again', canary => [
	{path: 'a/', mode: 0o755},
	{path: 'a/inside', body: 'fine'},
	{path: 'a', type: 'symlink', linkpath: canary},
	{path: 'a/canary', body: 'pwned'},
], /through the symlink `a`/);

refuses('a hardlink to a file outside is refused', () => [
	{path: 'link', type: 'hardlink', linkpath: '../canary/canary'},
], /escapes its root/);

refuses('a hardlink through a symlink is refused', canary => [
	{path: 'evil', type: 'symlink', linkpath: canary},
	{path: 'link', type: 'hardlink', linkpath: 'evil/canary'},
], /through the symlink `evil`/);

refuses('an overlay whiteout through a symlink is refused', canary => [
	{path: 'evil', type: 'symlink', linkpath: canary},
	{path: 'evil/.wh.canary', body: ''},
], /through the symlink `evil`/);

refuses('a flat whiteout through a symlink is refused: it would delete outside', canary => [
	{path: 'evil', type: 'symlink', linkpath: canary},
	{path: 'evil/.wh.canary', body: ''},
], /through the symlink `evil`/, 'flat');

refuses('a flat opaque whiteout through a symlink is refused: it would empty a directory outside', canary => [
	{path: 'evil', type: 'symlink', linkpath: canary},
	{path: 'evil/.wh..wh..opq', body: ''},
], /through the symlink `evil`/, 'flat');

refuses('a whiteout of `..` is refused', () => [{path: 'sub/.wh...', body: ''}], /escapes its root|whites out/, 'flat');

test('a symlink planted by a previous layer is not followed by the next one', async t => {
	const {root, canary, untouched} = setup(t);
	await extract(root, [{path: 'etc', type: 'symlink', linkpath: canary}], 'flat');
	await t.throwsAsync(extract(root, [{path: 'etc/canary', body: 'pwned'}], 'flat'), {
		code: 'UNSAFE_PATH',
		message: 'layer entry `etc/canary` escapes its root through the symlink `etc`',
	});
	untouched();
});

test('an absolute path is taken as relative to the root', async t => {
	const {root, canary, untouched} = setup(t);
	await extract(root, [{path: `${canary}/canary`, body: 'inside'}, {path: '/etc/hostname', body: 'box'}]);
	t.is(fs.readFileSync(path.join(root, canary, 'canary'), 'utf8'), 'inside');
	t.is(fs.readFileSync(path.join(root, 'etc/hostname'), 'utf8'), 'box');
	untouched();
});

test('a file over a symlink replaces the symlink instead of writing through it', async t => {
	const {root, canary, untouched} = setup(t);
	await extract(root, [
		{path: 'link', type: 'symlink', linkpath: path.join(canary, 'canary')},
		{path: 'link', body: 'replaced', mode: 0o600},
		{path: 'dirlink', type: 'symlink', linkpath: canary},
		{path: 'dirlink/', mode: 0o700},
	]);
	t.is(fs.readFileSync(path.join(root, 'link'), 'utf8'), 'replaced');
	t.true(fs.lstatSync(path.join(root, 'dirlink')).isDirectory());
	untouched();
});

test('a hardlink to a symlink links the symlink itself, not what it points to', async t => {
	const {root, canary, untouched} = setup(t);
	await extract(root, [
		{path: 'link', type: 'symlink', linkpath: path.join(canary, 'canary')},
		{path: 'hard', type: 'hardlink', linkpath: 'link'},
	]);
	t.true(fs.lstatSync(path.join(root, 'hard')).isSymbolicLink());
	untouched();
});

test('a symlink pointing outside is fine as long as nothing goes through it', async t => {
	const {root, untouched} = setup(t);
	await extract(root, [{path: 'etc/passwd', type: 'symlink', linkpath: '../../canary/canary'}]);
	t.is(fs.readlinkSync(path.join(root, 'etc/passwd')), '../../canary/canary');
	untouched();
});
