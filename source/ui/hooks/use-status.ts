import {useCallback, useEffect, useRef, useState} from 'react';
import {isBerthError} from '../../engine/errors.js';

export type StatusLevel = 'info' | 'busy' | 'error';

export type Status = {text: string; level: StatusLevel};

export type StatusApi = {
	status: Status;
	show: (text: string, level?: StatusLevel) => void;
	/** Runs an action with `busy` shown meanwhile; a failure becomes the status line, never a throw. */
	run: <T>(busy: string, action: () => Promise<T>, done?: (result: T) => string) => Promise<T | undefined>;
};

/** An error as one line: a BerthError's own message; anything else its first line. */
export const errorLine = (error: unknown): string => {
	if (isBerthError(error)) {
		return error.message;
	}

	const message = error instanceof Error ? error.message : String(error);
	return `internal error: ${message.split('\n')[0]}`;
};

/** The one-line status bar's message: what is happening, what happened, what failed. */
export const useStatus = (initial: Status = {text: '', level: 'info'}): StatusApi => {
	const [status, setStatus] = useState<Status>(initial);
	const mounted = useRef(true);
	useEffect(() => () => {
		mounted.current = false;
	}, []);
	const show = useCallback((text: string, level: StatusLevel = 'info') => {
		if (mounted.current) {
			setStatus({text, level});
		}
	}, []);
	const run = useCallback(async <T>(busy: string, action: () => Promise<T>, done?: (result: T) => string): Promise<T | undefined> => {
		show(busy, 'busy');
		try {
			const result = await action();
			show(done ? done(result) : '', 'info');
			return result;
		} catch (error) {
			show(errorLine(error), 'error');
			return undefined;
		}
	}, [show]);
	return {status, show, run};
};
