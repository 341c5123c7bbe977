import test from 'ava';
import {berth, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

test('history lists the steps newest first, with sizes, commands and comments', async t => {
	await berth(roots, ['run', '--name', 'history-source', testImage, 'sh', '-c', 'head -c 5000 /dev/zero > /five-k; echo a fairly long command to cut at forty-five characters']);
	await berth(roots, ['commit', '-m', 'five k', 'history-source', 'history:one']);
	const result = await berth(roots, ['history', 'history:one']);
	t.is(result.code, 0, result.stderr);
	const lines = result.stdout.split('\n');
	t.regex(lines[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
	t.regex(lines[1]!, /^[a-f\d]{12}\s+.+ ago\s+sh -c head -c 5000 \/dev\/zero > \/five-k; echo…\s+[\d.]+kB\s+five k$/);
	t.regex(lines[2]!, /^<missing>\s+.+ ago\s+berth import\s+[\d.]+MB\s*$/);
	t.is(lines.length, 4);
});

test('history --no-trunc, -q and --format', async t => {
	const id = (await berth(roots, ['image', 'inspect', '--format', '{{.Id}}', testImage])).stdout.trim();
	t.is((await berth(roots, ['history', '-q', testImage])).stdout, `${id.slice(7, 19)}\n`);
	t.is((await berth(roots, ['image', 'history', '-q', '--no-trunc', testImage])).stdout, `${id}\n`);
	t.is((await berth(roots, ['history', '--format', '{{.CreatedBy}}|{{.Comment}}', testImage])).stdout, 'berth import|\n');
	t.regex((await berth(roots, ['history', '-H=false', '--format', '{{.Size}}', testImage])).stdout, /^\d+\n$/);
});

test('history of a missing image is one line', async t => {
	const result = await berth(roots, ['history', 'no-such-image']);
	t.is(result.code, 125);
	t.is(result.stderr, 'berth: no such image: `no-such-image`\n');
});
