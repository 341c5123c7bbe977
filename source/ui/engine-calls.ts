/**
 * The engine calls behind the UI's image and registry keys, in one place: commit, tag, rmi,
 * history, diff, push, pull and login, with the progress events the registry client sends.
 */
import type {Engine} from '../engine/engine.js';
import type {OnProgress, ProgressEvent} from '../registry/progress.js';
import {normalizeReference} from '../image/reference.js';

export type {OnProgress, ProgressEvent};

export type HistoryRow = {id?: string; created?: string; createdBy: string; size: number; comment: string};

export type Change = {kind: 'A' | 'C' | 'D'; path: string};

export const commitContainer = async (engine: Engine, container: string, options: {reference?: string; message?: string}): Promise<string> =>
	engine.images.commit(container, options);

export const tagImage = async (engine: Engine, source: string, target: string): Promise<void> =>
	engine.images.tag(source, target);

export const removeImage = async (engine: Engine, nameOrId: string): Promise<unknown> =>
	engine.images.remove(nameOrId, {});

export const imageHistory = async (engine: Engine, nameOrId: string): Promise<HistoryRow[]> =>
	engine.images.history(nameOrId);

/** The pushed manifest's digest. */
export const pushImage = async (engine: Engine, reference: string, options: {onProgress?: OnProgress}): Promise<string> =>
	(await engine.registry.push(reference, options)).digest;

export const pullImage = async (engine: Engine, reference: string, options: {onProgress?: OnProgress}): Promise<string> => {
	const pulled = await engine.registry.pull(reference, options);
	return pulled.map(image => image.reference).join(', ');
};

/** Logs in to the registry `reference` lives in. */
export const login = async (engine: Engine, reference: string, credentials: {username: string; password: string}): Promise<string> =>
	engine.registry.login(normalizeReference(reference).domain, credentials);

export const containerChanges = async (engine: Engine, container: string): Promise<Change[]> =>
	engine.files.changes(container);
