/** Where berth keeps its state: BERTH_ROOT for what lasts, BERTH_RUN for what a reboot clears. */
import path from 'node:path';

export type Roots = {
	root: string;
	run: string;
};

export const defaultRoots = (env: NodeJS.ProcessEnv = process.env): Roots => ({
	root: path.resolve(env.BERTH_ROOT ?? '/var/lib/berth'),
	run: path.resolve(env.BERTH_RUN ?? '/run/berth'),
});
