import path from 'node:path';
import {randomBytes} from 'node:crypto';
import type React from 'react';
import type {Engine} from '../../engine/engine.js';
import {BerthError} from '../../engine/errors.js';
import {imageShell} from '../../engine/shell.js';
import {splitWords} from '../../image/shell-words.js';
import type {Container} from '../../runtime/container.js';
import type {Image} from '../../image/store.js';
import type {RunOptions} from '../../runtime/spec.js';
import {commitContainer, login, pullImage, pushImage, removeImage, tagImage} from '../engine-calls.js';
import type {FormRequest} from '../components/prompt-form.js';
import type {ActionName} from '../keymap.js';
import {containerName, imageName} from '../rows.js';
import type {TerminalSession, SessionKind} from '../terminal-session.js';
import type {Kind, Area} from '../app.js';
import type {BerthState} from './use-berth-state.js';
import type {ListCursor} from './use-list-cursor.js';
import type {ProgressApi} from './use-progress.js';
import type {Sessions} from './use-sessions.js';
import type {StatusApi} from './use-status.js';

type Context = {
	engine: Engine;
	cli: string[];
	env?: NodeJS.ProcessEnv;
	preferredShell?: string;
	status: StatusApi;
	sessions: Sessions;
	progress: ProgressApi;
	state: BerthState;
	setForm: (form: FormRequest | undefined) => void;
	setKind: (kind: Kind) => void;
	setArea: (area: Area) => void;
	setTabs: React.Dispatch<React.SetStateAction<Record<Kind, number>>>;
	containers: ListCursor<Container>;
	images: ListCursor<Image>;
	/** Shows a session just opened in its tab, with the focus in it. */
	sessionTab: (session: TerminalSession, kind: Kind) => void;
	size: {cols: number; rows: number};
};

export type Actions = {
	onContainer: (name: ActionName, container: Container | undefined) => void;
	onImage: (name: ActionName, image: Image | undefined) => void;
	closeSession: (session: TerminalSession) => void;
	/** Removes what the UI started and only it would clean up: its throwaway shells' containers. */
	cleanup: () => Promise<void>;
};

/** The name users know an image by: its first tag, else its short id. */
export const imageRef = (image: Image): string => {
	const tag = image.references.find(reference => !reference.includes('@'));
	return tag ? imageName({...image, references: [tag]}) : image.id.replace('sha256:', '').slice(0, 12);
};

/** Throwaway shells' containers, by session, for removal when the session or the UI ends. */
const throwaway = new Map<number, string>();

const ignoreGone = (error: unknown): void => {
	if (!(error instanceof BerthError && error.code === 'NO_SUCH_CONTAINER')) {
		throw error;
	}
};

/** What each key does on a container or an image: engine calls, forms first where there is something to ask. */
export const useActions = (context: Context): Actions => {
	const {engine, status, sessions} = context;

	const openSession = (kind: SessionKind, title: string, target: string, args: string[], listKind: Kind): TerminalSession => {
		const [command, ...prefix] = context.cli;
		const session = sessions.open({
			kind, title, target, command: command!, args: [...prefix, ...args],
			cols: context.size.cols, rows: context.size.rows, env: context.env,
		});
		context.sessionTab(session, listKind);
		return session;
	};

	const confirm = (title: string, yes: () => void): void => {
		context.setForm({title, fields: [], confirm: true, submit: yes});
	};

	const lifecycle = (container: Container, verb: string, done: string, call: () => Promise<unknown>): void => {
		const name = containerName(container);
		void status.run(`${verb} ${name}`, call, () => `${done} ${name}`).then(() => {
			context.state.reload();
		});
	};

	const commit = (container: Container): void => {
		const name = containerName(container);
		const stamp = new Date().toISOString().slice(0, 16).replaceAll(/[-:]/g, '').replace('T', '-');
		context.setForm({
			title: `Commit ${name} to an image`,
			fields: [
				{name: 'reference', label: 'repository:tag', value: `${name}:${stamp}`},
				{name: 'message', label: 'message', value: `${name} as of ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`},
			],
			submit: ({reference, message}) => {
				void status.run(`committing ${name}`, async () => commitContainer(engine, container.Id, {reference: reference || undefined, message: message || undefined}), id =>
					`committed ${name} as ${reference || 'an untagged image'} (${id.replace('sha256:', '').slice(0, 12)})`).then(id => {
					if (id) {
						context.images.select(id);
						context.setKind('images');
						context.setArea('list');
						context.state.reload();
					}
				});
			},
		});
	};

	const onContainer = (name: ActionName, container: Container | undefined): void => {
		if (!container) {
			status.show('no container selected', 'error');
			return;
		}

		const label = containerName(container);
		const running = container.State.Status === 'running' || container.State.Status === 'paused';
		switch (name) {
			case 'start': {
				lifecycle(container, 'starting', 'started', async () => engine.containers.start(container.Id));
				break;
			}

			case 'stop': {
				lifecycle(container, 'stopping', 'stopped', async () => engine.containers.stop(container.Id));
				break;
			}

			case 'restart': {
				lifecycle(container, 'restarting', 'restarted', async () => engine.containers.restart(container.Id));
				break;
			}

			case 'kill': {
				confirm(`Kill ${label} (SIGKILL)?`, () => {
					lifecycle(container, 'killing', 'killed', async () => engine.containers.kill(container.Id));
				});
				break;
			}

			case 'pause': {
				if (container.State.Status === 'paused') {
					lifecycle(container, 'unpausing', 'unpaused', async () => engine.containers.unpause(container.Id));
				} else {
					lifecycle(container, 'pausing', 'paused', async () => engine.containers.pause(container.Id));
				}

				break;
			}

			case 'removeContainer': {
				confirm(running ? `Remove running container ${label}? It is killed first.` : `Remove container ${label}?`, () => {
					lifecycle(container, 'removing', 'removed', async () => engine.containers.remove(container.Id, {force: running}));
				});
				break;
			}

			case 'attach': {
				if (!running) {
					status.show(`container \`${label}\` is not running: S starts it`, 'error');
					break;
				}

				openSession('attach', `attach ${label}`, container.Id, ['attach', container.Id], 'containers');
				break;
			}

			case 'exec': {
				if (!running) {
					status.show(`container \`${label}\` is not running: S starts it`, 'error');
					break;
				}

				void status.run(`finding a shell in ${label}`, async () => container.Image ? imageShell(engine, container.Image, context.preferredShell) : 'sh').then(shell => {
					if (shell) {
						openSession('exec', `exec ${label}`, container.Id, ['exec', '-it', container.Id, shell], 'containers');
						status.show(`${shell} in ${label}`);
					}
				});
				break;
			}

			case 'commit': {
				commit(container);
				break;
			}

			default: {
				break;
			}
		}
	};

	const shell = (image: Image): void => {
		const reference = imageRef(image);
		void status.run(`finding a shell in ${reference}`, async () => imageShell(engine, image.id, context.preferredShell)).then(program => {
			if (!program) {
				return;
			}

			const name = `shell-${randomBytes(3).toString('hex')}`;
			const session = openSession('shell', `shell ${reference}`, image.id, ['run', '--rm', '-it', '--name', name, reference, program], 'images');
			throwaway.set(session.id, name);
			status.show(`${path.basename(program)} in a throwaway container of ${reference}: it is removed when the shell exits`);
		});
	};

	const runForm = (image: Image): void => {
		context.setForm({
			title: `Run a container of ${imageRef(image)} (detached, with a terminal)`,
			fields: [
				{name: 'image', label: 'image', value: imageRef(image)},
				{name: 'name', label: 'name', value: '', hint: '(a random one)'},
				{name: 'ports', label: 'ports', value: '', hint: '8080:80 …'},
				{name: 'env', label: 'env', value: '', hint: 'KEY=VALUE …'},
				{name: 'command', label: 'command', value: '', hint: '(the image\'s)'},
			],
			submit: values => {
				void status.run(`starting a container of ${values.image}`, async () => {
					const options: RunOptions & {publish?: string[]} = {
						image: values.image!,
						command: splitWords(values.command ?? ''),
						name: values.name || undefined,
						env: splitWords(values.env ?? ''),
						tty: true,
						interactive: true,
					};
					const ports = splitWords(values.ports ?? '');
					if (ports.length > 0) {
						options.publish = ports;
					}

					const created = await engine.containers.create(options);
					return engine.containers.start(created.Id);
				}, started => `started ${containerName(started)}`).then(started => {
					if (started) {
						context.containers.select(started.Id);
						context.setKind('containers');
						context.state.reload();
					}
				});
			},
		});
	};

	/** A push or pull with its progress in the detail area; a 401 asks for a login, then tries again. */
	const registry = (verb: 'push' | 'pull', reference: string): void => {
		context.progress.begin(`${verb === 'push' ? 'Pushing' : 'Pulling'} ${reference}`);
		let unauthorized = false;
		void status.run(`${verb === 'push' ? 'pushing' : 'pulling'} ${reference}`, async () => {
			const options = {onProgress: context.progress.update};
			try {
				return await (verb === 'push' ? pushImage(engine, reference, options) : pullImage(engine, reference, options));
			} catch (error) {
				unauthorized = error instanceof BerthError && error.code === 'REGISTRY_UNAUTHORIZED';
				throw error;
			} finally {
				context.progress.finish();
			}
		}, result => verb === 'push' ? `pushed ${reference}: ${result}` : `pulled ${result}`).then(result => {
			if (result === undefined) {
				context.progress.dismiss();
			}

			context.state.reload();
			if (unauthorized) {
				context.setForm({
					title: `Log in to ${reference.split('/')[0]} to ${verb} ${reference}`,
					fields: [{name: 'username', label: 'username', value: ''}, {name: 'password', label: 'password', value: '', secret: true}],
					submit: ({username, password}) => {
						void status.run('logging in', async () => login(engine, reference, {username: username!, password: password!}), domain => `logged in to ${domain}`).then(domain => {
							if (domain) {
								registry(verb, reference);
							}
						});
					},
				});
			}
		});
	};

	const onImage = (name: ActionName, image: Image | undefined): void => {
		if (name === 'pull') {
			context.setForm({
				title: 'Pull an image',
				fields: [{name: 'reference', label: 'name', value: image ? imageRef(image) : '', hint: 'registry/repository:tag'}],
				submit: ({reference}) => {
					if (reference) {
						registry('pull', reference);
					}
				},
			});
			return;
		}

		if (!image) {
			status.show('no image selected', 'error');
			return;
		}

		const reference = imageRef(image);
		switch (name) {
			case 'shell': {
				shell(image);
				break;
			}

			case 'run': {
				runForm(image);
				break;
			}

			case 'push': {
				registry('push', reference);
				break;
			}

			case 'tag': {
				context.setForm({
					title: `Tag ${reference}`,
					fields: [{name: 'target', label: 'new name', value: reference.replace(/:[^:/]*$/, ''), hint: 'repository:tag'}],
					submit: ({target}) => {
						void status.run(`tagging ${reference}`, async () => tagImage(engine, image.id, target!), () => `tagged ${reference} as ${target}`).then(() => {
							context.state.reload();
						});
					},
				});
				break;
			}

			case 'removeImage': {
				confirm(`Remove image ${reference}?`, () => {
					void status.run(`removing ${reference}`, async () => removeImage(engine, reference.startsWith('<none>') ? image.id : reference), () => `removed ${reference}`).then(() => {
						context.state.reload();
					});
				});
				break;
			}

			default: {
				break;
			}
		}
	};

	const removeThrowaway = async (session: TerminalSession): Promise<void> => {
		const name = throwaway.get(session.id);
		throwaway.delete(session.id);
		if (name) {
			await engine.containers.remove(name, {force: true}).catch(ignoreGone);
		}
	};

	return {
		onContainer,
		onImage,
		closeSession: session => {
			sessions.close(session);
			void removeThrowaway(session).catch((error: unknown) => {
				status.show(`cannot remove the throwaway container: ${(error as Error).message}`, 'error');
			});
		},
		cleanup: async () => {
			await Promise.all(sessions.sessions.map(async session => removeThrowaway(session).catch(() => undefined)));
		},
	};
};
