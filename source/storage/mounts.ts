/** The host-side mounts snapshotters make for brief views of a container's root. */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {BerthError, isErrno} from '../engine/errors.js';
import {MNT_DETACH, MS_BIND, MS_RDONLY, native} from '../native/addon.js';

/** mount(2) data is one page; the kernel cuts longer option strings. */
const maxMountData = 4095;

/** overlayfs splits options at `,` and lower dirs at `:`, and takes `\` as the escape for both. */
export const escapeOverlayPath = (dir: string): string => dir.replaceAll(/[\\:,]/g, character => `\\${character}`);

export const overlayOptions = (lower: readonly string[], upper: string, work: string): string => {
	const data = `lowerdir=${lower.map(dir => escapeOverlayPath(dir)).join(':')},upperdir=${escapeOverlayPath(upper)},workdir=${escapeOverlayPath(work)}`;
	if (data.length > maxMountData) {
		throw new BerthError('NOT_SUPPORTED', `cannot mount ${lower.length} layers in one overlay: the options exceed ${maxMountData} bytes`);
	}

	return data;
};

export const mountOverlay = (lower: readonly string[], upper: string, work: string, target: string): void => {
	native().mount('overlay', target, 'overlay', 0, overlayOptions(lower, upper, work));
};

/** A read-only overlay of `layers` (topmost first, at least two): a view with no upper or work dir. */
export const mountOverlayReadOnly = (layers: readonly string[], target: string): void => {
	const data = `lowerdir=${layers.map(dir => escapeOverlayPath(dir)).join(':')}`;
	if (data.length > maxMountData) {
		throw new BerthError('NOT_SUPPORTED', `cannot mount ${layers.length} layers in one overlay: the options exceed ${maxMountData} bytes`);
	}

	native().mount('overlay', target, 'overlay', MS_RDONLY, data);
};

export const bindMount = (source: string, target: string): void => {
	native().mount(source, target, '', MS_BIND, '');
};

/**
 * Unmounts `target`; a view still in use (a process inside it) is detached rather than left
 * behind. A target that is not mounted is fine: every teardown may run twice.
 */
export const unmount = (target: string): void => {
	try {
		native().umount2(target, 0);
	} catch (error) {
		if (isErrno(error, 'EBUSY')) {
			native().umount2(target, MNT_DETACH);
			return;
		}

		if (isErrno(error, 'EINVAL') || isErrno(error, 'ENOENT')) {
			return;
		}

		throw error;
	}
};

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
const decodeMountPath = (field: string) => field.replaceAll(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/**
 * The mount points strictly below `dir` in this process's mount namespace, relative to it.
 * Walking a tree, their content is not the tree's: overlayfs too sees only the directory
 * underneath (a --rootfs of `/` has /proc, /sys and /dev mounted inside it).
 */
export const mountPointsBelow = async (dir: string): Promise<Set<string>> => {
	const root = await fsp.realpath(dir);
	const prefix = root.endsWith('/') ? root : `${root}/`;
	const points = new Set<string>();
	for (const line of (await fsp.readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
		const field = line.split(' ')[4];
		const point = field === undefined ? '' : decodeMountPath(field);
		if (point.startsWith(prefix)) {
			points.add(path.relative(root, point));
		}
	}

	return points;
};
