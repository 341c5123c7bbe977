/**
 * Parsed Dockerfiles, remembered by their text: a rebuild of an unchanged Dockerfile neither
 * evaluates dockerfile-ast (its modules and vscode-languageserver-types: about 5 ms) nor runs
 * its parse, whose code is cold in every new process (5 ms more for ten lines). One small file
 * per text under BERTH_ROOT/build/parsed, written atomically; only a parse that succeeded is
 * remembered, so a Dockerfile with an error is parsed, and refused, every time.
 *
 * The key holds `parseFormat`: bump it whenever dockerfile.ts returns something else for the
 * same text (test/unit/build-parsed.test.ts fails when dockerfile.ts or dockerfile-ast changes,
 * to remind), or builds would go on with what an older parser made of their Dockerfile.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {writeFileAtomic} from '../storage/atomic.js';
import {sha256} from '../storage/blobs.js';
import type {Dockerfile, Instruction} from './instruction.js';

export const parseFormat = 'dockerfile-ast 0.7.1, berth 1';

/** An instruction as JSON holds it: the flags as [name, value] pairs. */
type StoredInstruction = Omit<Instruction, 'flags'> & {flags: Array<[string, string]>};

const store = (instruction: Instruction): StoredInstruction => ({...instruction, flags: [...instruction.flags]});

const restore = (instruction: StoredInstruction): Instruction => ({...instruction, flags: new Map(instruction.flags)});

type Stored = {
	dockerfile?: {globalArgs: StoredInstruction[]; stages: Array<{base: string; name?: string; from: StoredInstruction; instructions: StoredInstruction[]}>};
	instructions?: StoredInstruction[];
};

export class ParsedDockerfiles {
	private readonly dir: string;

	/** `root` is BERTH_ROOT. */
	constructor(root: string) {
		this.dir = path.join(root, 'build', 'parsed');
	}

	/** The Dockerfile `text` parsed, or a BerthError naming what is wrong with it. */
	async dockerfile(text: string): Promise<Dockerfile> {
		const key = this.key('dockerfile', text);
		const stored = this.read(key)?.dockerfile;
		if (stored) {
			return {
				globalArgs: stored.globalArgs.map(restore),
				stages: stored.stages.map(stage => ({...stage, from: restore(stage.from), instructions: stage.instructions.map(restore)})),
			};
		}

		const {parseDockerfile} = await import('./dockerfile.js');
		const dockerfile = parseDockerfile(text);
		await this.write(key, {
			dockerfile: {
				globalArgs: dockerfile.globalArgs.map(store),
				stages: dockerfile.stages.map(stage => ({...stage, from: store(stage.from), instructions: stage.instructions.map(store)})),
			},
		});
		return dockerfile;
	}

	/** The instructions of `text` (an ONBUILD trigger). */
	async instructions(text: string): Promise<Instruction[]> {
		const key = this.key('instructions', text);
		const stored = this.read(key)?.instructions;
		if (stored) {
			return stored.map(restore);
		}

		const {parseInstructions} = await import('./dockerfile.js');
		const instructions = parseInstructions(text);
		await this.write(key, {instructions: instructions.map(store)});
		return instructions;
	}

	private key(kind: string, text: string): string {
		return sha256(JSON.stringify([parseFormat, kind, text])).slice('sha256:'.length);
	}

	/** One synchronous read, as the build cache's records. */
	private read(key: string): Stored | undefined {
		try {
			return JSON.parse(fs.readFileSync(path.join(this.dir, key), 'utf8')) as Stored;
		} catch (error) {
			// Not remembered yet, or not readable JSON (then parsed and written anew).
			if (isErrno(error, 'ENOENT') || error instanceof SyntaxError) {
				return undefined;
			}

			throw error;
		}
	}

	private async write(key: string, stored: Stored): Promise<void> {
		await fsp.mkdir(this.dir, {recursive: true});
		await writeFileAtomic(path.join(this.dir, key), JSON.stringify(stored));
	}
}
