/**
 * The `berth` command, source/launch.sh: commands start from the start-up snapshot, and berth
 * still works without it: with no command (the UI, or the help off a terminal), and with a
 * snapshot older than the node that would load it.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {cli, projectRoot} from '../helpers/berth.js';

const commands = (output: string): string[] => [...output.matchAll(/^ {2}(\w+) /gm)].map(match => match[1]!);

test('with no command and no terminal, berth prints the help', t => {
	const result = spawnSync(cli, [], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	t.is(result.status, 0);
	t.true(commands(result.stdout).includes('run'));
});

test('options node has too are berth\'s: --version and --help', t => {
	const version = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version as string;
	t.is(execFileSync(cli, ['--version'], {encoding: 'utf8'}), `${version}\n`);
	t.true(commands(execFileSync(cli, ['--help'], {encoding: 'utf8'})).includes('run'));
});

test('a snapshot older than node is left alone: the command starts from dist/cli.js', t => {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-launch-'));
	t.teardown(() => {
		fs.rmSync(base, {recursive: true, force: true});
	});
	fs.mkdirSync(path.join(base, 'source'));
	fs.mkdirSync(path.join(base, 'dist'));
	fs.copyFileSync(cli, path.join(base, 'source/launch.sh'));
	fs.symlinkSync(path.join(projectRoot, 'dist/cli.js'), path.join(base, 'dist/cli.js'));
	// Not a snapshot at all: node would refuse it, so only skipping it lets the command run.
	const blob = path.join(base, 'dist/berth.blob');
	fs.writeFileSync(blob, 'stale');
	fs.utimesSync(blob, new Date('2000-01-01'), new Date('2000-01-01'));
	const output = execFileSync(path.join(base, 'source/launch.sh'), ['--help'], {encoding: 'utf8'});
	t.true(commands(output).includes('run'));
});
