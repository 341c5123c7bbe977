/**
 * Which interactive shell an image has, for a throwaway shell: the user's own if the image
 * has it, else bash, else sh. Looked up in the image's unpacked layers, topmost first, where a
 * whiteout (a 0:0 character device, as layers keep them on disk) hides what lies below.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {Engine} from './engine.js';

const binDirs = ['bin', 'usr/bin', 'usr/local/bin'];

/** What a layer says about `name`: there, hidden by a whiteout, or nothing. */
const lookup = async (layer: string, name: string): Promise<'present' | 'removed' | undefined> => {
	try {
		const stat = await fsp.lstat(path.join(layer, name));
		return stat.isCharacterDevice() && stat.rdev === 0 ? 'removed' : 'present';
	} catch {
		return undefined;
	}
};

const hasFile = async (layers: string[], name: string): Promise<boolean> => {
	for (const layer of layers) {
		const found = await lookup(layer, name);
		if (found) {
			return found === 'present';
		}
	}

	return false;
};

/** The absolute path of the first of `names` the layers hold in a usual bin directory. */
export const findProgram = async (layers: string[], names: string[]): Promise<string | undefined> => {
	for (const name of names) {
		for (const dir of binDirs) {
			if (await hasFile(layers, path.join(dir, name))) {
				return `/${dir}/${name}`;
			}
		}
	}

	return undefined;
};

/** The shell to start in `image`: `preferred` (a basename such as `zsh`), else bash, else sh. */
export const imageShell = async (engine: Engine, image: string, preferred?: string): Promise<string> => {
	const layers = await engine.images.unpack(await engine.images.get(image));
	const names = [...new Set([preferred, 'bash', 'sh'].filter((name): name is string => Boolean(name) && !name!.includes('/')))];
	return await findProgram(layers, names) ?? 'sh';
};
