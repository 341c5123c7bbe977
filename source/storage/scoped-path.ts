/**
 * Paths inside a root filesystem (a build context, or an image's files mounted on the host)
 * resolved as a process chrooted there would see them: symlinks are followed, but an absolute
 * target or a `..` starts again from, or stops at, the root — never the host's `/`
 * (moby's FollowSymlinkInScope).
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError, isErrno} from '../engine/errors.js';

/** Linux's own limit on symlinks followed in one lookup. */
const maxLinks = 40;

/** `name` as components; `..` leaves the parent, and climbs no higher than the root. */
const components = (name: string): string[] => name.split('/').filter(part => part !== '' && part !== '.');

/**
 * The host path of `name` in `root`. Missing components are kept as they are written (they
 * can be created under the result); every existing one has had its symlinks followed in scope.
 */
export const resolveInRoot = async (root: string, name: string): Promise<string> => {
	const done: string[] = [];
	// Cleaned first, as Docker does: `..` in the name itself never climbs above the root.
	const pending = components(path.posix.normalize(`/${name}`));
	let links = 0;
	while (pending.length > 0) {
		const part = pending.shift()!;
		if (part === '..') {
			done.pop();
			continue;
		}

		const host = path.join(root, ...done, part);
		let target: string;
		try {
			// Synchronous: a component is one readlink(2), cheaper than a trip through the thread pool.
			target = fs.readlinkSync(host);
		} catch (error) {
			if (isErrno(error, 'EINVAL')) {
				done.push(part); // Not a symlink.
				continue;
			}

			if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
				return path.join(root, ...done, part, ...pending.filter(rest => rest !== '..'));
			}

			throw error;
		}

		if (++links > maxLinks) {
			throw new BerthError('UNSAFE_PATH', `too many levels of symbolic links in \`${name}\``);
		}

		if (target.startsWith('/')) {
			done.length = 0;
		}

		pending.unshift(...components(target));
	}

	return path.join(root, ...done);
};

/** Like path.posix.normalize for a name relative to a root, refusing one that climbs out of it. */
export const relativeInside = (name: string, what: string): string => {
	const normal = path.posix.normalize(name.replace(/^\/+/, ''));
	if (normal === '..' || normal.startsWith('../')) {
		throw new BerthError('UNSAFE_PATH', `\`${name}\` is outside the ${what}`);
	}

	return normal === '.' ? '' : normal.replace(/\/$/, '');
};
