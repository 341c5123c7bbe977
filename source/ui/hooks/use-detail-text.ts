import {useEffect, useState} from 'react';
import {errorLine} from './use-status.js';

export type DetailText = {lines: string[]; loading: boolean; error?: string};

/**
 * Text for a detail tab that takes a read (inspect, diff, history), read again whenever
 * `key` changes; a failed read is its message, not a throw.
 */
export const useDetailText = (key: string | undefined, read: () => Promise<string[]>): DetailText => {
	const [state, setState] = useState<DetailText>({lines: [], loading: false});
	useEffect(() => {
		if (key === undefined) {
			// The Logs and Stats tabs have no text: no render of their own as the selection moves.
			setState(previous => previous.lines.length === 0 && !previous.loading && previous.error === undefined ? previous : {lines: [], loading: false});
			return;
		}

		let active = true;
		setState(previous => ({...previous, loading: true}));
		read().then(lines => {
			if (active) {
				setState({lines, loading: false});
			}
		}, (error: unknown) => {
			if (active) {
				setState({lines: [], loading: false, error: errorLine(error)});
			}
		});
		return () => {
			active = false;
		};
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [key]);
	return state;
};
