import React from 'react';
import {Box, Text} from 'ink';
import type {TerminalSession} from '../terminal-session.js';

type Props = {
	session: TerminalSession;
	focused: boolean;
	color: boolean;
	height: number;
	/** Changes whenever the session's screen does, so the pane redraws. */
	version: number;
	detachKeysText: string;
};

/** A session's screen: what its program drew, colours and cursor included. */
export const TerminalView = ({session, focused, color, height, detachKeysText}: Props) => {
	const all = session.lines({color, cursor: focused});
	// A pane shorter than the session shows its bottom: where the cursor and the latest output are.
	let last = all.length - 1;
	while (last > 0 && all[last]!.replaceAll(/\u001B\[[\d;]*m/g, '').trim() === '') {
		last--;
	}

	const room = session.exit ? height - 1 : height;
	const lines = all.slice(Math.max(0, Math.min(last + 1, all.length) - room)).slice(0, room);
	const ended = session.exit
		? `[${session.title} ended${session.exit.signal ? ` by signal ${session.exit.signal}` : ` with status ${session.exit.code}`}: x closes it]`
		: undefined;
	return (
		<Box flexDirection='column' height={height}>
			{lines.map((line, index) => (
				<Text key={index} wrap='truncate-end'>{line}</Text>
			))}
			{ended ? <Text dimColor wrap='truncate-end'>{ended}</Text> : null}
			{!focused && !ended && lines.length < height ? <Text dimColor wrap='truncate-end'>{`[Enter to type here; ${detachKeysText} to leave]`}</Text> : null}
		</Box>
	);
};
