import React from 'react';
import {Box, Text} from 'ink';

type Props = {
	names: string[];
	active: number;
	focused: boolean;
	/** What the tabs are about: the selected container or image. */
	title: string;
	/** A short state on the right: following, a search. */
	note: string;
	width: number;
	color: boolean;
};

/** The detail area's first line: the selection's name and its tabs, the shown one marked. */
export const TabBar = ({names, active, focused, title, note, width, color}: Props) => {
	const head = title ? ` ${title} ` : ' ';
	const used = head.length + names.reduce((sum, name) => sum + name.length + 3, 0);
	return (
		<Box width={width} height={1}>
			<Text bold inverse={focused} color={focused || !color ? undefined : 'cyan'} wrap='truncate-end'>{head}</Text>
			<Text wrap='truncate-end'>
				{names.map((name, index) => (
					<Text key={name + String(index)} inverse={index === active} bold={index === active} dimColor={index !== active}>{` ${name} `}</Text>
				))}
				{note && used + note.length + 2 < width ? <Text dimColor>{`  ${note}`}</Text> : null}
			</Text>
		</Box>
	);
};
