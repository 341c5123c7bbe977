import test from 'ava';
import {progressPrinter} from '../../source/cli/progress.js';

const digest = (n: number) => `sha256:${String(n).repeat(64)}` as const;

const stream = (isTTY: boolean) => {
	const fake = {isTTY, text: '', write(chunk: string) {
		fake.text += chunk;
		return true;
	}};
	return fake;
};

const pull = (print: ReturnType<typeof progressPrinter>) => {
	print({type: 'start', action: 'pull', reference: 'registry.example/team/app:1'});
	print({type: 'layer', digest: digest(1), phase: 'waiting'});
	print({type: 'layer', digest: digest(2), phase: 'waiting'});
	print({type: 'layer', digest: digest(1), phase: 'exists'});
	for (const current of [0, 500_000, 1_000_000]) {
		print({type: 'layer', digest: digest(2), phase: 'downloading', current, total: 2_000_000});
	}

	print({type: 'layer', digest: digest(2), phase: 'verifying', current: 2_000_000, total: 2_000_000});
	print({type: 'layer', digest: digest(2), phase: 'extracting'});
	print({type: 'layer', digest: digest(2), phase: 'done'});
	print({type: 'digest', reference: 'registry.example/team/app:1', digest: digest(3), size: 500});
	print({type: 'end', reference: 'registry.example/team/app:1', fresh: true});
};

test('piped, progress is a line per phase, as Docker prints it', t => {
	const out = stream(false);
	pull(progressPrinter(out as unknown as NodeJS.WriteStream));
	t.is(out.text, [
		'1: Pulling from team/app',
		'111111111111: Waiting',
		'222222222222: Waiting',
		'111111111111: Already exists',
		'222222222222: Downloading',
		'222222222222: Verifying Checksum',
		'222222222222: Extracting',
		'222222222222: Pull complete',
		`Digest: ${digest(3)}`,
		'Status: Downloaded newer image for registry.example/team/app:1',
		'',
	].join('\n'));
});

test('on a terminal, the layer lines are redrawn in place with a bar, ten times a second at most', async t => {
	const out = stream(true);
	const print = progressPrinter(out as unknown as NodeJS.WriteStream);
	print({type: 'start', action: 'pull', reference: 'registry.example/team/app:1'});
	print({type: 'layer', digest: digest(1), phase: 'exists'});
	print({type: 'layer', digest: digest(2), phase: 'downloading', current: 0, total: 2_000_000});
	t.true(out.text.endsWith('\u001B[1A\u001B[2K111111111111: Already exists\n\u001B[2K222222222222: Downloading [>                                                  ]  0B/2MB\n'));
	print({type: 'layer', digest: digest(2), phase: 'downloading', current: 500_000, total: 2_000_000});
	print({type: 'layer', digest: digest(2), phase: 'downloading', current: 1_000_000, total: 2_000_000});
	t.false(out.text.includes('1MB/2MB'));
	await new Promise(resolve => {
		setTimeout(resolve, 150);
	});
	t.true(out.text.endsWith('\u001B[2A\u001B[2K111111111111: Already exists\n\u001B[2K222222222222: Downloading [=========================>                         ]  1MB/2MB\n'));
	print({type: 'layer', digest: digest(2), phase: 'done'});
	print({type: 'digest', reference: 'registry.example/team/app:1', digest: digest(3), size: 500});
	t.true(out.text.endsWith(`\u001B[2K222222222222: Pull complete\nDigest: ${digest(3)}\n`));
});

test('push lines say what happened to each layer', t => {
	const out = stream(false);
	const print = progressPrinter(out as unknown as NodeJS.WriteStream);
	print({type: 'start', action: 'push', reference: 'localhost:5000/app:2'});
	print({type: 'layer', digest: digest(1), phase: 'exists'});
	print({type: 'layer', digest: digest(2), phase: 'mounted', from: 'team/base'});
	print({type: 'layer', digest: digest(4), phase: 'done'});
	print({type: 'digest', reference: 'localhost:5000/app:2', digest: digest(3), size: 428});
	t.is(out.text, [
		'The push refers to repository [localhost:5000/app]',
		'111111111111: Layer already exists',
		'222222222222: Mounted from team/base',
		'444444444444: Pushed',
		`2: digest: ${digest(3)} size: 428`,
		'',
	].join('\n'));
});
