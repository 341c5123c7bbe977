/**
 * Line charts drawn by blessed-contrib on an off-screen blessed screen (its output goes
 * nowhere) and read back as ANSI text with `screenshot()`, for an Ink `<Text>`. blessed is
 * loaded on first use, so only the Stats tab pays for it.
 */
import {createRequire} from 'node:module';
import {Writable, PassThrough} from 'node:stream';

export type Series = {title: string; values: number[]; color: string};

export type ChartOptions = {
	label: string;
	width: number;
	height: number;
	series: Series[];
	color: boolean;
	/** Format of the y axis labels. */
	wholeNumbers?: boolean;
};

type Blessed = {screen: (options: Record<string, unknown>) => any};
type Contrib = {line: (options: Record<string, unknown>) => any};

let screen: any;
let contrib: Contrib;

const offScreen = (width: number, height: number): any => {
	if (!screen) {
		const require = createRequire(import.meta.url);
		const blessed = require('blessed') as Blessed;
		contrib = require('blessed-contrib') as Contrib;
		const output = Object.assign(new Writable({
			write(_chunk, _encoding, callback) {
				callback();
			},
		}), {isTTY: true, columns: width, rows: height});
		screen = blessed.screen({input: new PassThrough(), output, terminal: 'xterm-256color', warnings: false, resizeTimeout: 0});
		// blessed listens for the process's own signals and exit to restore a terminal it never had.
		screen.program.removeAllListeners?.('exit');
	}

	screen.program.cols = width;
	screen.program.rows = height;
	screen.program.output.columns = width;
	screen.program.output.rows = height;
	screen.alloc();
	return screen;
};

const sgr = /\u001B\[[\d;]*m/g;

/**
 * The chart as `height` lines of text, at least `width` columns each (cut them to the box).
 * blessed-contrib keeps a margin of 6 columns on the right and 3 rows at the bottom for
 * labels this pane does not show, so the chart is drawn that much larger.
 */
export const lineChart = (options: ChartOptions): string => {
	const width = Math.max(options.width, 20) + 6;
	const height = Math.max(options.height, 3) + 3;
	const canvas = offScreen(width, height);
	const values = options.series.map(series => series.values.length > 0 ? series.values : [0]);
	const length = Math.max(...values.map(list => list.length), 2);
	const widget = contrib.line({
		top: 0,
		left: 0,
		width,
		height,
		label: options.label,
		showLegend: false,
		wholeNumbersOnly: options.wholeNumbers ?? false,
		xPadding: 2,
		xLabelPadding: 1,
		numYLabels: Math.max(2, Math.min(5, Math.floor(height / 3))),
		style: {line: options.series[0]?.color ?? 'green', text: 'white', baseline: 'white'},
	});
	canvas.append(widget);
	try {
		widget.setData(options.series.map((series, index) => {
			const padded = [...Array.from({length: length - values[index]!.length}, () => values[index]![0]!), ...values[index]!];
			return {title: series.title, x: padded.map(() => ' '), y: padded, style: {line: series.color}};
		}));
		canvas.render();
		const text = canvas.screenshot(0, width, 0, height) as string;
		const lines = text.split('\n').slice(0, height - 3);
		return (options.color ? lines : lines.map(line => line.replaceAll(sgr, ''))).join('\n');
	} finally {
		canvas.remove(widget);
		widget.destroy?.();
	}
};

const bars = '▁▂▃▄▅▆▇█';

/** A one-line chart for small panes. */
export const sparkline = (values: number[], width: number): string => {
	const recent = values.slice(-Math.max(width, 1));
	const top = Math.max(...recent, 1e-9);
	return recent.map(value => bars[Math.min(bars.length - 1, Math.floor(value / top * (bars.length - 1)))]).join('');
};
