import React from 'react';
import {Text} from 'ink';
import type {Status} from '../hooks/use-status.js';

type Props = {
	status: Status;
	hint: string;
	width: number;
	color: boolean;
};

/** The one line at the bottom: the last message (an error in red), else the keys of the place. */
export const StatusBar = ({status, hint, width, color}: Props) => {
	const text = status.text || hint;
	const prefix = status.level === 'error' ? 'error: ' : status.level === 'busy' ? '… ' : '';
	const line = `${prefix}${text}`.replaceAll('\n', ' ');
	return (
		<Text
			wrap='truncate-end'
			color={color && status.level === 'error' ? 'red' : undefined}
			bold={status.level === 'error'}
			dimColor={!status.text}
		>
			{line.length > width ? `${line.slice(0, width - 1)}…` : line}
		</Text>
	);
};
