import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useInput, type Key} from 'ink';
import type {Engine} from '../engine/engine.js';
import type {Container} from '../runtime/container.js';
import type {Image} from '../image/store.js';
import type {Settings} from './config.js';
import {actionFor, keyName, showKey, type ActionName, type Place} from './keymap.js';
import {containerColumns, containerName, containerRow, imageColumns, imageName, imageRow} from './rows.js';
import {useBerthState, type Lists} from './hooks/use-berth-state.js';
import {useContainerStats} from './hooks/use-container-stats.js';
import {useListCursor} from './hooks/use-list-cursor.js';
import {useLogs} from './hooks/use-logs.js';
import {useLogView} from './hooks/use-log-view.js';
import {useProgress} from './hooks/use-progress.js';
import {useSessions} from './hooks/use-sessions.js';
import {useStatus} from './hooks/use-status.js';
import {useTerminalInput} from './hooks/use-terminal-input.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useDetailLines} from './hooks/use-detail-lines.js';
import {useActions} from './hooks/use-actions.js';
import {useRedrawWhen} from './hooks/use-redraw-when.js';
import {TableList} from './components/table-list.js';
import {TabBar} from './components/tab-bar.js';
import {LogsView} from './components/logs-view.js';
import {TextView} from './components/text-view.js';
import {TerminalView} from './components/terminal-view.js';
import {StatsView} from './components/stats-view.js';
import {StatusBar} from './components/status-bar.js';
import {HelpView} from './components/help-view.js';
import {PromptForm, formKey, formState, formValues, type FormRequest, type FormState} from './components/prompt-form.js';
import {ProgressView} from './components/progress-view.js';

export type Kind = 'containers' | 'images';
export type Area = 'list' | 'detail';

export type AppProps = {
	engine: Engine;
	settings: Settings;
	/** Colour on (off with NO_COLOR). */
	color: boolean;
	/** The berth CLI as a command line, for terminal panes: `[node, dist/cli.js]`. */
	cli: string[];
	/** The environment terminal panes run in. */
	env?: NodeJS.ProcessEnv;
	/** The user's shell's name, tried first in a throwaway shell. */
	preferredShell?: string;
	/** The containers and images as read before the UI started, for its first frame. */
	initial?: Lists;
	/** How often the state is looked at when no change is seen, and stats are sampled. */
	pollMs?: number;
	statsMs?: number;
	quit: () => void;
	/** Receives what must run after the UI is gone (removing its throwaway shells). */
	registerCleanup?: (cleanup: () => Promise<void>) => void;
};

const containerTabs = ['Logs', 'Stats', 'Inspect', 'Diff'];
const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};
const hintWords: Partial<Record<ActionName, string>> = {
	quit: 'quit', help: 'keys', focusNext: 'next area', open: 'open', start: 'start', stop: 'stop', attach: 'attach',
	exec: 'shell', commit: 'commit', shell: 'shell', run: 'run', push: 'push', pull: 'pull', tag: 'tag', back: 'back',
	nextTab: 'tab', search: 'search', timestamps: 'times', wrap: 'wrap', scrollDown: 'scroll',
};
const imageTabs = ['Inspect', 'History'];

/** The whole screen: the two live lists, the detail area with its tabs, and the status bar. */
export const App = ({engine, settings, color, cli, env, preferredShell, initial, pollMs, statsMs, quit, registerCleanup}: AppProps) => {
	const {keymap} = settings;
	const size = useTerminalSize();
	const state = useBerthState(engine, {pollMs, initial});
	const status = useStatus(settings.problems.length > 0
		? {text: `config: ${settings.problems.join('; ')}`, level: 'error'}
		: {text: '', level: 'info'});
	const sessions = useSessions();
	const progress = useProgress();
	const [kind, setKind] = useState<Kind>('containers');
	const [area, setArea] = useState<Area>('list');
	const [tabs, setTabs] = useState<Record<Kind, number>>({containers: 0, images: 0});
	const [form, setFormState] = useState<FormState>();
	// Read and written by key handlers, which may run before the frame that shows a change.
	const formNow = useRef<FormState | undefined>(undefined);
	const showForm = useCallback((next: FormState | undefined) => {
		formNow.current = next;
		setFormState(next);
	}, []);
	const setForm = useCallback((request: FormRequest | undefined) => {
		showForm(request && formState(request));
	}, [showForm]);
	const [help, setHelp] = useState(false);
	const [offset, setOffset] = useState(0);
	const queued = useRef<string[]>([]);
	const [queueTick, setQueueTick] = useState(0);
	// Queued keys wait for the frame of the key that queued them: the effects of a frame before
	// it may still run first, and would read the state before that key.
	const renderedTick = useRef(0);
	renderedTick.current = queueTick;
	const queuedFor = useRef(0);
	const queue = useCallback((keys: string[], first = false) => {
		if (first) {
			queued.current.unshift(...keys);
		} else {
			queued.current.push(...keys);
		}

		queuedFor.current = renderedTick.current + 1;
		setQueueTick(tick => tick + 1);
	}, []);

	const containers = useListCursor<Container>(state.containers, container => container.Id, container => `${containerName(container)} ${container.ImageName}`);
	const images = useListCursor<Image>(state.images, image => image.id, image => `${imageName(image)} ${image.id}`);
	const container = containers.selected;
	const image = images.selected;

	// Layout: one line for the status bar, and Ink keeps the last row free in a full-screen frame.
	const width = size.columns;
	const room = Math.max(size.rows - 2, 8);
	const detailFocused = area === 'detail';
	const detailHeight = detailFocused ? room - 2 : Math.max(5, Math.floor(room * 0.4));
	const listsRoom = room - detailHeight;
	const containersRoom = detailFocused ? 1 : Math.ceil(listsRoom * 0.55);
	const imagesRoom = detailFocused ? 1 : listsRoom - containersRoom;
	const contentHeight = detailHeight - 1;
	const terminalRows = room - 3;

	const tabNames = [...kind === 'containers' ? containerTabs : imageTabs, ...sessions.sessions.map(session => `⌨ ${session.title}`)];
	const tabIndex = Math.min(tabs[kind], tabNames.length - 1);
	const baseTabs = kind === 'containers' ? containerTabs.length : imageTabs.length;
	const session = tabIndex >= baseTabs ? sessions.sessions[tabIndex - baseTabs] : undefined;
	const tab = session ? 'Terminal' : tabNames[tabIndex]!;
	const terminalFocused = detailFocused && session !== undefined && !session.exit && !form && !help;

	const logs = useLogs(engine, kind === 'containers' && tab === 'Logs' ? container : undefined, kind === 'containers' && tab === 'Logs');
	const logView = useLogView(logs, contentHeight, container?.Id ?? '');
	const detailLines = useDetailLines(engine, {kind, tab, container, image, version: kind === 'containers' ? container?.State.Status : image?.references.join(',')});

	useEffect(() => {
		for (const item of sessions.sessions) {
			item.resize(width, terminalRows);
		}
	}, [sessions.sessions, width, terminalRows]);

	useEffect(() => {
		setOffset(0);
	}, [kind, tab, container?.Id, image?.id]);

	const showTab = useCallback((name: string, forKind: Kind) => {
		const list = forKind === 'containers' ? containerTabs : imageTabs;
		setTabs(previous => ({...previous, [forKind]: list.indexOf(name)}));
	}, []);

	const actions = useActions({
		engine, cli, env, preferredShell, status, sessions, progress, state,
		setForm, setKind, setArea, setTabs, containers, images,
		sessionTab: (opened, forKind) => {
			const base = forKind === 'containers' ? containerTabs.length : imageTabs.length;
			setTabs(previous => ({...previous, [forKind]: base + sessions.sessions.length}));
			setArea('detail');
			opened.resize(width, terminalRows);
		},
		size: {cols: width, rows: terminalRows},
	});

	registerCleanup?.(actions.cleanup);

	useTerminalInput(terminalFocused, settings.detachKeys, data => session?.write(data), () => {
		setArea('list');
		status.show(`left ${session?.title ?? 'the terminal'}; it goes on in its tab`);
	});

	const places = useMemo((): Place[] => {
		const item: Place = kind === 'containers' ? 'container' : 'image';
		if (area === 'list') {
			return ['global', 'list', item];
		}

		return tab === 'Logs' ? ['global', 'logs', 'scroll', item] : ['global', 'scroll', item];
	}, [kind, area, tab]);

	const cursor = kind === 'containers' ? containers : images;
	const scrollText = (delta: number): void => {
		setOffset(previous => Math.max(0, Math.min(previous + delta, Math.max(0, detailLines.lines.length - contentHeight))));
	};

	const handle = (name: ActionName): void => {
		const page = Math.max(1, contentHeight - 1);
		switch (name) {
			case 'quit': {
				quit();
				break;
			}

			case 'help': {
				setHelp(true);
				break;
			}

			case 'focusNext':
			case 'focusPrevious': {
				const order: Array<[Kind, Area]> = [['containers', 'list'], ['images', 'list'], [kind, 'detail']];
				const at = area === 'detail' ? 2 : kind === 'containers' ? 0 : 1;
				const [nextKind, nextArea] = order[(at + (name === 'focusNext' ? 1 : 2)) % 3]!;
				setKind(nextKind);
				setArea(nextArea);
				break;
			}

			case 'showContainers':
			case 'showImages': {
				setKind(name === 'showContainers' ? 'containers' : 'images');
				setArea('list');
				break;
			}

			case 'previousTab':
			case 'nextTab': {
				const step = name === 'nextTab' ? 1 : -1;
				setTabs(previous => ({...previous, [kind]: (tabIndex + step + tabNames.length) % tabNames.length}));
				break;
			}

			case 'back': {
				if (progress.progress?.done) {
					progress.dismiss();
				} else if (area === 'detail') {
					setArea('list');
				} else if (cursor.filter) {
					cursor.setFilter('');
				}

				break;
			}

			case 'closeSession': {
				if (session) {
					actions.closeSession(session);
				}

				break;
			}

			case 'up':
			case 'down': {
				cursor.move(name === 'up' ? -1 : 1);
				break;
			}

			case 'pageUp':
			case 'pageDown': {
				cursor.move((name === 'pageUp' ? -1 : 1) * Math.max(1, (kind === 'containers' ? containersRoom : imagesRoom) - 3));
				break;
			}

			case 'first':
			case 'last': {
				cursor.moveTo(name === 'first' ? 0 : cursor.visible.length - 1);
				break;
			}

			case 'filter': {
				const before = cursor.filter;
				setForm({
					title: `Filter ${kind}`,
					fields: [{name: 'filter', label: 'contains', value: before}],
					change: value => {
						cursor.setFilter(value);
					},
					submit: ({filter}) => {
						cursor.setFilter(filter ?? '');
					},
					cancel: () => {
						cursor.setFilter(before);
					},
				});
				break;
			}

			case 'open': {
				setArea('detail');
				break;
			}

			case 'scrollUp':
			case 'scrollDown':
			case 'scrollPageUp':
			case 'scrollPageDown': {
				const delta = {scrollUp: -1, scrollDown: 1, scrollPageUp: -page, scrollPageDown: page}[name];
				if (tab === 'Logs') {
					logView.scroll(delta);
				} else {
					scrollText(delta);
				}

				break;
			}

			case 'scrollTop': {
				if (tab === 'Logs') {
					logView.top();
				} else {
					setOffset(0);
				}

				break;
			}

			case 'scrollBottom': {
				if (tab === 'Logs') {
					logView.bottom();
				} else {
					scrollText(detailLines.lines.length);
				}

				break;
			}

			case 'search': {
				setForm({
					title: 'Search the logs (n: older match, N: newer)',
					fields: [{name: 'query', label: 'text', value: logView.query}],
					submit: ({query}) => {
						logView.search(query ?? '');
					},
				});
				break;
			}

			case 'searchNext': {
				logView.next();
				break;
			}

			case 'searchPrevious': {
				logView.previous();
				break;
			}

			case 'timestamps': {
				logView.toggleTimestamps();
				break;
			}

			case 'wrap': {
				logView.toggleWrap();
				break;
			}

			case 'logs': {
				showTab('Logs', 'containers');
				setArea('detail');
				break;
			}

			default: {
				if (kind === 'containers') {
					actions.onContainer(name, container);
				} else {
					actions.onImage(name, image);
				}
			}
		}
	};

	const onKey = (input: string, key: Key): void => {
		if (formNow.current) {
			const before = formNow.current;
			const {state: after, done, rest} = formKey(before, input, key);
			if (done) {
				showForm(undefined);
				if (done === 'submit') {
					after.request.submit(formValues(after));
				} else {
					after.request.cancel?.();
				}

				// Keys typed after the Enter, read in one string with it, act once the form is gone.
				if (rest) {
					queue([...rest], true);
				}
			} else {
				showForm(after);
				if (after.current === 0 && after.values[0] !== before.values[0]) {
					after.request.change?.(after.values[0]!);
				}
			}

			return;
		}

		if (help) {
			setHelp(false);
			return;
		}

		const name = keyName(input, key);
		if (session?.exit && detailFocused && name === 'enter') {
			return;
		}

		if (session && !session.exit && name === 'enter' && area === 'detail') {
			return;
		}

		const action = actionFor(keymap, name, places);
		if (action) {
			handle(action);
		}
	};

	// Keys read before this frame's effects run still see this frame's state.
	const latestOnKey = useRef(onKey);
	latestOnKey.current = onKey;

	useInput((input, key) => {
		// Keys typed faster than they are read come as one string: each is a key of its own, and
		// each acts after the frame of the one before (`2s` shows the images, then opens a shell).
		// In a form the string is typed text.
		if (input.length > 1 && !key.ctrl && !key.meta && !input.includes('\u001B') && !formNow.current) {
			queue([...input]);
			return;
		}

		latestOnKey.current(input, key);
	}, {isActive: !terminalFocused});

	useEffect(() => {
		if (queueTick < queuedFor.current) {
			return;
		}

		const next = queued.current.shift();
		if (next !== undefined) {
			if (formNow.current || terminalFocused) {
				// The rest is typed into what the earlier keys opened.
				const rest = [next, ...queued.current].join('');
				queued.current = [];
				if (formNow.current) {
					latestOnKey.current(rest, noKey);
				} else {
					session?.write(rest);
				}

				return;
			}

			onKey(next, {...noKey, shift: /[A-Z]/.test(next)});
			setQueueTick(tick => tick + 1);
		}
	});

	const hint = useMemo(() => {
		if (terminalFocused) {
			return `typing into ${session?.title}: ${settings.detachKeysText} leaves the pane`;
		}

		const shown: ActionName[] = area === 'list'
			? ['quit', 'help', 'focusNext', 'open', ...kind === 'containers' ? ['start', 'stop', 'attach', 'exec', 'commit'] as const : ['shell', 'run', 'push', 'pull', 'tag'] as const]
			: ['help', 'back', 'nextTab', ...tab === 'Logs' ? ['search', 'timestamps', 'wrap'] as const : ['scrollDown'] as const];
		return shown.map(name => `${showKey(keymap[name].keys[0] ?? '')} ${hintWords[name] ?? name}`).join('  ');
	}, [terminalFocused, area, kind, tab, keymap, session, settings.detachKeysText]);

	const detail = (): React.ReactNode => {
		if (progress.progress) {
			return <ProgressView progress={progress.progress} width={width} height={contentHeight}/>;
		}

		if (session) {
			return <TerminalView session={session} focused={terminalFocused} color={color} height={contentHeight} version={sessions.version} detachKeysText={settings.detachKeysText}/>;
		}

		if (kind === 'containers' && !container) {
			return <Text dimColor>no container selected</Text>;
		}

		if (kind === 'images' && !image) {
			return <Text dimColor>no image selected</Text>;
		}

		switch (tab) {
			case 'Logs': {
				return <LogsView records={logs.records} view={logView} width={width} height={contentHeight} color={color}/>;
			}

			case 'Stats': {
				return <StatsView samples={stats.get(container!.Id)} running={container!.State.Status === 'running'} width={width} height={contentHeight} color={color}/>;
			}

			default: {
				return <TextView lines={detailLines.error ? [`error: ${detailLines.error}`] : detailLines.lines} offset={offset} height={contentHeight} empty={detailLines.loading ? 'reading…' : 'nothing to show'}/>;
			}
		}
	};

	const selectedName = kind === 'containers' ? (container ? containerName(container) : '') : (image ? imageName(image) : '');
	const tabNote = tab === 'Logs' ? logView.note : '';
	const wide = width >= 100;
	const now = Date.now();
	const containersHeight = Math.max(containersRoom - 2, 1);
	const imagesHeight = Math.max(imagesRoom - 2, 1);
	const containersStart = detailFocused ? 0 : containers.windowStart(containersHeight);
	const imagesStart = detailFocused ? 0 : images.windowStart(imagesHeight);
	// The containers on screen: the rows in view (none when the lists fold), and the selected one.
	const containersShown = useMemo(() => {
		const rows = detailFocused || help ? [] : containers.visible.slice(containersStart, containersStart + containersHeight);
		return container && !rows.includes(container) ? [...rows, container] : rows;
	}, [detailFocused, help, containers.visible, containersStart, containersHeight, container]);
	const stats = useContainerStats(engine, state.containers, containersShown, statsMs);
	// The rows in view, as time alone changes them (uptimes, ages); the stats redraw by themselves.
	useRedrawWhen(() => {
		const at = Date.now();
		return [
			...containers.visible.slice(containersStart, containersStart + containersHeight).map(item => containerRow(item, undefined, wide, at).join(' ')),
			...images.visible.slice(imagesStart, imagesStart + imagesHeight).map(item => imageRow(item, at).join(' ')),
		].join('\n');
	});
	return (
		<Box flexDirection='column' width={width} height={size.rows - 1}>
			{help
				? <HelpView keymap={keymap} places={places} detachKeysText={settings.detachKeysText} width={width} height={room} problems={settings.problems}/>
				: (
					<>
						<TableList
							title='Containers'
							focused={area === 'list' && kind === 'containers'}
							collapsed={detailFocused}
							width={width}
							height={containersHeight}
							columns={containerColumns(width)}
							count={containers.visible.length}
							rowAt={index => containerRow(containers.visible[index]!, stats.get(containers.visible[index]!.Id)?.at(-1), wide, now)}
							selectedIndex={containers.selectedIndex}
							windowStart={containersStart}
							filter={containers.filter}
							summary={kind === 'containers' && container ? `${containerName(container)}  ${container.State.Status}` : ''}
							empty={state.loaded ? 'no containers: R on an image runs one' : 'reading…'}
							color={color}
						/>
						<TableList
							title='Images'
							focused={area === 'list' && kind === 'images'}
							collapsed={detailFocused}
							width={width}
							height={imagesHeight}
							columns={imageColumns(width)}
							count={images.visible.length}
							rowAt={index => imageRow(images.visible[index]!, now)}
							selectedIndex={images.selectedIndex}
							windowStart={imagesStart}
							filter={images.filter}
							summary={kind === 'images' && image ? imageName(image) : ''}
							empty={state.loaded ? 'no images: p pulls one' : 'reading…'}
							color={color}
						/>
						<Box flexDirection='column' height={detailHeight} width={width}>
							<TabBar names={tabNames} active={tabIndex} focused={detailFocused} title={selectedName} note={tabNote} width={width} color={color}/>
							{form
								? <PromptForm state={form} width={width}/>
								: detail()}
						</Box>
					</>
				)}
			<StatusBar status={state.error && !status.status.text ? {text: state.error, level: 'error'} : status.status} hint={hint} width={width} color={color}/>
		</Box>
	);
};
