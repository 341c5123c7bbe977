import {useCallback, useEffect, useState} from 'react';
import type {Engine} from '../../engine/engine.js';
import type {Container} from '../../runtime/container.js';
import {readLog, type LogRecord} from '../../runtime/logs.js';

export type Logs = {
	records: LogRecord[];
	/** Whether `records` starts at the log's first line. */
	complete: boolean;
	/** How many records have come at the end since the log was opened (scrolled-back views stay put). */
	appended: number;
	/** Reads further back (more of the log's end). */
	loadMore: () => void;
	error?: string;
};

const firstTail = 500;
const most = 100_000;

/**
 * The end of a container's log, followed while the container runs. Only the last lines are
 * read (the log is read backwards from its end), so a log of millions of lines opens at once;
 * scrolling back reads more of it.
 */
export const useLogs = (engine: Engine, container: Container | undefined, active: boolean): Logs => {
	const [tail, setTail] = useState(firstTail);
	const [state, setState] = useState<{records: LogRecord[]; complete: boolean; appended: number; error?: string}>({records: [], complete: true, appended: 0});
	const id = container?.Id;
	// A container started again gets a new reader that follows again.
	const run = container ? `${container.State.Status}:${container.State.StartedAt}` : '';

	useEffect(() => {
		setTail(firstTail);
		setState({records: [], complete: true, appended: 0});
	}, [id]);

	useEffect(() => {
		if (!container || !active) {
			return;
		}

		const controller = new AbortController();
		let pending: LogRecord[] = [];
		let first = true;
		let timer: NodeJS.Timeout | undefined;
		// The first read's lines all come in one burst of microtasks, so the first flush holds exactly them.
		const flush = (): void => {
			timer = undefined;
			const batch = pending;
			pending = [];
			if (controller.signal.aborted) {
				return;
			}

			if (first) {
				first = false;
				setState(previous => ({records: batch, complete: batch.length < tail, appended: previous.appended}));
			} else {
				setState(previous => {
					const records = [...previous.records, ...batch];
					const cut = Math.max(0, records.length - most);
					return {records: cut > 0 ? records.slice(cut) : records, complete: previous.complete && cut === 0, appended: previous.appended + batch.length};
				});
			}
		};

		void (async () => {
			try {
				for await (const record of readLog(engine.containers.logFile(container), {
					tail,
					follow: true,
					stopped: async () => engine.containers.isStopped(container.Id),
					signal: controller.signal,
				})) {
					pending.push(record);
					timer ??= setTimeout(flush, 0);
				}

				timer ??= setTimeout(flush, 0);
			} catch (error) {
				if (!controller.signal.aborted) {
					setState(previous => ({...previous, error: (error as Error).message}));
				}
			}
		})();
		return () => {
			controller.abort();
			if (timer) {
				clearTimeout(timer);
			}
		};
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [engine, id, run, tail, active]);

	const loadMore = useCallback(() => {
		if (!state.complete) {
			setTail(previous => Math.min(previous * 4, most));
		}
	}, [state.complete]);

	return {...state, loadMore};
};
