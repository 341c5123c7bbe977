/**
 * The copying snapshotter ("vfs"), for filesystems overlayfs cannot use: each container gets
 * its own full copy of the merged layers in rootfs/. Slow to create and heavy on disk, but it
 * needs nothing from the kernel beyond a bind mount.
 *
 * Each layer is copied by streaming it through the layer tar writer into the flat extractor,
 * so whiteouts, opaque directories, owners, modes, xattrs, hardlinks and the refusal of paths
 * through symlinks follow the same rules as an image layer. A marker file written once the copy
 * is done records when, so `diff` can tell the container's changes by their ctime.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {native} from '../native/addon.js';
import {tarChanges, type Change, type Skip} from './changes.js';
import {extractLayer} from './extract.js';
import {bindMount, unmount} from './mounts.js';
import {packLayer} from './pack.js';
import type {RootfsMount, Snapshotter} from './snapshotter.js';
import type {TarOutput} from './tar-writer.js';
import {diffTree} from './tree-diff.js';

const rootfsDir = (containerDir: string) => path.join(containerDir, 'rootfs');
const preparedMarker = (containerDir: string) => path.join(containerDir, 'rootfs.prepared');

export class CopySnapshotter implements Snapshotter {
	readonly name = 'copy';

	async prepare(containerDir: string, lowers: readonly string[]): Promise<RootfsMount> {
		const rootfs = rootfsDir(containerDir);
		await fsp.mkdir(rootfs, {recursive: true, mode: 0o755});
		for (const lower of [...lowers].reverse()) {
			await extractLayer(packLayer(lower, {format: 'overlay'}).stream, rootfs, {format: 'flat'});
		}

		await fsp.writeFile(preparedMarker(containerDir), '');
		return this.rootfs(containerDir);
	}

	rootfs(containerDir: string): RootfsMount {
		return {kind: 'bind', dir: rootfsDir(containerDir)};
	}

	async mount(containerDir: string, _lowers: readonly string[], target: string): Promise<void> {
		bindMount(rootfsDir(containerDir), target);
	}

	async view(containerDir: string, lowers: readonly string[], target: string): Promise<void> {
		await this.mount(containerDir, lowers, target);
	}

	async unmount(target: string): Promise<void> {
		unmount(target);
	}

	diff(containerDir: string, lowers: readonly string[], skip?: Skip): TarOutput {
		const preparedAt = fsp.stat(preparedMarker(containerDir)).then(stat => stat.ctimeMs);
		preparedAt.catch(() => undefined); // Reported when the stream is read.
		return diffTree(rootfsDir(containerDir), lowers, preparedAt, skip);
	}

	/** Read from the diff itself: a copied root has no record of its changes but their comparison. */
	async changes(containerDir: string, lowers: readonly string[], skip?: Skip): Promise<Change[]> {
		return tarChanges(this.diff(containerDir, lowers, skip).stream, lowers);
	}

	async remove(containerDir: string): Promise<void> {
		await fsp.rm(preparedMarker(containerDir), {force: true});
		await native().removeTree(rootfsDir(containerDir));
	}
}
