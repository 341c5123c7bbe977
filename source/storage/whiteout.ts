/**
 * OCI whiteouts and their overlayfs form, both ways (image-spec layer.md, "Whiteouts"):
 * `.wh.NAME` in a tar is a char device 0:0 named NAME on disk; `.wh..wh..opq` in a directory
 * is the trusted.overlay.opaque=y xattr on it.
 */
import type fs from 'node:fs';
import {isErrno} from '../engine/errors.js';
import {native} from '../native/addon.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`) that old Docker layers carry: skipped. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** overlayfs's own attributes: never taken from a tar (they could redirect lookups), never put in one. */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

export const isWhiteout = (stat: fs.Stats): boolean => stat.isCharacterDevice() && stat.rdev === 0;

export const isOpaque = (dir: string): boolean => {
	try {
		return native().lgetxattr(dir, OPAQUE_XATTR)?.toString() === 'y';
	} catch (error) {
		if (isErrno(error, 'ENOTSUP')) {
			return false; // A filesystem without xattrs has no opaque directories.
		}

		throw error;
	}
};
