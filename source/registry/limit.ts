/** Bounded concurrency for the blobs of a pull or a push, without a dependency for it. */

/** A gate that lets at most `concurrency` of the functions given to it run at once, in order of arrival. */
export const limiter = (concurrency: number) => {
	let active = 0;
	const waiting: Array<() => void> = [];
	return async <T>(work: () => Promise<T>): Promise<T> => {
		if (active < concurrency) {
			active++;
		} else {
			// The finishing one hands its place over without freeing it, so none can jump the queue.
			await new Promise<void>(resolve => {
				waiting.push(resolve);
			});
		}

		try {
			return await work();
		} finally {
			const next = waiting.shift();
			if (next) {
				next();
			} else {
				active--;
			}
		}
	};
};

/**
 * Waits for all, then throws the first failure: a pull that fails has no download still
 * writing when it reports, and the layers that did arrive stay for the next try.
 */
export const settleAll = async <T>(promises: Array<Promise<T>>): Promise<T[]> => {
	const results = await Promise.allSettled(promises);
	const failed = results.find(result => result.status === 'rejected');
	if (failed) {
		throw failed.reason;
	}

	return results.map(result => (result as PromiseFulfilledResult<T>).value);
};
