/**
 * A test mount that tells whether overlayfs works on a filesystem the way berth uses it. It runs
 * in a `.tmp-` directory of layers/; one killed while mounted is detached and removed by the
 * next probe or by the layer store's sweep.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {native, S_IFCHR} from '../native/addon.js';
import {listDir, TEMP_PREFIX, tempName, writerAlive} from './atomic.js';
import {OPAQUE_XATTR} from './whiteout.js';
import {mountOverlay, unmount} from './mounts.js';

const probeLabel = 'overlay-probe';

/**
 * Mounts a two-layer overlay in a temporary directory of `dir` and checks what berth relies
 * on: an opaque directory hides the layer below, and deleting a lower file makes a whiteout.
 */
export const probeOverlay = async (dir: string): Promise<boolean> => {
	await fsp.mkdir(dir, {recursive: true});
	await removeStaleProbes(dir);
	const probe = path.join(dir, tempName(probeLabel));
	const [top, bottom, upper, work, merged] = ['top', 'bottom', 'upper', 'work', 'merged'].map(name => path.join(probe, name));
	try {
		await Promise.all([top, bottom, upper, work, merged].map(async sub => fsp.mkdir(sub, {recursive: true})));
		await fsp.mkdir(path.join(top, 'opaque'));
		native().lsetxattr(path.join(top, 'opaque'), OPAQUE_XATTR, Buffer.from('y'));
		await fsp.mkdir(path.join(bottom, 'opaque'));
		await fsp.writeFile(path.join(bottom, 'opaque', 'hidden'), '');
		await fsp.writeFile(path.join(bottom, 'file'), '');
		try {
			mountOverlay([top, bottom], upper, work, merged);
		} catch {
			return false;
		}

		try {
			const hidden = await fsp.access(path.join(merged, 'opaque', 'hidden')).then(() => true, () => false);
			await fsp.rm(path.join(merged, 'file'));
			const whiteout = await fsp.lstat(path.join(upper, 'file'));
			return !hidden && whiteout.isCharacterDevice() && whiteout.rdev === 0 && (whiteout.mode & S_IFCHR) === S_IFCHR;
		} finally {
			unmount(merged);
		}
	} catch (error) {
		if (isErrno(error, 'ENOTSUP') || isErrno(error, 'EPERM') || isErrno(error, 'ENOENT')) {
			return false; // No trusted xattrs here, or overlay did not make a whiteout.
		}

		throw error;
	} finally {
		await fsp.rm(probe, {recursive: true, force: true});
	}
};

/** A probe killed while mounted left its mount: detach it before the directory can go. */
export const removeStaleProbes = async (dir: string): Promise<void> => {
	for (const name of await listDir(dir)) {
		// Another berth process may be probing right now: only a dead one's probe is stale.
		if (name.startsWith(TEMP_PREFIX) && name.endsWith(`-${probeLabel}`) && !writerAlive(name)) {
			unmount(path.join(dir, name, 'merged'));
			await fsp.rm(path.join(dir, name), {recursive: true, force: true});
		}
	}
};
