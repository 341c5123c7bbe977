/**
 * The closed set of errors berth reports. Every failure a user can cause or meet has a code
 * here and a message that names the value; the front end decides how to show it (one plain
 * line for a BerthError, a stack for anything else, which is a bug).
 */
export type ErrorCode =
	| 'NO_SUCH_CONTAINER'
	| 'NO_SUCH_IMAGE'
	| 'NO_SUCH_LAYER'
	| 'NO_SUCH_NETWORK'
	| 'NO_SUCH_FILE'
	| 'AMBIGUOUS_ID'
	| 'NAME_IN_USE'
	| 'INVALID_STATE'
	| 'INVALID_ARGUMENT'
	| 'INVALID_REFERENCE'
	| 'INVALID_ARCHIVE'
	| 'DIGEST_MISMATCH'
	| 'IMAGE_IN_USE'
	| 'UNSAFE_PATH'
	| 'RUNTIME_FAILED'
	| 'NOT_SUPPORTED'
	| 'COMMAND_NOT_FOUND'
	| 'COMMAND_NOT_EXECUTABLE'
	| 'PERMISSION_DENIED'
	| 'DISK_FULL'
	| 'REGISTRY_UNAUTHORIZED'
	| 'REGISTRY_DENIED'
	| 'REGISTRY_NOT_FOUND'
	| 'REGISTRY_UNAVAILABLE'
	| 'NETWORK_FAILED'
	| 'PORT_IN_USE'
	| 'BUILD_FAILED';

/** Exit status Docker's CLI uses for each kind of failure: 125 unless the command itself is at fault. */
const exitCodes: Partial<Record<ErrorCode, number>> = {
	COMMAND_NOT_EXECUTABLE: 126,
	COMMAND_NOT_FOUND: 127,
	BUILD_FAILED: 1,
};

export class BerthError extends Error {
	readonly code: ErrorCode;

	constructor(code: ErrorCode, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.name = 'BerthError';
		this.code = code;
	}

	get exitCode(): number {
		return exitCodes[this.code] ?? 125;
	}
}

export const isBerthError = (error: unknown): error is BerthError => error instanceof BerthError;

/** True for a Node system error with the given errno code (ENOENT, EEXIST, ...). */
export const isErrno = (error: unknown, code: string): boolean =>
	typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;

/** A full disk is the user's to fix, not a bug: one line that says what could not be written. */
export const withDiskFull = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
	try {
		return await run();
	} catch (error) {
		throw isErrno(error, 'ENOSPC') ? new BerthError('DISK_FULL', `no space left on the device to ${what}`, {cause: error}) : error;
	}
};
