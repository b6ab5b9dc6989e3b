/*
 * essim: one process is one single-node Elasticsearch 8.x cluster with CCR,
 * for tests and the demo. It listens on a loopback address (refusing any
 * other unless --allow-non-loopback is given), serves the REST API on the
 * libevent loop, replicates followers from peer essims over HTTP, takes
 * faults over /_essim/..., and with --data keeps its state in a journal.
 *
 * Signals: SIGTERM and SIGINT stop it; SIGUSR1 ends a "refuse connections"
 * fault started without a duration.
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "essim.h"
#include "log.h"
#include "xmalloc.h"

/* Monotonic milliseconds, for durations and task statistics. */
uint64_t
essim_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Wall-clock milliseconds, for creation dates and lease timestamps. */
uint64_t
essim_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Print the command line summary. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: essim --name NAME --listen HOST:PORT [--data FILE] "
	    "[--port-file FILE]\n"
	    "             [--transport-timeout-ms MS] "
	    "[--refresh-interval-ms MS]\n"
	    "             [--read-poll-timeout-ms MS] "
	    "[--no-remote-cluster-client]\n"
	    "             [--restore-ms MS] [--restore-bytes-per-sec N]\n"
	    "             [--auth-basic USER:PASSWORD] "
	    "[--auth-api-key ID:KEY]\n"
	    "             [--role NAME:PRIV,...] [--security-file FILE]\n"
	    "             [--tls-cert FILE --tls-key FILE]\n"
	    "             [--log-level LEVEL] [--request-log FILE] "
	    "[--allow-non-loopback]\n             "
	    "[-V] [-h]\n");
}

/* Whether host is a loopback address (or "localhost"). */
static int
essim_loopback(const char *host)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (strcmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/*
 * Every follower call and every client holds a descriptor: allow as many
 * as the hard limit does, so a thousand parallel calls do not hit EMFILE.
 */
static void
essim_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Write the bound port to a file atomically (temporary, then rename). */
static void
essim_write_port(const char *path, int port)
{
	char	*tmp;
	FILE	*f;

	xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		fatal("%s", path);
	free(tmp);
}

/* SIGTERM and SIGINT end the loop; SIGUSR1 ends a refusal. */
static void
essim_signal(evutil_socket_t sig, short events, void *arg)
{
	struct essim	*es = arg;

	(void)events;
	if (sig == SIGUSR1)
		fault_accept(es);
	else
		event_base_loopbreak(es->base);
}

/* The periodic refresh that makes new documents searchable. */
static void
essim_refresh(evutil_socket_t fd, short events, void *arg)
{
	struct essim	*es = arg;

	(void)fd;
	(void)events;
	sim_refresh_all(es->cluster);
}

/* A bounded integer argument; exits 2 on a bad one. */
static int
essim_int_arg(const char *s, int min, int max, const char *what)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "essim: bad %s: %s\n", what, s);
		exit(2);
	}
	return ((int)v);
}

/* The directory of the journal stands for the node's data path. */
static void
essim_data_path(struct sim_cluster *c, const char *data)
{
	char	*copy, *dir, *abs;

	copy = xstrdup(data);
	dir = dirname(copy);
	if ((abs = realpath(dir, NULL)) != NULL) {
		free(c->data_path);
		c->data_path = abs;
	}
	free(copy);
}

/*
 * Parse the command line, load the journal, listen, run the loop. Early
 * ends use exit() so what the knobs and principals hold is still reachable
 * from this frame when the process goes.
 */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "transport-timeout-ms", required_argument, NULL, 't' },
		{ "refresh-interval-ms", required_argument, NULL, 'r' },
		{ "read-poll-timeout-ms", required_argument, NULL, 'P' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "request-log", required_argument, NULL, 'R' },
		{ "allow-non-loopback", no_argument, NULL, 'A' },
		{ "auth-basic", required_argument, NULL, 'b' },
		{ "auth-api-key", required_argument, NULL, 'k' },
		{ "role", required_argument, NULL, 'o' },
		{ "security-file", required_argument, NULL, 'F' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "no-remote-cluster-client", no_argument, NULL, 'C' },
		{ "restore-ms", required_argument, NULL, 'S' },
		{ "restore-bytes-per-sec", required_argument, NULL, 'B' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct essim			 es;
	const char			*name = NULL, *listen = NULL;
	const char			*data = NULL, *port_file = NULL;
	const char			*sec_file = NULL;
	const char			*tls_cert = NULL, *tls_key = NULL;
	char				**roles = NULL;
	size_t				 nroles = 0, ri;
	char				*colon, *cause = NULL;
	enum log_level			 level = LOG_LEVEL_NOTICE;
	int				 ch, allow_any = 0, sigs[4], i;
	struct event			*sigev[4];
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof ss;
	struct timeval			 tv;

	memset(&es, 0, sizeof es);
	knob_init(&es);
	security_init(&es);
	es.opt.transport_timeout_ms = 30000;
	es.opt.refresh_interval_ms = 1000;
	es.opt.tick_ms = 20;
	es.opt.read_poll_ms = 60000;
	while ((ch = getopt_long(argc, argv, "Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'p':
			port_file = optarg;
			break;
		case 't':
			es.opt.transport_timeout_ms = essim_int_arg(optarg, 1,
			    3600000, "--transport-timeout-ms");
			break;
		case 'r':
			es.opt.refresh_interval_ms = essim_int_arg(optarg, 1,
			    3600000, "--refresh-interval-ms");
			break;
		case 'P':
			es.opt.read_poll_ms = essim_int_arg(optarg, 0, 3600000,
			    "--read-poll-timeout-ms");
			break;
		case 'L':
			if (log_level_from_name(optarg, &level) == -1) {
				fprintf(stderr, "essim: unknown log level %s\n",
				    optarg);
				exit(2);
			}
			break;
		case 'A':
			allow_any = 1;
			break;
		case 'R':
			if ((es.opt.request_log = fopen(optarg, "a")) == NULL) {
				fprintf(stderr, "essim: %s: %s\n", optarg,
				    strerror(errno));
				return (2);
			}
			setvbuf(es.opt.request_log, NULL, _IOLBF, 0);
			break;
		case 'b':
		case 'k':
			if (security_add(&es, ch == 'b' ? "user" : "api_key",
			    optarg) == -1) {
				fprintf(stderr, "essim: bad %s: expected "
				    "NAME:SECRET\n", ch == 'b' ? "--auth-basic" :
				    "--auth-api-key");
				exit(2);
			}
			break;
		case 'o':
			roles = xreallocarray(roles, nroles + 1,
			    sizeof *roles);
			roles[nroles++] = optarg;
			break;
		case 'F':
			sec_file = optarg;
			break;
		case 'c':
			tls_cert = optarg;
			break;
		case 'K':
			tls_key = optarg;
			break;
		case 'C':
			knob_set_start(&es, "remote_cluster_client",
			    json_false());
			break;
		case 'S':
			knob_set_start(&es, "restore_ms", json_integer(
			    essim_int_arg(optarg, 0, 86400000,
			    "--restore-ms")));
			break;
		case 'B':
			knob_set_start(&es, "restore_bytes_per_sec",
			    json_integer(essim_int_arg(optarg, 1, INT32_MAX,
			    "--restore-bytes-per-sec")));
			break;
		case 'V':
			printf("essim %s (Elasticsearch %s)\n", PACKAGE_VERSION,
			    ES_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || name == NULL || listen == NULL ||
	    (colon = strrchr(listen, ':')) == NULL) {
		usage(stderr);
		exit(2);
	}
	log_init("essim", level);
	es.port = essim_int_arg(colon + 1, 0, 65535, "port");
	es.host = xstrndup(listen, colon - listen);
	if (es.host[0] == '[' && es.host[strlen(es.host) - 1] == ']') {
		memmove(es.host, es.host + 1, strlen(es.host));
		es.host[strlen(es.host) - 1] = '\0';
	}
	if (!allow_any && !essim_loopback(es.host)) {
		fprintf(stderr, "essim: %s is not a loopback address (use "
		    "--allow-non-loopback to force)\n", es.host);
		free(es.host);
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
	essim_raise_nofile();
	if (sec_file != NULL && security_load(&es, sec_file, &cause) == -1) {
		fprintf(stderr, "essim: %s\n", cause);
		exit(2);
	}
	for (ri = 0; ri < nroles; ri++) {
		if (security_role(&es, roles[ri], &cause) == -1) {
			fprintf(stderr, "essim: %s\n", cause);
			exit(2);
		}
	}
	free(roles);

	es.cluster = sim_cluster_new(name);
	if (data != NULL)
		essim_data_path(es.cluster, data);
	if (data != NULL && (es.journal = journal_open(data, es.cluster,
	    &cause)) == NULL)
		fatalx("%s", cause);
	TAILQ_INIT(&es.faults);
	TAILQ_INIT(&es.restores);
	TAILQ_INIT(&es.hung);
	TAILQ_INIT(&es.parked);
	TAILQ_INIT(&es.ctxs);
	if ((es.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	es.http = evhttp_new(es.base);
	evhttp_set_max_headers_size(es.http, 65536);
	evhttp_set_max_body_size(es.http, 100 * 1024 * 1024);
	evhttp_set_allowed_methods(es.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(es.http, rest_handle, &es);
	if ((tls_cert != NULL) != (tls_key != NULL)) {
		fprintf(stderr, "essim: --tls-cert and --tls-key go together\n");
		exit(2);
	}
	if (tls_cert != NULL && tls_init(&es, tls_cert, tls_key,
	    &cause) == -1) {
		fprintf(stderr, "essim: %s\n", cause);
		exit(2);
	}
	es.bound = evhttp_bind_socket_with_handle(es.http, es.host,
	    (ev_uint16_t)es.port);
	if (es.bound == NULL)
		fatal("cannot listen on %s", listen);
	if (getsockname(evhttp_bound_socket_get_fd(es.bound),
	    (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	es.port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	fault_init(&es);
	es.refresh = event_new(es.base, -1, EV_PERSIST, essim_refresh, &es);
	tv.tv_sec = es.opt.refresh_interval_ms / 1000;
	tv.tv_usec = (es.opt.refresh_interval_ms % 1000) * 1000;
	event_add(es.refresh, &tv);
	remote_init(&es);

	sigs[0] = SIGTERM;
	sigs[1] = SIGINT;
	sigs[2] = SIGUSR1;
	sigs[3] = SIGHUP;
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(es.base, sigs[i], essim_signal, &es);
		evsignal_add(sigev[i], NULL);
	}
	if (port_file != NULL)
		essim_write_port(port_file, es.port);
	log_notice("cluster %s listening on %s:%d", name, es.host, es.port);

	event_base_dispatch(es.base);

	log_notice("cluster %s stopping", name);
	remote_shutdown(&es);
	rest_shutdown(&es);
	restore_shutdown(&es);
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	event_free(es.refresh);
	event_free(es.refuse_timer);
	fault_clear(&es);
	evhttp_free(es.http);
	/*
	 * A connection freed with a callback still deferred (the loop broke
	 * off at the signal; bufferevent_openssl defers) is released only by
	 * that callback: event_base_free would cancel it, and leak the
	 * connection and its TLS session.
	 */
	for (i = 0; i < 8; i++)
		if (event_base_loop(es.base, EVLOOP_NONBLOCK) != 0)
			break;
	tls_free();
	event_base_free(es.base);
	journal_close(es.journal);
	sim_cluster_free(es.cluster);
	knob_free(&es);
	free(es.link_alias);
	free(es.host);
	security_free(&es);
	return (0);
}
