import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {makeBusyboxRootfs} from '../helpers/busybox.js';
import {berth, berthOk, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const ok = async (t: Parameters<typeof berthOk>[0], args: string[]) => berthOk(t, roots, args);

test('commit of a stopped container: added, changed and deleted files are in the new image', async t => {
	await ok(t, ['run', '--name', 'commit-stopped', testImage, 'sh', '-c', 'echo new > /root/added; echo changed >> /etc/group; rm /bin/vi; mkdir -p /opt/dir && echo deep > /opt/dir/file']);
	const id = (await ok(t, ['commit', '-m', 'a message', '-a', 'Jane <jane@example.com>', 'commit-stopped', 'committed:stopped'])).trim();
	t.regex(id, /^sha256:[a-f\d]{64}$/);
	t.is(await ok(t, ['run', '--rm', 'committed:stopped', 'cat', '/root/added', '/opt/dir/file']), 'new\ndeep\n');
	t.regex(await ok(t, ['run', '--rm', 'committed:stopped', 'tail', '-n', '1', '/etc/group']), /^changed\n$/);
	const gone = await berth(roots, ['run', '--rm', 'committed:stopped', 'ls', '/bin/vi']);
	t.not(gone.code, 0);
	const [image] = JSON.parse(await ok(t, ['image', 'inspect', 'committed:stopped']));
	t.is(image.Id, id);
	t.is(image.Author, 'Jane <jane@example.com>');
	t.is(image.Comment, 'a message');
	t.is(image.RootFS.Layers.length, 2);
});

test('commit of a running container pauses it and lets it run on', async t => {
	const container = (await ok(t, ['run', '-d', '--name', 'commit-running', testImage, 'sh', '-c', 'echo live > /tmp/live; exec sleep 1000'])).trim();
	for (let i = 0; i < 50 && (await berth(roots, ['exec', container, 'cat', '/tmp/live'])).stdout !== 'live\n'; i++) {
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	await ok(t, ['commit', 'commit-running', 'committed:running']);
	t.is(await ok(t, ['inspect', '--format', '{{.State.Status}}', 'commit-running']), 'running\n');
	t.is(await ok(t, ['run', '--rm', 'committed:running', 'cat', '/tmp/live']), 'live\n');
	// The image runs what the container ran, as Docker's commit keeps it.
	t.deepEqual(JSON.parse(await ok(t, ['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'committed:running'])), ['sh', '-c', 'echo live > /tmp/live; exec sleep 1000']);
	await ok(t, ['commit', '--pause=false', 'commit-running', 'committed:unpaused']);
	await ok(t, ['commit', '-p=false', 'commit-running', 'committed:unpaused2']);
	t.is(await ok(t, ['run', '--rm', 'committed:unpaused', 'cat', '/tmp/live']), 'live\n');
	await ok(t, ['rm', '-f', 'commit-running']);
});

test('commit -c sets the config; the runtime\'s mount points are not part of the image', async t => {
	await ok(t, ['run', '--name', 'commit-change', testImage, 'true']);
	await ok(t, ['commit', '-c', 'CMD ["echo", "from the commit"]', '-c', 'ENV GREETING=hi', 'commit-change', 'committed:change']);
	t.is(await ok(t, ['run', '--rm', 'committed:change']), 'from the commit\n');
	t.is(await ok(t, ['run', '--rm', 'committed:change', 'sh', '-c', 'echo $GREETING']), 'hi\n');
	// Nothing changed but the runtime's bind targets: no layer, an empty history step.
	const [image] = JSON.parse(await ok(t, ['image', 'inspect', 'committed:change']));
	t.is(image.RootFS.Layers.length, 1);
	t.is(await ok(t, ['history', '-q', 'committed:change']), `${image.Id.slice(7, 19)}\n<missing>\n`);
});

test('commits stack: an image committed from a committed image has three layers and all their files', async t => {
	await ok(t, ['run', '--name', 'commit-one', testImage, 'sh', '-c', 'echo 1 > /one']);
	await ok(t, ['commit', 'commit-one', 'committed:one']);
	await ok(t, ['run', '--name', 'commit-two', 'committed:one', 'sh', '-c', 'echo 2 > /two; rm /one']);
	await ok(t, ['commit', 'commit-two', 'committed:two']);
	t.is(await ok(t, ['run', '--rm', 'committed:two', 'sh', '-c', 'cat /two; ls /one 2>&1 || true']), '2\nls: /one: No such file or directory\n');
	t.is(JSON.parse(await ok(t, ['image', 'inspect', 'committed:two']))[0].RootFS.Layers.length, 3);
});

test('commit of a missing container or with a bad change is one line', async t => {
	for (const args of [['commit', 'no-such-container'], ['commit', '-c', 'FROB x', 'no-such-container'], ['commit', 'x', 'Bad:Name']]) {
		const result = await berth(roots, args);
		t.is(result.code, 125);
		t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
	}
});

test('commit of a --rootfs container is refused in one line: it has no image to build on', async t => {
	const rootfs = makeBusyboxRootfs(fs.mkdtempSync(path.join(path.dirname(roots.root), 'rootfs-')));
	await ok(t, ['create', '--name', 'commit-rootfs', '--rootfs', rootfs, 'true']);
	const result = await berth(roots, ['commit', 'commit-rootfs']);
	t.is(result.code, 125);
	t.regex(result.stderr, /^berth: container `commit-rootfs` runs on a --rootfs directory, not an image: use export and import\n$/);
});

test('container commit works with the copying storage driver too', async t => {
	const copy = {...roots, env: {...roots.env, BERTH_STORAGE_DRIVER: 'copy'}};
	const run = await berth(copy, ['run', '--name', 'commit-copy', testImage, 'sh', '-c', 'echo copied > /root/c; rm /bin/vi']);
	t.is(run.code, 0, run.stderr);
	t.is((await berth(copy, ['container', 'commit', 'commit-copy', 'committed:copy'])).code, 0);
	t.is((await berth(copy, ['run', '--rm', 'committed:copy', 'sh', '-c', 'cat /root/c; ls /bin/vi 2>&1 || true'])).stdout, 'copied\nls: /bin/vi: No such file or directory\n');
});
