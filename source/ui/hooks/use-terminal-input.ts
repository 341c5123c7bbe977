import {useEffect, useRef} from 'react';
import {useStdin} from 'ink';

/**
 * While a terminal pane has the focus, every key goes to `write` as the bytes the terminal
 * sent, except the detach sequence, which calls `detach` instead. A sequence begun and then
 * broken is passed on whole, as `docker attach` does.
 */
export const useTerminalInput = (active: boolean, detachKeys: string[], write: (data: string) => void, detach: () => void): void => {
	const {internal_eventEmitter: emitter, setRawMode} = useStdin();
	const matched = useRef(0);
	const handlers = useRef({write, detach});
	handlers.current = {write, detach};

	useEffect(() => {
		if (!active) {
			return;
		}

		matched.current = 0;
		setRawMode(true);
		// A chunk may hold several keys (a paste, or keys sent together): matched one at a time.
		const onInput = (data: string): void => {
			let out = '';
			for (const char of data) {
				if (char === detachKeys[matched.current]) {
					matched.current++;
					if (matched.current === detachKeys.length) {
						matched.current = 0;
						if (out) {
							handlers.current.write(out);
						}

						handlers.current.detach();
						return;
					}

					continue;
				}

				out += detachKeys.slice(0, matched.current).join('');
				matched.current = char === detachKeys[0] ? 1 : 0;
				out += matched.current === 1 ? '' : char;
			}

			if (out) {
				handlers.current.write(out);
			}
		};

		emitter.on('input', onInput);
		return () => {
			emitter.off('input', onInput);
			setRawMode(false);
		};
	}, [active, detachKeys, emitter, setRawMode]);
};
