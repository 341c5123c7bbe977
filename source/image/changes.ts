/**
 * Dockerfile-like changes to an image's runtime config, for `import -c` and `commit -c`, with
 * the semantics of Docker's BuildFromConfig: the instructions CMD, ENTRYPOINT, ENV, WORKDIR,
 * USER, EXPOSE, LABEL, VOLUME and STOPSIGNAL, applied in order; variables in all but CMD and
 * ENTRYPOINT expand against the environment as it stood before the instruction.
 */
import os from 'node:os';
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import type {ContainerConfig} from './oci.js';
import {envLookup, expandWord, splitWords, type Lookup} from './shell-words.js';

const invalid = (message: string): BerthError => new BerthError('INVALID_ARGUMENT', message);

/** The exec form `["a", "b"]` as given; anything else is the shell form, run by the image's shell. */
export const commandLine = (instruction: string, rest: string, config: ContainerConfig): string[] => {
	if (rest.startsWith('[')) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(rest);
		} catch {
			// Not JSON: Docker reads it as the shell form.
		}

		if (Array.isArray(parsed)) {
			if (!parsed.every(item => typeof item === 'string')) {
				throw invalid(`\`${instruction}\`: when using JSON array syntax, arrays must be comprised of strings only`);
			}

			return parsed;
		}
	}

	return [...(config.Shell ?? ['/bin/sh', '-c']), rest];
};

/** `NAME=value ...`, or the legacy `NAME value with spaces` when the first word has no `=`. */
const namedValues = (instruction: string, rest: string, lookup: Lookup): Array<[string, string]> => {
	const expand = (word: string) => expandWord(word, lookup);
	const words = splitWords(rest);
	let pairs: Array<[string, string]>;
	if (words[0]!.includes('=')) {
		pairs = words.map(word => {
			const equals = word.indexOf('=');
			if (equals === -1) {
				throw invalid(`\`${instruction}\`: cannot find = in \`${word}\`, must be of the form name=value`);
			}

			return [expand(word.slice(0, equals)), expand(word.slice(equals + 1))];
		});
	} else {
		const legacy = /^(\S+)\s+(.*)$/s.exec(rest);
		if (!legacy) {
			throw invalid(`\`${instruction}\` must have two arguments`);
		}

		pairs = [[expand(legacy[1]!), expand(legacy[2]!)]];
	}

	if (pairs.some(([name]) => name === '')) {
		throw invalid(`\`${instruction}\` names can not be blank`);
	}

	return pairs;
};

const setEnv = (config: ContainerConfig, name: string, value: string): void => {
	const env = [...(config.Env ?? [])];
	const at = env.findIndex(entry => entry.startsWith(`${name}=`));
	env.splice(at === -1 ? env.length : at, at === -1 ? 0 : 1, `${name}=${value}`);
	config.Env = env;
};

/** `80`, `80/udp`, `8000-8010/tcp` become the `port/proto` keys of ExposedPorts. */
const exposedPorts = (spec: string): string[] => {
	const match = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(spec);
	const start = Number(match?.[1]);
	const end = match?.[2] === undefined ? start : Number(match[2]);
	const protocol = (match?.[3] ?? 'tcp').toLowerCase();
	if (!match || end > 65_535 || end < start) {
		throw invalid(`invalid port \`${spec}\``);
	}

	if (!['tcp', 'udp', 'sctp'].includes(protocol)) {
		throw invalid(`invalid protocol \`${protocol}\` in \`${spec}\``);
	}

	const ports = [];
	for (let port = start; port <= end; port++) {
		ports.push(`${port}/${protocol}`);
	}

	return ports;
};

/** `VOLUME ["/a", "/b"]` or `VOLUME /a /b`. */
const volumeList = (rest: string): string[] => {
	if (rest.startsWith('[')) {
		try {
			const parsed: unknown = JSON.parse(rest);
			if (Array.isArray(parsed) && parsed.every(item => typeof item === 'string')) {
				return parsed;
			}
		} catch {
			// Not JSON: a list of words.
		}
	}

	return rest.split(/\s+/);
};

/** A number or a name with or without SIG; Docker keeps the text and resolves it at stop time. */
const checkSignal = (signal: string): string => {
	const number = /^\d+$/.test(signal) ? Number(signal) : undefined;
	const name = `SIG${signal.toUpperCase().replace(/^SIG/, '')}`;
	if (number === undefined ? !(name in os.constants.signals) : number < 1 || number > 64) {
		throw invalid(`invalid signal \`${signal}\``);
	}

	return signal;
};

/**
 * Returns a copy of `base` with `changes` applied. `variables` are seen by the expansion where
 * the environment has no such name (a build's ARGs).
 */
export const applyChanges = (base: ContainerConfig, changes: readonly string[], variables?: Lookup): ContainerConfig => {
	const config = structuredClone(base);
	let cmdSet = false;
	for (const change of changes) {
		const match = /^\s*(\S+)\s*(.*?)\s*$/s.exec(change);
		if (!match) {
			continue;
		}

		const instruction = match[1]!.toUpperCase();
		const rest = match[2]!;
		if (rest === '') {
			throw invalid(`\`${instruction}\` requires at least one argument`);
		}

		const lookup: Lookup = name => envLookup(config.Env)(name) ?? variables?.(name);
		const expand = (word: string) => expandWord(word, lookup);
		switch (instruction) {
			case 'CMD': {
				config.Cmd = commandLine(instruction, rest, config);
				cmdSet = true;
				break;
			}

			case 'ENTRYPOINT': {
				config.Entrypoint = commandLine(instruction, rest, config);
				// A new entrypoint makes the old default arguments meaningless, unless CMD came with it.
				if (!cmdSet) {
					delete config.Cmd;
				}

				break;
			}

			case 'ENV': {
				for (const [name, value] of namedValues(instruction, rest, lookup)) {
					setEnv(config, name, value);
				}

				break;
			}

			case 'LABEL': {
				config.Labels = {...config.Labels, ...Object.fromEntries(namedValues(instruction, rest, lookup))};
				break;
			}

			case 'WORKDIR': {
				const dir = expand(rest);
				config.WorkingDir = path.posix.isAbsolute(dir) ? path.posix.normalize(dir) : path.posix.join('/', config.WorkingDir ?? '', dir);
				break;
			}

			case 'USER': {
				config.User = expand(rest);
				break;
			}

			case 'EXPOSE': {
				// Only EXPOSE splits what a variable expands to: `EXPOSE $PORTS` with PORTS="80 443".
				const specs = rest.split(/\s+/).flatMap(word => expand(word).split(/\s+/)).filter(Boolean);
				config.ExposedPorts = {...config.ExposedPorts};
				for (const port of specs.flatMap(spec => exposedPorts(spec))) {
					config.ExposedPorts[port] = {};
				}

				break;
			}

			case 'VOLUME': {
				config.Volumes = {...config.Volumes};
				for (const volume of volumeList(rest).map(word => expand(word))) {
					if (volume.trim() === '') {
						throw invalid('`VOLUME` specified can not be an empty string');
					}

					config.Volumes[volume] = {};
				}

				break;
			}

			case 'STOPSIGNAL': {
				config.StopSignal = checkSignal(expand(rest));
				break;
			}

			default: {
				throw invalid(`\`${match[1]!}\` is not a valid change command`);
			}
		}
	}

	return config;
};
