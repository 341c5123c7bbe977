/**
 * A container's network namespace, kept alive by a bind mount of its nsfs file at
 * BERTH_RUN/netns/<id> from before the container exists (so its network is ready before its
 * command runs) until after it has exited. The shim joins it with setns.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {unmount} from '../storage/mounts.js';

export const netnsPath = (run: string, id: string): string => path.join(run, 'netns', id);

/** The empty file `unshare --net=FILE` mounts the new namespace on. */
export const prepareNetns = async (file: string): Promise<void> => {
	await fsp.mkdir(path.dirname(file), {recursive: true, mode: 0o700});
	await (await fsp.open(file, 'w', 0o600)).close();
};

/** Unmounts and deletes the namespace file; one never made, or already gone, is fine. */
export const removeNetns = async (file: string): Promise<void> => {
	unmount(file);
	await fsp.rm(file, {force: true});
};
