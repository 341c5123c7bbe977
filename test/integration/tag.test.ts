import test from 'ava';
import {berth, busyboxTarball, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('tag gives an image another name; both name the same id', async t => {
	t.is((await berth(roots, ['tag', testImage, 'tagged/one:v1'])).code, 0);
	t.is((await berth(roots, ['image', 'tag', 'tagged/one:v1', 'localhost:5000/tagged'])).code, 0);
	const ids = await Promise.all([testImage, 'tagged/one:v1', 'localhost:5000/tagged:latest'].map(async name =>
		(await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', name])).stdout));
	t.is(new Set(ids).size, 1);
	const [image] = JSON.parse((await berth(roots, ['image', 'inspect', testImage])).stdout);
	t.true(image.RepoTags.includes('tagged/one:v1'));
	t.true(image.RepoTags.includes('localhost:5000/tagged:latest'));
});

test('tag by id prefix works; tagging another image moves the name', async t => {
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', testImage])).stdout.trim();
	t.is((await berth(roots, ['tag', id.slice(7, 19), 'moving:tag'])).code, 0);
	t.is((await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', 'moving:tag'])).stdout.trim(), id);
	const other = (await berth(roots, ['import', '-c', 'ENV OTHER=1', busyboxTarball()])).stdout.trim();
	t.is((await berth(roots, ['tag', other, 'moving:tag'])).code, 0);
	t.is((await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', 'moving:tag'])).stdout.trim(), other);
	t.is((await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', testImage])).stdout.trim(), id);
});

test('tag of a missing image or to a bad name is one line', async t => {
	for (const args of [['tag', 'no-such-image', 'x'], ['tag', testImage, 'Bad Name'], ['tag', testImage, 'a//b']]) {
		const result = await berth(roots, args);
		t.is(result.code, 125);
		t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
	}
});
