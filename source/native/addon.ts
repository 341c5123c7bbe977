/**
 * The few syscalls Node lacks, from the N-API addon built by node-gyp with berth-shim.
 * Every function throws a Node-style error (with `code` set to the errno name, and `syscall`
 * and `path`) when the call fails.
 */
import path from 'node:path';
import {packageRoot} from '../engine/paths.js';

export type Native = {
	/** mknod(2): `mode` holds the file type bits (S_IFCHR, S_IFBLK, S_IFIFO) and permissions. */
	mknod(path: string, mode: number, major: number, minor: number): void;
	lsetxattr(path: string, name: string, value: Buffer): void;
	/** The attribute's value, or null when the file does not have it. */
	lgetxattr(path: string, name: string): Buffer | null;
	llistxattr(path: string): string[];
	/** flock(2) on an open descriptor; `operation` is LOCK_SH, LOCK_EX or LOCK_UN, optionally | LOCK_NB. */
	flock(fd: number, operation: number): void;
	mount(source: string, target: string, type: string, flags: number, data: string): void;
	umount2(target: string, flags: number): void;
	/** lchown(2) that also works on symlinks and keeps the ids as numbers past 2^31. */
	lchown(path: string, uid: number, gid: number): void;
	/**
	 * syncfs(2) on the filesystem holding `path`, on the thread pool: one call makes a whole
	 * unpacked layer durable before it is renamed into place, where an fsync per file would
	 * cost a thousand. Rejects with the same kind of error the others throw.
	 */
	syncfs(path: string): Promise<void>;
	/**
	 * Writes `data` to an existing file (a cgroup control file) in one job on the thread pool:
	 * open, write and close happen there without a turn of the event loop in between, as Node's
	 * own writeFile needs. Rejects with the same kind of error the others throw.
	 */
	writeFile(path: string, data: string): Promise<void>;
	/**
	 * `rm -rf` as one job on the thread pool (Node's fs.rm makes a round trip per file): symlinks
	 * are removed, not followed; a mount below is left alone, so the directory holding it fails
	 * with ENOTEMPTY; a missing path is no error.
	 */
	removeTree(path: string): Promise<void>;
	/**
	 * Starts a program in a session of its own, stdio on /dev/null and fd 3 a pipe, without
	 * copying Node's memory as a fork would; a thread of the addon reaps it when it exits.
	 * `argv` includes argv[0]. `fd` is the pipe's read end, on which the program answers.
	 */
	spawnDetached(file: string, argv: string[], env: string[]): {pid: number; fd: number};
	/**
	 * Runs a program to its end on the thread pool, `input` on its stdin, without copying
	 * Node's memory as child_process's fork does. `status` is -1 when a signal ended it.
	 * Rejects only when the program cannot be started (ENOENT...).
	 */
	runTool(file: string, argv: string[], env: string[], input: string): Promise<{status: number; signal: number; stdout: string; stderr: string}>;
	Sha256: new () => Sha256;
};

/**
 * A sha256 hash computed on the thread pool, off the main thread: `update` queues the bytes,
 * which must not change until they are hashed; `digest` resolves with the hex digest once
 * everything queued is hashed.
 */
export type Sha256 = {
	update(data: Uint8Array): void;
	digest(): Promise<string>;
};

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const MS_RDONLY = 1;
export const MS_BIND = 4096;
export const MNT_DETACH = 2;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** An environment as spawnDetached and runTool take it: KEY=VALUE strings. */
export const environment = (env: NodeJS.ProcessEnv = process.env): string[] => Object.entries(env).map(([key, value]) => `${key}=${value}`);

/** The directory holding the compiled native parts. */
export const nativeBuildDir = (): string => path.join(packageRoot(), 'source/native/build/Release');

let loaded: Native | undefined;

export const native = (): Native => {
	if (!loaded) {
		// dlopen itself: the CommonJS loader's resolution around it costs milliseconds at start-up.
		const module = {exports: {}};
		process.dlopen(module, path.join(nativeBuildDir(), 'berth_native.node'));
		loaded = module.exports as Native;
	}

	return loaded;
};
