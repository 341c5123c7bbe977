/**
 * Tiny static programs, assembled at test time, that make one raw syscall and exit with its
 * errno: they reach the seccomp filter where busybox cannot (32-bit calls, clone3, clone's
 * flags). x86_64 hosts with binutils only; elsewhere `assembleProbes` returns undefined.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const exitWithErrno64 = `
  neg %eax
  mov %eax, %edi
  mov $60, %eax
  syscall
`;

const sources = {
	/** i386 unshare(CLONE_NEWUSER) through int 0x80: the filter's i386 table. */
	unshare32: {bits: 32, text: `
.globl _start
_start:
  mov $310, %eax
  mov $0x10000000, %ebx
  int $0x80
  neg %eax
  mov %eax, %ebx
  mov $1, %eax
  int $0x80
`},
	/** clone3(NULL, 88): ENOSYS from the filter, EFAULT from the kernel. */
	clone3: {bits: 64, text: `
.globl _start
_start:
  mov $435, %eax
  xor %edi, %edi
  mov $88, %esi
  syscall
${exitWithErrno64}`},
	/** clone(CLONE_NEWNET|SIGCHLD): refused by the filter before any child exists. */
	cloneNewnet: {bits: 64, text: `
.globl _start
_start:
  mov $56, %eax
  mov $0x40000011, %edi
  xor %esi, %esi
  xor %edx, %edx
  xor %r10d, %r10d
  xor %r8d, %r8d
  syscall
${exitWithErrno64}`},
};

export type Probe = keyof typeof sources;

/** Assembles every probe into `dir`; undefined when this host cannot build or run them. */
export const assembleProbes = (dir: string): Record<Probe, string> | undefined => {
	if (os.arch() !== 'x64') {
		return undefined;
	}

	const built: Partial<Record<Probe, string>> = {};
	for (const [name, {bits, text}] of Object.entries(sources)) {
		const source = path.join(dir, `${name}.s`);
		const object = path.join(dir, `${name}.o`);
		const binary = path.join(dir, name);
		fs.writeFileSync(source, text);
		const as = spawnSync('as', [`--${bits}`, '-o', object, source]);
		const ld = as.status === 0 ? spawnSync('ld', ['-m', bits === 32 ? 'elf_i386' : 'elf_x86_64', '-o', binary, object]) : as;
		if (ld.status !== 0) {
			return undefined;
		}

		fs.rmSync(source);
		fs.rmSync(object);
		built[name as Probe] = binary;
	}

	// A kernel without 32-bit support cannot run the i386 probe at all.
	if (spawnSync(built.unshare32!).status !== 0) {
		return undefined;
	}

	return built as Record<Probe, string>;
};
