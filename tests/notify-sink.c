/*
 * notify-sink: stands in for systemd's end of NOTIFY_SOCKET (or journald's
 * socket) in integration tests. It binds an AF_UNIX datagram socket at
 * SOCKET, then appends every datagram it receives to FILE as one line, its
 * own newlines shown as " | " so that multi-field messages stay on a line,
 * until SIGTERM or SIGINT. The socket is removed on the way out.
 *
 * usage: notify-sink SOCKET FILE
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SINK_DATAGRAM_MAX	(256 * 1024)

static volatile sig_atomic_t	sink_stop;

static void
sink_signal(int signo)
{
	(void)signo;
	sink_stop = 1;
}

/* Write all of buf, or fail. */
static int
sink_write(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* One datagram as one line: newlines inside become " | ". */
static int
sink_line(int fd, const char *msg, size_t len)
{
	char	*line;
	size_t	 i, n = 0;
	int	 rc;

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	if ((line = malloc(len * 3 + 1)) == NULL)
		return (-1);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n') {
			memcpy(line + n, " | ", 3);
			n += 3;
		} else
			line[n++] = msg[i];
	}
	line[n++] = '\n';
	rc = sink_write(fd, line, n);
	free(line);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	char			*buf;
	ssize_t			 n;
	int			 s, out, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: notify-sink SOCKET FILE\n");
		return (2);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "notify-sink: %s: path too long\n", argv[1]);
		return (2);
	}
	strcpy(sun.sun_path, argv[1]);

	/* No SA_RESTART: a signal must interrupt recv. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sink_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out == -1) {
		fprintf(stderr, "notify-sink: %s: %s\n", argv[2],
		    strerror(errno));
		return (1);
	}
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "notify-sink: %s: %s\n", argv[1],
		    strerror(errno));
		return (1);
	}
	if ((buf = malloc(SINK_DATAGRAM_MAX)) == NULL) {
		fprintf(stderr, "notify-sink: out of memory\n");
		return (1);
	}
	while (!sink_stop) {
		n = recv(s, buf, SINK_DATAGRAM_MAX, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify-sink: recv: %s\n",
			    strerror(errno));
			status = 1;
			break;
		}
		if (sink_line(out, buf, (size_t)n) == -1) {
			fprintf(stderr, "notify-sink: %s: %s\n", argv[2],
			    strerror(errno));
			status = 1;
			break;
		}
	}
	free(buf);
	close(s);
	close(out);
	unlink(argv[1]);
	return (status);
}
