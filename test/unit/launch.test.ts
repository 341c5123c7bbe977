/**
 * The `berth` command (source/native/launcher.c): commands start from the start-up snapshot, and berth
 * still works without it: with no command (the UI, or the help off a terminal), and with a
 * snapshot older than the node that would load it.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
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

/** A package of the test's own: the launcher, dist/cli.js, and a blob of the test's making. */
const packageWith = (t: ExecutionContext, blob: string): {base: string; launcher: string} => {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-launch-'));
	t.teardown(() => {
		fs.rmSync(base, {recursive: true, force: true});
	});
	const launcher = path.join(base, 'source/native/build/Release/berth');
	fs.mkdirSync(path.dirname(launcher), {recursive: true});
	fs.mkdirSync(path.join(base, 'dist'));
	fs.copyFileSync(cli, launcher);
	fs.symlinkSync(path.join(projectRoot, 'dist/cli.js'), path.join(base, 'dist/cli.js'));
	fs.writeFileSync(path.join(base, 'dist/berth.blob'), blob);
	return {base, launcher};
};

test('a snapshot older than node is left alone: the command starts from dist/cli.js', t => {
	const {base, launcher} = packageWith(t, 'stale');
	// Not a snapshot at all: node would refuse it, so only skipping it lets the command run.
	fs.utimesSync(path.join(base, 'dist/berth.blob'), new Date('2000-01-01'), new Date('2000-01-01'));
	t.true(commands(execFileSync(launcher, ['--help'], {encoding: 'utf8'})).includes('run'));
});

test('started through a symlink, as npm links it, berth finds its package; without node on PATH it says so', t => {
	const {base, launcher} = packageWith(t, 'not a snapshot, and newer than node');
	const link = path.join(base, 'berth-link');
	fs.symlinkSync(launcher, link);
	const result = spawnSync(link, ['version'], {encoding: 'utf8'});
	// It loaded this package's blob, not the project's: node names the file it cannot use.
	t.not(result.status, 0);
	t.regex(result.stderr, /snapshot/i);
	const noNode = spawnSync(link, ['version'], {encoding: 'utf8', env: {...process.env, PATH: '/nonexistent'}});
	t.is(noNode.status, 125);
	t.is(noNode.stderr, 'berth: cannot find `node` on PATH\n');
});

test('NODE_EXTRA_CA_CERTS reaches berth as BERTH_EXTRA_CA_CERTS, and node never reads it', t => {
	const result = spawnSync(cli, ['version'], {encoding: 'utf8', env: {...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem'}});
	// node warns about an extra CA file it cannot read; berth only reads it to reach a registry.
	t.is(result.status, 0);
	t.notRegex(result.stderr, /extra certs/i);
});
