import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {FileDigests} from '../../source/build/file-digests.js';
import {contentDigest, SourceTree} from '../../source/build/sources.js';

const setUp = (t: {teardown: (fn: () => void) => void}) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-file-digests-'));
	t.teardown(() => {
		fs.rmSync(dir, {recursive: true, force: true});
	});
	const root = path.join(dir, 'root');
	const context = path.join(dir, 'context');
	fs.mkdirSync(path.join(context, 'app'), {recursive: true});
	for (let i = 0; i < 5; i++) {
		fs.writeFileSync(path.join(context, 'app', `file-${i}.txt`), `content ${i}\n`);
	}

	return {root, context};
};

/** The digest of COPY app/, with the digests remembered under `root`, and the context files it read. */
const digestApp = async (root: string, context: string, now = () => Date.now() + 60_000) => {
	const tree = await SourceTree.context(context);
	const [app] = await tree.match('app');
	const entries = [app!, ...await tree.below(app!)];
	const digests = FileDigests.open(root, context, now);
	const read: string[] = [];
	const readFileSync = fs.readFileSync;
	fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
		if (typeof file === 'string' && file.startsWith(context)) {
			read.push(path.relative(context, file));
		}

		return (readFileSync as (...args: unknown[]) => unknown)(file, ...rest);
	}) as typeof fs.readFileSync;
	try {
		const digest = await contentDigest(entries, digests);
		await digests.save();
		return {digest, read: read.sort()};
	} finally {
		fs.readFileSync = readFileSync;
	}
};

test('a rebuild reads only the files that changed since they were last read', async t => {
	const {root, context} = setUp(t);
	const first = await digestApp(root, context);
	t.is(first.read.length, 5);
	const again = await digestApp(root, context);
	t.deepEqual(again.read, []);
	t.is(again.digest, first.digest);

	fs.writeFileSync(path.join(context, 'app', 'file-3.txt'), 'changed\n');
	const changed = await digestApp(root, context);
	t.deepEqual(changed.read, ['app/file-3.txt']);
	t.not(changed.digest, first.digest);
});

test('the digest is that of the files as they are, remembered or read', async t => {
	const {root, context} = setUp(t);
	const remembered = await digestApp(root, context);
	await digestApp(root, context);
	const tree = await SourceTree.context(context);
	const [app] = await tree.match('app');
	t.is(await contentDigest([app!, ...await tree.below(app!)]), remembered.digest);
});

test('a write that keeps the size and the mtime is still seen: the ctime moved', async t => {
	const {root, context} = setUp(t);
	const file = path.join(context, 'app', 'file-1.txt');
	const before = fs.statSync(file);
	const first = await digestApp(root, context);
	fs.writeFileSync(file, 'CONTENT 1\n');
	fs.utimesSync(file, before.atime, before.mtime);
	t.is(fs.statSync(file).size, before.size);
	const after = await digestApp(root, context);
	t.deepEqual(after.read, ['app/file-1.txt']);
	t.not(after.digest, first.digest);
});

test('a file changed just before it was read is not remembered: a write in the same clock tick would not show', async t => {
	const {root, context} = setUp(t);
	const first = await digestApp(root, context, Date.now);
	t.is(first.read.length, 5);
	t.false(fs.existsSync(path.join(root, 'build', 'digests')));
	t.is((await digestApp(root, context, Date.now)).read.length, 5);
});

test('a record that is not readable JSON is ignored and written anew', async t => {
	const {root, context} = setUp(t);
	await digestApp(root, context);
	const [record] = fs.readdirSync(path.join(root, 'build', 'digests'));
	fs.writeFileSync(path.join(root, 'build', 'digests', record!), '{"version": 1, "fil');
	t.is((await digestApp(root, context)).read.length, 5);
	t.deepEqual((await digestApp(root, context)).read, []);
});

test('files that are gone leave the record when it is next written', async t => {
	const {root, context} = setUp(t);
	await digestApp(root, context);
	fs.rmSync(path.join(context, 'app', 'file-0.txt'));
	fs.writeFileSync(path.join(context, 'app', 'new.txt'), 'new\n');
	t.deepEqual((await digestApp(root, context)).read, ['app/new.txt']);
	const [record] = fs.readdirSync(path.join(root, 'build', 'digests'));
	const {files} = JSON.parse(fs.readFileSync(path.join(root, 'build', 'digests', record!), 'utf8')) as {files: object};
	t.deepEqual(Object.keys(files).map(file => path.relative(context, file)).sort(), ['app/file-1.txt', 'app/file-2.txt', 'app/file-3.txt', 'app/file-4.txt', 'app/new.txt']);
});
