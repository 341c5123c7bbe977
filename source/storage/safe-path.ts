/**
 * Keeps extraction inside its target. A tar entry's name is cleaned to a relative path with no
 * `..`, and every directory above it must be a real directory under the root — never a
 * symlink, since a symlink planted by this layer or an earlier one (`evil -> /etc`) would carry
 * the write of `evil/passwd` out of the root.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {BerthError, isErrno} from '../engine/errors.js';

/**
 * `name` as clean relative components joined by `/` ('' for the root itself). A leading `/`
 * is dropped, as Docker does; any `..` component is refused.
 */
export const cleanEntryPath = (name: string): string => {
	const parts: string[] = [];
	for (const part of name.split('/')) {
		if (part === '..') {
			throw new BerthError('UNSAFE_PATH', `layer entry \`${name}\` escapes its root`);
		}

		if (part !== '' && part !== '.') {
			parts.push(part);
		}
	}

	return parts.join('/');
};

export class RootGuard {
	/** Relative paths known to be real directories, so each is checked once per extraction. */
	private readonly directories = new Set<string>(['']);

	constructor(readonly root: string) {}

	absolute(relative: string): string {
		return relative === '' ? this.root : path.join(this.root, relative);
	}

	/**
	 * Makes sure every directory above `relative` is a real directory inside the root, creating
	 * missing ones (mode 0755, as Docker does) when `create` is set, and returns the absolute path.
	 * `name` is the entry name quoted in errors.
	 */
	async parents(relative: string, name: string, create = true): Promise<string> {
		const parts = relative.split('/');
		let prefix = '';
		for (let i = 0; i < parts.length - 1; i++) {
			prefix = prefix === '' ? parts[i] : `${prefix}/${parts[i]}`;
			if (this.directories.has(prefix)) {
				continue;
			}

			const full = this.absolute(prefix);
			let stat;
			try {
				stat = await fsp.lstat(full);
			} catch (error) {
				if (!isErrno(error, 'ENOENT') || !create) {
					throw error;
				}

				await fsp.mkdir(full, 0o755);
				this.directories.add(prefix);
				continue;
			}

			if (stat.isSymbolicLink()) {
				throw new BerthError('UNSAFE_PATH', `layer entry \`${name}\` escapes its root through the symlink \`${prefix}\``);
			}

			if (!stat.isDirectory()) {
				throw new BerthError('INVALID_ARCHIVE', `layer entry \`${name}\` is below \`${prefix}\`, which is not a directory`);
			}

			this.directories.add(prefix);
		}

		return this.absolute(relative);
	}

	/** Whether `relative` is known to be a real directory under the root. */
	isDirectory(relative: string): boolean {
		return this.directories.has(relative);
	}

	/** Records that `relative` is now a real directory. */
	directory(relative: string): void {
		this.directories.add(relative);
	}

	/**
	 * Forgets `relative` and everything below it: the entry there was replaced, perhaps by a
	 * symlink, so what was checked no longer holds.
	 */
	replaced(relative: string): void {
		if (!this.directories.delete(relative)) {
			return;
		}

		const below = `${relative}/`;
		for (const known of this.directories) {
			if (known.startsWith(below)) {
				this.directories.delete(known);
			}
		}
	}
}
