import type {Engine} from '../../engine/engine.js';
import type {Container} from '../../runtime/container.js';
import type {Image} from '../../image/store.js';
import {humanSize} from '../../cli/format.js';
import {commandText} from '../../cli/format.js';
import {containerChanges, imageHistory} from '../engine-calls.js';
import {portsText} from '../rows.js';
import {useDetailText, type DetailText} from './use-detail-text.js';

type Selection = {
	kind: 'containers' | 'images';
	tab: string;
	container?: Container;
	image?: Image;
	/** Changes when the selection's state does, so the text is read again. */
	version?: string;
};

const json = (value: unknown): string[] => JSON.stringify(value, null, 2).split('\n');

/** Inspect of a container: what users look for first (config, env, mounts, ports), then all of it. */
const containerInspect = async (engine: Engine, container: Container): Promise<string[]> => {
	const full = await engine.containers.inspect(container.Id);
	const {Config: config, HostConfig: host, Mounts: mounts} = container;
	return [
		`Id:       ${container.Id}`,
		`Image:    ${container.ImageName} (${container.Image.replace('sha256:', '').slice(0, 12) || 'rootfs'})`,
		`Command:  ${commandText(container, false)}`,
		`State:    ${container.State.Status}${container.State.Status === 'exited' ? ` (${container.State.ExitCode})` : ''}${container.State.Error ? ` – ${container.State.Error}` : ''}`,
		`Created:  ${container.Created}`,
		`Tty:      ${config.Tty}   User: ${config.User || 'root'}   Workdir: ${config.WorkingDir || '/'}`,
		`Network:  ${host.NetworkMode}   Ports: ${portsText(container) || 'none'}`,
		'Env:',
		...config.Env.map(entry => `  ${entry}`),
		'Mounts:',
		...mounts.length > 0 ? mounts.map(mount => `  ${mount.Type} ${mount.Source || '-'} -> ${mount.Destination}${mount.RW ? '' : ' (ro)'}`) : ['  none'],
		'',
		'── berth inspect ──',
		...json(full),
	];
};

const imageInspect = async (engine: Engine, image: Image): Promise<string[]> => json(await engine.images.inspect(image.id));

const history = async (engine: Engine, image: Image): Promise<string[]> => {
	const rows = await imageHistory(engine, image.id) ?? (image.config.history ?? []).map(entry => ({
		created: entry.created, createdBy: entry.created_by ?? '', size: 0, comment: entry.comment ?? '',
	})).reverse();
	return rows.map(row => `${(row.created ?? '').slice(0, 19).replace('T', ' ').padEnd(20)} ${humanSize(row.size).padStart(8)}  ${row.createdBy}${row.comment ? `  # ${row.comment}` : ''}`);
};

const diff = async (engine: Engine, container: Container): Promise<string[]> => {
	const changes = await containerChanges(engine, container.Id);
	if (!changes) {
		return ['diff is not available yet in this berth'];
	}

	return changes.length === 0 ? ['no changes'] : changes.map(change => `${change.kind} ${change.path}`);
};

/** The text of the Inspect, Diff and History tabs for the selection. */
export const useDetailLines = (engine: Engine, selection: Selection): DetailText => {
	const {kind, tab, container, image} = selection;
	const target = kind === 'containers' ? container?.Id : image?.id;
	const textTab = ['Inspect', 'Diff', 'History'].includes(tab);
	const key = textTab && target ? `${kind}:${tab}:${target}:${selection.version ?? ''}` : undefined;
	return useDetailText(key, async () => {
		if (kind === 'containers') {
			return tab === 'Diff' ? diff(engine, container!) : containerInspect(engine, container!);
		}

		return tab === 'History' ? history(engine, image!) : imageInspect(engine, image!);
	});
};
