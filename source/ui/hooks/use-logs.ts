import {useCallback, useEffect, useRef, useState} from 'react';
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

type LogState = {id?: string; records: LogRecord[]; complete: boolean; appended: number; error?: string};

const noRecords: LogRecord[] = [];
const none = (id: string | undefined): LogState => ({id, records: noRecords, complete: true, appended: 0});

/**
 * The end of a container's log, followed while the container runs. Only the last lines are
 * read (the log is read backwards from its end), so a log of millions of lines opens at once;
 * scrolling back reads more of it.
 *
 * What is read is kept with the id of its container: moving the selection shows the next
 * container's log without a render to empty the last one's, and a log with nothing in it is
 * no render at all, so a key held down in the list draws one frame per move.
 */
export const useLogs = (engine: Engine, container: Container | undefined, active: boolean): Logs => {
	const id = container?.Id;
	const [tailState, setTail] = useState({id, count: firstTail});
	const tail = tailState.id === id ? tailState.count : firstTail;
	const [state, setState] = useState<LogState>(() => none(id));
	// What is shown, for reads that find nothing new: those set no state at all, since even a
	// setState that changes nothing may cost a render.
	const current = useRef(state);
	current.current = state;
	// A container started again gets a new reader that follows again.
	const run = container ? `${container.State.Status}:${container.State.StartedAt}` : '';

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
				if (batch.length > 0 || (current.current.id === id && current.current.records.length > 0)) {
					setState(previous => ({id, records: batch, complete: batch.length < tail, appended: previous.id === id ? previous.appended : 0}));
				}
			} else if (batch.length > 0) {
				setState(previous => {
					const base = previous.id === id ? previous : none(id);
					const records = [...base.records, ...batch];
					const cut = Math.max(0, records.length - most);
					return {id, records: cut > 0 ? records.slice(cut) : records, complete: base.complete && cut === 0, appended: base.appended + batch.length};
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
					setState(previous => ({...previous.id === id ? previous : none(id), error: (error as Error).message}));
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

	const shown = state.id === id ? state : none(id);
	const loadMore = useCallback(() => {
		if (!shown.complete) {
			setTail(previous => ({id, count: Math.min((previous.id === id ? previous.count : firstTail) * 4, most)}));
		}
	}, [shown.complete, id]);

	return {records: shown.records, complete: shown.complete, appended: shown.appended, error: shown.error, loadMore};
};
