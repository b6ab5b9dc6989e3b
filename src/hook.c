/*
 * Hooks run the way keepalived runs notify scripts: fork, a process group of
 * their own, stdin from /dev/null, an environment built from scratch (a fixed
 * PATH and the event's CCR_* variables, never a secret), exec of an absolute
 * path. stdout and stderr share one pipe whose first few KB are kept for the
 * caller; the rest is read and dropped so a chatty hook never blocks.
 *
 * Nothing waits on the loop: the child is reaped when SIGCHLD arrives as a
 * libevent event. A hook that outlives its timeout gets SIGTERM on its whole
 * process group, then SIGKILL after a grace period, and once it has exited
 * whatever is left of its group is killed before it is reaped. At most
 * max_running hooks run at once; others wait in a queue of bounded length,
 * so a storm of events cannot fork without limit. Every request hook_run
 * accepts ends in exactly one call of its callback.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "hook.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "xmalloc.h"

#define HOOK_PATH		"/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
				"/usr/bin:/sbin:/bin"
#define HOOK_OUTPUT_MAX		4096
#define HOOK_KILL_GRACE_MS	2000
#define HOOK_MAX_VARS		32

static const char *const hook_outcome_names[HOOK_OUTCOME_MAX] = {
	"exited", "signaled", "timed-out", "failed"
};

/* The variables hook_run sets itself; a caller's extras may not. */
static const char *const hook_reserved[] = {
	"PATH", "CCR_HOOK", "CCR_EVENT", "CCR_OLD_LEADER", "CCR_NEW_LEADER",
	"CCR_LEADER", "CCR_FOLLOWER", "CCR_STATE", "CCR_OLD_STATE",
	"CCR_INDICES", "CCR_LOST_OPERATIONS"
};

struct hook {
	struct hook_runner	*runner;
	TAILQ_ENTRY(hook)	 entry;

	char			*name;
	char			*path;
	char			**envp;
	char			*exec_error;	/* written by a failed exec */
	uint64_t		 timeout_ms;
	void			(*cb)(const struct hook_result *, void *);
	void			*arg;

	pid_t			 pid;
	int			 out_fd;
	struct event		*out_ev;
	struct event		*timer_ev;
	struct event		*done_ev;
	uint64_t		 start_ms;
	uint64_t		 end_ms;
	int			 status;	/* from waitpid */
	bool			 reaped;
	bool			 timed_out;

	char			*output;
	size_t			 output_len;
	bool			 truncated;
	char			*error;
};
TAILQ_HEAD(hook_list, hook);

struct hook_runner {
	struct event_base	*base;
	unsigned int		 max_running;
	unsigned int		 max_queued;
	struct hook_list	 queued;
	struct hook_list	 running;
	unsigned int		 nqueued;
	unsigned int		 nrunning;
	struct event		*sigchld;
};

static void	hook_start_queued(struct hook_runner *);

/* The outcome's name for logs and status. */
const char *
hook_outcome_name(enum hook_outcome outcome)
{
	if (outcome >= HOOK_OUTCOME_MAX)
		return ("unknown");
	return (hook_outcome_names[outcome]);
}

/* True when the hook ran and exited 0: what a veto hook must do to pass. */
bool
hook_result_succeeded(const struct hook_result *r)
{
	return (r->outcome == HOOK_OUTCOME_EXITED && r->exit_status == 0);
}

/* How many hooks run and wait right now. */
void
hook_runner_counts(struct hook_runner *hr, unsigned int *running,
    unsigned int *queued)
{
	*running = hr->nrunning;
	*queued = hr->nqueued;
}

/* Release a hook that is on no list and has no child left. */
static void
hook_free(struct hook *h)
{
	char	**e;

	if (h->out_ev != NULL)
		event_free(h->out_ev);
	if (h->out_fd != -1)
		close(h->out_fd);
	if (h->timer_ev != NULL)
		event_free(h->timer_ev);
	if (h->done_ev != NULL)
		event_free(h->done_ev);
	for (e = h->envp; *e != NULL; e++)
		free(*e);
	free(h->envp);
	free(h->exec_error);
	free(h->output);
	free(h->error);
	free(h->path);
	free(h->name);
	free(h);
}

/* A variable name is upper case letters, digits and underscores. */
static int
hook_valid_name(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0' || (*name >= '0' && *name <= '9'))
		return (0);
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			return (0);
	}
	return (1);
}

/* True for the variables hook_run sets itself. */
static int
hook_reserved_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof hook_reserved / sizeof hook_reserved[0]; i++) {
		if (strcmp(name, hook_reserved[i]) == 0)
			return (1);
	}
	return (0);
}

/* Append NAME=value to an environment under construction. */
static void
hook_env_add(char **envp, size_t *n, const char *name, const char *value)
{
	if (value != NULL)
		xasprintf(&envp[(*n)++], "%s=%s", name, value);
}

/* Join the index names with commas. */
static char *
hook_join(const char *const *list, size_t n)
{
	char	*out;
	size_t	 i, len = 1, off = 0, l;

	for (i = 0; i < n; i++)
		len += strlen(list[i]) + 1;
	out = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (i != 0)
			out[off++] = ',';
		l = strlen(list[i]);
		memcpy(out + off, list[i], l);
		off += l;
	}
	out[off] = '\0';
	return (out);
}

/* The whole environment a hook sees, NULL-terminated. */
static char **
hook_build_env(const struct hook_request *req)
{
	char	**envp, *s;
	size_t	  n = 0, i;

	envp = xcalloc(sizeof hook_reserved / sizeof hook_reserved[0] +
	    req->nvars + 1, sizeof *envp);
	hook_env_add(envp, &n, "PATH", HOOK_PATH);
	hook_env_add(envp, &n, "CCR_HOOK", req->name);
	hook_env_add(envp, &n, "CCR_EVENT", req->event);
	hook_env_add(envp, &n, "CCR_OLD_LEADER", req->old_leader);
	hook_env_add(envp, &n, "CCR_NEW_LEADER", req->new_leader);
	hook_env_add(envp, &n, "CCR_LEADER", req->leader);
	hook_env_add(envp, &n, "CCR_FOLLOWER", req->follower);
	hook_env_add(envp, &n, "CCR_STATE", req->state);
	hook_env_add(envp, &n, "CCR_OLD_STATE", req->old_state);
	if (req->indices != NULL) {
		s = hook_join(req->indices, req->nindices);
		hook_env_add(envp, &n, "CCR_INDICES", s);
		free(s);
	}
	if (req->has_lost_operations) {
		xasprintf(&s, "%llu", (unsigned long long)req->lost_operations);
		hook_env_add(envp, &n, "CCR_LOST_OPERATIONS", s);
		free(s);
	}
	for (i = 0; i < req->nvars; i++)
		hook_env_add(envp, &n, req->vars[i].name, req->vars[i].value);
	envp[n] = NULL;
	return (envp);
}

/* Log the captured output line by line, for debugging. */
static void
hook_log_output(struct hook *h)
{
	const char	*p, *nl;

	if (log_get_level() < LOG_LEVEL_DEBUG)
		return;
	for (p = h->output; p < h->output + h->output_len; p = nl + 1) {
		if ((nl = memchr(p, '\n', h->output + h->output_len - p)) ==
		    NULL)
			nl = h->output + h->output_len;
		log_debug("hook %s[%ld]: %.*s", h->name, (long)h->pid,
		    (int)(nl - p), p);
	}
	if (h->truncated)
		log_debug("hook %s[%ld]: output truncated at %d bytes",
		    h->name, (long)h->pid, HOOK_OUTPUT_MAX);
}

/*
 * Tell the caller, forget the hook and start the next one. The hook is off
 * every list before the callback runs, so the callback may call hook_run.
 */
static void
hook_finish(struct hook *h)
{
	struct hook_runner	*hr = h->runner;
	struct hook_result	 r;

	TAILQ_REMOVE(&hr->running, h, entry);
	hr->nrunning--;

	memset(&r, 0, sizeof r);
	r.name = h->name;
	r.path = h->path;
	r.pid = h->pid;
	r.output = h->output;
	r.output_len = h->output_len;
	r.output_truncated = h->truncated;
	if (h->error != NULL) {
		r.outcome = HOOK_OUTCOME_FAILED;
		r.error = h->error;
	} else {
		r.duration_ms = h->end_ms - h->start_ms;
		if (WIFEXITED(h->status))
			r.exit_status = WEXITSTATUS(h->status);
		else if (WIFSIGNALED(h->status))
			r.signo = WTERMSIG(h->status);
		if (h->timed_out)
			r.outcome = HOOK_OUTCOME_TIMED_OUT;
		else if (WIFSIGNALED(h->status))
			r.outcome = HOOK_OUTCOME_SIGNALED;
		else
			r.outcome = HOOK_OUTCOME_EXITED;
		hook_log_output(h);
	}
	log_debug("hook %s[%ld]: %s (exit %d, signal %d) after %llu ms",
	    h->name, (long)h->pid, hook_outcome_name(r.outcome),
	    r.exit_status, r.signo, (unsigned long long)r.duration_ms);
	metrics_count_hook(h->name, r.outcome, r.exit_status);
	h->cb(&r, h->arg);
	hook_free(h);
	hook_start_queued(hr);
}

/* Keep the printable part of what the hook wrote, up to the limit. */
static void
hook_keep_output(struct hook *h, const char *buf, size_t len)
{
	size_t	i;
	char	ch;

	for (i = 0; i < len; i++) {
		if (h->output_len == HOOK_OUTPUT_MAX) {
			h->truncated = true;
			return;
		}
		ch = buf[i];
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			ch = '?';
		h->output[h->output_len++] = ch;
		h->output[h->output_len] = '\0';
	}
}

/* Read what is in the pipe now; true once the pipe is at end of file. */
static bool
hook_read_output(struct hook *h)
{
	char	buf[4096];
	ssize_t	n;

	for (;;) {
		n = read(h->out_fd, buf, sizeof buf);
		if (n > 0) {
			hook_keep_output(h, buf, n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (false);
		if (n == -1)
			log_warn("hook %s[%ld]: read", h->name, (long)h->pid);
		return (true);
	}
}

/* Stop reading the pipe: at end of file, or once the hook is reaped. */
static void
hook_close_output(struct hook *h)
{
	event_free(h->out_ev);
	h->out_ev = NULL;
	close(h->out_fd);
	h->out_fd = -1;
}

/* The pipe is readable: keep what came. */
static void
hook_output_cb(evutil_socket_t fd, short events, void *arg)
{
	struct hook	*h = arg;

	(void)fd;
	(void)events;
	if (hook_read_output(h))
		hook_close_output(h);
}

/* SIGTERM the hook's group at its timeout, SIGKILL after the grace. */
static void
hook_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct hook	*h = arg;
	struct timeval	 tv;

	(void)fd;
	(void)events;
	if (!h->timed_out) {
		log_debug("hook %s[%ld]: timed out after %llu ms", h->name,
		    (long)h->pid, (unsigned long long)h->timeout_ms);
		h->timed_out = true;
		kill(-h->pid, SIGTERM);
		tv.tv_sec = HOOK_KILL_GRACE_MS / 1000;
		tv.tv_usec = (HOOK_KILL_GRACE_MS % 1000) * 1000;
		evtimer_add(h->timer_ev, &tv);
		return;
	}
	kill(-h->pid, SIGKILL);
}

/* A hook that failed to start is reported from the loop, not from hook_run. */
static void
hook_done_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	hook_finish(arg);
}

/*
 * If this hook has exited, kill what remains of its group when it timed
 * out (the exited leader still holds the group id, so the id cannot be
 * reused meanwhile), then reap it.
 */
static bool
hook_reap(struct hook *h)
{
	siginfo_t	si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, h->pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
	    si.si_pid == 0)
		return (false);
	if (h->timed_out)
		kill(-h->pid, SIGKILL);
	if (waitpid(h->pid, &h->status, 0) != h->pid)
		return (false);
	h->end_ms = monotime_ms();
	h->reaped = true;
	evtimer_del(h->timer_ev);
	if (h->out_fd != -1) {
		hook_read_output(h);
		hook_close_output(h);
	}
	return (true);
}

/* SIGCHLD: reap every hook that has exited (signals coalesce). */
static void
hook_sigchld_cb(evutil_socket_t fd, short events, void *arg)
{
	struct hook_runner	*hr = arg;
	struct hook		*h, *next;

	(void)fd;
	(void)events;
	for (h = TAILQ_FIRST(&hr->running); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->pid > 0 && !h->reaped && hook_reap(h))
			hook_finish(h);
	}
}

/* In the child: reset what exec would keep, wire up the fds, exec. */
static void __attribute__((noreturn))
hook_exec(struct hook *h, int out_fd, int maxfd)
{
	struct sigaction	sa;
	sigset_t		set;
	char			*argv[2];
	ssize_t			n;
	int			fd, signo;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (signo = 1; signo < NSIG; signo++)
		sigaction(signo, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1 ||
	    dup2(out_fd, STDERR_FILENO) == -1)
		_exit(127);
	if (close_range(3, ~0U, 0) == -1) {
		for (fd = 3; fd < maxfd; fd++)
			close(fd);
	}

	argv[0] = h->path;
	argv[1] = NULL;
	execve(h->path, argv, h->envp);
	n = write(STDERR_FILENO, h->exec_error, strlen(h->exec_error));
	(void)n;
	_exit(127);
}

/* Why path cannot be run, or NULL when it looks runnable. */
static char *
hook_check_path(const char *path)
{
	struct stat	 st;
	char		*error;

	if (stat(path, &st) == -1) {
		xasprintf(&error, "%s: %s", path, strerror(errno));
		return (error);
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(&error, "%s: not a regular file", path);
		return (error);
	}
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == -1) {
		xasprintf(&error, "%s: %s", path, strerror(errno));
		return (error);
	}
	return (NULL);
}

/* Fork and exec h; a failure is recorded and reported from the loop. */
static void
hook_start(struct hook *h)
{
	struct hook_runner	*hr = h->runner;
	struct timeval		 tv;
	long			 maxfd;
	int			 fds[2];

	h->start_ms = monotime_ms();
	if ((h->error = hook_check_path(h->path)) != NULL)
		goto fail;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		xasprintf(&h->error, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((maxfd = sysconf(_SC_OPEN_MAX)) <= 0 || maxfd > 65536)
		maxfd = 65536;
	h->pid = fork();
	if (h->pid == -1) {
		xasprintf(&h->error, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	if (h->pid == 0)
		hook_exec(h, fds[1], (int)maxfd);

	/* Either side may win the race to set the group: both do. */
	setpgid(h->pid, h->pid);
	close(fds[1]);
	h->out_fd = fds[0];
	if (fcntl(h->out_fd, F_SETFL, O_NONBLOCK) == -1)
		fatal("hook: fcntl");
	h->out_ev = event_new(hr->base, h->out_fd, EV_READ | EV_PERSIST,
	    hook_output_cb, h);
	if (h->out_ev == NULL || event_add(h->out_ev, NULL) == -1)
		fatalx("hook: event_add");
	tv.tv_sec = h->timeout_ms / 1000;
	tv.tv_usec = (h->timeout_ms % 1000) * 1000;
	if (evtimer_add(h->timer_ev, &tv) == -1)
		fatalx("hook: evtimer_add");
	log_debug("hook %s[%ld]: started %s", h->name, (long)h->pid, h->path);
	return;

fail:
	h->pid = -1;
	log_debug("hook %s: cannot start: %s", h->name, h->error);
	event_active(h->done_ev, EV_TIMEOUT, 0);
}

/* Move queued hooks into free running slots. */
static void
hook_start_queued(struct hook_runner *hr)
{
	struct hook	*h;

	while (hr->nrunning < hr->max_running &&
	    (h = TAILQ_FIRST(&hr->queued)) != NULL) {
		TAILQ_REMOVE(&hr->queued, h, entry);
		hr->nqueued--;
		TAILQ_INSERT_TAIL(&hr->running, h, entry);
		hr->nrunning++;
		hook_start(h);
	}
}

/*
 * Queue a hook; cb is called exactly once, from the loop, when it has ended
 * or could not start. Fails only on a bad request or a full queue.
 */
int
hook_run(struct hook_runner *hr, const struct hook_request *req,
    void (*cb)(const struct hook_result *, void *), void *arg, char **cause)
{
	struct hook	*h;
	size_t		 i;

	if (req->path == NULL || req->path[0] != '/') {
		xasprintf(cause, "hook %s: not an absolute path",
		    req->name != NULL ? req->name : "?");
		return (-1);
	}
	if (req->timeout_ms == 0) {
		xasprintf(cause, "hook %s: no timeout", req->path);
		return (-1);
	}
	if (req->nvars > HOOK_MAX_VARS) {
		xasprintf(cause, "hook %s: more than %d variables", req->path,
		    HOOK_MAX_VARS);
		return (-1);
	}
	for (i = 0; i < req->nvars; i++) {
		if (!hook_valid_name(req->vars[i].name) ||
		    hook_reserved_name(req->vars[i].name)) {
			xasprintf(cause, "hook %s: bad variable name \"%s\"",
			    req->path, req->vars[i].name != NULL ?
			    req->vars[i].name : "");
			return (-1);
		}
	}
	if (hr->nrunning >= hr->max_running && hr->nqueued >= hr->max_queued) {
		xasprintf(cause, "hook %s: queue full (%u waiting)", req->path,
		    hr->nqueued);
		metrics_count_hook(req->name != NULL ? req->name : "hook",
		    HOOK_OUTCOME_FAILED, 0);
		return (-1);
	}

	h = xcalloc(1, sizeof *h);
	h->runner = hr;
	h->name = xstrdup(req->name != NULL ? req->name : "hook");
	h->path = xstrdup(req->path);
	h->envp = hook_build_env(req);
	xasprintf(&h->exec_error, "hook: cannot execute %s\n", h->path);
	h->timeout_ms = req->timeout_ms;
	h->cb = cb;
	h->arg = arg;
	h->pid = -1;
	h->out_fd = -1;
	h->output = xmalloc(HOOK_OUTPUT_MAX + 1);
	h->output[0] = '\0';
	h->timer_ev = evtimer_new(hr->base, hook_timer_cb, h);
	h->done_ev = event_new(hr->base, -1, 0, hook_done_cb, h);
	if (h->timer_ev == NULL || h->done_ev == NULL)
		fatalx("hook: event_new");

	TAILQ_INSERT_TAIL(&hr->queued, h, entry);
	hr->nqueued++;
	hook_start_queued(hr);
	return (0);
}

/*
 * Whoever queued hooks with arg goes away before they end: they run on, and
 * their end goes to cb (with a NULL arg) instead.
 */
void
hook_forget(struct hook_runner *hr, void *arg,
    void (*cb)(const struct hook_result *, void *))
{
	struct hook	*h;

	TAILQ_FOREACH(h, &hr->queued, entry) {
		if (h->arg == arg) {
			h->cb = cb;
			h->arg = NULL;
		}
	}
	TAILQ_FOREACH(h, &hr->running, entry) {
		if (h->arg == arg) {
			h->cb = cb;
			h->arg = NULL;
		}
	}
}

/*
 * A runner on base: at most max_running hooks at once and max_queued more
 * waiting. It owns SIGCHLD on the base.
 */
struct hook_runner *
hook_runner_create(struct event_base *base, unsigned int max_running,
    unsigned int max_queued)
{
	struct hook_runner	*hr;

	if (max_running == 0)
		fatalx("hook: max_running is 0");
	hr = xcalloc(1, sizeof *hr);
	hr->base = base;
	hr->max_running = max_running;
	hr->max_queued = max_queued;
	TAILQ_INIT(&hr->queued);
	TAILQ_INIT(&hr->running);
	hr->sigchld = evsignal_new(base, SIGCHLD, hook_sigchld_cb, hr);
	if (hr->sigchld == NULL || evsignal_add(hr->sigchld, NULL) == -1)
		fatalx("hook: evsignal_add");
	return (hr);
}

/*
 * At shutdown: kill and reap running hooks, drop queued ones. No callback
 * is called; must not be called from a hook callback.
 */
void
hook_runner_free(struct hook_runner *hr)
{
	struct hook	*h;

	if (hr == NULL)
		return;
	while ((h = TAILQ_FIRST(&hr->queued)) != NULL) {
		TAILQ_REMOVE(&hr->queued, h, entry);
		hook_free(h);
	}
	while ((h = TAILQ_FIRST(&hr->running)) != NULL) {
		TAILQ_REMOVE(&hr->running, h, entry);
		if (h->pid > 0 && !h->reaped) {
			kill(-h->pid, SIGKILL);
			while (waitpid(h->pid, NULL, 0) == -1 && errno == EINTR)
				continue;
		}
		hook_free(h);
	}
	event_free(hr->sigchld);
	free(hr);
}
