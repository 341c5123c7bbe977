import React from 'react';
import {Box, Text} from 'ink';
import {humanSize} from '../../cli/format.js';
import type {Progress} from '../hooks/use-progress.js';

type Props = {progress: Progress; width: number; height: number};

const bar = (fraction: number, width: number): string => {
	const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
	return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
};

const finished = new Set(['done', 'exists', 'mounted']);

/** A pull's or push's layers as bars, and the digest once the registry has it. */
export const ProgressView = ({progress, width, height}: Props) => {
	const barWidth = Math.max(10, width - 44);
	return (
		<Box flexDirection='column' height={height}>
			<Text bold wrap='truncate-end'>{progress.title}</Text>
			{progress.layers.slice(-(height - 2)).map(layer => {
				// A blob that is done, or that the registry already had, is a full bar: the registry
				// client's last event of an upload says `done` with no byte count.
				const fraction = finished.has(layer.phase) ? 1 : layer.total ? (layer.current ?? 0) / layer.total : 0;
				return (
					<Text key={layer.digest} wrap='truncate-end'>
						{`${layer.digest.replace('sha256:', '').slice(0, 12)} ${layer.phase.padEnd(11)} ${bar(fraction, barWidth)} ${layer.total ? humanSize(layer.total) : ''}`}
					</Text>
				);
			})}
			{progress.digest ? <Text wrap='truncate-end'>{`digest: ${progress.digest}`}</Text> : null}
			{progress.done ? <Text dimColor>Esc closes this</Text> : null}
		</Box>
	);
};
