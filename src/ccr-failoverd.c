/*
 * ccr-failoverd: watches two Elasticsearch clusters linked by cross-cluster
 * replication and promotes the follower when the leader is lost. It never
 * forks: systemd (Type=notify) or the operator's shell supervises it.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "readiness.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/ccr-failoverd/ccr-failoverd.conf"

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: ccr-failoverd [-c FILE] [-t] [-n] [--print-config] "
	    "[--preflight]\n"
	    "                     [--state-dir DIR] [--runtime-dir DIR] "
	    "[--log-level LEVEL] [-V] [-h]\n"
	    "  -c, --config FILE      configuration file (default %s)\n"
	    "  -t, --test-config      check the configuration and exit\n"
	    "      --print-config     check it, print it with every default\n"
	    "      --preflight        run the readiness checks once; exit 0 "
	    "if all pass\n"
	    "  -n, --dry-run          decide and log, send no mutating request\n"
	    "      --state-dir DIR    where state.json is kept\n"
	    "      --runtime-dir DIR  where status.json and the control file live\n"
	    "      --log-level LEVEL  error, warning, notice, info or debug\n"
	    "  -V, --version          print the version and exit\n"
	    "  -h, --help             print this help and exit\n",
	    DEFAULT_CONFIG);
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	 required_argument, NULL, 'c' },
		{ "test-config", no_argument,	    NULL, 't' },
		{ "dry-run",	 no_argument,	    NULL, 'n' },
		{ "print-config", no_argument,	    NULL, 'P' },
		{ "preflight",	 no_argument,	    NULL, 'F' },
		{ "state-dir",	 required_argument, NULL, 'S' },
		{ "runtime-dir", required_argument, NULL, 'R' },
		{ "log-level",	 required_argument, NULL, 'L' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL,		 0,		    NULL, 0 }
	};
	const char		*path = DEFAULT_CONFIG;
	const char		*state_flag = NULL, *runtime_flag = NULL;
	struct ccr_config	*cfg;
	enum log_level		 level = LOG_LEVEL_INFO;
	struct daemon_options	 opts;
	char			*cause;
	int			 ch, test = 0, print = 0, dry_run = 0;
	int			 preflight = 0, rc;
	int			 level_flag = 0;

	while ((ch = getopt_long(argc, argv, "c:tnVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'P':
			test = print = 1;
			break;
		case 'F':
			test = preflight = 1;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'S':
			state_flag = optarg;
			break;
		case 'R':
			runtime_flag = optarg;
			break;
		case 'L':
			if (log_level_from_name(optarg, &level) == -1) {
				fprintf(stderr, "ccr-failoverd: unknown log level "
				    "'%s'\n", optarg);
				usage(2);
			}
			level_flag = 1;
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

	if (!test) {
		opts.config_path = path;
		opts.state_dir = state_flag;
		opts.runtime_dir = runtime_flag;
		opts.dry_run = dry_run;
		opts.level_given = level_flag;
		opts.level = level;
		return (daemon_run(&opts));
	}
	if (config_load_checked(path, &cfg, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return (1);
	}
	if (print)
		config_print(stdout, cfg);
	rc = 0;
	if (preflight) {
		log_init("ccr-failoverd", level_flag ? level : LOG_LEVEL_WARNING);
		rc = readiness_preflight(cfg, stdout);
	}
	config_free(cfg);
	return (rc);
}
