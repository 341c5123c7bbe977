import React from 'react';
import {Box, Text} from 'ink';
import type {LogRecord} from '../../runtime/logs.js';
import type {LogView} from '../hooks/use-log-view.js';

type Props = {
	records: LogRecord[];
	view: LogView;
	width: number;
	height: number;
	color: boolean;
};

// A tty container's log holds its terminal's escapes: sequences go whole, then other controls.
const escapes = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
const control = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** Cuts a line into rows of `width` (or keeps the first row only). */
const rowsOf = (text: string, width: number, wrap: boolean): string[] => {
	if (!wrap || text.length <= width) {
		return [text.length > width ? `${text.slice(0, width - 1)}…` : text];
	}

	const rows: string[] = [];
	for (let start = 0; start < text.length; start += width) {
		rows.push(text.slice(start, start + width));
	}

	return rows;
};

/** Marks each match of `query` in `text` inverse. */
const highlight = (text: string, query: string): string => {
	if (!query) {
		return text;
	}

	const lower = text.toLowerCase();
	const needle = query.toLowerCase();
	let out = '';
	let from = 0;
	for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
		out += `${text.slice(from, at)}\u001B[7m${text.slice(at, at + needle.length)}\u001B[27m`;
		from = at + needle.length;
	}

	return out + text.slice(from);
};

type Row = {text: string; stderr: boolean; current: boolean};

/**
 * The lines in view, bottom up from the scroll position: only the records that fit are
 * looked at, however long the log.
 */
export const visibleRows = (records: LogRecord[], view: LogView, width: number, height: number): Row[] => {
	const rows: Row[] = [];
	for (let index = records.length - 1 - view.fromEnd; index >= 0 && rows.length < height; index--) {
		const record = records[index]!;
		const text = `${view.timestamps ? `${record.time} ` : ''}${record.text}`.replaceAll('\t', '    ').replaceAll(escapes, '').replaceAll(control, '');
		const current = view.matchFromEnd === records.length - 1 - index;
		const pieces = rowsOf(text, Math.max(width, 1), view.wrap);
		for (let piece = pieces.length - 1; piece >= 0 && rows.length < height; piece--) {
			rows.unshift({text: pieces[piece]!, stderr: record.stream === 'stderr', current});
		}
	}

	return rows;
};

export const LogsView = ({records, view, width, height, color}: Props) => {
	const rows = visibleRows(records, view, width - 1, height);
	if (records.length === 0) {
		return <Box height={height}><Text dimColor>no output yet</Text></Box>;
	}

	return (
		<Box flexDirection='column' height={height}>
			{rows.map((row, index) => (
				<Text key={index} wrap='truncate-end' color={row.stderr && color ? 'red' : undefined} bold={row.current}>
					{`${row.current ? '▌' : ' '}${highlight(row.text, view.query)}`}
				</Text>
			))}
		</Box>
	);
};
