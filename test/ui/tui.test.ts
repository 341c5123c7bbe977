/**
 * The real app in a real terminal (tmux, 80x24), against a store of its own: open it, move,
 * read a container's logs, open a throwaway shell and type into it, leave it, commit a
 * container and see the new image, tag it for a loopback registry (docker-registry) and push
 * it there with its progress and digest, quit and get the terminal back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {berth, cli, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';
import {isolateRegistryFiles, skopeoInspect, startRegistry, type TestRegistry} from '../helpers/registry.js';
import {openTerminal} from '../helpers/tmux.js';

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

const escape = (text: string): string => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');

let roots: Roots;
let env: NodeJS.ProcessEnv;
let registry: TestRegistry;
test.before(async () => {
	roots = isolateRegistryFiles(rootsWithImage());
	registry = await startRegistry();
	const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ui-config-'));
	// Ink draws nothing until exit when CI is set.
	const {CI: _ci, ...rest} = roots.env;
	env = {...rest, BERTH_CONFIG_DIR: configDir, SHELL: '/bin/zsh'};
	await berth(roots, ['run', '-d', '--name', 'worker', testImage, 'sh', '-c', 'while true; do echo tick-$((n=n+1)); sleep 1; done']);
});
test.after.always(async () => {
	registry?.stop();
	try {
		destroyRoots(roots);
	} catch {
		// The throwaway shell's --rm cleanup, a process of its own, may still be taking a lock.
		await sleep(1000);
		destroyRoots(roots);
	}

	fs.rmSync(env.BERTH_CONFIG_DIR!, {recursive: true, force: true});
});

test('open, move, logs, a throwaway shell, commit, push, quit', async t => {
	const term = openTerminal([cli], {env, cols: 80, rows: 24});
	t.teardown(() => term.close());
	await term.waitFor(/Containers \(1\)[\s\S]*worker[\s\S]*Images \(1\)[\s\S]*busybox-test:latest/);

	// The logs of the selected container, followed.
	term.send('l');
	await term.waitFor(/^ ?tick-\d+$/m);
	term.send('Escape');
	// A lone Escape is told from the start of a longer sequence by a pause.
	await sleep(300);

	// A throwaway shell on the image: the image has no zsh and no bash, so sh.
	term.send('2');
	await term.waitFor(/REPOSITORY:TAG[\s\S]*› busybox-test:latest/);
	term.send('s');
	await term.waitFor(/^\/ # ?$/m, 15_000);
	term.type('echo $((6*7))-from-the-pane\n');
	await term.waitFor(/^42-from-the-pane$/m);
	term.send('C-p', 'C-q');
	await term.waitFor(/left shell busybox-test:latest/);
	t.regex((await berth(roots, ['ps', '--format', '{{.Names}}'])).stdout, /shell-[\da-f]{6}/, 'the shell goes on after leaving its pane');

	// Commit the worker: the form comes prefilled, Enter takes it, the new image is selected.
	term.send('1');
	await sleep(100);
	term.send('/');
	await sleep(100);
	term.type('worker');
	await sleep(100);
	term.send('Enter');
	await term.waitFor(/filter: worker/);
	term.send('c');
	await term.waitFor(/Commit worker to an image/);
	term.send('Enter');
	await term.waitFor(/committed worker as worker:\d{8}-\d{4}/, 30_000);
	await term.waitFor(/Images \(2\)[\s\S]*› worker:\d{8}-\d{4}/);
	t.regex((await berth(roots, ['images', '--format', '{{.Repository}}'])).stdout, /^worker$/m);

	// Tag the new image for the loopback registry (its first name then) and push it: a bar per
	// blob, then the digest the registry took.
	const target = `${registry.host}/worker:ui`;
	term.send('t');
	await term.waitFor(/Tag worker:\d{8}-\d{4}/);
	term.send('C-u');
	await sleep(100);
	term.type(target);
	await sleep(100);
	term.send('Enter');
	await term.waitFor(new RegExp(`tagged worker:\\d{8}-\\d{4} as ${escape(target)}`));
	await term.waitFor(new RegExp(`› ${escape(target)} \\(\\+1\\)`));
	term.send('P');
	const pushed = await term.waitFor(/^digest: sha256:[\da-f]{64}\nEsc closes this/m, 30_000);
	t.regex(pushed, new RegExp(`^Pushing ${escape(target)}`, 'm'));
	t.regex(pushed, /^[\da-f]{12} done\s+█+ /m);
	t.is(`digest: ${skopeoInspect(target).Digest}`, /^digest: sha256:[\da-f]{64}/m.exec(pushed)![0]);
	term.send('Escape');
	await sleep(300);

	// Quit: the terminal is given back, and the throwaway shell's container is gone.
	term.send('q');
	const screen = await term.waitFor(/\[exited 0\]/, 15_000);
	t.notRegex(screen, /Containers \(/);
	t.notRegex((await berth(roots, ['ps', '-a', '--format', '{{.Names}}'])).stdout, /shell-/);
});

test('with NO_COLOR at 80x24, help shows and q quits', async t => {
	const term = openTerminal([cli], {env: {...env, NO_COLOR: '1'}, cols: 80, rows: 24});
	t.teardown(() => term.close());
	await term.waitFor(/Containers \(\d\)/);
	term.send('?');
	await term.waitFor(/On a container/);
	term.send('q');
	term.send('q');
	await term.waitFor(/\[exited 0\]/, 15_000);
	t.pass();
});
