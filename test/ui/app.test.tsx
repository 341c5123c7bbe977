import React from 'react';
import test from 'ava';
import {render} from 'ink-testing-library';
import {App, type AppProps} from '../../source/ui/app.js';
import {settingsFrom} from '../../source/ui/config.js';
import {BerthError} from '../../source/engine/errors.js';
import {fakeContainer, fakeEngine, fakeImage, type FakeEngine} from './fake-engine.js';

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

type Rendered = ReturnType<typeof render> & {fake: FakeEngine; quits: number[]};

const open = (t: {teardown(fn: () => void): void}, fake: FakeEngine, stored: Parameters<typeof settingsFrom>[0] = {}, props: Partial<AppProps> = {}): Rendered => {
	const quits: number[] = [];
	const instance = render(<App
		engine={fake.engine}
		settings={settingsFrom(stored)}
		color={false}
		cli={['/bin/false']}
		pollMs={60_000}
		statsMs={60_000}
		quit={() => quits.push(1)}
		{...props}
	/>);
	t.teardown(() => {
		instance.unmount();
		fake.close();
	});
	return Object.assign(instance, {fake, quits});
};

/** Waits until the last frame matches. */
const until = async (app: Rendered, pattern: RegExp, timeoutMs = 3000): Promise<string> => {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = app.lastFrame() ?? '';
		if (pattern.test(frame)) {
			return frame;
		}

		if (Date.now() > deadline) {
			throw new Error(`the frame never matched ${pattern}:\n${frame}\nstatus lines: ${app.frames.map(item => item.split('\n').at(-1)).filter((line, index, all) => line !== all[index - 1]).join(' | ')}`);
		}

		await sleep(10);
	}
};

/** Types keys one by one, each after the frame of the one before (and its effects) is done. */
const press = async (app: Rendered, ...keys: string[]): Promise<void> => {
	await sleep(100);
	for (const key of keys) {
		app.stdin.write(key);
		await sleep(100);
	}
};

const twoContainers = () => fakeEngine({
	containers: [fakeContainer('web'), fakeContainer('db', 'exited')],
	images: [fakeImage('busybox:latest'), fakeImage('alpine:3.20')],
});

test('shows both lists with names, images and status', async t => {
	const app = open(t, twoContainers());
	const frame = await until(app, /alpine:3\.20/);
	t.regex(frame, /Containers \(2\)/);
	t.regex(frame, /web\s+busybox:latest\s+Up About a minute/);
	t.regex(frame, /db\s+busybox:latest\s+Exited \(0\)/);
	t.regex(frame, /Images \(2\)/);
	t.regex(frame, /busybox:latest\s+[\da-f]{12}\s+2\.13MB/);
});

test('j and k move the selection, and the detail area follows it', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, 'j');
	let frame = await until(app, /› db/);
	t.regex(frame, /^ db\s+Logs/m);
	await press(app, 'k');
	frame = await until(app, /› web/);
	t.regex(frame, /^ web\s+Logs/m);
});

test('a move draws one frame, and a look at a state that has not changed draws none', async t => {
	// ink-testing-library writes a frame for every render: the frames count them.
	const app = open(t, twoContainers(), {}, {pollMs: 50});
	await until(app, /› web .*3MiB/);
	// The start's own frames (the first stats of the running container the last) are done.
	let settled = -1;
	for (let tries = 0; tries < 10 && app.frames.length !== settled; tries++) {
		settled = app.frames.length;
		await sleep(300);
	}

	const listed = app.fake.containersListed;
	await sleep(500);
	t.true(app.fake.containersListed > listed, 'the polls read the lists');
	t.is(app.frames.length, settled, 'the polls read the same lists and draw nothing');
	app.stdin.write('j');
	await until(app, /› db/);
	await sleep(300);
	t.is(app.frames.length, settled + 1, 'the move is one frame: the next log is read without one of its own');
});

test('with no container running, the backup poll reads nothing', async t => {
	const app = open(t, fakeEngine({containers: [fakeContainer('web', 'exited')], images: []}), {}, {pollMs: 50});
	await until(app, /› web/);
	await sleep(200);
	const listed = app.fake.containersListed;
	await sleep(500);
	t.is(app.fake.containersListed, listed);
	// What the watches see is read as ever.
	app.fake.change(() => {
		app.fake.containers = [fakeContainer('newcomer', 'exited', '2026-02-01T00:00:00Z'), ...app.fake.containers];
	});
	await until(app, /newcomer/);
	t.pass();
});

test('stats are read for the running containers on screen only', async t => {
	const many = Array.from({length: 40}, (_, index) => fakeContainer(`run${String(index).padStart(2, '0')}`, 'running', `2026-01-01T00:00:${String(59 - index).padStart(2, '0')}Z`));
	const app = open(t, fakeEngine({containers: many, images: [fakeImage('busybox:latest')]}), {}, {statsMs: 200});
	let frame = await until(app, /› run00 .*3MiB/);
	await sleep(500);
	const rows = (frame.match(/^. run\d\d/gm) ?? []).map(row => row.slice(2));
	t.true(rows.length > 2 && rows.length < 40);
	const read = new Set(app.fake.statsRead.map(id => app.fake.containers.find(container => container.Id === id)!.Name.slice(1)));
	t.deepEqual([...read].sort(), rows.sort());
	// A row that comes into view gets its reading.
	await press(app, 'G');
	frame = await until(app, /› run39 .*3MiB/);
	t.true(app.fake.statsRead.includes(app.fake.containers[39]!.Id));
});

test('2 moves to the images, Tab through the areas, Enter opens the detail', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, '2');
	await until(app, /^ busybox:latest\s+Inspect\s+History/m);
	await press(app, '\t');
	// The detail area has the focus: the lists fold to their title lines.
	let frame = await until(app, /Containers \(2\)\n Images \(2\)\s+›\s+busybox:latest/);
	t.notRegex(frame, /REPOSITORY/);
	await press(app, '\u001B');
	frame = await until(app, /REPOSITORY/);
	await press(app, '1', '\r');
	frame = await until(app, /Containers \(2\)\s+›\s+web\s+running/);
	t.pass();
});

test('s stops the selected container through the engine and says so', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, 's');
	await until(app, /stopped web/);
	t.deepEqual(app.fake.calls.map(call => call.method), ['stop']);
	t.is(app.fake.calls[0]!.args[0], app.fake.containers[0]!.Id);
});

test('an engine error is one line in the status bar, and the UI goes on', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	app.fake.failNext('start', new BerthError('INVALID_STATE', 'container `web` cannot start: no such file'));
	await press(app, 'S');
	let frame = await until(app, /error: container `web` cannot start/);
	t.notRegex(frame, /at .*\(.*:\d+:\d+\)/);
	app.fake.failNext('stop', new Error('boom\n    at somewhere (file.js:1:1)'));
	await press(app, 's');
	frame = await until(app, /error: internal error: boom/);
	t.notRegex(frame, /somewhere/);
	await press(app, 'j');
	await until(app, /› db/);
});

test('d asks before removing; n keeps the container, y removes it', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, 'd');
	await until(app, /Remove running container web\?/);
	await press(app, 'n');
	await sleep(50);
	t.deepEqual(app.fake.calls, []);
	await press(app, 'd');
	await until(app, /Remove running container web\?/);
	await press(app, 'y');
	await until(app, /removed web/);
	t.deepEqual(app.fake.calls.map(call => [call.method, call.args[1]]), [['remove', {force: true}]]);
	await until(app, /Containers \(1\)/);
});

test('c asks for a name and a message, commits, and selects the new image', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, 'c');
	await until(app, /repository:tag: web:\d{8}-\d{4}/);
	// Ctrl-U clears the name; a new one is typed.
	await press(app, '\u0015', 'm', 'y', '/', 'w', 'e', 'b', ':', '1', '\r');
	const frame = await until(app, /committed web as my\/web:1/);
	t.is((app.fake.calls[0]!.args[1] as {reference: string}).reference, 'my/web:1');
	t.regex((app.fake.calls[0]!.args[1] as {message: string}).message, /^web as of /);
	await until(app, /› my\/web:1/);
	t.truthy(frame);
});

test('a commit the engine refuses is one line, and no image appears', async t => {
	const fake = fakeEngine({containers: [fakeContainer('web')], images: []});
	const app = open(t, fake);
	await until(app, /› web/);
	fake.failNext('commit', new BerthError('INVALID_REFERENCE', 'invalid reference format: `Bad`'));
	await press(app, 'c', '\r');
	await until(app, /error: invalid reference format: `Bad`/);
	t.is(fake.images.length, 0);
});

test('P pushes with a bar per layer and shows the digest; a 401 asks for a login and tries again', async t => {
	const fake = fakeEngine({containers: [], images: [fakeImage('localhost:5000/web:1')], pushNeedsLogin: true});
	const app = open(t, fake);
	await until(app, /localhost:5000\/web:1/);
	await press(app, '2');
	await until(app, /P push/);
	await press(app, 'P');
	await until(app, /Log in to localhost:5000 to push localhost:5000\/web:1/);
	await press(app, 'u', '\t', 'p', 'w', '\r');
	let frame = await until(app, /pushed localhost:5000\/web:1: sha256:d{64}/);
	t.regex(frame, /aaaaaaaaaaaa done\s+█+ 1.02kB/);
	t.regex(frame, /digest: sha256:d{64}/);
	t.deepEqual(fake.calls.map(call => call.method), ['push', 'login', 'push']);
	t.deepEqual(fake.calls[1]!.args, ['localhost:5000', {username: 'u', password: 'pw'}]);
	await press(app, '\u001B');
	// Escape closes the progress panel: a frame with the list and without the digest comes.
	frame = await until(app, /^(?![\s\S]*digest:)[\s\S]*REPOSITORY/);
	t.notRegex(frame, /Pushing/);
});

test('/ filters the focused list as it is typed; Escape clears it', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, '/', 'd', 'b');
	let frame = await until(app, /Containers \(1\)/);
	t.notRegex(frame, /web\s+busybox/);
	await press(app, '\r');
	frame = await until(app, /filter: db/);
	await press(app, '\u001B');
	await until(app, /Containers \(2\)/);
	t.pass();
});

test('keys typed after a form\'s Enter, read in one string with it, act once the form is gone', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, '/');
	await press(app, 'db\rc');
	const frame = await until(app, /Commit db to an image/);
	t.regex(frame, /filter: db/);
});

test('a container started elsewhere shows up from the engine\'s events', async t => {
	const app = open(t, twoContainers());
	await until(app, /Containers \(2\)/);
	app.fake.change(() => {
		app.fake.containers = [fakeContainer('newcomer', 'running', '2026-02-01T00:00:00Z'), ...app.fake.containers];
	});
	await until(app, /newcomer/, 1000);
	t.pass();
});

test('? lists the keys of the place; keys are rebindable and clashes are reported at start', async t => {
	const app = open(t, twoContainers(), {keys: {stop: 'X', kill: ['K', 'r']}});
	const frame = await until(app, /config: key `r` is bound to both `restart` and `kill`/);
	t.truthy(frame);
	await press(app, '?');
	const help = await until(app, /On a container/);
	t.regex(help, /X\s+stop/);
	await press(app, ' ');
	await until(app, /REPOSITORY/);
	await press(app, 'X');
	await until(app, /stopped web/);
});

test('q quits', async t => {
	const app = open(t, twoContainers());
	await until(app, /› web/);
	await press(app, 'q');
	t.deepEqual(app.quits, [1]);
});
