import React from 'react';
import {Box, Text} from 'ink';
import {showKey, type ActionName, type Keymap, type Place} from '../keymap.js';

type Props = {
	keymap: Keymap;
	places: Place[];
	detachKeysText: string;
	width: number;
	height: number;
	problems: string[];
};

const titles: Record<Place, string> = {
	global: 'Everywhere',
	list: 'Lists',
	container: 'On a container',
	image: 'On an image',
	logs: 'Logs',
	scroll: 'Scrolling',
};

/** `?`: every key that acts where the user is, in two columns when there is room. */
export const HelpView = ({keymap, places, detachKeysText, width, height, problems}: Props) => {
	const lines: Array<{text: string; heading?: boolean}> = [];
	for (const place of places) {
		lines.push({text: titles[place], heading: true});
		for (const [name, action] of Object.entries(keymap) as Array<[ActionName, Keymap[ActionName]]>) {
			if (action.place === place) {
				lines.push({text: `  ${action.keys.map(key => showKey(key)).join(' ').padEnd(12)} ${action.help}`});
			}
		}
	}

	lines.push({text: 'Terminal panes', heading: true}, {text: `  ${detachKeysText.padEnd(12)} leave the pane (the session goes on)`});
	for (const problem of problems) {
		lines.push({text: `config: ${problem}`});
	}

	const columns = Math.max(1, Math.min(Math.floor(width / 36), Math.ceil(lines.length / Math.max(height - 3, 1))));
	const perColumn = Math.ceil(lines.length / columns);
	const columnWidth = Math.floor((width - 2) / columns);
	return (
		<Box flexDirection='column' width={width} height={height} borderStyle='round'>
			<Box>
				{Array.from({length: columns}, (_, column) => (
					<Box key={column} flexDirection='column' width={columnWidth}>
						{lines.slice(column * perColumn, (column + 1) * perColumn).slice(0, height - 3).map((line, index) => (
							<Text key={index} bold={line.heading} wrap='truncate-end'>{line.text}</Text>
						))}
					</Box>
				))}
			</Box>
			<Text dimColor>any key closes this</Text>
		</Box>
	);
};
