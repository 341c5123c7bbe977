import React from 'react';
import {Box, Text} from 'ink';
import {binarySize} from '../../cli/format.js';
import {lineChart, sparkline} from '../charts.js';
import type {Sample} from '../hooks/use-container-stats.js';

type Props = {
	samples: Sample[] | undefined;
	running: boolean;
	width: number;
	height: number;
	color: boolean;
};

const rate = (bytes: number): string => `${binarySize(bytes)}/s`;

/** CPU, memory, network and pids over the last minute: blessed-contrib charts, or sparklines when the pane is small. */
export const StatsView = ({samples, running, width, height, color}: Props) => {
	if (!running) {
		return <Box height={height}><Text dimColor>not running: no stats</Text></Box>;
	}

	if (!samples || samples.length === 0) {
		return <Box height={height}><Text dimColor>reading…</Text></Box>;
	}

	const last = samples.at(-1)!;
	const figures = [
		{label: `CPU ${last.cpuPercent.toFixed(1)}%`, values: samples.map(sample => sample.cpuPercent), color: 'green'},
		{label: `MEM ${binarySize(last.memory)} / ${binarySize(last.memoryLimit)}`, values: samples.map(sample => sample.memory / 1024 / 1024), color: 'cyan'},
		{label: `NET ↓${rate(last.rxRate)} ↑${rate(last.txRate)}`, values: samples.map(sample => (sample.rxRate + sample.txRate) / 1024), color: 'yellow'},
		{label: `PIDS ${last.pids}`, values: samples.map(sample => sample.pids), color: 'magenta'},
	];
	const chartHeight = Math.floor(height / 2);
	if (chartHeight < 5 || width < 50) {
		const labelWidth = Math.min(34, Math.floor(width / 2));
		return (
			<Box flexDirection='column' height={height}>
				{figures.slice(0, height).map(figure => (
					<Text key={figure.label} wrap='truncate-end'>
						{figure.label.padEnd(labelWidth)}
						<Text color={color ? figure.color : undefined}>{sparkline(figure.values, width - labelWidth - 1)}</Text>
					</Text>
				))}
			</Box>
		);
	}

	const chartWidth = Math.floor(width / 2);
	const charts = figures.map(figure => lineChart({
		label: figure.label,
		width: chartWidth,
		height: chartHeight,
		color,
		series: [{title: figure.label, values: figure.values, color: figure.color}],
		wholeNumbers: figure.label.startsWith('PIDS'),
	}));
	return (
		<Box flexDirection='column' height={height}>
			{[0, 2].map(row => (
				<Box key={row} height={chartHeight}>
					{[0, 1].map(column => (
						<Box key={column} width={chartWidth} height={chartHeight} overflow='hidden'>
							<Text wrap='truncate-end'>{charts[row + column]}</Text>
						</Box>
					))}
				</Box>
			))}
		</Box>
	);
};
