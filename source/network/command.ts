/**
 * The host tools berth drives (ip, unshare, nsenter, nft, iptables): run without a shell, the
 * input on stdin, and a failure as one NETWORK_FAILED line quoting the tool's own message.
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import {environment, native} from '../native/addon.js';

export type CommandError = Error & {stderr: string; code?: number | string};

// The system's own tools first: a non-login PATH may lack sbin, and an npm script's PATH has
// node_modules/.bin, where `nft` is @vercel/nft.
const searchPath = (): string[] => ['/usr/sbin', '/sbin', '/usr/bin', '/bin', ...(process.env.PATH ?? '').split(':')].filter(Boolean);

/** Where a program is, looked up on PATH and in the sbin dirs; undefined when missing. */
export const findProgram = (program: string): string | undefined =>
	searchPath().map(dir => path.join(dir, program)).find(file => fs.existsSync(file));

/** Runs `argv`, resolving with its stdout; rejects with the tool's stderr attached. */
export const runTool = async (argv: string[], input?: string): Promise<string> => {
	const {status, signal, stdout, stderr} = await native().runTool(findProgram(argv[0]!) ?? argv[0]!, argv, environment(), input ?? '');
	if (status !== 0) {
		const how = status === -1 ? `signal ${signal}` : `status ${status}`;
		throw Object.assign(new Error(`\`${argv.join(' ')}\` ended with ${how}`), {code: status, stderr});
	}

	return stdout;
};

/** The first line a failed tool wrote, for an error message. */
export const toolMessage = (error: unknown): string => {
	const {stderr, message} = error as CommandError;
	return (stderr || message || String(error)).trim().split('\n')[0] ?? '';
};

/**
 * Like runTool, but a failure is a NETWORK_FAILED naming what was being done; a failure whose
 * message matches `harmless` (the goal already reached: "File exists", "No such device") is none.
 */
export const runOrFail = async (what: string, argv: string[], options: {input?: string; harmless?: RegExp} = {}): Promise<string> => {
	try {
		return await runTool(argv, options.input);
	} catch (error) {
		if ((error as CommandError).code === 'ENOENT') {
			throw new BerthError('NETWORK_FAILED', `cannot ${what}: \`${argv[0]}\` is not installed`, {cause: error});
		}

		if (options.harmless?.test(toolMessage(error))) {
			return '';
		}

		throw new BerthError('NETWORK_FAILED', `cannot ${what}: ${toolMessage(error)}`, {cause: error});
	}
};
