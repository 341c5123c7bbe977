/*
 * Signal forwarding and reaping, for the tiny init (`init 1`, the container's pid 1) and for
 * the exec mode's parent: both stand between a signaller and the real command.
 */
#include "shim.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Faults the process causes itself: never forwarded, never blocked. */
static bool synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGABRT || sig == SIGSYS;
}

static void forwarded_set(sigset_t *set)
{
	sigfillset(set);
	for (int sig = 1; sig < NSIG; sig++)
		if (synchronous(sig))
			sigdelset(set, sig);
}

static void ignore(int sig)
{
	(void) sig;
}

/*
 * Signals stay blocked and are taken with sigwaitinfo. A handler is installed as well: the
 * kernel drops a signal sent to a pid namespace's init when its handler is SIG_DFL, and
 * blocked signals only escape that rule by being blocked at the moment they arrive.
 */
void signals_block_forwarded(sigset_t *old)
{
	sigset_t set;
	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ignore;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) && sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
}

void signals_reset(const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, mask ? mask : &empty, NULL);
}

int status_to_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUNTIME;
}

/* Reaps every exited child; true once `child` is among them. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return done;
		if (pid == child) {
			*status = st;
			done = true;
		}
	}
}

int signals_forward_until_exit(pid_t child)
{
	sigset_t set;
	forwarded_set(&set);
	int status = 0;
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&set, &info);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot wait for signals: still wait for the child. */
			if (waitpid(child, &status, 0) == child)
				return status_to_code(status);
			return EXIT_RUNTIME;
		}
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				return status_to_code(status);
			continue;
		}
		/*
		 * A terminal's own signals (^C, ^Z, SIGWINCH) reach the command directly, being in
		 * the terminal's foreground process group: forwarding them would double them.
		 */
		if (info.si_code == SI_KERNEL)
			continue;
		if (sig == SIGTTIN || sig == SIGTTOU)
			continue;
		kill(child, sig);
	}
}
