/**
 * The instructions that change only the image's config: CMD, ENTRYPOINT, ENV, LABEL, WORKDIR,
 * USER, EXPOSE, VOLUME and STOPSIGNAL through the same code as `commit -c` (image/changes.ts),
 * with the build's arguments visible to their variables; SHELL, HEALTHCHECK and ONBUILD, which
 * only a Dockerfile has, here.
 */
import {BerthError} from '../engine/errors.js';
import {applyChanges, commandLine} from '../image/changes.js';
import type {ContainerConfig, HealthConfig} from '../image/oci.js';
import type {Lookup} from '../image/shell-words.js';
import {jsonStrings, type Instruction} from './instruction.js';

/** What the stage has done so far that changes how an instruction reads. */
export type StageState = {
	/** A CMD in this stage: a later ENTRYPOINT keeps it (otherwise it clears the base image's). */
	cmdSet: boolean;
};

const invalid = (instruction: Instruction, message: string) =>
	new BerthError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: ${message}`);

const unitNs: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9};

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds. */
const durationNs = (instruction: Instruction, flag: string, text: string): number => {
	const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
	if (text === '' || parts.map(part => part[0]).join('') !== text) {
		throw invalid(instruction, `invalid duration \`${text}\` for --${flag}`);
	}

	return Math.round(parts.reduce((sum, [, number, unit]) => sum + Number(number) * unitNs[unit!]!, 0));
};

const healthcheck = (instruction: Instruction, config: ContainerConfig): HealthConfig => {
	const [kind = '', ...rest] = instruction.args.split(/\s+/);
	if (kind.toUpperCase() === 'NONE') {
		return {Test: ['NONE']};
	}

	if (kind.toUpperCase() !== 'CMD' || rest.length === 0) {
		throw invalid(instruction, '`HEALTHCHECK` takes `NONE` or `CMD` and a command');
	}

	const command = instruction.args.slice(kind.length).trim();
	const argv = commandLine('HEALTHCHECK', command, config);
	const exec = jsonStrings(command) !== undefined;
	const health: HealthConfig = {Test: exec ? ['CMD', ...argv] : ['CMD-SHELL', command]};
	const durations = {interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval'} as const;
	for (const [flag, field] of Object.entries(durations)) {
		const value = instruction.flags.get(flag);
		if (value !== undefined) {
			health[field] = durationNs(instruction, flag, value);
		}
	}

	const retries = instruction.flags.get('retries');
	if (retries !== undefined) {
		if (!/^\d+$/.test(retries)) {
			throw invalid(instruction, `invalid --retries \`${retries}\``);
		}

		health.Retries = Number(retries);
	}

	return health;
};

/** The config after `instruction`; `lookup` gives the build arguments' values. */
export const applyConfigStep = (instruction: Instruction, config: ContainerConfig, lookup: Lookup, state: StageState): ContainerConfig => {
	const {keyword, args} = instruction;
	switch (keyword) {
		case 'SHELL': {
			const shell = jsonStrings(args);
			if (!shell || shell.length === 0) {
				throw invalid(instruction, '`SHELL` takes a JSON array of strings: ["executable", "parameters"]');
			}

			return {...config, Shell: shell};
		}

		case 'HEALTHCHECK': {
			return {...config, Healthcheck: healthcheck(instruction, config)};
		}

		case 'ONBUILD': {
			// The trigger was checked when the Dockerfile was parsed (dockerfile.ts).
			return {...config, OnBuild: [...config.OnBuild ?? [], args]};
		}

		case 'ENTRYPOINT': {
			const changed = applyChanges(config, [`ENTRYPOINT ${args}`]);
			return state.cmdSet && config.Cmd ? {...changed, Cmd: config.Cmd} : changed;
		}

		case 'CMD': {
			state.cmdSet = true;
			return applyChanges(config, [`CMD ${args}`]);
		}

		default: {
			return applyChanges(config, [`${keyword} ${args}`], lookup);
		}
	}
};
