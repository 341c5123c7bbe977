/**
 * A writable layer over an image's files, for the steps that change files without running a
 * command (COPY, ADD) and for reading an earlier stage's files (COPY --from). It lives in a
 * temporary directory under BERTH_ROOT/build/tmp, made by the store's snapshotter as it makes
 * a container's; its root is mounted on the host only while a step works in it, and its
 * changes come out as a layer tar.
 *
 * Lifecycle: create (prepare) -> withRoot (mount, work, unmount) -> diff -> remove. A build
 * killed on the way leaves a temporary directory, and perhaps a mount in it, which the next
 * build sweeps.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {Engine} from '../engine/engine.js';
import type {Image} from '../image/store.js';
import {sweepTemp, tempName, writerAlive} from '../storage/atomic.js';
import {mountPointsBelow, unmount} from '../storage/mounts.js';
import {withMount, type Snapshotter} from '../storage/snapshotter.js';
import type {TarOutput} from '../storage/tar-writer.js';

const tempDir = (engine: Engine) => path.join(engine.roots.root, 'build', 'tmp');

export class Snapshot {
	private constructor(readonly dir: string, private readonly lowers: string[], private readonly snapshotter: Snapshotter) {}

	/** A writable layer over `image`'s files (over nothing for FROM scratch). */
	static async create(engine: Engine, image: Image | undefined): Promise<Snapshot> {
		const snapshotter = await engine.snapshotter();
		const lowers = image ? await engine.images.unpack(image) : [];
		const dir = path.join(tempDir(engine), tempName('snapshot'));
		await fsp.mkdir(dir, {recursive: true, mode: 0o700});
		const snapshot = new Snapshot(dir, lowers, snapshotter);
		try {
			await snapshotter.prepare(dir, lowers);
		} catch (error) {
			await snapshot.remove();
			throw error;
		}

		return snapshot;
	}

	/** Runs `fn` with the merged root mounted, and unmounts it whatever happens. */
	async withRoot<T>(fn: (root: string) => Promise<T>): Promise<T> {
		const target = path.join(this.dir, 'merged');
		await fsp.mkdir(target, {recursive: true});
		return withMount(this.snapshotter, this.dir, this.lowers, target, fn);
	}

	/** The changes made in the root, as a layer tar. */
	diff(): TarOutput {
		return this.snapshotter.diff(this.dir, this.lowers);
	}

	async remove(): Promise<void> {
		await this.snapshotter.remove(this.dir);
		await fsp.rm(this.dir, {recursive: true, force: true});
	}
}

/** Removes what killed builds left: the mounts in their directories first, then the directories. */
export const sweepSnapshots = async (engine: Engine): Promise<void> => {
	const dir = tempDir(engine);
	// Most builds find nothing left: no need to read the mount table (nor to start the thread pool).
	if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
		return;
	}

	const points = await mountPointsBelow(dir).catch(() => new Set<string>());
	for (const point of points) {
		if (!writerAlive(point.split('/')[0]!)) {
			unmount(path.join(dir, point));
		}
	}

	await sweepTemp(dir);
};
