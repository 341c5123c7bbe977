import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Conf from 'conf';
import type {Key} from 'ink';
import {actionFor, buildKeymap, findClashes, keyName, normalizeKey, defaultActions, type Keymap} from '../../source/ui/keymap.js';
import {configFile, loadSettings, parseDetachKeys, settingsFrom} from '../../source/ui/config.js';

const key = (flags: Partial<Key> = {}): Key => ({
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false, ...flags,
});

test('the default keys do not clash', t => {
	t.deepEqual(findClashes(defaultActions as Keymap), []);
});

test('keys are named as users write them', t => {
	t.is(normalizeKey('Ctrl-P'), 'ctrl+p');
	t.is(normalizeKey('esc'), 'escape');
	t.is(normalizeKey('S'), 'S');
	t.is(normalizeKey('hyper+x'), undefined);
	t.is(keyName('p', key({ctrl: true})), 'ctrl+p');
	t.is(keyName('', key({tab: true, shift: true})), 'shift+tab');
	t.is(keyName('S', key({shift: true})), 'S');
	t.is(keyName('', key({escape: true, meta: true})), 'escape');
	t.is(keyName('', key({upArrow: true})), 'up');
});

test('a rebinding moves the action; a clash and a bad name are reported', t => {
	const {keymap, problems} = buildKeymap({stop: 'x', kill: ['K', 'ctrl-k'], nothing: 'z', start: 'hyper+s'});
	t.is(actionFor(keymap, 'x', ['global', 'list', 'container']), 'closeSession');
	t.is(actionFor(keymap, 'ctrl+k', ['container']), 'kill');
	t.deepEqual(problems, [
		'unknown action `nothing` in the keys config',
		'unknown key `hyper+s` for `start`',
		'key `x` is bound to both `closeSession` and `stop`',
	]);
});

test('the same key may act on containers and on images', t => {
	const {keymap} = buildKeymap();
	t.is(actionFor(keymap, 's', ['global', 'list', 'container']), 'stop');
	t.is(actionFor(keymap, 's', ['global', 'list', 'image']), 'shell');
	t.is(actionFor(keymap, 'k', ['global', 'list', 'container']), 'up');
	t.is(actionFor(keymap, 'k', ['global', 'logs', 'scroll', 'container']), 'scrollUp');
});

test('detach keys as Docker spells them', t => {
	t.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), ['\u0010', '\u0011']);
	t.deepEqual(parseDetachKeys('ctrl-x,x'), ['\u0018', 'x']);
	t.is(parseDetachKeys('ctrl-'), undefined);
	const settings = settingsFrom({detachKeys: 'nonsense'});
	t.deepEqual(settings.detachKeys, ['\u0010', '\u0011']);
	t.regex(settings.problems[0]!, /invalid detachKeys/);
});

test('the config file is where conf keeps it; without one the defaults, with one its keys', async t => {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-config-'));
	t.teardown(() => {
		fs.rmSync(home, {recursive: true, force: true});
	});
	const dir = path.join(home, 'berth');
	t.is(configFile({BERTH_CONFIG_DIR: dir}), new Conf({projectName: 'berth', projectSuffix: '', cwd: dir}).path);
	t.is(configFile({XDG_CONFIG_HOME: home}), path.join(home, 'berth', 'config.json'));
	t.is(configFile({}), path.join(os.homedir(), '.config', 'berth', 'config.json'));

	const defaults = await loadSettings({BERTH_CONFIG_DIR: path.join(home, 'none')});
	t.deepEqual(defaults.problems, []);
	t.is(actionFor(defaults.keymap, 's', ['global', 'list', 'container']), 'stop');

	fs.mkdirSync(dir, {recursive: true});
	fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({keys: {stop: 'z'}, detachKeys: 'ctrl-x,x'}));
	const settings = await loadSettings({BERTH_CONFIG_DIR: dir});
	t.deepEqual(settings.problems, []);
	t.is(actionFor(settings.keymap, 'z', ['global', 'list', 'container']), 'stop');
	t.deepEqual(settings.detachKeys, ['\u0018', 'x']);
});
