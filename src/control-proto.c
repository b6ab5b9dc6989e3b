/*
 * The control file protocol (see control-proto.h): the command name table,
 * the line format, and the writer's two file operations on
 * <runtime_dir>/control: submit (never overwriting an unconsumed command)
 * and withdraw (a writer giving up on
 * a command nobody consumed, so that a daemon started later does not act on
 * a stale order).
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control-proto.h"
#include "xmalloc.h"

static const char *const control_outcome_names[CONTROL_OUTCOME_MAX] = {
	"accepted", "rejected"
};

/* The name of an outcome, as status.json reports it. */
const char *
control_outcome_name(enum control_outcome outcome)
{
	if (outcome >= CONTROL_OUTCOME_MAX)
		return ("unknown");
	return (control_outcome_names[outcome]);
}

/* Look an outcome up by name; -1 when there is none. */
int
control_outcome_from_name(const char *name, enum control_outcome *ret)
{
	enum control_outcome	o;

	for (o = 0; o < CONTROL_OUTCOME_MAX; o++) {
		if (strcmp(name, control_outcome_names[o]) == 0) {
			*ret = o;
			return (0);
		}
	}
	return (-1);
}

/*
 * Make an id no other writer uses: our pid, the time to the nanosecond, and
 * a counter for ids made within one clock tick.
 */
void
control_proto_make_id(char *buf, size_t len)
{
	static unsigned	serial;
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%ld-%lld.%09ld-%u", (long)getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec, serial++);
}

/* Ids are short and plain so they can be logged and compared as they are. */
static int
control_proto_valid_id(const char *id)
{
	const char	*p;

	if (*id == '\0' || strlen(id) >= CONTROL_PROTO_ID_MAX)
		return (0);
	for (p = id; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._:-", *p) == NULL)
			return (0);
	}
	return (1);
}

/*
 * Parse a control file's contents (not necessarily NUL-terminated): one line
 * holding "[<id>] <command> [<cluster>]", blanks around it ignored; only
 * reset-identity takes (and needs) the cluster.
 */
int
control_proto_parse(const char *buf, size_t len, struct control_request *req,
    char **cause)
{
	char		 line[CONTROL_PROTO_LINE_MAX + 1], *p, *end, *word[4];
	size_t		 nwords = 0, i, nargs;
	enum fsm_command last;

	if (len > CONTROL_PROTO_LINE_MAX) {
		xasprintf(cause, "command longer than %d bytes",
		    CONTROL_PROTO_LINE_MAX);
		return (-1);
	}
	memcpy(line, buf, len);
	line[len] = '\0';
	if (strlen(line) != len) {
		xasprintf(cause, "command contains a NUL byte");
		return (-1);
	}
	for (p = line; *p != '\0'; p++) {
		if (*p == '\n' && p[1] != '\0') {
			xasprintf(cause, "more than one line");
			return (-1);
		}
		if (!isprint((unsigned char)*p) &&
		    !isspace((unsigned char)*p)) {
			xasprintf(cause,
			    "command contains a control character");
			return (-1);
		}
	}

	p = line;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (nwords == 4)
			break;
		word[nwords++] = p;
		end = p;
		while (*end != '\0' && !isspace((unsigned char)*end))
			end++;
		if (*end != '\0')
			*end++ = '\0';
		p = end;
	}
	if (nwords == 0) {
		xasprintf(cause, "empty command");
		return (-1);
	}
	if (nwords == 4) {
		xasprintf(cause, "expected \"[ID] COMMAND [CLUSTER]\"");
		return (-1);
	}

	/* The command comes first, or after an id. */
	i = (fsm_command_from_name(word[0], &req->command) == 0 ? 0 : 1);
	if (i == 1 && (nwords == 1 ||
	    fsm_command_from_name(word[1], &req->command) == -1)) {
		if (nwords == 3 &&
		    fsm_command_from_name(word[2], &last) == 0)
			xasprintf(cause,
			    "expected \"[ID] COMMAND [CLUSTER]\"");
		else
			xasprintf(cause, "unknown command '%s'",
			    word[nwords == 1 ? 0 : 1]);
		return (-1);
	}
	nargs = nwords - i - 1;
	if (req->command == FSM_COMMAND_RESET_IDENTITY && nargs != 1) {
		xasprintf(cause, "reset-identity needs the cluster's name");
		return (-1);
	}
	if (req->command != FSM_COMMAND_RESET_IDENTITY && nargs != 0) {
		xasprintf(cause, "%s takes no argument",
		    fsm_command_name(req->command));
		return (-1);
	}
	req->arg[0] = '\0';
	if (nargs == 1) {
		if (strlen(word[i + 1]) >= sizeof req->arg) {
			xasprintf(cause, "cluster name too long");
			return (-1);
		}
		snprintf(req->arg, sizeof req->arg, "%s", word[i + 1]);
	}
	if (i == 1) {
		if (!control_proto_valid_id(word[0])) {
			xasprintf(cause, "invalid command id '%s'", word[0]);
			return (-1);
		}
		snprintf(req->id, sizeof req->id, "%s", word[0]);
	} else
		req->id[0] = '\0';
	return (0);
}

/* Write req as its control line into buf; -1 if it does not fit. */
int
control_proto_format(const struct control_request *req, char *buf,
    size_t len)
{
	int	n;

	const char	*p;
	bool		 want_arg;

	if (req->command >= FSM_COMMAND_MAX)
		return (-1);
	want_arg = (req->command == FSM_COMMAND_RESET_IDENTITY);
	if (want_arg != (req->arg[0] != '\0'))
		return (-1);
	for (p = req->arg; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p))
			return (-1);
	}
	if (req->id[0] != '\0' && !control_proto_valid_id(req->id))
		return (-1);
	n = snprintf(buf, len, "%s%s%s%s%s\n", req->id,
	    req->id[0] != '\0' ? " " : "", fsm_command_name(req->command),
	    want_arg ? " " : "", req->arg);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (0);
}

/* Read at most one line's worth (plus one byte, to see overlong files). */
static int
control_proto_read(int fd, char *buf, size_t len, size_t *got)
{
	ssize_t	n;

	*got = 0;
	while (*got < len) {
		n = read(fd, buf + *got, len - *got);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return (0);
}

/*
 * Hand req to the daemon through dir's control file. Fails, without touching
 * it, while an earlier command is still waiting there.
 */
int
control_proto_submit(const char *dir, const struct control_request *req,
    char **cause)
{
	char	 line[CONTROL_PROTO_LINE_MAX + 1], *tmp, *path;
	size_t	 len;
	ssize_t	 n;
	int	 fd, ret = -1;

	if (control_proto_format(req, line, sizeof line) == -1) {
		xasprintf(cause, "command cannot be formatted");
		return (-1);
	}
	len = strlen(line);
	xasprintf(&path, "%s/%s", dir, CONTROL_PROTO_FILE);
	xasprintf(&tmp, "%s/.%s.XXXXXX", dir, CONTROL_PROTO_FILE);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "create a file in %s: %s", dir,
		    strerror(errno));
		goto out_free;
	}
	/*
	 * Readable by the daemon's user when root submits; writable only by
	 * the submitter, as the daemon insists.
	 */
	if (fchmod(fd, 0644) == -1) {
		xasprintf(cause, "chmod %s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	n = write(fd, line, len);
	if (n == -1 || (size_t)n != len) {
		xasprintf(cause, "write %s: %s", tmp,
		    n == -1 ? strerror(errno) : "short write");
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		xasprintf(cause, "close %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			xasprintf(cause, "an earlier command is still waiting "
			    "in %s: is the daemon running?", path);
		else
			xasprintf(cause, "link %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;

out:
	unlink(tmp);
out_free:
	free(tmp);
	free(path);
	return (ret);
}

/*
 * Take back the command with this id if it is still waiting in dir: 1 when
 * it was withdrawn, 0 when it is gone (the daemon took it). Another writer's
 * command found there is put back.
 */
int
control_proto_withdraw(const char *dir, const char *id, char **cause)
{
	struct control_request	 req;
	char			 buf[CONTROL_PROTO_LINE_MAX + 1], *path;
	char			*mine, *why;
	size_t			 len;
	int			 fd, ret = -1, parsed;

	xasprintf(&path, "%s/%s", dir, CONTROL_PROTO_FILE);
	xasprintf(&mine, "%s/.%s.%ld.withdrawn", dir, CONTROL_PROTO_FILE,
	    (long)getpid());
	if (rename(path, mine) == -1) {
		if (errno == ENOENT)
			ret = 0;
		else
			xasprintf(cause, "rename %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if ((fd = open(mine, O_RDONLY|O_NOFOLLOW|O_CLOEXEC)) == -1) {
		xasprintf(cause, "open %s: %s", mine, strerror(errno));
		goto out;
	}
	if (control_proto_read(fd, buf, sizeof buf, &len) == -1) {
		xasprintf(cause, "read %s: %s", mine, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	parsed = control_proto_parse(buf, len, &req, &why);
	if (parsed == -1)
		free(why);
	if (parsed == 0 && strcmp(req.id, id) == 0) {
		unlink(mine);
		ret = 1;
		goto out;
	}
	if (link(mine, path) == -1) {
		xasprintf(cause, "could not put back another command found in "
		    "%s: %s", path, strerror(errno));
		unlink(mine);
		goto out;
	}
	unlink(mine);
	ret = 0;

out:
	free(mine);
	free(path);
	return (ret);
}
