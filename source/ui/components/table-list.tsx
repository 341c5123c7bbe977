import React from 'react';
import {Box, Text} from 'ink';

export type Column = {
	header: string;
	/** Columns wide; a column of width 0 takes what the others leave. */
	width: number;
	align?: 'left' | 'right';
};

type Props = {
	title: string;
	focused: boolean;
	/** Only the title line (the detail area has the room). */
	collapsed: boolean;
	width: number;
	/** Rows of items the list shows. */
	height: number;
	columns: Column[];
	count: number;
	/** The cells of row `index`: called for the rows in view only. */
	rowAt: (index: number) => string[];
	selectedIndex: number;
	windowStart: number;
	filter: string;
	/** Shown after the title when collapsed: what is selected. */
	summary: string;
	empty: string;
	color: boolean;
};

export const fit = (text: string, width: number, align: 'left' | 'right' = 'left'): string => {
	if (width <= 0) {
		return '';
	}

	const cut = text.length > width ? `${text.slice(0, Math.max(width - 1, 0))}…` : text;
	return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
};

/** Column widths for the whole line: the flexible columns share what is left. */
export const layoutColumns = (columns: Column[], width: number): number[] => {
	const gaps = columns.length - 1;
	const fixed = columns.reduce((sum, column) => sum + column.width, 0);
	const flexible = columns.filter(column => column.width === 0).length;
	const rest = Math.max(width - fixed - gaps, flexible * 4);
	return columns.map((column, index) => {
		if (column.width > 0) {
			return column.width;
		}

		const share = Math.floor(rest / flexible);
		const isLast = columns.slice(index + 1).every(other => other.width !== 0);
		return isLast ? rest - (share * (flexible - 1)) : share;
	});
};

const line = (cells: string[], widths: number[], columns: Column[]): string =>
	cells.map((cell, index) => fit(cell, widths[index]!, columns[index]!.align)).join(' ');

/** A titled, windowed table: only the rows in view are drawn, so a list of thousands moves as fast as one of ten. */
export const TableList = ({title, focused, collapsed, width, height, columns, count, rowAt, selectedIndex, windowStart, filter, summary, empty, color}: Props) => {
	const heading = ` ${title} (${count})${filter ? `  filter: ${filter}` : ''}`;
	const titleLine = (
		<Text bold inverse={focused} color={focused || !color ? undefined : 'cyan'} wrap='truncate-end'>
			{fit(collapsed && summary ? `${heading}  ›  ${summary}` : heading, width)}
		</Text>
	);
	if (collapsed) {
		return <Box height={1} width={width}>{titleLine}</Box>;
	}

	const widths = layoutColumns(columns, width - 2);
	const visible = Array.from({length: Math.max(0, Math.min(height, count - windowStart))}, (_, index) => rowAt(windowStart + index));
	return (
		<Box flexDirection='column' width={width} height={height + 2}>
			{titleLine}
			<Text dimColor={color} bold={!color} wrap='truncate-end'>{`  ${line(columns.map(column => column.header), widths, columns)}`}</Text>
			{visible.length === 0
				? <Text dimColor wrap='truncate-end'>{`  ${empty}`}</Text>
				: visible.map((cells, index) => {
					const selected = windowStart + index === selectedIndex;
					return (
						<Text key={windowStart + index} inverse={selected && focused} bold={selected} wrap='truncate-end'>
							{`${selected ? '›' : ' '} ${line(cells, widths, columns)}`}
						</Text>
					);
				})}
		</Box>
	);
};
