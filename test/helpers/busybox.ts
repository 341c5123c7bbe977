/**
 * The test image: a root filesystem built from Debian's busybox-static, as a directory or
 * as a tarball for `berth import`.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const busyboxBinary = '/bin/busybox';

const passwd = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n';
const group = 'root:x:0:\ndaemon:x:1:\nwheel:x:10:user\nnogroup:x:65534:\nuser:x:1000:\n';

/** Fills `dir` with a busybox userland: every applet in /bin, users root, nobody and user (1000). */
export const makeBusyboxRootfs = (dir: string): string => {
	for (const sub of ['bin', 'etc', 'root', 'tmp', 'home/user', 'proc', 'sys', 'dev']) {
		fs.mkdirSync(path.join(dir, sub), {recursive: true});
	}

	fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
	fs.chownSync(path.join(dir, 'home/user'), 1000, 1000);
	fs.copyFileSync(busyboxBinary, path.join(dir, 'bin/busybox'));
	fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
	const applets = execFileSync(busyboxBinary, ['--list'], {encoding: 'utf8'}).split('\n').filter(Boolean);
	for (const applet of applets) {
		if (applet !== 'busybox') {
			fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
		}
	}

	fs.writeFileSync(path.join(dir, 'etc/passwd'), passwd);
	fs.writeFileSync(path.join(dir, 'etc/group'), group);
	return dir;
};

/** Writes an uncompressed tarball of a fresh busybox rootfs to `file`. */
export const makeBusyboxTarball = (file: string): string => {
	const dir = fs.mkdtempSync(path.join(path.dirname(file), '.rootfs-'));
	try {
		makeBusyboxRootfs(dir);
		execFileSync('tar', ['--numeric-owner', '-C', dir, '-cf', file, '.']);
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}

	return file;
};
