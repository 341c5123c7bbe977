/**
 * Promises over Node's callback fs calls on plain descriptors. The layer hot loops open, write
 * and close a thousand files: FileHandle costs about twice as much per call on the
 * main thread, and util.promisify resolves writev to an object rather than a byte count.
 */
import fs from 'node:fs';

const settle = <T>(resolve: (value: T) => void, reject: (error: Error) => void) =>
	(error: Error | null, value: T) => {
		if (error) {
			reject(error);
		} else {
			resolve(value);
		}
	};

export const openFd = async (file: string, flags: number, mode?: number) => new Promise<number>((resolve, reject) => {
	fs.open(file, flags, mode, settle(resolve, reject));
});

export const closeFd = async (fd: number) => new Promise<void>((resolve, reject) => {
	fs.close(fd, error => {
		settle(resolve, reject)(error, undefined);
	});
});

/** Writes all of `buffers`, going on after a short write. */
export const writeAllFd = async (fd: number, buffers: readonly Buffer[]): Promise<void> => {
	let pending = [...buffers];
	while (pending.length > 0) {
		const written = await new Promise<number>((resolve, reject) => {
			fs.writev(fd, pending, settle(resolve, reject));
		});
		if (written <= 0) {
			throw new Error(`writev wrote ${written} bytes`);
		}

		let skip = written;
		while (pending.length > 0 && skip >= pending[0].length) {
			skip -= pending[0].length;
			pending.shift();
		}

		if (pending.length > 0 && skip > 0) {
			pending[0] = pending[0].subarray(skip);
		}
	}
};
