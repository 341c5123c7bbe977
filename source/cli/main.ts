/**
 * The CLI: argv to a command. Each command lives in its own file and calls the engine; this
 * file only wires them up and turns failures into Docker's exit statuses: a BerthError is one
 * line and its code (125 unless the container's command is at fault), anything else is a bug
 * and shows its stack.
 */
import {Command, CommanderError} from 'commander';
import {BerthError} from '../engine/errors.js';
import {defineAttach} from './attach.js';
import {defineBuild} from './build.js';
import {defineCommit} from './commit.js';
import {defineContainer} from './container.js';
import {defineCp} from './cp.js';
import {defineCreate} from './create.js';
import {defineDiff} from './diff.js';
import {defineEvents} from './events.js';
import {defineExec} from './exec.js';
import {defineExport} from './export.js';
import {defineHistory} from './history.js';
import {defineImage} from './image.js';
import {defineImages} from './images.js';
import {defineImport} from './import.js';
import {defineInfo} from './info.js';
import {defineInspect} from './inspect.js';
import {defineLoad} from './load.js';
import {defineLifecycle} from './lifecycle.js';
import {defineLogin} from './login.js';
import {defineLogout} from './logout.js';
import {defineLogs} from './logs.js';
import {defineNetwork} from './network.js';
import {definePort} from './port.js';
import {definePs} from './ps.js';
import {definePull} from './pull.js';
import {definePush} from './push.js';
import {defineRename} from './rename.js';
import {defineRmi} from './rmi.js';
import {defineRun} from './run.js';
import {defineSave} from './save.js';
import {defineStart} from './start.js';
import {defineStats} from './stats.js';
import {defineTag} from './tag.js';
import {defineTop} from './top.js';
import {defineVersion, version} from './version.js';

export const program = (): Command => {
	const berth = new Command('berth')
		.description('A daemonless container engine. Run `berth` with no command for the terminal UI.')
		.version(version(), '--version', 'print the version')
		.enablePositionalOptions()
		.showSuggestionAfterError()
		.exitOverride();
	for (const define of [
		defineRun, defineCreate, defineStart, defineLifecycle, defineAttach, defineExec, defineLogs, definePs, definePort, defineNetwork,
		defineInspect, defineTop, defineStats, defineRename, defineContainer, defineImage, defineImages, defineImport,
		defineBuild, defineCommit, defineDiff, defineExport, defineCp, defineTag, defineRmi, defineHistory, defineSave, defineLoad,
		definePull, definePush, defineLogin, defineLogout, defineEvents, defineInfo, defineVersion,
	]) {
		define(berth);
	}

	for (const command of berth.commands) {
		command.exitOverride();
	}

	return berth;
};

/** Runs one command; `berth` is the program as program() makes it, made ahead in the start-up snapshot. */
export const main = async (argv: string[], berth = program()): Promise<number> => {
	try {
		await berth.parseAsync(argv, {from: 'user'});
		return typeof process.exitCode === 'number' ? process.exitCode : 0;
	} catch (error) {
		if (error instanceof CommanderError) {
			// Help and --version end through here too, with status 0.
			return error.exitCode === 0 ? 0 : 125;
		}

		if (error instanceof BerthError) {
			process.stderr.write(`berth: ${error.message}\n`);
			return error.exitCode;
		}

		process.stderr.write(`berth: internal error: ${(error as Error).stack ?? String(error)}\n`);
		return 125;
	}
};
