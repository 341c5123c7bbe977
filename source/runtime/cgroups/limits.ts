/**
 * Checks on the limits a user asks for, before any cgroup file is written: the kernel would take
 * some of these values and then kill or starve the container at once, and refuses others with a
 * bare EINVAL. The bounds are Docker's.
 */
import {BerthError} from '../../engine/errors.js';
import type {Limits} from './manager.js';

/** Docker's floor: below this a container's runtime alone is OOM-killed. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** The CFS period berth uses; `--cpus` becomes a quota per period. */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota under 1ms, which is 0.01 CPU at our period. */
const minCpus = 0.01;
const minShares = 2;
const maxShares = 262_144;

const invalid = (what: string, value: string, why: string): BerthError =>
	new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${value}\`: ${why}`);

/** A size as a user most likely typed it: `1k` for 1024, `512m`; bytes when no unit divides it. */
const shownBytes = (bytes: number): string => {
	for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
		if (bytes >= size && bytes % size === 0) {
			return `${bytes / size}${unit}`;
		}
	}

	return String(bytes);
};

/** Throws a one-line INVALID_ARGUMENT for a value that could not run anything; `hostCpus` bounds `--cpus`. */
export const checkLimits = (limits: Limits, hostCpus: number): void => {
	const {memory, cpus, cpuShares} = limits;
	if (memory !== undefined && memory < MIN_MEMORY) {
		throw invalid('memory limit', shownBytes(memory), 'minimum is 6MB');
	}

	if (cpus !== undefined && cpus < minCpus) {
		throw invalid('cpus', String(cpus), `minimum is ${minCpus}`);
	}

	if (cpus !== undefined && cpus > hostCpus) {
		throw invalid('cpus', String(cpus), `only ${hostCpus} CPUs are available`);
	}

	if (cpuShares !== undefined && (cpuShares < minShares || cpuShares > maxShares)) {
		throw invalid('cpu-shares', String(cpuShares), `must be from ${minShares} to ${maxShares}`);
	}
};
