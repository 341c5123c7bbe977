/**
 * Engine calls the UI makes that other parts of berth bring (commit, tag, rmi, history, diff,
 * push, pull): each is called where the engine has it and reported as not available yet where
 * it does not, so the UI never fakes one.
 */
import type {Engine} from '../engine/engine.js';
import {BerthError} from '../engine/errors.js';

/** The registry client's progress events, as the UI draws them (one bar per layer, then the digest). */
export type ProgressEvent =
	| {type: 'start'; action: 'pull' | 'push'; reference: string}
	| {type: 'layer'; digest: string; phase: string; current?: number; total?: number}
	| {type: 'digest'; reference: string; digest: string; size: number}
	| {type: 'end'; reference: string; fresh: boolean};

export type OnProgress = (event: ProgressEvent) => void;

export type HistoryRow = {id?: string; created?: string; createdBy: string; size: number; comment: string};

export type Change = {kind: 'A' | 'C' | 'D'; path: string};

type RegistryOptions = {onProgress?: OnProgress; auth?: {username: string; password: string}};

/** What the UI looks for on `engine.images` and `engine.files`, by name. */
type ImageCalls = {
	commit?: (container: string, options: {reference?: string; message?: string}) => Promise<string>;
	tag?: (source: string, target: string) => Promise<void>;
	remove?: (nameOrId: string, options?: {force?: boolean}) => Promise<unknown>;
	history?: (nameOrId: string) => Promise<HistoryRow[]>;
	push?: (reference: string, options?: RegistryOptions) => Promise<unknown>;
	pull?: (reference: string, options?: RegistryOptions) => Promise<unknown>;
};

type FileCalls = {changes?: (container: string) => Promise<Change[]>};

const notYet = (what: string): BerthError => new BerthError('NOT_SUPPORTED', `${what} is not available yet in this berth`);

const images = (engine: Engine): ImageCalls => engine.images as unknown as ImageCalls;

const call = <K extends keyof ImageCalls>(engine: Engine, name: K, what: string): NonNullable<ImageCalls[K]> => {
	const method = images(engine)[name];
	if (typeof method !== 'function') {
		throw notYet(what);
	}

	return (method as (...args: unknown[]) => unknown).bind(engine.images) as NonNullable<ImageCalls[K]>;
};

export const has = (engine: Engine, name: keyof ImageCalls): boolean => typeof images(engine)[name] === 'function';

export const commitContainer = async (engine: Engine, container: string, options: {reference?: string; message?: string}): Promise<string> =>
	call(engine, 'commit', 'commit')(container, options);

export const tagImage = async (engine: Engine, source: string, target: string): Promise<void> =>
	call(engine, 'tag', 'tag')(source, target);

export const removeImage = async (engine: Engine, nameOrId: string): Promise<unknown> =>
	call(engine, 'remove', 'removing images')(nameOrId, {});

export const imageHistory = async (engine: Engine, nameOrId: string): Promise<HistoryRow[] | undefined> =>
	has(engine, 'history') ? call(engine, 'history', 'history')(nameOrId) : undefined;

export const pushImage = async (engine: Engine, reference: string, options: RegistryOptions): Promise<unknown> =>
	call(engine, 'push', 'push (registries)')(reference, options);

export const pullImage = async (engine: Engine, reference: string, options: RegistryOptions): Promise<unknown> =>
	call(engine, 'pull', 'pull (registries)')(reference, options);

/** `docker diff`: undefined where the engine cannot list a container's changes yet. */
export const containerChanges = async (engine: Engine, container: string): Promise<Change[] | undefined> => {
	const files = (engine as unknown as {files?: FileCalls}).files;
	return typeof files?.changes === 'function' ? files.changes(container) : undefined;
};
