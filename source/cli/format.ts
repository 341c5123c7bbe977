/** How the CLI shows things: tables, ages, sizes and statuses the way Docker's CLI prints them. */
import type {Container} from '../runtime/container.js';

/** Columns padded to the widest cell plus three spaces, as Docker's tabwriter does. */
export const table = (header: string[], rows: string[][]): string => {
	const all = [header, ...rows];
	const widths = header.map((_, column) => Math.max(...all.map(row => (row[column] ?? '').length)));
	return all.map(row => row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3)).join('').trimEnd())
		.join('\n') + '\n';
};

/** Docker's units.HumanDuration: "5 seconds", "About a minute", "3 hours". */
export const humanDuration = (ms: number): string => {
	const seconds = Math.round(ms / 1000);
	if (seconds < 1) {
		return 'Less than a second';
	}

	if (seconds === 1) {
		return '1 second';
	}

	if (seconds < 60) {
		return `${seconds} seconds`;
	}

	const minutes = Math.round(seconds / 60);
	if (minutes === 1) {
		return 'About a minute';
	}

	if (minutes < 60) {
		return `${minutes} minutes`;
	}

	const hours = Math.round(minutes / 60);
	if (hours === 1) {
		return 'About an hour';
	}

	if (hours < 48) {
		return `${hours} hours`;
	}

	if (hours < 24 * 7 * 2) {
		return `${Math.round(hours / 24)} days`;
	}

	if (hours < 24 * 30 * 2) {
		return `${Math.round(hours / 24 / 7)} weeks`;
	}

	if (hours < 24 * 365 * 2) {
		return `${Math.round(hours / 24 / 30)} months`;
	}

	return `${Math.round(hours / 24 / 365)} years`;
};

export const ago = (iso: string, now = Date.now()): string => `${humanDuration(now - Date.parse(iso))} ago`;

/** Docker's units.HumanSize: decimal units, three significant digits. */
export const humanSize = (bytes: number): string => {
	const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}

	return `${Number(value.toPrecision(3))}${units[unit]}`;
};

/** Binary units, as `docker stats` shows memory: "1.5MiB". */
export const binarySize = (bytes: number): string => {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}

	return `${value.toFixed(unit === 0 ? 0 : 2).replace(/\.?0+$/, '') || '0'}${units[unit]}`;
};

/** The STATUS column of `ps`: "Up 5 minutes", "Up 2 seconds (Paused)", "Exited (0) 3 seconds ago", "Created". */
export const statusText = (container: Container, now = Date.now()): string => {
	const {State: state} = container;
	switch (state.Status) {
		case 'running': {
			return `Up ${humanDuration(now - Date.parse(state.StartedAt))}`;
		}

		case 'paused': {
			return `Up ${humanDuration(now - Date.parse(state.StartedAt))} (Paused)`;
		}

		case 'exited': {
			return `Exited (${state.ExitCode}) ${ago(state.FinishedAt, now)}`;
		}

		case 'removing': {
			return 'Removal In Progress';
		}

		default: {
			return 'Created';
		}
	}
};

/** The COMMAND column: the command line, quoted and cut to 20 characters unless --no-trunc. */
export const commandText = (container: Container, truncate: boolean): string => {
	const text = [container.Path, ...container.Args].join(' ');
	return `"${truncate && text.length > 20 ? `${text.slice(0, 19)}…` : text}"`;
};
