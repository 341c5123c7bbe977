import test from 'ava';
import type {Key} from 'ink';
import {actionFor, buildKeymap, findClashes, keyName, normalizeKey, defaultActions, type Keymap} from '../../source/ui/keymap.js';
import {parseDetachKeys, settingsFrom} from '../../source/ui/config.js';

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
