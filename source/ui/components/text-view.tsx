import React from 'react';
import {Box, Text} from 'ink';

type Props = {
	lines: string[];
	/** First line shown. */
	offset: number;
	height: number;
	empty?: string;
};

/** Lines of plain text from `offset`, cut to the pane's width: inspect, diff, history. */
export const TextView = ({lines, offset, height, empty}: Props) => {
	if (lines.length === 0) {
		return <Box height={height}><Text dimColor>{empty ?? ''}</Text></Box>;
	}

	return (
		<Box flexDirection='column' height={height}>
			{lines.slice(offset, offset + height).map((line, index) => (
				<Text key={index} wrap='truncate-end'>{line === '' ? ' ' : line}</Text>
			))}
		</Box>
	);
};
