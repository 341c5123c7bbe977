/**
 * Every key of the UI, by the place it acts in. A key is named the way users write it in
 * their config: a character (`q`, `S`, `?`), or `ctrl+p`, `shift+tab`, `tab`, `enter`,
 * `escape`, `up`, `down`, `left`, `right`, `pageup`, `pagedown`, `home`, `end`, `backspace`,
 * `delete`, `space`. Places nest: global keys act everywhere, list keys in either list, and
 * container, image and logs keys where those are shown, so a binding clashes with another
 * when the two can act in the same place.
 */
import type {Key} from 'ink';

export type Place = 'global' | 'list' | 'container' | 'image' | 'logs' | 'scroll';

export type Action = {
	place: Place;
	keys: string[];
	help: string;
};

const action = (place: Place, keys: string[], help: string): Action => ({place, keys, help});

export const defaultActions = {
	quit: action('global', ['q', 'ctrl+c'], 'quit'),
	help: action('global', ['?'], 'show the keys for this place'),
	focusNext: action('global', ['tab'], 'next area: containers, images, detail'),
	focusPrevious: action('global', ['shift+tab'], 'previous area'),
	showContainers: action('global', ['1'], 'the containers list'),
	showImages: action('global', ['2'], 'the images list'),
	previousTab: action('global', ['['], 'previous detail tab'),
	nextTab: action('global', [']'], 'next detail tab'),
	back: action('global', ['escape'], 'back to the list; clear a filter'),
	closeSession: action('global', ['x'], 'close the terminal tab shown'),

	up: action('list', ['up', 'k'], 'move up'),
	down: action('list', ['down', 'j'], 'move down'),
	pageUp: action('list', ['pageup'], 'a page up'),
	pageDown: action('list', ['pagedown'], 'a page down'),
	first: action('list', ['home', 'g'], 'first item'),
	last: action('list', ['end', 'G'], 'last item'),
	filter: action('list', ['/'], 'filter the list'),
	open: action('list', ['enter'], 'open the detail area'),

	start: action('container', ['S'], 'start'),
	stop: action('container', ['s'], 'stop'),
	restart: action('container', ['r'], 'restart'),
	kill: action('container', ['K'], 'kill'),
	pause: action('container', ['p'], 'pause or unpause'),
	removeContainer: action('container', ['d'], 'remove (asks first)'),
	attach: action('container', ['a'], 'attach in a terminal pane'),
	exec: action('container', ['e'], 'shell via exec in a terminal pane'),
	logs: action('container', ['l'], 'show the logs'),
	commit: action('container', ['c'], 'commit to an image'),

	shell: action('image', ['s'], 'throwaway shell (--rm -it)'),
	run: action('image', ['R'], 'run a container (a form)'),
	push: action('image', ['P'], 'push to its registry'),
	pull: action('image', ['p'], 'pull an image'),
	tag: action('image', ['t'], 'tag'),
	removeImage: action('image', ['d'], 'remove (asks first)'),

	scrollUp: action('scroll', ['up', 'k'], 'scroll up'),
	scrollDown: action('scroll', ['down', 'j'], 'scroll down'),
	scrollPageUp: action('scroll', ['pageup', 'b'], 'a page up'),
	scrollPageDown: action('scroll', ['pagedown', 'space'], 'a page down'),
	scrollTop: action('scroll', ['home', 'g'], 'to the top'),
	scrollBottom: action('scroll', ['end', 'G'], 'to the end (and follow logs)'),

	search: action('logs', ['/'], 'search the logs'),
	searchNext: action('logs', ['n'], 'next match'),
	searchPrevious: action('logs', ['N'], 'previous match'),
	timestamps: action('logs', ['T'], 'timestamps on or off'),
	wrap: action('logs', ['w'], 'wrap long lines on or off'),
} satisfies Record<string, Action>;

export type ActionName = keyof typeof defaultActions;

export type Keymap = Record<ActionName, Action>;

/** Places that can be active at the same time as each place. */
const overlaps: Record<Place, Place[]> = {
	global: ['global', 'list', 'container', 'image', 'logs', 'scroll'],
	list: ['global', 'list', 'container', 'image'],
	container: ['global', 'list', 'container', 'logs', 'scroll'],
	image: ['global', 'list', 'image', 'scroll'],
	logs: ['global', 'container', 'logs', 'scroll'],
	scroll: ['global', 'container', 'image', 'logs', 'scroll'],
};

const namedKeys = new Set(['tab', 'enter', 'escape', 'up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'backspace', 'delete', 'space']);

/** A key as written in a config, made canonical (`Ctrl+P` is `ctrl+p`), or undefined if it names no key. */
export const normalizeKey = (spec: string): string | undefined => {
	if (spec.length === 1) {
		return spec;
	}

	const lower = spec.toLowerCase().replaceAll('-', '+');
	const aliases: Record<string, string> = {return: 'enter', esc: 'escape', pgup: 'pageup', pgdown: 'pagedown', ' ': 'space'};
	const parts = lower.split('+');
	const base = aliases[parts.at(-1)!] ?? parts.at(-1)!;
	const modifiers = parts.slice(0, -1);
	if (modifiers.some(modifier => !['ctrl', 'shift', 'meta', 'alt'].includes(modifier))) {
		return undefined;
	}

	if (!namedKeys.has(base) && base.length !== 1) {
		return undefined;
	}

	const sorted = [...new Set(modifiers.map(modifier => modifier === 'alt' ? 'meta' : modifier))].sort();
	return [...sorted, base].join('+');
};

/** The name of the key Ink reports, as `normalizeKey` writes it. */
export const keyName = (input: string, key: Key): string => {
	const modifiers: string[] = [];
	let base: string | undefined;
	for (const [flag, name] of [
		[key.upArrow, 'up'], [key.downArrow, 'down'], [key.leftArrow, 'left'], [key.rightArrow, 'right'],
		[key.pageUp, 'pageup'], [key.pageDown, 'pagedown'], [key.home, 'home'], [key.end, 'end'],
		[key.return, 'enter'], [key.escape, 'escape'], [key.tab, 'tab'], [key.backspace, 'backspace'], [key.delete, 'delete'],
	] as const) {
		if (flag) {
			base = name;
			break;
		}
	}

	if (base === undefined) {
		base = input === ' ' ? 'space' : input;
		if (key.ctrl) {
			modifiers.push('ctrl');
		}

		if (key.meta && !key.escape) {
			modifiers.push('meta');
		}

		return [...modifiers, base].join('+');
	}

	if (key.ctrl) {
		modifiers.push('ctrl');
	}

	if (key.meta && base !== 'escape') {
		modifiers.push('meta');
	}

	if (key.shift) {
		modifiers.push('shift');
	}

	return [...modifiers.sort(), base].join('+');
};

export type Clash = {key: string; actions: [ActionName, ActionName]};

/** Bindings shared by two actions that can act in the same place. */
export const findClashes = (keymap: Keymap): Clash[] => {
	const clashes: Clash[] = [];
	const names = Object.keys(keymap) as ActionName[];
	for (const [index, first] of names.entries()) {
		for (const second of names.slice(index + 1)) {
			const a = keymap[first];
			const b = keymap[second];
			// The same movement keys are bound in lists and in scrolled text, which are never active together.
			if (!overlaps[a.place].includes(b.place) || (a.place === 'list' && b.place === 'scroll') || (a.place === 'scroll' && b.place === 'list')) {
				continue;
			}

			for (const key of a.keys.filter(key => b.keys.includes(key))) {
				clashes.push({key, actions: [first, second]});
			}
		}
	}

	return clashes;
};

export type Overrides = Partial<Record<string, string | string[]>>;

/**
 * The default keys with the user's changes: `{"stop": "x"}` or `{"stop": ["x", "ctrl+x"]}`.
 * Unknown actions and unknown key names are reported, not fatal.
 */
export const buildKeymap = (overrides: Overrides = {}): {keymap: Keymap; problems: string[]} => {
	const keymap = structuredClone(defaultActions) as Keymap;
	const problems: string[] = [];
	for (const [name, value] of Object.entries(overrides)) {
		if (!(name in keymap)) {
			problems.push(`unknown action \`${name}\` in the keys config`);
			continue;
		}

		const keys: string[] = [];
		for (const spec of Array.isArray(value) ? value : [value ?? '']) {
			const key = normalizeKey(String(spec));
			if (key === undefined) {
				problems.push(`unknown key \`${spec}\` for \`${name}\``);
			} else {
				keys.push(key);
			}
		}

		keymap[name as ActionName] = {...keymap[name as ActionName], keys};
	}

	for (const clash of findClashes(keymap)) {
		problems.push(`key \`${clash.key}\` is bound to both \`${clash.actions[0]}\` and \`${clash.actions[1]}\``);
	}

	return {keymap, problems};
};

/** The action bound to `key` among those of `places`, first place first. */
export const actionFor = (keymap: Keymap, key: string, places: Place[]): ActionName | undefined => {
	for (const place of places) {
		for (const [name, entry] of Object.entries(keymap)) {
			if (entry.place === place && entry.keys.includes(key)) {
				return name as ActionName;
			}
		}
	}

	return undefined;
};

/** How a key is shown in help: `ctrl+p` as `^P`. */
export const showKey = (key: string): string => key.replace(/^ctrl\+(.)$/, (_match, letter: string) => `^${letter.toUpperCase()}`);
