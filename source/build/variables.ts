/**
 * Build arguments, with Docker's scoping: `--build-arg` values only reach a build through an
 * ARG that declares them; the ARGs before the first FROM serve FROM lines, and a stage sees
 * one only if it declares it again (`ARG NAME`). Inside a stage, ENV wins over ARG of the same
 * name. RUN steps get the stage's arguments in their environment, and in their history line,
 * so that a changed value misses the cache.
 */
import {BerthError} from '../engine/errors.js';
import {envLookup, expandWord, splitWords, type Lookup} from '../image/shell-words.js';
import type {Instruction} from './instruction.js';

/** Arguments every build knows without an ARG (Docker's predefined proxy arguments). */
const predefined = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap(name => [name, name.toLowerCase()]));

export class BuildArgs {
	private readonly declared = new Set<string>();
	private readonly globals = new Map<string, string | undefined>();

	constructor(private readonly given: ReadonlyMap<string, string>) {}

	/** An ARG before the first FROM. */
	declareGlobal(instruction: Instruction): void {
		for (const [name, value] of this.declarations(instruction, this.globalLookup)) {
			this.globals.set(name, value);
		}
	}

	/** Variables as FROM lines see them. */
	readonly globalLookup: Lookup = name => this.globals.get(name);

	/** The arguments of a new stage: none until it declares them. */
	stage(): StageArgs {
		return new StageArgs(this);
	}

	/** `NAME[=default] ...` of an ARG: a --build-arg wins over the default, a global's value fills a bare name. */
	declarations(instruction: Instruction, lookup: Lookup): Array<[string, string | undefined]> {
		return splitWords(instruction.args).map(word => {
			const equals = word.indexOf('=');
			const name = equals === -1 ? word : word.slice(0, equals);
			if (!/^[A-Za-z_]\w*$/.test(name)) {
				throw new BerthError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: invalid argument name \`${name}\``);
			}

			this.declared.add(name);
			const fallback = equals === -1 ? this.globals.get(name) : expandWord(word.slice(equals + 1), lookup);
			return [name, this.given.get(name) ?? fallback];
		});
	}

	/** Build arguments no ARG asked for: Docker warns of them once the build is done. */
	unused(): string[] {
		return [...this.given.keys()].filter(name => !this.declared.has(name) && !predefined.has(name)).sort();
	}
}

export class StageArgs {
	private readonly values = new Map<string, string | undefined>();

	constructor(private readonly args: BuildArgs) {}

	declare(instruction: Instruction, env: readonly string[] | undefined): void {
		for (const [name, value] of this.args.declarations(instruction, this.lookup(env))) {
			this.values.set(name, value);
		}
	}

	/** What words of an instruction expand against: the image's environment, then the arguments. */
	lookup(env: readonly string[] | undefined): Lookup {
		const fromEnv = envLookup(env);
		return name => fromEnv(name) ?? this.values.get(name);
	}

	/** `NAME=value` of every argument with a value that no ENV hides, sorted: a RUN step's extra environment. */
	runEnv(env: readonly string[] | undefined): string[] {
		const fromEnv = envLookup(env);
		return [...this.values].filter(([name, value]) => value !== undefined && fromEnv(name) === undefined)
			.map(([name, value]) => `${name}=${value!}`)
			.sort();
	}
}
