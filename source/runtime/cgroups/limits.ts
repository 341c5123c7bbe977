/**
 * Checks on the limits a user asks for, before any cgroup file is written: the kernel would take
 * some of these values and then kill or starve the container at once, and refuses others with a
 * bare EINVAL. The bounds are Docker's.
 */
import {BerthError} from '../../engine/errors.js';
import {parseBytes, parseCpus, parseInteger} from '../units.js';
import type {Limits} from './manager.js';

/** Docker's floor: below this a container's runtime alone is OOM-killed. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** The CFS period berth uses; `--cpus` becomes a quota per period. */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota under 1ms, which is 0.01 CPU at our period. */
const minCpus = 0.01;
const minShares = 2;
const maxShares = 262_144;

/** The flags as typed, so messages can quote them. */
export type LimitFlags = {
	memory?: string;
	cpus?: string;
	cpuShares?: string;
	pidsLimit?: string;
	privileged?: boolean;
};

const invalid = (what: string, text: string, why: string): BerthError =>
	new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${text}\`: ${why}`);

/**
 * Throws a one-line INVALID_ARGUMENT for a value the kernel would refuse or that could not run
 * anything. `hostCpus` bounds `--cpus`; `shown` holds the values as the user typed them.
 */
export const checkLimits = (limits: Limits, hostCpus: number, shown: LimitFlags = {}): void => {
	const {memory, cpus, cpuShares} = limits;
	if (memory !== undefined && memory < MIN_MEMORY) {
		throw invalid('memory limit', shown.memory ?? String(memory), 'minimum is 6MB');
	}

	if (cpus !== undefined && cpus < minCpus) {
		throw invalid('cpus', shown.cpus ?? String(cpus), `minimum is ${minCpus}`);
	}

	if (cpus !== undefined && cpus > hostCpus) {
		throw invalid('cpus', shown.cpus ?? String(cpus), `only ${hostCpus} CPUs are available`);
	}

	if (cpuShares !== undefined && (cpuShares < minShares || cpuShares > maxShares)) {
		throw invalid('cpu-shares', shown.cpuShares ?? String(cpuShares), `must be from ${minShares} to ${maxShares}`);
	}
};

/** Parses and checks the limit flags of `run` and `create`. As in Docker, a zero means no limit. */
export const parseLimits = (flags: LimitFlags, hostCpus: number): Limits => {
	const limits: Limits = {};
	const memory = flags.memory === undefined ? 0 : parseBytes(flags.memory, 'memory limit');
	if (memory !== 0) {
		limits.memory = memory;
	}

	const cpus = flags.cpus === undefined ? 0 : parseCpus(flags.cpus);
	if (cpus !== 0) {
		limits.cpus = cpus;
	}

	const cpuShares = flags.cpuShares === undefined ? 0 : parseInteger(flags.cpuShares, 'cpu-shares');
	if (cpuShares !== 0) {
		limits.cpuShares = cpuShares;
	}

	if (flags.pidsLimit !== undefined) {
		limits.pidsLimit = parseInteger(flags.pidsLimit, 'pids-limit');
	}

	if (flags.privileged) {
		limits.privileged = true;
	}

	checkLimits(limits, hostCpus, flags);
	return limits;
};
