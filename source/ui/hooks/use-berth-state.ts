import {useEffect, useRef, useState} from 'react';
import type {Engine} from '../../engine/engine.js';
import {watchState} from '../../engine/watch.js';
import type {Container} from '../../runtime/container.js';
import type {Image} from '../../image/store.js';

export type BerthState = {
	containers: Container[];
	images: Image[];
	/** Both lists have been read once. */
	loaded: boolean;
	/** The last failure to read them, as a message. */
	error?: string;
	/** Reads both lists now (after an action of this UI, without waiting for the watch). */
	reload: () => void;
};

/**
 * Reads a list again whenever berth's state changes, never two reads of one list at once: a
 * change during a read makes one more read after it.
 */
const reloader = (read: () => Promise<void>): () => void => {
	let running = false;
	let again = false;
	const go = async (): Promise<void> => {
		if (running) {
			again = true;
			return;
		}

		running = true;
		try {
			do {
				again = false;
				await read();
			} while (again);
		} finally {
			running = false;
		}
	};

	return () => {
		void go();
	};
};

/** Every container and image, kept up to date from the engine's events and the state's file watches. */
export const useBerthState = (engine: Engine, options: {pollMs?: number} = {}): BerthState => {
	const [containers, setContainers] = useState<Container[]>([]);
	const [images, setImages] = useState<Image[]>([]);
	const [loaded, setLoaded] = useState({containers: false, images: false});
	const [error, setError] = useState<string>();
	const reloadRef = useRef(() => {});

	useEffect(() => {
		let active = true;
		const fail = (cause: unknown): void => {
			if (active) {
				setError((cause as Error).message?.split('\n')[0] ?? String(cause));
			}
		};

		const containersReload = reloader(async () => {
			try {
				const list = await engine.containers.list({all: true});
				if (active) {
					setContainers(list);
					setLoaded(previous => previous.containers ? previous : {...previous, containers: true});
					setError(undefined);
				}
			} catch (cause) {
				fail(cause);
			}
		});
		const imagesReload = reloader(async () => {
			try {
				const list = await engine.images.list();
				list.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
				if (active) {
					setImages(list);
					setLoaded(previous => previous.images ? previous : {...previous, images: true});
				}
			} catch (cause) {
				fail(cause);
			}
		});
		reloadRef.current = () => {
			containersReload();
			imagesReload();
		};

		reloadRef.current();
		const stop = watchState(engine, change => {
			if (change.containers) {
				containersReload();
			}

			if (change.images) {
				imagesReload();
			}
		}, {pollMs: options.pollMs});
		return () => {
			active = false;
			stop();
		};
	}, [engine, options.pollMs]);

	return {containers, images, loaded: loaded.containers && loaded.images, error, reload: () => reloadRef.current()};
};
