/**
 * A Dockerfile as the builder reads it, parsed by dockerfile-ast: the ARGs before the first
 * FROM, then the stages, each a FROM and its instructions. The parser joins continuation lines
 * and drops comments; words and variables are left for each step, which expands them with the
 * variables in force when it runs.
 */
import {DockerfileParser, ModifiableInstruction} from 'dockerfile-ast';
import {BerthError} from '../engine/errors.js';
import {splitWords} from '../image/shell-words.js';
import {jsonStrings, type Dockerfile, type Instruction, type Stage} from './instruction.js';

export {jsonStrings, type Dockerfile, type Instruction, type Stage} from './instruction.js';

const known = new Set([
	'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
	'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** The flags each instruction takes; any other is refused rather than silently ignored. */
const allowedFlags: Record<string, string[]> = {
	FROM: ['platform'],
	COPY: ['from', 'chown'],
	ADD: ['chown'],
	HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

const invalid = (line: number, message: string) => new BerthError('INVALID_ARGUMENT', `Dockerfile line ${line}: ${message}`);

/** Parses one instruction line of a Dockerfile (also an ONBUILD trigger). */
export const parseInstructions = (text: string): Instruction[] => {
	const document = DockerfileParser.parse(text);
	if (document.getEscapeCharacter() !== '\\') {
		throw new BerthError('NOT_SUPPORTED', `escape character \`${document.getEscapeCharacter()}\` is not supported: only \`\\\``);
	}

	return document.getInstructions().map(node => {
		const keyword = node.getKeyword();
		const line = node.getRange().start.line + 1;
		if (!known.has(keyword)) {
			throw invalid(line, `unknown instruction \`${node.getInstruction()}\``);
		}

		const args = node.getArgumentsContent()?.trim() ?? '';
		if (args === '') {
			throw invalid(line, `\`${keyword}\` requires at least one argument`);
		}

		const flags = new Map<string, string>();
		const written = node instanceof ModifiableInstruction ? node.getFlags() : [];
		for (const flag of written) {
			if (!allowedFlags[keyword]?.includes(flag.getName())) {
				throw new BerthError('NOT_SUPPORTED', `Dockerfile line ${line}: \`${keyword}\` does not support the flag \`--${flag.getName()}\``);
			}

			flags.set(flag.getName(), flag.getValue() ?? '');
		}

		if (keyword === 'ONBUILD') {
			// Checked here, once: the parse is remembered (parsed.ts), and the config step only stores the trigger.
			const [trigger] = parseInstructions(args);
			if (!trigger || ['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger.keyword)) {
				throw invalid(line, `\`${trigger?.keyword ?? args}\` is not allowed as an ONBUILD trigger`);
			}
		}

		return {keyword, flags, args, text: [node.getInstruction(), ...written.map(flag => flag.toString()), args].join(' '), line};
	});
};

export const parseDockerfile = (text: string): Dockerfile => {
	const instructions = parseInstructions(text);
	const firstFrom = instructions.findIndex(instruction => instruction.keyword === 'FROM');
	const globalArgs = instructions.slice(0, Math.max(firstFrom, 0));
	const stray = globalArgs.find(instruction => instruction.keyword !== 'ARG');
	if (firstFrom === -1 || stray) {
		throw invalid(stray?.line ?? 1, 'a Dockerfile must begin with FROM, after any ARG');
	}

	const stages: Stage[] = [];
	for (const instruction of instructions.slice(firstFrom)) {
		if (instruction.keyword !== 'FROM') {
			stages.at(-1)!.instructions.push(instruction);
			continue;
		}

		const words = splitWords(instruction.args);
		if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
			throw invalid(instruction.line, '`FROM` takes an image and an optional `AS name`');
		}

		const name = words[2]?.toLowerCase();
		if (name !== undefined && !/^[a-z][a-z\d_.-]*$/.test(name)) {
			throw invalid(instruction.line, `invalid stage name \`${words[2]!}\``);
		}

		if (name !== undefined && stages.some(stage => stage.name === name)) {
			throw invalid(instruction.line, `duplicate stage name \`${name}\``);
		}

		stages.push({base: words[0]!, name, from: instruction, instructions: []});
	}

	return {globalArgs, stages};
};
