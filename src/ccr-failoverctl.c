/*
 * ccr-failoverctl: reads the daemon's status and hands it operator commands
 * through the control file in its runtime directory.
 *
 * "status" reads <runtime_dir>/status.json and prints it as a table, or as
 * it is with --json; an old last_poll or a dead pid is shouted about, since
 * a status file outlives its daemon. Every other word is a control command
 * (control-proto.h): it is submitted with a fresh id, and the tool waits
 * until status.json's last_command carries that id, then prints the
 * daemon's verdict. Exit status: 0 accepted (or status shown), 1 rejected
 * or status unreadable, 2 usage, 3 no daemon took the command in time or
 * the status is stale.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "control-proto.h"
#include "isotime.h"
#include "monotime.h"
#include "status.h"
#include "xmalloc.h"

#define CTL_DEFAULT_RUNTIME_DIR	"/run/ccr-failoverd"
#define CTL_DEFAULT_TIMEOUT_MS	10000
#define CTL_WAIT_STEP_MS	50
/* Stale once older than this many poll intervals, and at least the floor. */
#define CTL_STALE_INTERVALS	3
#define CTL_STALE_FLOOR_MS	5000
#define CTL_MAX_COLUMNS		6

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_NO_DAEMON = 3
};

struct ctl {
	const char	*runtime_dir;
	uint64_t	 timeout_ms;
};

/* Rows collected first so each column can be as wide as its widest cell. */
struct ctl_table {
	size_t		 ncols;
	char		**cells;	/* nrows * ncols */
	size_t		 nrows;
};

/* Print the usage and exit with status. */
static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: ccr-failoverctl [--runtime-dir DIR | --instance NAME] "
	    "status [--json]\n"
	    "       ccr-failoverctl [--runtime-dir DIR | --instance NAME] "
	    "[--timeout SECONDS]\n"
	    "                       confirm | abort | hold | resume | "
	    "promote | failback |\n"
	    "                       switchover | reset-identity CLUSTER\n");
	exit(status);
}

/* Print a message on stderr under the program's name. */
static void __attribute__((format(printf, 1, 2)))
ctl_warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("ccr-failoverctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Sleep ms, resuming after signals. */
static void
ctl_sleep_ms(uint64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/*
 * Read status.json: the raw text in *text (if wanted) and the parsed
 * object. NULL with *cause when it is missing, unreadable or not an object.
 */
static json_t *
ctl_read_status(const struct ctl *ctl, char **text, char **cause)
{
	json_error_t	 jerr;
	json_t		*doc;
	char		*path, *buf = NULL;
	FILE		*f;
	size_t		 len = 0, n;
	char		 chunk[8192];

	xasprintf(&path, "%s/%s", ctl->runtime_dir, STATUS_FILE);
	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "cannot read %s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (is ccr-failoverd running, and is "
		    "this its runtime directory?)" : "");
		free(path);
		return (NULL);
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xreallocarray(buf, len + n + 1, 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	if (ferror(f)) {
		xasprintf(cause, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		free(path);
		return (NULL);
	}
	fclose(f);
	if (buf == NULL)
		buf = xstrdup("");
	buf[len] = '\0';
	doc = json_loadb(buf, len, 0, &jerr);
	if (doc == NULL || !json_is_object(doc)) {
		if (doc == NULL)
			xasprintf(cause, "%s is malformed: line %d: %s", path,
			    jerr.line, jerr.text);
		else
			xasprintf(cause, "%s is malformed: not an object",
			    path);
		json_decref(doc);
		free(buf);
		free(path);
		return (NULL);
	}
	free(path);
	if (text != NULL)
		*text = buf;
	else
		free(buf);
	return (doc);
}

/* A copy of s safe for a terminal: control characters become '?'. */
static char *
ctl_clean(const char *s)
{
	char	*copy, *p;

	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return (copy);
}

/*
 * A member as display text: strings cleaned, null and absent as dflt
 * (which may be NULL).
 */
static char *
ctl_field(json_t *obj, const char *key, const char *dflt)
{
	json_t	*v = json_object_get(obj, key);
	char	*s;

	if (json_is_string(v))
		return (ctl_clean(json_string_value(v)));
	if (json_is_integer(v)) {
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (s);
	}
	if (json_is_boolean(v))
		return (xstrdup(json_is_true(v) ? "yes" : "no"));
	return (dflt != NULL ? xstrdup(dflt) : NULL);
}

/* Start an empty table of ncols columns. */
static void
ctl_table_init(struct ctl_table *t, size_t ncols)
{
	t->ncols = ncols;
	t->cells = NULL;
	t->nrows = 0;
}

/* Append a row; the cells (ncols of them) become the table's. */
static void
ctl_table_add(struct ctl_table *t, char **row)
{
	size_t	i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = row[i];
	t->nrows++;
}

/* Print and free the table. */
static void
ctl_table_print(struct ctl_table *t)
{
	size_t	width[CTL_MAX_COLUMNS] = { 0 }, r, c, len;
	char	*cell;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > width[c])
				width[c] = len;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols)
				printf("%s\n", cell);
			else
				printf("%-*s  ", (int)width[c], cell);
			free(cell);
		}
	}
	free(t->cells);
}

/* Print one row per cluster with its role. */
static void
ctl_print_clusters(json_t *doc, const char *leader, const char *follower)
{
	struct ctl_table	 t;
	json_t			*clusters, *c;
	const char		*name;
	char			*row[6];

	clusters = json_object_get(doc, "clusters");
	if (!json_is_object(clusters) || json_object_size(clusters) == 0)
		return;
	ctl_table_init(&t, 6);
	row[0] = xstrdup("CLUSTER");
	row[1] = xstrdup("ROLE");
	row[2] = xstrdup("REACHABLE");
	row[3] = xstrdup("HEALTH");
	row[4] = xstrdup("FAILURES");
	row[5] = xstrdup("LAST ERROR");
	ctl_table_add(&t, row);
	json_object_foreach(clusters, name, c) {
		row[0] = ctl_clean(name);
		if (strcmp(name, leader) == 0)
			row[1] = xstrdup("leader");
		else if (strcmp(name, follower) == 0)
			row[1] = xstrdup("follower");
		else
			row[1] = xstrdup("-");
		row[2] = ctl_field(c, "reachable", "?");
		row[3] = ctl_field(c, "status", "?");
		row[4] = ctl_field(c, "consecutive_failures", "?");
		row[5] = ctl_field(c, "last_error", "-");
		ctl_table_add(&t, row);
	}
	printf("\n");
	ctl_table_print(&t);
}

/* Print the watchers and who acts, when the daemon coordinates. */
static void
ctl_print_coordination(json_t *doc)
{
	struct ctl_table	 t;
	json_t			*co, *members, *m;
	size_t			 i;
	char			*member, *actor, *row[4];

	co = json_object_get(doc, "coordination");
	if (!json_is_object(co))
		return;
	member = ctl_field(co, "member", "?");
	actor = ctl_field(co, "actor", "none");
	printf("Coordination: member %s, actor %s%s%s\n", member, actor,
	    json_is_true(json_object_get(co, "acting")) ? " (this one)" : "",
	    json_is_false(json_object_get(co, "etcd_reachable")) ?
	    "  COORDINATION UNAVAILABLE (etcd unreachable: no new action)" :
	    "");
	free(member);
	free(actor);
	members = json_object_get(co, "members");
	if (!json_is_array(members) || json_array_size(members) == 0)
		return;
	ctl_table_init(&t, 4);
	row[0] = xstrdup("MEMBER");
	row[1] = xstrdup("LEADER REACHABLE");
	row[2] = xstrdup("STATE");
	row[3] = xstrdup("AGE MS");
	ctl_table_add(&t, row);
	json_array_foreach(members, i, m) {
		row[0] = ctl_field(m, "name", "?");
		row[1] = ctl_field(m, "leader_reachable", "?");
		row[2] = ctl_field(m, "state", "?");
		row[3] = ctl_field(m, "age_ms", "?");
		ctl_table_add(&t, row);
	}
	printf("\n");
	ctl_table_print(&t);
}

/* Print one row per index pair: lag, follow status, step. */
static void
ctl_print_indices(json_t *doc)
{
	struct ctl_table	 t;
	json_t			*indices, *x;
	size_t			 i;
	char			*row[6];

	indices = json_object_get(doc, "indices");
	if (!json_is_array(indices) || json_array_size(indices) == 0)
		return;
	ctl_table_init(&t, 6);
	row[0] = xstrdup("LEADER INDEX");
	row[1] = xstrdup("FOLLOWER INDEX");
	row[2] = xstrdup("LAG");
	row[3] = xstrdup("FOLLOW");
	row[4] = xstrdup("STEP");
	row[5] = xstrdup("ERROR");
	ctl_table_add(&t, row);
	json_array_foreach(indices, i, x) {
		row[0] = ctl_field(x, "leader", "?");
		row[1] = ctl_field(x, "follower", "?");
		row[2] = ctl_field(x, "lag_ops", "?");
		row[3] = ctl_field(x, "follow_status", "?");
		row[4] = ctl_field(x, "action_step", "-");
		row[5] = ctl_field(x, "error", "-");
		ctl_table_add(&t, row);
	}
	printf("\n");
	ctl_table_print(&t);
}

/* An age for people: "0.4 s", "3 min 05 s", "2 h 10 min", "41 d 3 h". */
static void
ctl_format_age(int64_t ms, char *buf, size_t len)
{
	int64_t	s = ms / 1000;

	if (ms < 0)
		snprintf(buf, len, "in the future: clock skew");
	else if (s < 60)
		snprintf(buf, len, "%.1f s ago", ms / 1000.0);
	else if (s < 3600)
		snprintf(buf, len, "%d min %02d s ago", (int)(s / 60),
		    (int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%d h %02d min ago", (int)(s / 3600),
		    (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lld d %d h ago", (long long)(s / 86400),
		    (int)(s % 86400 / 3600));
}

/*
 * Print when the daemon last polled, and whether it looks alive; returns
 * false when the status is stale or its daemon is gone.
 */
static bool
ctl_print_liveness(json_t *doc)
{
	struct timespec	 last, now;
	json_t		*v;
	int64_t		 age_ms, interval_ms = 0, limit_ms;
	pid_t		 pid = 0;
	bool		 alive = true;
	char		*s, age[64];

	v = json_object_get(doc, "poll_interval_ms");
	if (json_is_integer(v))
		interval_ms = json_integer_value(v);
	limit_ms = CTL_STALE_INTERVALS * interval_ms;
	if (limit_ms < CTL_STALE_FLOOR_MS)
		limit_ms = CTL_STALE_FLOOR_MS;

	v = json_object_get(doc, "last_poll");
	if (!json_is_string(v) ||
	    isotime_parse(json_string_value(v), &last) == -1) {
		/* A daemon still starting; the pid check below still applies. */
		printf("Last poll:    none yet\n");
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		age_ms = ((int64_t)now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000;
		s = ctl_clean(json_string_value(v));
		ctl_format_age(age_ms, age, sizeof age);
		printf("Last poll:    %s (%s)", s, age);
		free(s);
		if (age_ms > limit_ms) {
			printf("  STALE: the daemon polls every %.1f s",
			    interval_ms / 1000.0);
			alive = false;
		}
		printf("\n");
	}

	v = json_object_get(doc, "pid");
	if (json_is_integer(v))
		pid = (pid_t)json_integer_value(v);
	s = ctl_field(doc, "version", "?");
	printf("Daemon:       pid %ld, version %s", (long)pid, s);
	free(s);
	if (pid <= 0 || (kill(pid, 0) == -1 && errno == ESRCH)) {
		printf("  NOT RUNNING");
		alive = false;
	}
	printf("\n");
	if (!alive)
		printf("WARNING: this status is not current: is ccr-failoverd "
		    "running?\n");
	return (alive);
}

/* Print the action in flight, divergence and last command. */
static void
ctl_print_action(json_t *doc)
{
	json_t	*a, *d, *c;
	char	*s1, *s2, *s3, *s4;

	a = json_object_get(doc, "action");
	if (json_is_object(a)) {
		s1 = ctl_field(a, "kind", "?");
		s2 = ctl_field(a, "started", "?");
		s3 = ctl_field(a, "done", "?");
		s4 = ctl_field(a, "total", "?");
		printf("Action:       %s since %s, %s of %s indices done", s1,
		    s2, s3, s4);
		free(s1);
		free(s2);
		free(s3);
		free(s4);
		s1 = ctl_field(a, "failed", "0");
		if (strcmp(s1, "0") != 0)
			printf(", %s failed", s1);
		free(s1);
		printf("\n");
	}
	d = json_object_get(doc, "divergence");
	if (json_is_object(d)) {
		s1 = ctl_field(d, "indices", "?");
		s2 = ctl_field(d, "operations", "?");
		printf("Divergence:   %s indices hold %s operations the new "
		    "leader never received\n", s1, s2);
		free(s1);
		free(s2);
	}
	c = json_object_get(doc, "last_command");
	if (json_is_object(c)) {
		s1 = ctl_field(c, "command", "?");
		s2 = ctl_field(c, "outcome", "?");
		s3 = ctl_field(c, "message", "");
		s4 = ctl_field(c, "id", "?");
		printf("Last command: %s %s", s1, s2);
		free(s2);
		if ((s2 = ctl_field(c, "by", NULL)) != NULL)
			printf(" by %s", s2);
		printf("%s%s (id %s)\n", *s3 != '\0' ? ": " : "", s3, s4);
		free(s1);
		free(s2);
		free(s3);
		free(s4);
	}
}

/*
 * Readiness: one line when every check passed, else each failed check.
 * Nothing before the daemon's first pass.
 */
static void
ctl_print_readiness(json_t *doc)
{
	json_t	*list, *c;
	size_t	 i;
	char	*check, *detail;

	list = json_object_get(doc, "readiness");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return;
	if (json_is_true(json_object_get(doc, "ready"))) {
		printf("Ready:        yes, %zu checks pass\n",
		    json_array_size(list));
		return;
	}
	printf("Ready:        NO: a promotion or failback would fail now\n");
	json_array_foreach(list, i, c) {
		if (json_is_true(json_object_get(c, "ok")))
			continue;
		check = ctl_field(c, "check", "?");
		detail = ctl_field(c, "detail", "");
		printf("  failed:     %s: %s\n", check, detail);
		free(check);
		free(detail);
	}
}

/* The readable form of status.json. */
static bool
ctl_print_status(json_t *doc)
{
	char	*state, *leader, *follower, *pending, *since, *reason;
	bool	 alive;

	state = ctl_field(doc, "state", "?");
	leader = ctl_field(doc, "leader", "?");
	follower = ctl_field(doc, "follower", "?");
	pending = ctl_field(doc, "pending", "");
	since = ctl_field(doc, "since", "");
	reason = ctl_field(doc, "reason", "");

	printf("State:        %s", state);
	if (json_is_true(json_object_get(doc, "held")))
		printf("  HELD (no automatic action; resume to end)");
	if (json_is_true(json_object_get(doc, "tilt")))
		printf("  TILT (clock jump or stall: not acting)");
	printf("\n");
	if (*since != '\0')
		printf("Since:        %s\n", since);
	if (*reason != '\0')
		printf("Reason:       %s\n", reason);
	if (*pending != '\0')
		printf("Pending:      %s (awaiting confirmation: "
		    "ccr-failoverctl confirm | abort)\n", pending);
	printf("Leader:       %s\nFollower:     %s\n", leader, follower);
	alive = ctl_print_liveness(doc);
	ctl_print_readiness(doc);
	ctl_print_action(doc);
	ctl_print_clusters(doc, leader, follower);
	ctl_print_coordination(doc);
	ctl_print_indices(doc);

	free(state);
	free(leader);
	free(follower);
	free(pending);
	free(since);
	free(reason);
	return (alive);
}

/* The status command: a table, or the file as it is (--json). */
static int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	json_t	*doc;
	char	*text, *cause;
	bool	 json = false, alive;
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else {
			ctl_warnx("status: unknown argument '%s'", argv[i]);
			usage(CTL_EXIT_USAGE);
		}
	}
	if ((doc = ctl_read_status(ctl, &text, &cause)) == NULL) {
		ctl_warnx("%s", cause);
		free(cause);
		return (CTL_EXIT_FAILED);
	}
	if (json) {
		fputs(text, stdout);
		alive = true;
	} else
		alive = ctl_print_status(doc);
	json_decref(doc);
	free(text);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_warnx("write error on standard output");
		return (CTL_EXIT_FAILED);
	}
	return (alive ? CTL_EXIT_OK : CTL_EXIT_NO_DAEMON);
}

/* Parse a timeout in seconds (fractions allowed) into ms; -1 if invalid. */
static int
ctl_parse_timeout(const char *s, uint64_t *ms)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(d) ||
	    d <= 0 || d > 86400)
		return (-1);
	*ms = (uint64_t)(d * 1000);
	if (*ms == 0)
		*ms = 1;
	return (0);
}

/*
 * If status.json reports the outcome of the command with this id, print it
 * and return the exit status; -1 while it does not.
 */
static int
ctl_check_outcome(const struct ctl *ctl, const char *id)
{
	enum control_outcome	 outcome;
	json_t			*doc, *c, *v;
	char			*cause, *command, *message, *by;
	int			 ret = -1;

	if ((doc = ctl_read_status(ctl, NULL, &cause)) == NULL) {
		free(cause);
		return (-1);
	}
	c = json_object_get(doc, "last_command");
	v = json_object_get(c, "id");
	if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) {
		v = json_object_get(c, "outcome");
		if (!json_is_string(v) ||
		    control_outcome_from_name(json_string_value(v),
		    &outcome) == -1)
			outcome = CONTROL_OUTCOME_REJECTED;
		command = ctl_field(c, "command", "?");
		message = ctl_field(c, "message", "");
		by = ctl_field(c, "by", NULL);
		printf("%s: %s%s%s%s%s\n", command,
		    control_outcome_name(outcome), by != NULL ? " by " : "",
		    by != NULL ? by : "", *message != '\0' ? ": " : "",
		    message);
		free(command);
		free(message);
		free(by);
		ret = outcome == CONTROL_OUTCOME_ACCEPTED ?
		    CTL_EXIT_OK : CTL_EXIT_FAILED;
	}
	json_decref(doc);
	return (ret);
}

/* A control command: submit it, wait for its outcome, print it. */
static int
ctl_control(struct ctl *ctl, enum fsm_command command, int argc,
    char **argv)
{
	struct control_request	 req;
	uint64_t		 deadline_ms;
	const char		*name = fsm_command_name(command);
	char			*cause;
	int			 i, ret;

	memset(&req, 0, sizeof req);
	for (i = 1; i < argc; i++) {
		if (command == FSM_COMMAND_RESET_IDENTITY &&
		    req.arg[0] == '\0' && argv[i][0] != '-') {
			if (strlen(argv[i]) >= sizeof req.arg) {
				ctl_warnx("%s: cluster name too long", name);
				usage(CTL_EXIT_USAGE);
			}
			snprintf(req.arg, sizeof req.arg, "%s", argv[i]);
		} else if (strcmp(argv[i], "--timeout") == 0 &&
		    i + 1 < argc) {
			if (ctl_parse_timeout(argv[++i],
			    &ctl->timeout_ms) == -1)
				usage(CTL_EXIT_USAGE);
		} else if (strncmp(argv[i], "--timeout=", 10) == 0) {
			if (ctl_parse_timeout(argv[i] + 10,
			    &ctl->timeout_ms) == -1)
				usage(CTL_EXIT_USAGE);
		} else {
			ctl_warnx("%s: unknown argument '%s'", name,
			    argv[i]);
			usage(CTL_EXIT_USAGE);
		}
	}
	if (command == FSM_COMMAND_RESET_IDENTITY && req.arg[0] == '\0') {
		ctl_warnx("%s: which cluster?", name);
		usage(CTL_EXIT_USAGE);
	}
	req.command = command;
	control_proto_make_id(req.id, sizeof req.id);

	if (control_proto_submit(ctl->runtime_dir, &req, &cause) == -1) {
		ctl_warnx("%s", cause);
		free(cause);
		return (CTL_EXIT_NO_DAEMON);
	}
	deadline_ms = monotime_ms() + ctl->timeout_ms;
	for (;;) {
		if ((ret = ctl_check_outcome(ctl, req.id)) != -1)
			return (ret);
		if (monotime_ms() >= deadline_ms)
			break;
		ctl_sleep_ms(CTL_WAIT_STEP_MS);
	}

	switch (control_proto_withdraw(ctl->runtime_dir, req.id, &cause)) {
	case 1:
		ctl_warnx("%s: no daemon took the command within %.1f s; "
		    "withdrawn (is ccr-failoverd running?)", name,
		    ctl->timeout_ms / 1000.0);
		break;
	case 0:
		if ((ret = ctl_check_outcome(ctl, req.id)) != -1)
			return (ret);
		ctl_warnx("%s: the daemon took the command but reported no "
		    "outcome within %.1f s", name,
		    ctl->timeout_ms / 1000.0);
		break;
	default:
		ctl_warnx("%s: no answer within %.1f s, and the command could "
		    "not be withdrawn: %s", name,
		    ctl->timeout_ms / 1000.0, cause);
		free(cause);
		break;
	}
	return (CTL_EXIT_NO_DAEMON);
}

/*
 * The runtime directory: the flag, else the instance's (the template unit
 * ccr-failoverd@NAME.service runs in CTL_DEFAULT_RUNTIME_DIR-NAME), else
 * systemd's, else the default.
 */
static char *
ctl_runtime_dir(const char *flag, const char *instance)
{
	const char	*env;
	char		*dir;

	if (flag != NULL)
		return (xstrdup(flag));
	if (instance != NULL) {
		xasprintf(&dir, "%s-%s", CTL_DEFAULT_RUNTIME_DIR, instance);
		return (dir);
	}
	if ((env = getenv("RUNTIME_DIRECTORY")) != NULL && *env != '\0')
		return (xstrndup(env, strcspn(env, ":")));
	return (xstrdup(CTL_DEFAULT_RUNTIME_DIR));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runtime-dir", required_argument, NULL, 'R' },
		{ "instance",	 required_argument, NULL, 'I' },
		{ "timeout",	 required_argument, NULL, 'T' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL,		 0,		    NULL, 0 }
	};
	struct ctl		 ctl;
	enum fsm_command	 command;
	const char		*flag_dir = NULL, *instance = NULL;
	char			*dir;
	int			 ch, ret;

	ctl.timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "+Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			flag_dir = optarg;
			break;
		case 'I':
			/* A name, never a way out of /run. */
			if (optarg[0] == '\0' || optarg[0] == '.' ||
			    strchr(optarg, '/') != NULL) {
				ctl_warnx("invalid instance name '%s'", optarg);
				usage(CTL_EXIT_USAGE);
			}
			instance = optarg;
			break;
		case 'T':
			if (ctl_parse_timeout(optarg, &ctl.timeout_ms) == -1) {
				ctl_warnx("invalid timeout '%s'", optarg);
				usage(CTL_EXIT_USAGE);
			}
			break;
		case 'V':
			printf("ccr-failoverctl %s\n", PACKAGE_VERSION);
			return (CTL_EXIT_OK);
		case 'h':
			usage(CTL_EXIT_OK);
		default:
			usage(CTL_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(CTL_EXIT_USAGE);
	if (flag_dir != NULL && instance != NULL) {
		ctl_warnx("--runtime-dir and --instance exclude each other");
		usage(CTL_EXIT_USAGE);
	}

	/* "status", or a word of the control protocol's command table. */
	if (strcmp(argv[0], "status") != 0 &&
	    fsm_command_from_name(argv[0], &command) == -1) {
		ctl_warnx("unknown command '%s'", argv[0]);
		usage(CTL_EXIT_USAGE);
	}
	dir = ctl_runtime_dir(flag_dir, instance);
	ctl.runtime_dir = dir;
	if (strcmp(argv[0], "status") == 0)
		ret = ctl_status(&ctl, argc, argv);
	else
		ret = ctl_control(&ctl, command, argc, argv);
	free(dir);
	return (ret);
}
