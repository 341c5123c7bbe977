import test from 'ava';
import {berth, cli, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';
import {openTerminal} from '../helpers/tmux.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const terminal = (t: {teardown(fn: () => void): void}, args: string[]) => {
	const term = openTerminal([cli, ...args], {env: roots.env});
	t.teardown(() => term.close());
	return term;
};

test('run -it gives a shell on a terminal, sized as the terminal is', async t => {
	const term = terminal(t, ['run', '-it', '--rm', testImage, 'sh']);
	await term.waitFor(/# ?$/m);
	term.type('stty size; tty\n');
	await term.waitFor(/30 100\n\/dev\/pts\/0/);
	term.type('exit 3\n');
	await term.waitFor(/\[exited 3\]/);
	t.pass();
});

test('ctrl-p ctrl-q detaches and leaves the container running; attach brings the screen back', async t => {
	const term = terminal(t, ['run', '-it', '--name', 'detachable', testImage, 'sh']);
	await term.waitFor(/# ?$/m);
	term.type('echo before-detach\n');
	await term.waitFor(/^before-detach$/m);
	term.send('C-p', 'C-q');
	await term.waitFor(/\[exited 0\]/);
	t.is((await berth(roots, ['inspect', '--format', '{{.State.Status}}', 'detachable'])).stdout, 'running\n');

	const again = terminal(t, ['attach', 'detachable']);
	await again.waitFor(/before-detach/);
	again.type('echo after-attach\n');
	await again.waitFor(/^after-attach$/m);
	again.type('exit\n');
	await again.waitFor(/\[exited 0\]/);
	t.is((await berth(roots, ['wait', 'detachable'])).stdout, '0\n');
	await berth(roots, ['rm', 'detachable']);
});

test('--detach-keys chooses another sequence', async t => {
	const term = terminal(t, ['run', '-it', '--detach-keys', 'ctrl-x,x', '--name', 'custom-keys', testImage, 'sh']);
	await term.waitFor(/# ?$/m);
	term.send('C-x', 'x');
	await term.waitFor(/\[exited 0\]/);
	t.is((await berth(roots, ['inspect', '--format', '{{.State.Status}}', 'custom-keys'])).stdout, 'running\n');
	await berth(roots, ['rm', '-f', 'custom-keys']);
});

test('exec -it runs on the caller\'s terminal', async t => {
	await berth(roots, ['run', '-d', '--name', 'exec-tty', testImage, 'sleep', '1000']);
	const term = terminal(t, ['exec', '-it', 'exec-tty', 'sh']);
	await term.waitFor(/# ?$/m);
	term.type('[ -t 0 ] && [ -t 1 ] && echo on-a-terminal $(hostname)\n');
	await term.waitFor(/^on-a-terminal [a-f\d]{12}$/m);
	term.type('exit 4\n');
	await term.waitFor(/\[exited 4\]/);
	await berth(roots, ['rm', '-f', 'exec-tty']);
	t.pass();
});
