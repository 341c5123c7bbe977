/**
 * Network links through iproute2's `ip`: a batch of commands in one process, in the host's
 * namespace, in an existing network namespace (nsenter) or in a new one (unshare), so that a
 * container's whole network takes two processes to make.
 */
import {findProgram, runOrFail} from './command.js';

/** Where a batch runs: the host, a namespace file, or a namespace created at that file first. */
export type Where = {netns?: string; create?: boolean};

const prefix = ({netns, create}: Where): string[] => {
	if (netns === undefined) {
		return [];
	}

	return create ? ['unshare', `--net=${netns}`] : ['nsenter', `--net=${netns}`];
};

/** Runs `ip` commands (one a line, as `ip -batch` reads them) and stops at the first that fails. */
export const ipBatch = async (what: string, lines: string[], where: Where = {}): Promise<void> => {
	if (lines.length > 0) {
		// unshare and nsenter look `ip` up on PATH themselves: give them the system's.
		await runOrFail(what, [...prefix(where), findProgram('ip') ?? 'ip', '-batch', '-'], {input: `${lines.join('\n')}\n`});
	}
};

/** Deletes a link (a veth takes its peer with it); one that is already gone is fine. */
export const deleteLink = async (name: string): Promise<void> => {
	await runOrFail(`delete link \`${name}\``, ['ip', 'link', 'delete', 'dev', name], {harmless: /cannot find device|does not exist/i});
};
