import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type Size = {columns: number; rows: number};

const sizeOf = (stdout: NodeJS.WriteStream): Size => ({columns: stdout.columns || 80, rows: stdout.rows || 24});

/** The terminal's size, updated when the window is resized. */
export const useTerminalSize = (): Size => {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = (): void => {
			setSize(sizeOf(stdout));
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
};
