/*
 * The contract between berth's engine (source/runtime/shim.ts) and berth-shim.
 *
 * NOTES FROM THE SHIM (how berth-shim reads the text below; one change of meaning, marked)
 *   - Path values (rootfs, lower, upper, work, log, attach, exit, pidfile, shimpid, oom,
 *     cgroup, netns, a bind mount's SRC) must be absolute: the shim moves to / so that it
 *     keeps no directory busy for as long as the container runs.
 *   - Empty values mean the default: `cwd ""` is /, `user ""` is root. Without `network` and
 *     `netns` the container gets network none. Without `caps` the capabilities stay as the
 *     shim's; with it, no set can gain what the shim itself lacks (a root without
 *     CAP_SYS_RESOURCE gives its containers none either). rlimit values are decimal, or
 *     `unlimited`.
 *   - CHANGED: for a non-root user the inheritable set is emptied too, not only effective and
 *     permitted. Why: with inheritable = mask, executing a file that carries inheritable file
 *     capabilities would hand them back to the unprivileged user (CVE-2022-24769, which
 *     Docker fixed the same way). Root keeps mask in all four sets as written.
 *   - `mount` DEST is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT); a symlink on the
 *     way is followed within the rootfs and a missing target created there.
 *   - `lower` without `upper`/`work` is a read-only overlay. `privileged 1` ignores `seccomp`.
 *   - A tty starts at 24 rows x 80 columns until a RESIZE frame says otherwise.
 *   - `init 1` exits with 128+N when its command dies of signal N, so `exit` reads the same
 *     with or without it. Signals the kernel sends from a terminal are not forwarded (the
 *     command, in the terminal's foreground group, gets them directly).
 *   - FINISHED in `exit` is when pid 1 was reaped. The shim exits 1 after an "err" line.
 *   - Attach: a client that falls 4 MiB behind is dropped; EXIT is sent to each client with a
 *     2 s send timeout.
 *   - Exec mode: the shim enters the pid namespace and forks; its child then joins the cgroups
 *     (before the cgroup namespace: a process can only move to cgroups it can see) and the
 *     other namespaces. The shim itself stays in the host's cgroups. `cwd` is not created
 *     (a missing one is 126). `tty 1`: when the terminal is the caller's controlling terminal
 *     the command becomes its foreground process group, and the shim takes it back at exit;
 *     a terminal nobody controls becomes the command's controlling terminal.
 *
 * INVOCATION
 *   berth-shim run CONF      start a container and supervise it until it exits
 *   berth-shim exec CONF     run one more process inside a running container (`berth exec`)
 *
 * CONF is a file of records. Each record ends with a NUL byte; inside a record, fields are
 * separated by 0x1f (ASCII unit separator); the first field is the key. Unknown keys are an
 * error. Keys that may repeat say so. In exec mode the shim unlinks CONF once it has read it.
 *
 * RUN MODE
 *   The engine spawns `berth-shim run CONF` detached (own session), with stdin/stdout/stderr on
 *   /dev/null and file descriptor 3 a pipe it reads. The shim creates the container, and once
 *   the container's process exists and is ready to exec (mounts done, command resolved in
 *   the container's PATH, but not yet exec'd), writes one line to fd 3 and closes it:
 *       "ok PID\n"               PID is the container's pid 1 as the host sees it
 *       "err CODE MESSAGE\n"     CODE is 125 (engine/runtime), 126 (cannot invoke) or
 *                                127 (not found); MESSAGE is one line naming the value,
 *                                e.g. "executable file `foo` not found in $PATH"
 *   After "err" the shim has undone everything it made (no process, no mount left) and exits.
 *   After "ok" the shim stays, as the container's supervisor:
 *   - it writes its own pid to `shimpid` and the container pid to `pidfile`;
 *   - with `wait_attach 1` the container does not exec its command until the first client has
 *     connected to the attach socket (so a foreground `run` loses no output); otherwise at once;
 *   - it copies the container's output into the log (CRI format, below) and to attach clients;
 *   - when pid 1 of the container exits and its output is drained, it writes the `exit` file,
 *     sends the exit frame to every attach client, closes them, removes the attach socket,
 *     then runs the `cleanup` command (if any), waits for it, and exits.
 *
 * KEYS (run mode)
 *   id ID                         64 hex digits
 *   rootfs DIR                    where the container's root is mounted (an empty directory)
 *   lower DIR                     repeated, topmost first: overlay lower dirs. When any lower is
 *                                 given, the shim mounts overlay(lower..., upper, work) on rootfs
 *                                 inside the container's mount namespace; with none, rootfs is
 *                                 a ready-made tree that the shim bind-mounts onto itself.
 *   upper DIR / work DIR          overlay upper and work dirs
 *   volatile 1                    mount the overlay `volatile`: its upper dir is never synced,
 *                                 not even when the container's root is unmounted at its end
 *   readonly_rootfs 1             remount the root read-only after the mounts below
 *   mount SRC DEST TYPE FLAGS DATA   repeated, in order, after the root and the default mounts:
 *                                 TYPE "bind" for a bind mount (FLAGS may hold rbind, ro), else
 *                                 a filesystem type (tmpfs...). FLAGS: comma list of ro, nosuid,
 *                                 nodev, noexec, rbind. DATA: mount data ("" for none). DEST is
 *                                 inside the container; it is created (dir, or a file when SRC
 *                                 is a file) and must not resolve outside the rootfs.
 *   mask PATH                     repeated: masked (/dev/null bound over a file, read-only empty
 *                                 tmpfs over a dir); missing paths are skipped
 *   readonly PATH                 repeated: bind-remounted read-only; missing paths skipped
 *   hostname NAME
 *   cwd DIR                       created when missing, as Docker does
 *   user SPEC                     "uid", "uid:gid", "name", "name:group": names resolved in the
 *                                 container's /etc/passwd and /etc/group; supplementary groups
 *                                 from /etc/group; HOME set from passwd when env lacks it
 *   env K=V                       repeated; the whole environment of the command
 *   arg S                         repeated; argv, argv[0] looked up in the env's PATH
 *   tty 1                         allocate a pty; the shim holds the master
 *   stdin 1                       keep stdin open (`-i`): attach clients write to it; without it
 *                                 the container's stdin is /dev/null
 *   caps HEX                      capability mask (bounding, effective, permitted, inheritable;
 *                                 for a non-root user effective and permitted end up empty)
 *   no_new_privileges 1
 *   seccomp 1                     install the default deny-list filter
 *   privileged 1                  /sys read-write, no device cgroup, host devices in /dev
 *   rlimit NAME SOFT HARD         repeated; NAME as in RLIMIT_NAME without prefix (NOFILE, NPROC);
 *                                 never set above the shim's own hard limit (clamped)
 *   cgroup DIR                    repeated: cgroup directories the container joins before it
 *                                 unshares its cgroup namespace: a cgroup2 one from its birth
 *                                 (clone3 CLONE_INTO_CGROUP, Linux 5.7; else as the others), the
 *                                 others by the shim, which writes the container's pid to
 *                                 DIR/cgroup.procs
 *   oom FILE                      memory.oom_control (v1) or memory.events (v2): after exit,
 *                                 an "oom_kill N" line with N > 0 means the kernel OOM-killed it
 *   network none|host             none: new network namespace, only `lo`, which is brought up;
 *                                 host: the host's network namespace
 *   netns PATH                    join this network namespace instead (setns)
 *   init 1                        pid 1 is a tiny init (a fork of the shim) that execs nothing
 *                                 itself, forwards signals to its child, reaps zombies
 *   log FILE                      CRI log: "RFC3339Nano-UTC STREAM P|F TEXT\n", STREAM stdout or
 *                                 stderr; F ends a line, P is a partial line (a record is cut
 *                                 at 16 KiB or when output stops mid-line at exit)
 *   attach SOCK                   unix stream socket path the shim listens on
 *   wait_attach 1
 *   exit FILE                     written once: "CODE OOM FINISHED\n": CODE exit status
 *                                 (128+N for signal N), OOM 0|1, FINISHED unix time in ns
 *   pidfile FILE / shimpid FILE
 *   cleanup ARG...                fields are argv of a command run after exit (stdio /dev/null)
 *
 * ATTACH PROTOCOL (unix stream socket)
 *   Frames in both directions: 1 byte type, 4 bytes big-endian payload length, payload.
 *   client -> shim
 *     0 STDIN    bytes for the container's stdin (the first client to send stdin owns it
 *                until it disconnects; others' stdin is dropped)
 *     1 EOF      close the container's stdin (non-tty); with a tty, nothing
 *     2 RESIZE   payload 4 bytes: rows (u16 BE), cols (u16 BE); sets the pty's window size
 *     3 CLEANED  sent after EXIT by a client that ran the cleanup itself (a foreground
 *                `run`): the shim then skips its `cleanup` command. After EXIT the shim
 *                reads each client's answer until it hangs up (5 s at most).
 *   shim -> client
 *     1 STDOUT   output (all of a tty's output is STDOUT)
 *     2 STDERR
 *     3 EXIT     payload: the exit code in ASCII decimal; the shim closes the connection after
 *   On connect to a tty container the shim first replays the last 8 KiB of tty output, so a
 *   re-attached client sees the screen.
 *
 * EXEC MODE
 *   The engine spawns `berth-shim exec CONF` with the caller's own stdio (a terminal or pipes);
 *   the shim joins the container and its exit status is the command's (128+N for signal N;
 *   126/127 and one line "berth: ..." on stderr when the command cannot be run; 125 for any
 *   other failure). Keys: pid PID (the container's pid 1), cgroup (repeated), env, arg, cwd,
 *   user, caps, no_new_privileges, seccomp, tty 1 (make the caller's terminal the controlling
 *   terminal of the command). The command's process joins the cgroups, then every namespace
 *   of PID (user excepted), then forks so it is inside the pid namespace.
 */
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#define FRAME_STDIN 0
#define FRAME_EOF 1
#define FRAME_RESIZE 2
#define FRAME_CLEANED 3
#define FRAME_STDOUT 1
#define FRAME_STDERR 2
#define FRAME_EXIT 3

#define CONF_RECORD_END '\0'
#define CONF_FIELD_SEP '\x1f'

#endif
