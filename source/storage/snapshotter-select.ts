/**
 * Chooses the snapshotter for a store: overlay where the kernel can mount it over the store's
 * filesystem (not over another overlay, nor on a filesystem without d_type or trusted xattrs),
 * else copy. The answer comes from a real test mount, made once and cached in the store
 * (snapshotter.json, keyed by the kernel release so an upgrade asks again).
 */
import os from 'node:os';
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import {readJsonOr, writeJsonAtomic} from './atomic.js';
import {probeOverlay} from './overlay-probe.js';
import {CopySnapshotter} from './snapshotter-copy.js';
import {OverlaySnapshotter} from './snapshotter-overlay.js';
import type {Snapshotter} from './snapshotter.js';

export type {Snapshotter, SnapshotterName} from './snapshotter.js';

type Cached = {kernel: string; overlay: boolean};

/** The snapshotter of that name, for a container created under it. */
export const snapshotterNamed = (name: string): Snapshotter => {
	switch (name) {
		case 'overlay':
		case 'overlay2':
		case 'overlayfs': {
			return new OverlaySnapshotter();
		}

		case 'copy':
		case 'vfs': {
			return new CopySnapshotter();
		}

		default: {
			throw new BerthError('INVALID_ARGUMENT', `unknown storage driver \`${name}\`: use overlay or copy`);
		}
	}
};

/**
 * The snapshotter for the store at `root`: `setting` (overlay, copy; vfs is copy) when given,
 * else overlay if it works there.
 */
export const selectSnapshotter = async (root: string, setting?: string): Promise<Snapshotter> => {
	if (setting) {
		return snapshotterNamed(setting);
	}

	return snapshotterNamed(await overlaySupported(root) ? 'overlay' : 'copy');
};

/** Whether overlayfs works under `root`, from the cache or a test mount. */
export const overlaySupported = async (root: string): Promise<boolean> => {
	const cacheFile = path.join(root, 'snapshotter.json');
	const kernel = os.release();
	const cached = await readJsonOr<Cached | undefined>(cacheFile, undefined);
	if (cached?.kernel === kernel) {
		return cached.overlay;
	}

	const overlay = await probeOverlay(path.join(root, 'layers'));
	await writeJsonAtomic(cacheFile, {kernel, overlay} satisfies Cached);
	return overlay;
};
