/*
 * ccr-failoverd: watches two Elasticsearch clusters linked by cross-cluster
 * replication and promotes the follower when the leader is lost. It never
 * forks: systemd (Type=notify) or the operator's shell supervises it.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: ccr-failoverd [-c FILE] [-t] [-n] [--state-dir DIR] "
	    "[--runtime-dir DIR]\n"
	    "                     [--log-level LEVEL] [-V] [-h]\n"
	    "  -c, --config FILE      configuration file (default %s)\n"
	    "  -t, --test-config      check the configuration and exit\n"
	    "  -n, --dry-run          decide and log, send no mutating request\n"
	    "      --state-dir DIR    where state.json is kept\n"
	    "      --runtime-dir DIR  where status.json and the control file live\n"
	    "      --log-level LEVEL  error, warning, notice, info or debug\n"
	    "  -V, --version          print the version and exit\n"
	    "  -h, --help             print this help and exit\n",
	    SYSCONFDIR "/ccr-failoverd/ccr-failoverd.conf");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	 required_argument, NULL, 'c' },
		{ "test-config", no_argument,	    NULL, 't' },
		{ "dry-run",	 no_argument,	    NULL, 'n' },
		{ "state-dir",	 required_argument, NULL, 'S' },
		{ "runtime-dir", required_argument, NULL, 'R' },
		{ "log-level",	 required_argument, NULL, 'L' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL,		 0,		    NULL, 0 }
	};
	enum log_level	level = LOG_LEVEL_INFO;
	int		ch;

	while ((ch = getopt_long(argc, argv, "c:tnVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 't':
		case 'n':
		case 'S':
		case 'R':
			break;
		case 'L':
			if (log_level_from_name(optarg, &level) == -1) {
				fprintf(stderr, "ccr-failoverd: unknown log level "
				    "'%s'\n", optarg);
				usage(2);
			}
			break;
		case 'V':
			printf("ccr-failoverd %s\n", PACKAGE_VERSION);
			return (0);
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	log_init("ccr-failoverd", level);
	fatalx("the watcher is not built yet");
}
