/**
 * File writes in flight during an extraction. The tar is read in order, but a small file's
 * open, write, chown, chmod, utimes and close are a handful of thread-pool round trips each:
 * running several files at once keeps the pool (and the disk) busy instead of waiting on
 * one. Anything that touches a path first settles the writes at, above or below it, so the
 * result is the same as writing one entry after the other.
 */

/** At most this many files, and this many bytes of their content, wait in memory. */
const maxWrites = 16;
const maxBytes = 32 * 1024 * 1024;

type Write = {promise: Promise<void>; bytes: number};

const related = (a: string, b: string) =>
	a === '' || b === '' || a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

export class WriteQueue {
	private readonly writes = new Map<string, Write>();
	private bytes = 0;
	private failure: {error: unknown} | undefined;

	/** Starts `write` for `relative` once there is room; a failure shows at the next add or settle. */
	async add(relative: string, bytes: number, write: () => Promise<void>): Promise<void> {
		while (this.writes.size >= maxWrites || (this.writes.size > 0 && this.bytes + bytes > maxBytes)) {
			await this.wait(this.writes.keys().next().value!);
		}

		this.rethrow();
		const promise = write().then(undefined, (error: unknown) => {
			this.failure ??= {error};
		});
		this.writes.set(relative, {promise, bytes});
		this.bytes += bytes;
	}

	/** Waits for the writes at, above or below `relative`; all of them without one. */
	async settle(relative = ''): Promise<void> {
		for (const key of [...this.writes.keys()]) {
			if (related(key, relative)) {
				await this.wait(key);
			}
		}

		this.rethrow();
	}

	private async wait(relative: string): Promise<void> {
		const write = this.writes.get(relative);
		if (write) {
			await write.promise;
			this.writes.delete(relative);
			this.bytes -= write.bytes;
		}
	}

	private rethrow(): void {
		if (this.failure) {
			throw this.failure.error;
		}
	}
}
