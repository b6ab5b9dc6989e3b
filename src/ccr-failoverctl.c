/*
 * ccr-failoverctl: reads the daemon's status and hands it operator commands
 * through the control file in its runtime directory.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: ccr-failoverctl [--runtime-dir DIR] status [--json]\n"
	    "       ccr-failoverctl [--runtime-dir DIR] confirm | abort | hold | "
	    "resume |\n"
	    "                       promote | failback | switchover\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runtime-dir", required_argument, NULL, 'R' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL,		 0,		    NULL, 0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "+Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			break;
		case 'V':
			printf("ccr-failoverctl %s\n", PACKAGE_VERSION);
			return (0);
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	usage(2);
}
