/**
 * The overlay snapshotter: a container owns an upper dir (its changes) and overlayfs's work
 * dir; the layers are stacked below without a copy. The upper dir is already a diff in overlay
 * form, so commit packs it as it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import {native} from '../native/addon.js';
import {upperChanges, type Change, type Skip} from './changes.js';
import {bindMount, mountOverlay, mountOverlayReadOnly, unmount} from './mounts.js';
import {packLayer} from './pack.js';
import type {RootfsMount, Snapshotter} from './snapshotter.js';
import type {TarOutput} from './tar-writer.js';

export class OverlaySnapshotter implements Snapshotter {
	readonly name = 'overlay';

	async prepare(containerDir: string, lowers: readonly string[]): Promise<RootfsMount> {
		fs.mkdirSync(path.join(containerDir, 'upper'), {recursive: true, mode: 0o755});
		fs.mkdirSync(path.join(containerDir, 'work'), {recursive: true, mode: 0o700});
		return this.rootfs(containerDir, lowers);
	}

	rootfs(containerDir: string, lowers: readonly string[]): RootfsMount {
		const upper = path.join(containerDir, 'upper');
		// overlayfs needs a lower dir; with no layers at all (FROM scratch) the upper is the root.
		if (lowers.length === 0) {
			return {kind: 'bind', dir: upper};
		}

		return {kind: 'overlay', lower: [...lowers], upper, work: path.join(containerDir, 'work')};
	}

	async mount(containerDir: string, lowers: readonly string[], target: string): Promise<void> {
		const rootfs = this.rootfs(containerDir, lowers);
		if (rootfs.kind === 'bind') {
			bindMount(rootfs.dir, target);
		} else {
			mountOverlay(rootfs.lower, rootfs.upper, rootfs.work, target);
		}
	}

	/** The upper dir as the topmost lower: overlayfs then applies its whiteouts like any layer's. */
	async view(containerDir: string, lowers: readonly string[], target: string): Promise<void> {
		const upper = path.join(containerDir, 'upper');
		if (lowers.length === 0) {
			bindMount(upper, target);
		} else {
			mountOverlayReadOnly([upper, ...lowers], target);
		}
	}

	async unmount(target: string): Promise<void> {
		unmount(target);
	}

	diff(containerDir: string, _lowers: readonly string[], skip?: Skip): TarOutput {
		return packLayer(path.join(containerDir, 'upper'), {format: 'overlay', skip});
	}

	async changes(containerDir: string, lowers: readonly string[], skip?: Skip): Promise<Change[]> {
		return upperChanges(path.join(containerDir, 'upper'), lowers, skip);
	}

	async remove(containerDir: string): Promise<void> {
		await Promise.all(['upper', 'work'].map(async dir => native().removeTree(path.join(containerDir, dir))));
	}
}
