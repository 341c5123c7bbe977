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
 * change during a read makes one more read after it. The first read may be one made elsewhere
 * (both lists at once), passed in as it runs.
 */
const reloader = (read: () => Promise<void>): (first?: Promise<unknown>) => void => {
	let running = false;
	let again = false;
	const go = async (first?: Promise<unknown>): Promise<void> => {
		if (running) {
			again = true;
			return;
		}

		running = true;
		try {
			again = first === undefined;
			await first;
			while (again) {
				again = false;
				await read();
			}
		} finally {
			running = false;
		}
	};

	return first => {
		void go(first);
	};
};

const json = new WeakMap<object, string>();
const jsonOf = (item: unknown): string => {
	let text = json.get(item as object);
	if (text === undefined) {
		text = JSON.stringify(item);
		json.set(item as object, text);
	}

	return text;
};

/**
 * The list read anew, with the objects of the list before for the items that did not change,
 * and the list before itself when nothing did: while containers run, the backup poll reads
 * them every two seconds, and an unchanged list must not draw the screen again.
 */
const sameWherePossible = <T>(previous: T[], next: T[], keyOf: (item: T) => string): T[] => {
	const before = new Map(previous.map(item => [keyOf(item), item]));
	let same = previous.length === next.length;
	const merged = next.map((item, index) => {
		const old = before.get(keyOf(item));
		if (old !== undefined && jsonOf(old) === jsonOf(item)) {
			same &&= previous[index] === old;
			return old;
		}

		same = false;
		return item;
	});
	return same ? previous : merged;
};

export type Lists = {containers: Container[]; images: Image[]};

const containersOf = async (engine: Engine): Promise<Container[]> => engine.containers.list({all: true});

/** The images newest first. */
const imagesOf = async (engine: Engine): Promise<Image[]> => {
	const list = await engine.images.list();
	// RFC 3339 times in UTC sort as strings; localeCompare would load ICU's collator first.
	return list.sort((a, b) => ((a.created ?? '') < (b.created ?? '') ? 1 : ((a.created ?? '') > (b.created ?? '') ? -1 : 0)));
};

/** Both lists as the UI shows them, read before it starts so that its first frame has them. */
export const readLists = async (engine: Engine): Promise<Lists> => {
	const [containers, images] = await Promise.all([containersOf(engine), imagesOf(engine)]);
	return {containers, images};
};

/**
 * Every container and image, kept up to date from the engine's events and the state's file
 * watches; `initial` holds them as read before the UI started (they are read once more as the
 * watches start, for what changed in between).
 */
export const useBerthState = (engine: Engine, options: {pollMs?: number; initial?: Lists} = {}): BerthState => {
	const {initial} = options;
	const [containers, setContainers] = useState<Container[]>(initial?.containers ?? []);
	const [images, setImages] = useState<Image[]>(initial?.images ?? []);
	const [loaded, setLoaded] = useState({containers: initial !== undefined, images: initial !== undefined});
	const [error, setError] = useState<string>();
	const reloadRef = useRef(() => {});

	useEffect(() => {
		let active = true;
		// What the lists show now: a read that finds the same is no render.
		let shownContainers: Container[] | undefined = initial?.containers;
		let shownImages: Image[] | undefined = initial?.images;
		let failed = false;
		const fail = (cause: unknown): void => {
			failed = true;
			setError((cause as Error).message?.split('\n')[0] ?? String(cause));
		};

		// A read now, shown later (both lists of the first read together): what to show, or the failure.
		const reading = async <T>(read: () => Promise<T>, apply: (list: T) => void): Promise<() => void> => {
			try {
				const list = await read();
				return () => {
					apply(list);
				};
			} catch (cause) {
				return () => {
					fail(cause);
				};
			}
		};

		const readContainers = async () => reading(async () => containersOf(engine), list => {
			const next = sameWherePossible(shownContainers ?? [], list, container => container.Id);
			if (next !== shownContainers) {
				setContainers(next);
				setLoaded(previous => previous.containers ? previous : {...previous, containers: true});
			}

			shownContainers = next;
			if (failed) {
				failed = false;
				setError(undefined);
			}
		});

		const readImages = async () => reading(async () => imagesOf(engine), list => {
			const next = sameWherePossible(shownImages ?? [], list, image => image.id);
			if (next !== shownImages) {
				setImages(next);
				setLoaded(previous => previous.images ? previous : {...previous, images: true});
			}

			shownImages = next;
		});

		const show = (update: () => void): void => {
			if (active) {
				update();
			}
		};

		const containersReload = reloader(async () => {
			show(await readContainers());
		});
		const imagesReload = reloader(async () => {
			show(await readImages());
		});
		reloadRef.current = () => {
			containersReload();
			imagesReload();
		};

		// The first frame with content shows both lists: one render, not one for each.
		const first = Promise.all([readContainers(), readImages()]).then(updates => {
			for (const update of updates) {
				show(update);
			}
		});
		containersReload(first);
		imagesReload(first);
		const stop = watchState(engine, change => {
			if (change.containers) {
				containersReload();
			}

			if (change.images) {
				imagesReload();
			}
		}, {
			pollMs: options.pollMs,
			idle: () => !(shownContainers ?? []).some(container => container.State.Status === 'running' || container.State.Status === 'paused'),
		});
		return () => {
			active = false;
			stop();
		};
	// The lists read before the start are the first state only.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [engine, options.pollMs]);

	return {containers, images, loaded: loaded.containers && loaded.images, error, reload: () => reloadRef.current()};
};
