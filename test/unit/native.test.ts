import {createHash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {LOCK_EX, LOCK_NB, LOCK_UN, MS_BIND, native, S_IFCHR, S_IFIFO} from '../../source/native/addon.js';
import {tempDir} from './storage-fixtures.js';

test('mknod makes whiteouts, device nodes and fifos', t => {
	const dir = tempDir(t);
	native().mknod(path.join(dir, 'whiteout'), S_IFCHR, 0, 0);
	native().mknod(path.join(dir, 'null'), S_IFCHR | 0o666, 1, 3);
	native().mknod(path.join(dir, 'fifo'), S_IFIFO | 0o600, 0, 0);
	const whiteout = fs.lstatSync(path.join(dir, 'whiteout'));
	t.true(whiteout.isCharacterDevice());
	t.is(whiteout.rdev, 0);
	t.is(fs.lstatSync(path.join(dir, 'null')).rdev, (1 << 8) | 3);
	t.true(fs.lstatSync(path.join(dir, 'fifo')).isFIFO());
});

test('failures are Node-style errors with code, errno, syscall and path', t => {
	const dir = tempDir(t);
	native().mknod(path.join(dir, 'node'), S_IFCHR, 0, 0);
	const error = t.throws(() => {
		native().mknod(path.join(dir, 'node'), S_IFCHR, 0, 0);
	}) as NodeJS.ErrnoException;
	t.is(error.code, 'EEXIST');
	t.is(error.errno, -17);
	t.is(error.syscall, 'mknod');
	t.is(error.path, path.join(dir, 'node'));
	t.is(error.message, `EEXIST: file already exists, mknod '${path.join(dir, 'node')}'`);
	t.throws(() => {
		native().lchown(path.join(dir, 'node'), 2 ** 32, 0);
	}, {instanceOf: RangeError});
	t.throws(() => {
		native().lsetxattr(`${dir}\0x`, 'user.a', Buffer.from('b'));
	}, {instanceOf: TypeError});
});

test('xattrs: set, get, list, and null for a missing one, on symlinks too', t => {
	const dir = tempDir(t);
	fs.mkdirSync(path.join(dir, 'd'));
	fs.symlinkSync('nowhere', path.join(dir, 'link'));
	native().lsetxattr(path.join(dir, 'd'), 'trusted.overlay.opaque', Buffer.from('y'));
	native().lsetxattr(path.join(dir, 'd'), 'user.binary', Buffer.from([0, 1, 255]));
	native().lsetxattr(path.join(dir, 'link'), 'trusted.mark', Buffer.from('on the link'));
	t.deepEqual(native().lgetxattr(path.join(dir, 'd'), 'trusted.overlay.opaque'), Buffer.from('y'));
	t.deepEqual(native().lgetxattr(path.join(dir, 'd'), 'user.binary'), Buffer.from([0, 1, 255]));
	t.is(native().lgetxattr(path.join(dir, 'd'), 'user.missing'), null);
	t.deepEqual(native().llistxattr(path.join(dir, 'd')).sort(), ['trusted.overlay.opaque', 'user.binary']);
	t.deepEqual(native().lgetxattr(path.join(dir, 'link'), 'trusted.mark'), Buffer.from('on the link'));
	t.throws(() => native().lgetxattr(path.join(dir, 'missing'), 'user.a'), {code: 'ENOENT'});
});

test('lchown changes a symlink itself and takes ids past 2^31', t => {
	const dir = tempDir(t);
	fs.writeFileSync(path.join(dir, 'target'), '');
	fs.symlinkSync('target', path.join(dir, 'link'));
	native().lchown(path.join(dir, 'link'), 3_000_000_000, 4_000_000_000);
	t.is(fs.lstatSync(path.join(dir, 'link')).uid, 3_000_000_000);
	t.is(fs.lstatSync(path.join(dir, 'link')).gid, 4_000_000_000);
	t.is(fs.statSync(path.join(dir, 'link')).uid, 0);
});

test('flock: a second exclusive lock would block until the first is released', t => {
	const dir = tempDir(t);
	const first = fs.openSync(path.join(dir, 'lock'), 'w');
	const second = fs.openSync(path.join(dir, 'lock'), 'r');
	t.teardown(() => {
		fs.closeSync(first);
		fs.closeSync(second);
	});
	native().flock(first, LOCK_EX);
	t.throws(() => {
		native().flock(second, LOCK_EX | LOCK_NB);
	}, {code: 'EAGAIN'});
	native().flock(first, LOCK_UN);
	t.notThrows(() => {
		native().flock(second, LOCK_EX | LOCK_NB);
	});
});

test('mount and umount2: a bind mount shows the source', t => {
	const dir = tempDir(t);
	fs.mkdirSync(path.join(dir, 'source'));
	fs.mkdirSync(path.join(dir, 'target'));
	fs.writeFileSync(path.join(dir, 'source', 'file'), 'seen');
	native().mount(path.join(dir, 'source'), path.join(dir, 'target'), '', MS_BIND, '');
	t.teardown(() => {
		try {
			native().umount2(path.join(dir, 'target'), 0);
		} catch {}
	});
	t.is(fs.readFileSync(path.join(dir, 'target', 'file'), 'utf8'), 'seen');
	native().umount2(path.join(dir, 'target'), 0);
	t.false(fs.existsSync(path.join(dir, 'target', 'file')));
	const error = t.throws(() => {
		native().umount2(path.join(dir, 'target'), 0);
	}) as NodeJS.ErrnoException;
	t.is(error.code, 'EINVAL');
	t.is(error.syscall, 'umount2');
});

test('syncfs flushes the filesystem of a path, off the event loop', async t => {
	const dir = tempDir(t);
	await t.notThrowsAsync(native().syncfs(dir));
	const error = await t.throwsAsync(native().syncfs(path.join(dir, 'missing'))) as NodeJS.ErrnoException;
	t.is(error.code, 'ENOENT');
	t.is(error.syscall, 'open');
	t.is(error.path, path.join(dir, 'missing'));
});

test('writeFile writes a whole existing file off the event loop, and never creates one', async t => {
	const dir = tempDir(t);
	fs.writeFileSync(path.join(dir, 'control'), '');
	await native().writeFile(path.join(dir, 'control'), '1234');
	t.is(fs.readFileSync(path.join(dir, 'control'), 'utf8'), '1234');
	const error = await t.throwsAsync(native().writeFile(path.join(dir, 'missing'), 'x')) as NodeJS.ErrnoException;
	t.is(error.code, 'ENOENT');
	t.is(error.path, path.join(dir, 'missing'));
	t.false(fs.existsSync(path.join(dir, 'missing')));
});

test('removeTree removes a tree deeper than its open-descriptor budget, and leaves what symlinks point to', async t => {
	const dir = tempDir(t);
	fs.mkdirSync(path.join(dir, 'kept'));
	fs.writeFileSync(path.join(dir, 'kept', 'file'), 'kept');
	const tree = path.join(dir, 'tree');
	const deep = path.join(tree, ...Array.from({length: 40}, (_, i) => `d${i}`));
	fs.mkdirSync(deep, {recursive: true});
	fs.writeFileSync(path.join(deep, 'file'), 'x');
	native().mknod(path.join(tree, 'whiteout'), S_IFCHR, 0, 0);
	fs.symlinkSync(path.join(dir, 'kept'), path.join(tree, 'link'));
	await native().removeTree(tree);
	t.false(fs.existsSync(tree));
	t.is(fs.readFileSync(path.join(dir, 'kept', 'file'), 'utf8'), 'kept');
	await t.notThrowsAsync(native().removeTree(tree));
});

test('removeTree does not enter a mount below it', async t => {
	const dir = tempDir(t);
	fs.mkdirSync(path.join(dir, 'source'));
	fs.writeFileSync(path.join(dir, 'source', 'file'), 'kept');
	fs.mkdirSync(path.join(dir, 'tree', 'mounted'), {recursive: true});
	native().mount('tmpfs', path.join(dir, 'tree', 'mounted'), 'tmpfs', 0, '');
	fs.writeFileSync(path.join(dir, 'tree', 'mounted', 'file'), 'on the mount');
	t.teardown(() => {
		try {
			native().umount2(path.join(dir, 'tree', 'mounted'), 0);
		} catch {}
	});
	const error = await t.throwsAsync(native().removeTree(path.join(dir, 'tree'))) as NodeJS.ErrnoException;
	t.is(error.code, 'ENOTEMPTY');
	t.is(fs.readFileSync(path.join(dir, 'tree', 'mounted', 'file'), 'utf8'), 'on the mount');
});

test('spawnDetached starts a program in its own session and hands over the read end of its fd 3', async t => {
	const {pid, fd} = native().spawnDetached('/bin/sh', ['sh', '-c', 'echo "$$ $(ps -o sid= -p $$) $FROM" >&3'], ['FROM=berth', 'PATH=/usr/bin:/bin']);
	const answer = await new Promise<string>((resolve, reject) => {
		fs.readFile(fd, 'utf8', (error, text) => {
			fs.closeSync(fd);
			if (error) {
				reject(error);
			} else {
				resolve(text);
			}
		});
	});
	const [shell, session, from] = answer.trim().split(/\s+/);
	t.is(Number(shell), pid);
	t.is(Number(session), pid);
	t.is(from, 'berth');
	// Its own thread reaps it: the pid does not linger as a zombie.
	for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) {
		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 10);
		});
	}

	t.false(fs.existsSync(`/proc/${pid}`));
	const error = t.throws(() => native().spawnDetached('/nonexistent', ['x'], [])) as NodeJS.ErrnoException;
	t.is(error.code, 'ENOENT');
	t.is(error.syscall, 'spawn');
});

test('runTool feeds the input and gathers both outputs, however large, and the status or signal', async t => {
	const env = ['PATH=/usr/bin:/bin'];
	const input = 'x'.repeat(300_000);
	const cat = await native().runTool('/bin/cat', ['cat'], env, input);
	t.deepEqual(cat, {status: 0, signal: 0, stdout: input, stderr: ''});
	const failed = await native().runTool('/bin/sh', ['sh', '-c', 'echo out; echo "$WHO" >&2; exit 3'], [...env, 'WHO=berth'], '');
	t.deepEqual(failed, {status: 3, signal: 0, stdout: 'out\n', stderr: 'berth\n'});
	const killed = await native().runTool('/bin/sh', ['sh', '-c', 'kill -9 $$'], env, '');
	t.is(killed.status, -1);
	t.is(killed.signal, 9);
	// A tool that reads nothing does not hold the input back.
	t.is((await native().runTool('/bin/true', ['true'], env, input)).status, 0);
	const error = await t.throwsAsync(native().runTool('/nonexistent', ['x'], env, '')) as NodeJS.ErrnoException;
	t.is(error.code, 'ENOENT');
	t.is(error.syscall, 'spawn');
});

test('Sha256 hashes on the thread pool what node\'s crypto hashes, in the order given, and once', async t => {
	const {Sha256} = native();
	const chunks = [Buffer.alloc(0), randomBytes(1), randomBytes(3 * 1024 * 1024 + 7), new Uint8Array([1, 2, 3]), randomBytes(64)];
	const expected = createHash('sha256');
	const hash = new Sha256();
	for (const chunk of chunks) {
		hash.update(chunk);
		expected.update(chunk);
	}

	t.is(await hash.digest(), expected.digest('hex'));
	t.is(await new Sha256().digest(), createHash('sha256').digest('hex'));
	t.throws(() => {
		hash.update(Buffer.from('more'));
	}, {message: 'digest already called'});
	t.throws(() => {
		new Sha256().update('text' as unknown as Uint8Array);
	}, {instanceOf: TypeError});
});
