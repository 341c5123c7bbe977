import {useEffect, useRef, useState} from 'react';
import type {Logs} from './use-logs.js';

export type LogViewState = {
	/** Records below the bottom line in view; 0 follows the end. */
	fromEnd: number;
	timestamps: boolean;
	wrap: boolean;
	query: string;
	/** The record of the current match, counted from the end. */
	matchFromEnd?: number;
	/** A search that ran out of loaded lines and waits for more. */
	searching?: 'older' | 'newer';
};

export type LogView = LogViewState & {
	scroll: (delta: number) => void;
	top: () => void;
	bottom: () => void;
	search: (query: string) => void;
	next: () => void;
	previous: () => void;
	toggleTimestamps: () => void;
	toggleWrap: () => void;
	/** A line of state for the pane's title: following, matches, not found. */
	note: string;
};

const matches = (text: string, query: string): boolean => query !== '' && text.toLowerCase().includes(query.toLowerCase());

/**
 * How the Logs tab shows a log: where it is scrolled to, timestamps and wrapping, and the
 * search. Positions count from the end, so lines arriving at the end or read in from the
 * start leave a scrolled-back view where it was.
 */
export const useLogView = (logs: Logs, height: number, resetKey: string): LogView => {
	const [state, setState] = useState<LogViewState>({fromEnd: 0, timestamps: false, wrap: true, query: ''});
	const [note, setNote] = useState('');
	const seen = useRef(logs.appended);
	const count = logs.records.length;

	useEffect(() => {
		// Unchanged when already at the end: no render of its own for each move of the selection.
		setState(previous => previous.fromEnd === 0 && previous.matchFromEnd === undefined && previous.searching === undefined
			? previous
			: {...previous, fromEnd: 0, matchFromEnd: undefined, searching: undefined});
		setNote('');
	}, [resetKey]);

	useEffect(() => {
		const delta = logs.appended - seen.current;
		seen.current = logs.appended;
		if (delta > 0) {
			setState(previous => previous.fromEnd === 0 ? previous : {
				...previous,
				fromEnd: previous.fromEnd + delta,
				matchFromEnd: previous.matchFromEnd === undefined ? undefined : previous.matchFromEnd + delta,
			});
		}
	}, [logs.appended]);

	const find = (query: string, startFromEnd: number, direction: 'older' | 'newer'): number | undefined => {
		const step = direction === 'older' ? 1 : -1;
		for (let fromEnd = startFromEnd; fromEnd >= 0 && fromEnd < count; fromEnd += step) {
			if (matches(logs.records[count - 1 - fromEnd]!.text, query)) {
				return fromEnd;
			}
		}

		return undefined;
	};

	const goTo = (query: string, start: number, direction: 'older' | 'newer'): void => {
		const found = find(query, start, direction);
		if (found === undefined) {
			if (direction === 'older' && !logs.complete) {
				setState(previous => ({...previous, query, searching: direction}));
				setNote(`searching further back for "${query}"…`);
				logs.loadMore();
				return;
			}

			setState(previous => ({...previous, query, searching: undefined}));
			setNote(`"${query}" not found${direction === 'older' ? ' above' : ' below'}`);
			return;
		}

		setState(previous => ({...previous, query, matchFromEnd: found, searching: undefined, fromEnd: Math.max(0, found - Math.floor(height / 2))}));
		setNote(`"${query}"`);
	};

	// Once more lines are read in, a search that ran out of them goes on.
	useEffect(() => {
		if (state.searching) {
			goTo(state.query, state.matchFromEnd === undefined ? 0 : state.matchFromEnd + 1, state.searching);
		}
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [count, logs.complete]);

	const scrollTo = (fromEnd: number): void => {
		const clamped = Math.max(0, Math.min(fromEnd, Math.max(count - 1, 0)));
		if (clamped > count - (height * 2) && !logs.complete) {
			logs.loadMore();
		}

		setState(previous => ({...previous, fromEnd: clamped}));
	};

	return {
		...state,
		note: note || (state.fromEnd === 0 ? 'following' : `${state.fromEnd} lines below`),
		scroll: delta => {
			scrollTo(state.fromEnd - delta);
		},
		top: () => {
			scrollTo(count - 1);
		},
		bottom: () => {
			setState(previous => ({...previous, fromEnd: 0}));
			setNote('');
		},
		search: query => {
			if (query === '') {
				setState(previous => ({...previous, query: '', matchFromEnd: undefined}));
				setNote('');
				return;
			}

			goTo(query, state.fromEnd, 'older');
		},
		next: () => {
			if (state.query) {
				goTo(state.query, (state.matchFromEnd ?? state.fromEnd - 1) + 1, 'older');
			}
		},
		previous: () => {
			if (state.query) {
				goTo(state.query, (state.matchFromEnd ?? state.fromEnd + 1) - 1, 'newer');
			}
		},
		toggleTimestamps: () => {
			setState(previous => ({...previous, timestamps: !previous.timestamps}));
		},
		toggleWrap: () => {
			setState(previous => ({...previous, wrap: !previous.wrap}));
		},
	};
};
