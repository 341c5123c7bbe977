import {useCallback, useEffect, useRef, useState} from 'react';
import {TerminalSession, type SessionOptions} from '../terminal-session.js';

export type Sessions = {
	sessions: TerminalSession[];
	open: (options: SessionOptions) => TerminalSession;
	close: (session: TerminalSession) => void;
	/** Bumped on every change of any session's screen, so panes redraw. */
	version: number;
};

/**
 * The UI's terminal sessions. They live as long as their program, whatever pane is shown; a
 * session whose program ended stays (with its last screen) until closed; all are closed when
 * the UI unmounts.
 */
export const useSessions = (): Sessions => {
	const [sessions, setSessions] = useState<TerminalSession[]>([]);
	const [version, setVersion] = useState(0);
	const all = useRef<TerminalSession[]>([]);

	useEffect(() => () => {
		for (const session of all.current) {
			session.close();
		}
	}, []);

	const open = useCallback((options: SessionOptions) => {
		const session = new TerminalSession(options);
		session.subscribe(() => {
			setVersion(previous => previous + 1);
		});
		all.current = [...all.current, session];
		setSessions(all.current);
		return session;
	}, []);

	const close = useCallback((session: TerminalSession) => {
		session.close();
		all.current = all.current.filter(item => item !== session);
		setSessions(all.current);
	}, []);

	return {sessions, open, close, version};
};
