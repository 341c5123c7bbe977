/**
 * A Dockerfile's instructions as the builder reads them: what dockerfile.ts's parse returns,
 * and what parsed.ts remembers of it. Nothing here loads the parser.
 */

export type Instruction = {
	/** Upper case: RUN, COPY, ... */
	keyword: string;
	/** `--name=value` flags: COPY --from and --chown, HEALTHCHECK --interval, ... */
	flags: Map<string, string>;
	/** What follows the keyword and its flags, continuation lines joined. */
	args: string;
	/** The instruction as written, on one line: Docker prints it as `Step N/M : TEXT`. */
	text: string;
	/** 1-based, for error messages. */
	line: number;
};

export type Stage = {
	/** The FROM instruction's image (variables not yet expanded). */
	base: string;
	/** `AS name`, lower-cased as Docker compares stage names. */
	name?: string;
	from: Instruction;
	instructions: Instruction[];
};

export type Dockerfile = {
	/** ARGs before the first FROM: their values are what FROM lines may use. */
	globalArgs: Instruction[];
	stages: Stage[];
};

/** The JSON form of an instruction's arguments (`["a", "b"]`), or undefined for any other. */
export const jsonStrings = (text: string): string[] | undefined => {
	if (!text.startsWith('[')) {
		return undefined;
	}

	try {
		const parsed: unknown = JSON.parse(text);
		return Array.isArray(parsed) && parsed.every(item => typeof item === 'string') ? parsed : undefined;
	} catch {
		return undefined;
	}
};
