import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {relativeInside, resolveInRoot} from '../../source/storage/scoped-path.js';
import {contentDigest, SourceTree} from '../../source/build/sources.js';
import {globRegExp} from '../../source/image/glob.js';

let root: string;
test.before(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-sources-'));
	for (const [file, content] of Object.entries({
		'.dockerignore': '# comment\n*.log\n!keep.log\nbuild/\n',
		'a.txt': 'a', 'b.txt': 'b', 'debug.log': 'x', 'keep.log': 'k',
		'src/main.c': 'int main;', 'src/lib/util.c': 'util', 'build/out.o': 'o',
	})) {
		fs.mkdirSync(path.dirname(path.join(root, file)), {recursive: true});
		fs.writeFileSync(path.join(root, file), content);
	}

	fs.symlinkSync('/src', path.join(root, 'absolute'));
	fs.symlinkSync('../../..', path.join(root, 'src', 'up'));
});
test.after.always(() => {
	fs.rmSync(root, {recursive: true, force: true});
});

test('paths resolve as inside a chroot: symlinks followed, never above the root', async t => {
	t.is(await resolveInRoot(root, 'absolute/main.c'), path.join(root, 'src/main.c'));
	t.is(await resolveInRoot(root, '/src/up/etc/passwd'), path.join(root, 'etc/passwd'));
	t.is(await resolveInRoot(root, '../../a.txt'), path.join(root, 'a.txt'));
	t.is(await resolveInRoot(root, 'src/new/dir'), path.join(root, 'src/new/dir'));
	t.is(relativeInside('/x/./y/', 'build context'), 'x/y');
	t.is(relativeInside('.', 'build context'), '');
	t.throws(() => relativeInside('x/../../y', 'build context'), {code: 'UNSAFE_PATH', message: '`x/../../y` is outside the build context'});
});

test('globs follow Go\'s filepath.Match, one component at a time', t => {
	t.true(globRegExp('*.txt').test('a.txt'));
	t.false(globRegExp('*.txt').test('dir/a.txt'));
	t.true(globRegExp('src/*/util.?').test('src/lib/util.c'));
	t.true(globRegExp('[ab].txt').test('b.txt'));
	t.false(globRegExp('[^ab].txt').test('a.txt'));
	t.true(globRegExp('a\\*').test('a*'));
});

test('the context leaves out what .dockerignore excludes, and finds sources by path or glob', async t => {
	const tree = await SourceTree.context(root);
	t.deepEqual((await tree.match('*.txt')).map(source => source.name), ['a.txt', 'b.txt']);
	t.deepEqual((await tree.match('*.log')).map(source => source.name), ['keep.log']);
	await t.throwsAsync(tree.match('debug.log'), {code: 'NO_SUCH_FILE', message: '`debug.log`: no such file in the build context or excluded by .dockerignore'});
	await t.throwsAsync(tree.match('build/out.o'), {code: 'NO_SUCH_FILE'});
	const [whole] = await tree.match('.');
	const names = (await tree.below(whole!)).map(source => source.name);
	t.deepEqual(names, ['.dockerignore', 'a.txt', 'absolute', 'b.txt', 'keep.log', 'src', 'src/lib', 'src/lib/util.c', 'src/main.c', 'src/up']);
	const [src] = await tree.match('absolute');
	t.deepEqual((await tree.below(src!)).map(source => source.name), ['lib', 'lib/util.c', 'main.c', 'up']);
});

test('the content digest changes with content and mode, not with times', async t => {
	const tree = await SourceTree.context(root);
	const digest = async () => contentDigest(await tree.match('a.txt'));
	const before = await digest();
	fs.utimesSync(path.join(root, 'a.txt'), 1, 1);
	t.is(await digest(), before);
	fs.chmodSync(path.join(root, 'a.txt'), 0o600);
	t.not(await digest(), before);
	fs.writeFileSync(path.join(root, 'a.txt'), 'A');
	fs.chmodSync(path.join(root, 'a.txt'), 0o644);
	t.not(await digest(), before);
});
