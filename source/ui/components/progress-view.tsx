import React from 'react';
import {Box, Text} from 'ink';
import {humanSize} from '../../cli/format.js';
import type {Progress} from '../hooks/use-progress.js';

type Props = {progress: Progress; width: number; height: number};

const bar = (fraction: number, width: number): string => {
	const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
	return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
};

/** A pull's or push's layers as bars, and the digest once the registry has it. */
export const ProgressView = ({progress, width, height}: Props) => {
	const barWidth = Math.max(10, width - 44);
	return (
		<Box flexDirection='column' height={height}>
			<Text bold wrap='truncate-end'>{progress.title}</Text>
			{progress.layers.slice(-(height - 2)).map(layer => {
				const fraction = layer.total ? (layer.current ?? 0) / layer.total : ['done', 'exists', 'mounted'].includes(layer.phase) ? 1 : 0;
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
