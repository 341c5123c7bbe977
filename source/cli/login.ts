import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {getEngine, print} from './context.js';
import {addTlsVerify, type TlsFlags} from './registry-flags.js';

type Flags = TlsFlags & {username?: string; password?: string; passwordStdin?: boolean};

const readStdin = async (): Promise<string> => {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) {
		chunks.push(chunk as Buffer);
	}

	return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
};

/** Reads one line typed on the terminal; with `hidden`, without echoing it. */
const prompt = async (question: string, hidden: boolean): Promise<string> => {
	const {stdin, stderr} = process;
	if (!stdin.isTTY) {
		throw new BerthError('INVALID_ARGUMENT', 'cannot ask for the credentials: stdin is not a terminal; use -u and --password-stdin');
	}

	stderr.write(question);
	stdin.setRawMode(true);
	stdin.resume();
	let line = '';
	try {
		return await new Promise<string>((resolve, reject) => {
			stdin.on('data', (data: Buffer) => {
				for (const char of data.toString('utf8')) {
					if (char === '\r' || char === '\n') {
						resolve(line);
					} else if (char === '\u0003') {
						reject(new BerthError('INVALID_ARGUMENT', 'login cancelled'));
					} else if (char === '\u007F' || char === '\b') {
						if (line.length > 0 && !hidden) {
							stderr.write('\b \b');
						}

						line = line.slice(0, -1);
					} else {
						line += char;
						stderr.write(hidden ? '' : char);
					}
				}
			});
		});
	} finally {
		stdin.setRawMode(false);
		stdin.pause();
		stdin.removeAllListeners('data');
		stderr.write('\n');
	}
};

export const defineLogin = (program: Command): void => {
	addTlsVerify(program.command('login')
		.description('Check credentials against a registry and keep them for pulls and pushes')
		.argument('[server]', 'the registry (default docker.io)')
		.option('-u, --username <name>', 'user name')
		.option('-p, --password <password>', 'password (visible to other users: prefer --password-stdin)')
		.option('--password-stdin', 'read the password from stdin'))
		.action(async (server: string | undefined, flags: Flags) => {
			if (flags.password !== undefined && flags.passwordStdin) {
				throw new BerthError('INVALID_ARGUMENT', '--password and --password-stdin are mutually exclusive');
			}

			if (flags.passwordStdin && flags.username === undefined) {
				throw new BerthError('INVALID_ARGUMENT', 'must provide --username with --password-stdin');
			}

			if (flags.password !== undefined) {
				process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
			}

			const username = flags.username ?? await prompt('Username: ', false);
			const password = flags.passwordStdin ? await readStdin() : flags.password ?? await prompt('Password: ', true);
			if (!username || !password) {
				throw new BerthError('INVALID_ARGUMENT', 'a username and a password are needed to log in');
			}

			await getEngine().registry.login(server, {username, password}, {tlsVerify: flags.tlsVerify});
			print('Login Succeeded');
		});
};
