/** Leaves with a command's status once its output is out: output to a pipe is written asynchronously. */
export const finish = async (status: number): Promise<never> => {
	await Promise.all([process.stdout, process.stderr].map(async stream => new Promise(resolve => {
		stream.write('', resolve);
	})));
	process.exit(status);
};
