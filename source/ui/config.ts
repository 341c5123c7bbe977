/**
 * The user's UI settings, kept by conf in ~/.config/berth/config.json (BERTH_CONFIG_DIR moves
 * it, for tests): `keys` rebinds actions (`{"keys": {"stop": "x", "kill": ["K", "ctrl+k"]}}`),
 * `detachKeys` the sequence that leaves a terminal pane (Docker's spelling, `ctrl-p,ctrl-q`).
 * A broken config never keeps the UI from opening: its problems are reported at start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {buildKeymap, type Keymap, type Overrides} from './keymap.js';

export type Settings = {
	keymap: Keymap;
	/** The bytes that, typed in order in a terminal pane, return focus to the lists. */
	detachKeys: string[];
	detachKeysText: string;
	/** Problems with the config, one line each, shown at start. */
	problems: string[];
};

type Stored = {keys?: Overrides; detachKeys?: string};

export const defaultDetachKeys = 'ctrl-p,ctrl-q';

/** Docker's detach-keys spelling (`ctrl-p,ctrl-q`, `ctrl-x,x`) as the bytes a terminal sends. */
export const parseDetachKeys = (spec: string): string[] | undefined => {
	const keys = spec.split(',').map(part => part.trim().toLowerCase());
	const bytes: string[] = [];
	for (const key of keys) {
		const ctrl = /^ctrl-([a-z@[\\\]^_])$/.exec(key);
		if (ctrl) {
			bytes.push(String.fromCharCode(ctrl[1]!.toUpperCase().charCodeAt(0) - 64));
		} else if (key.length === 1) {
			bytes.push(key);
		} else {
			return undefined;
		}
	}

	return bytes.length > 0 ? bytes : undefined;
};

export const settingsFrom = (stored: Stored): Settings => {
	const {keymap, problems} = buildKeymap(stored.keys ?? {});
	let detachKeysText = stored.detachKeys ?? defaultDetachKeys;
	let detachKeys = parseDetachKeys(detachKeysText);
	if (!detachKeys) {
		problems.push(`invalid detachKeys \`${detachKeysText}\`: using ${defaultDetachKeys}`);
		detachKeysText = defaultDetachKeys;
		detachKeys = parseDetachKeys(defaultDetachKeys)!;
	}

	return {keymap, detachKeys, detachKeysText, problems};
};

/** Where conf keeps the file: BERTH_CONFIG_DIR, else the XDG config directory as conf's env-paths finds it. */
export const configFile = (env: NodeJS.ProcessEnv = process.env): string =>
	path.join(env.BERTH_CONFIG_DIR ?? path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'berth'), 'config.json');

export const loadSettings = async (env: NodeJS.ProcessEnv = process.env): Promise<Settings> => {
	// conf brings a JSON schema validator that takes 30 to 60 ms of the UI's start to load; most
	// users have no config file for it to read.
	if (!fs.existsSync(configFile(env))) {
		return settingsFrom({});
	}

	try {
		const {default: Conf} = await import('conf');
		const conf = new Conf<Stored>({
			projectName: 'berth',
			projectSuffix: '',
			...env.BERTH_CONFIG_DIR ? {cwd: env.BERTH_CONFIG_DIR} : {},
		});
		return settingsFrom(conf.store);
	} catch (error) {
		const settings = settingsFrom({});
		settings.problems.push(`cannot read the config: ${(error as Error).message.split('\n')[0]}`);
		return settings;
	}
};
