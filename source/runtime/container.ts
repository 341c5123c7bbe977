/**
 * A container as berth keeps it on disk: containers/<id>/config.json (what it was created
 * with, Docker-shaped so `inspect` can show it as it is) and state.json (what it is doing).
 */

export type Status = 'created' | 'running' | 'paused' | 'exited' | 'removing';

export type Mount = {
	Type: 'bind' | 'tmpfs';
	Source: string;
	Destination: string;
	Mode: string;
	RW: boolean;
	Options?: string;
};

export type Config = {
	Hostname: string;
	Domainname: string;
	User: string;
	AttachStdin: boolean;
	AttachStdout: boolean;
	AttachStderr: boolean;
	Tty: boolean;
	OpenStdin: boolean;
	StdinOnce: boolean;
	Env: string[];
	Cmd: string[] | null;
	Image: string;
	WorkingDir: string;
	Entrypoint: string[] | null;
	Labels: Record<string, string>;
	StopSignal: string;
	ExposedPorts?: Record<string, Record<string, never>>;
};

export type HostConfig = {
	Binds: string[];
	NetworkMode: string;
	PortBindings: Record<string, Array<{HostIp: string; HostPort: string}>>;
	/** -P: every EXPOSEd port on a free host port. */
	PublishAllPorts?: boolean;
	AutoRemove: boolean;
	CapAdd: string[];
	CapDrop: string[];
	Privileged: boolean;
	ReadonlyRootfs: boolean;
	SecurityOpt: string[];
	Tmpfs: Record<string, string>;
	Init: boolean;
	Memory: number;
	NanoCpus: number;
	CpuShares: number;
	PidsLimit: number;
};

/** The read-only layers under the container and how its writable root is made. */
export type Rootfs = {
	driver: string;
	/** Topmost first; a --rootfs container has the one directory it was given. */
	lowers: string[];
};

export type ContainerRecord = {
	Id: string;
	Name: string;
	Created: string;
	/** The image id, or "" for a --rootfs container. */
	Image: string;
	/** The image as the user named it (or the --rootfs directory). */
	ImageName: string;
	Path: string;
	Args: string[];
	Config: Config;
	HostConfig: HostConfig;
	Mounts: Mount[];
	Rootfs: Rootfs;
	DetachKeys?: string;
};

export type State = {
	Status: Status;
	Running: boolean;
	Paused: boolean;
	OOMKilled: boolean;
	Dead: boolean;
	Pid: number;
	ExitCode: number;
	Error: string;
	StartedAt: string;
	FinishedAt: string;
	/** The supervising berth-shim and its start time, to tell it from a process that reused its pid. */
	ShimPid?: number;
	ShimStartTime?: number;
	/** The container's pid 1 start time, for the same reason. */
	PidStartTime?: number;
};

export type Container = ContainerRecord & {State: State};

export const zeroTime = '0001-01-01T00:00:00Z';

export const createdState = (): State => ({
	Status: 'created',
	Running: false,
	Paused: false,
	OOMKilled: false,
	Dead: false,
	Pid: 0,
	ExitCode: 0,
	Error: '',
	StartedAt: zeroTime,
	FinishedAt: zeroTime,
});
