/**
 * The units users type on the command line, parsed the way Docker's CLI parses them so that a
 * command line copied from Docker means the same thing here.
 */
import {BerthError} from '../engine/errors.js';

const binaryMultipliers: Record<string, number> = {
	'': 1,
	k: 1024,
	m: 1024 ** 2,
	g: 1024 ** 3,
	t: 1024 ** 4,
	p: 1024 ** 5,
};

/**
 * A size such as `512m`, `1g`, `1.5G`, `100000b` or `64MiB`, in bytes, with binary multipliers
 * as Docker's RAMInBytes (so `1k` is 1024). `what` names the value in the error message.
 */
export const parseBytes = (text: string, what = 'size'): number => {
	const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text.trim());
	if (!match) {
		throw new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${text}\`: expected a number with an optional unit (b, k, m, g, t, p)`);
	}

	// Docker truncates the product to an integer, as we do: `1.5k` is 1536, `0.1k` is 102.
	return Math.trunc(Number(match[1]) * binaryMultipliers[(match[2] ?? '').toLowerCase()]!);
};

/**
 * A number of CPUs such as `1.5`, as `--cpus` takes it. Docker stores it in billionths of a CPU
 * and refuses finer values, so we do too.
 */
export const parseCpus = (text: string): number => {
	const cpus = /^\d+(?:\.\d+)?$|^\.\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
	if (Number.isNaN(cpus)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid cpus \`${text}\`: expected a number such as 1.5`);
	}

	if (!Number.isInteger(Number((cpus * 1e9).toFixed(3)))) {
		throw new BerthError('INVALID_ARGUMENT', `invalid cpus \`${text}\`: too precise, the unit is a billionth of a CPU`);
	}

	return cpus;
};

/** A whole number, such as `--pids-limit 100` or `--cpu-shares 512`; negative values are kept. */
export const parseInteger = (text: string, what: string): number => {
	if (!/^[-+]?\d+$/.test(text.trim())) {
		throw new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${text}\`: expected a whole number`);
	}

	return Number(text);
};

const durationUnits: Record<string, number> = {
	ns: 1e-6,
	us: 1e-3,
	'µs': 1e-3,
	'μs': 1e-3,
	ms: 1,
	s: 1000,
	m: 60_000,
	h: 3_600_000,
};

/**
 * A Go duration such as `10m`, `1h30m`, `1.5s` or `-2h`, in milliseconds (fractions kept).
 * Like Go, a bare `0` is allowed and any other number needs a unit.
 */
export const parseDuration = (text: string): number => {
	const trimmed = text.trim();
	const sign = trimmed.startsWith('-') ? -1 : 1;
	const body = trimmed.replace(/^[-+]/, '');
	if (body === '0') {
		return 0;
	}

	const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
	let total = 0;
	let end = 0;
	for (let match = part.exec(body); match; match = part.exec(body)) {
		total += Number(match[1]) * durationUnits[match[2]!]!;
		end = part.lastIndex;
	}

	if (body === '' || end !== body.length) {
		throw new BerthError('INVALID_ARGUMENT', `invalid duration \`${text}\`: expected a number with a unit, such as 10m or 1h30m`);
	}

	return sign * total;
};
