/** Where berth keeps its state: BERTH_ROOT for what lasts, BERTH_RUN for what a reboot clears. */
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export type Roots = {
	root: string;
	run: string;
};

export const defaultRoots = (env: NodeJS.ProcessEnv = process.env): Roots => ({
	root: path.resolve(env.BERTH_ROOT ?? '/var/lib/berth'),
	run: path.resolve(env.BERTH_RUN ?? '/run/berth'),
});

let root: string | undefined;

/** Where the package is, for berth started from its start-up snapshot, whose code has no module URL. */
export const setPackageRoot = (dir: string): void => {
	root = dir;
};

/**
 * The installed package's own directory (the one holding package.json), found the same way
 * whether berth runs compiled from dist/ or from source in the tests.
 */
export const packageRoot = (): string => {
	if (root === undefined) {
		let dir = path.dirname(fileURLToPath(import.meta.url));
		while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
			dir = path.dirname(dir);
		}

		root = dir;
	}

	return root;
};
