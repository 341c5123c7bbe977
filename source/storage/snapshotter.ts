/**
 * Snapshotters make a container's root filesystem out of an image's unpacked layers.
 *
 * The layers are read-only directories in overlay form (layers.ts): whiteouts are char devices
 * 0:0, opaque directories carry trusted.overlay.opaque=y. They are passed topmost-first, as
 * overlayfs's lowerdir lists them. A snapshotter never writes to them.
 *
 * Lifecycle of a container's snapshot, all of it under the container's own directory:
 *
 *  - prepare(containerDir, lowers) makes the writable part once, when the container is
 *    created: overlay makes empty upper/ and work/ dirs; copy merges the layers into rootfs/,
 *    applying whiteouts. It returns how to mount the root, as `rootfs` would.
 *  - rootfs(containerDir, lowers) says how the root is mounted, without touching the disk:
 *    the shim does the mount itself, inside the container's mount namespace, so a crashed
 *    engine never leaves mounts on the host. The container directory may have been renamed
 *    since prepare (the engine prepares in a temporary directory), hence computed anew.
 *  - mount(containerDir, lowers, target) / unmount(target) give a brief host-side, writable
 *    view of the merged root of a stopped container (cp into it). Use `withMount`, which
 *    always unmounts. view(...) mounts it read-only and is safe while the container runs: it
 *    neither takes its upper dir as one nor uses its work dir (export, cp out of it).
 *  - diff(containerDir, lowers, skip) streams the container's changes as a layer tar (OCI
 *    whiteouts), for commit; changes(...) lists them by path, for `berth diff`. `skip` leaves
 *    out what the runtime put there (mount points). A running container must be paused.
 *  - remove(containerDir) deletes what prepare made; it is harmless on a half-prepared or
 *    already removed container.
 *
 * Which one a store uses is chosen once (snapshotter-select.ts) and recorded per container.
 */
import type {Change, Skip} from './changes.js';
import type {TarOutput} from './tar-writer.js';

export type SnapshotterName = 'overlay' | 'copy';

/** How the shim makes the container's root: an overlay of layers, or a bind of a ready tree. */
export type RootfsMount =
	| {kind: 'overlay'; lower: string[]; upper: string; work: string}
	| {kind: 'bind'; dir: string};

export type Snapshotter = {
	readonly name: SnapshotterName;
	prepare(containerDir: string, lowers: readonly string[]): Promise<RootfsMount>;
	rootfs(containerDir: string, lowers: readonly string[]): RootfsMount;
	mount(containerDir: string, lowers: readonly string[], target: string): Promise<void>;
	view(containerDir: string, lowers: readonly string[], target: string): Promise<void>;
	unmount(target: string): Promise<void>;
	diff(containerDir: string, lowers: readonly string[], skip?: Skip): TarOutput;
	changes(containerDir: string, lowers: readonly string[], skip?: Skip): Promise<Change[]>;
	remove(containerDir: string): Promise<void>;
};

/** Runs `fn` with the container's merged root mounted at `target`, and unmounts it whatever happens. */
export const withMount = async <T>(
	snapshotter: Snapshotter,
	containerDir: string,
	lowers: readonly string[],
	target: string,
	fn: (root: string) => Promise<T>,
): Promise<T> => {
	await snapshotter.mount(containerDir, lowers, target);
	try {
		return await fn(target);
	} finally {
		await snapshotter.unmount(target);
	}
};
