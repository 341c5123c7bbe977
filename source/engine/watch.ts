/**
 * A subscription to changes in berth's state, for the TUI: in this process (the engine's
 * events) and in any other (file watches on the containers directory, images.json and
 * events.jsonl, which every state change of another berth process touches). A slow poll
 * backs the watches up, for a shim that died without a word and for filesystems that send
 * no watch events; with the watches in place and nothing running (`idle`), it has nothing
 * to find and reads nothing.
 *
 * Changes come in bursts (a `run` creates, starts and attaches), so the listener is called
 * once per burst, after `settleMs` of quiet or at the latest `settleMs` after the first.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {Engine} from './engine.js';

export type WatchOptions = {
	/** How long a burst of changes is gathered before the listener runs. */
	settleMs?: number;
	/** How often the state is looked at even when no change was seen. */
	pollMs?: number;
	/** Whether no container runs (none whose shim could die unheard): the poll is then skipped. */
	idle?: () => boolean;
};

export type StateChange = {
	containers: boolean;
	images: boolean;
};

/** Starts watching; the returned function stops it. */
export const watchState = (engine: Engine, listener: (change: StateChange) => void, options: WatchOptions = {}): () => void => {
	const settleMs = options.settleMs ?? 30;
	const pollMs = options.pollMs ?? 2000;
	const {root} = engine.roots;
	const containersDir = path.join(root, 'containers');
	const pending: StateChange = {containers: false, images: false};
	const watchers = new Map<string, fs.FSWatcher>();
	let timer: NodeJS.Timeout | undefined;
	let closed = false;

	const flush = (): void => {
		timer = undefined;
		const change = {...pending};
		pending.containers = false;
		pending.images = false;
		if (!closed && (change.containers || change.images)) {
			listener(change);
		}
	};

	const changed = (what: Partial<StateChange>): void => {
		pending.containers ||= Boolean(what.containers);
		pending.images ||= Boolean(what.images);
		timer ??= setTimeout(flush, settleMs);
	};

	const watch = (dir: string, onChange: (name: string) => void): void => {
		if (watchers.has(dir) || closed) {
			return;
		}

		try {
			const watcher = fs.watch(dir, {persistent: false}, (_event, name) => {
				onChange(name?.toString() ?? '');
			});
			watcher.on('error', () => {
				watcher.close();
				watchers.delete(dir);
			});
			watchers.set(dir, watcher);
		} catch {
			// Not there yet (a fresh root) or out of watches: the poll picks it up.
		}
	};

	const onRootChange = (name: string): void => {
		if (name === 'images.json' || name.startsWith('images.json')) {
			changed({images: true});
		} else if (name === 'events.jsonl') {
			changed({containers: true, images: true});
		} else if (name === 'containers') {
			watch(containersDir, () => changed({containers: true}));
			changed({containers: true});
		}
	};

	const watchAll = (): void => {
		watch(root, onRootChange);
		watch(containersDir, () => changed({containers: true}));
	};

	const onEvent = (event: {Type: string}): void => {
		changed(event.Type === 'image' ? {images: true} : {containers: true});
	};

	watchAll();
	engine.events.on('event', onEvent);
	const poll = setInterval(() => {
		watchAll();
		const watching = watchers.has(root) && watchers.has(containersDir);
		if (!watching || !options.idle?.()) {
			changed({containers: true});
		}
	}, pollMs);
	poll.unref();
	return () => {
		closed = true;
		clearInterval(poll);
		if (timer) {
			clearTimeout(timer);
		}

		engine.events.off('event', onEvent);
		for (const watcher of watchers.values()) {
			watcher.close();
		}

		watchers.clear();
	};
};
