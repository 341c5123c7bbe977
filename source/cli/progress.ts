/**
 * Pull and push progress as Docker's CLI draws it: a line per layer (`a3ed95caeb02: Pull
 * complete`), with a bar and bytes while it moves. On a terminal the layer lines are redrawn
 * in place; on a pipe, a line is printed each time a layer enters a new phase, never per byte.
 */
import {familiar, parseReference, repositoryName} from '../image/reference.js';
import type {LayerPhase, OnProgress, ProgressEvent} from '../registry/progress.js';
import {humanSize} from './format.js';

const pullText: Partial<Record<LayerPhase, string>> = {
	waiting: 'Waiting',
	downloading: 'Downloading',
	verifying: 'Verifying Checksum',
	extracting: 'Extracting',
	exists: 'Already exists',
	done: 'Pull complete',
};

const pushText: Partial<Record<LayerPhase, string>> = {
	waiting: 'Waiting',
	pushing: 'Pushing',
	exists: 'Layer already exists',
	mounted: 'Mounted from',
	done: 'Pushed',
};

const barWidth = 50;

/** `[=====>      ]  1.2MB/3.4MB`, as Docker's jsonmessage draws it. */
const bar = (current: number, total: number): string => {
	const filled = total > 0 ? Math.min(barWidth, Math.floor(barWidth * current / total)) : 0;
	return `[${'='.repeat(filled)}>${' '.repeat(barWidth - filled)}]  ${humanSize(current)}/${humanSize(total)}`;
};

const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

const tagOf = (reference: string): string => parseReference(reference).tag ?? parseReference(reference).digest ?? 'latest';

/** Writes progress to `stream` (stdout for pull and push, stderr when `run` pulls first). */
export const progressPrinter = (stream: NodeJS.WriteStream = process.stdout): OnProgress => {
	const tty = Boolean(stream.isTTY);
	let action: 'pull' | 'push' = 'pull';
	/** The layer lines of the current image, in the order they were announced. */
	const lines = new Map<string, {phase: LayerPhase; text: string}>();
	let drawn = 0;
	let timer: NodeJS.Timeout | undefined;

	const draw = () => {
		timer = undefined;
		const up = drawn > 0 ? `\u001B[${drawn}A` : '';
		stream.write(up + [...lines].map(([id, line]) => `\u001B[2K${id}: ${line.text}\n`).join(''));
		drawn = lines.size;
	};

	/** Text printed above the layer lines, which then start afresh below it. */
	const say = (text: string) => {
		if (timer) {
			clearTimeout(timer);
			draw();
		}

		stream.write(`${text}\n`);
		lines.clear();
		drawn = 0;
	};

	const layer = (event: Extract<ProgressEvent, {type: 'layer'}>) => {
		const id = shortDigest(event.digest);
		const label = (action === 'pull' ? pullText : pushText)[event.phase] ?? event.phase;
		const moving = event.phase === 'downloading' || event.phase === 'pushing';
		const text = moving && tty && event.total ? `${label} ${bar(event.current ?? 0, event.total)}`
			: event.phase === 'mounted' ? `${label} ${event.from ?? ''}` : label;
		const changed = lines.get(id)?.phase !== event.phase;
		lines.set(id, {phase: event.phase, text});
		if (!tty) {
			if (changed) {
				stream.write(`${id}: ${text}\n`);
			}
		} else if (changed) {
			clearTimeout(timer);
			draw();
		} else {
			// Byte counts come in per chunk: redraw ten times a second at most.
			timer ??= setTimeout(draw, 100);
		}
	};

	return event => {
		switch (event.type) {
			case 'start': {
				action = event.action;
				const reference = parseReference(event.reference);
				say(action === 'pull'
					? `${tagOf(event.reference)}: Pulling from ${reference.path}`
					: `The push refers to repository [${repositoryName(reference)}]`);
				break;
			}

			case 'layer': {
				layer(event);
				break;
			}

			case 'digest': {
				say(action === 'pull' ? `Digest: ${event.digest}` : `${tagOf(event.reference)}: digest: ${event.digest} size: ${event.size}`);
				break;
			}

			case 'end': {
				if (action === 'pull') {
					say(`Status: ${event.fresh ? 'Downloaded newer image' : 'Image is up to date'} for ${familiar(event.reference)}`);
				}

				break;
			}
		}
	};
};
