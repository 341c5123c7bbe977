import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, destroyRoots, killAfter, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const state = (id: string) => JSON.parse(fs.readFileSync(path.join(roots.root, 'containers', id, 'state.json'), 'utf8'));

const cgroupDirs = (id: string): string[] => ['memory', 'pids', 'cpu', 'freezer', 'unified']
	.map(controller => path.join('/sys/fs/cgroup', controller, 'berth', id))
	.filter(dir => fs.existsSync(dir));

test.serial('a killed shim is noticed: the container shows as exited and leaves nothing behind', async t => {
	const id = (await berth(roots, ['run', '-d', testImage, 'sleep', '1000'])).stdout.trim();
	const {ShimPid: shim, Pid: pid} = state(id);
	t.true(cgroupDirs(id).length > 0);
	process.kill(shim, 'SIGKILL');
	await new Promise(resolve => {
		setTimeout(resolve, 200);
	});
	const ps = await berth(roots, ['ps', '-a', '--no-trunc', '--filter', `id=${id}`, '--format', '{{.State}}']);
	t.is(ps.stdout, 'exited\n');
	t.deepEqual(cgroupDirs(id), []);
	// Gone, or a zombie until whichever process adopted it reaps it.
	const status = fs.existsSync(`/proc/${pid}/status`) ? fs.readFileSync(`/proc/${pid}/status`, 'utf8') : 'State:\tgone';
	t.regex(status, /^State:\s+(gone|Z)/m);
	await berth(roots, ['rm', id]);
});

test.serial('kill -9 of the CLI at any moment of run -d leaves a store the next command uses', async t => {
	// run -d takes about a tenth of a second on a quiet machine, longer on a busy one: these land in every stage of it.
	for (const delay of [20, 40, 60, 80, 100, 130, 170, 250]) {
		await killAfter(roots, ['run', '-d', testImage, 'sleep', '1000'], delay);
	}

	const ps = await berth(roots, ['ps', '-a', '-q']);
	t.is(ps.code, 0, ps.stderr);
	const ids = ps.stdout.trim().split('\n').filter(Boolean);
	if (ids.length > 0) {
		const removed = await berth(roots, ['rm', '-f', ...ids]);
		t.is(removed.code, 0, removed.stderr);
	}

	t.is((await berth(roots, ['run', '--rm', testImage, 'echo', 'fine'])).stdout, 'fine\n');
	// What the killed commands left half-made was swept by the next create.
	t.deepEqual(fs.readdirSync(path.join(roots.root, 'containers')), []);
});

test.serial('a detached --rm container is removed when it exits', async t => {
	const id = (await berth(roots, ['run', '-d', '--rm', testImage, 'sh', '-c', 'sleep 0.2'])).stdout.trim();
	for (let i = 0; i < 50 && fs.existsSync(path.join(roots.root, 'containers', id)); i++) {
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	t.false(fs.existsSync(path.join(roots.root, 'containers', id)));
});
