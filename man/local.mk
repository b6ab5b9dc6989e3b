# man: the manual pages, checked by mandoc's linter in make check.
dist_man_MANS += %reldir%/ccr-failoverd.8 %reldir%/ccr-failoverd.conf.5 \
	%reldir%/ccr-failoverctl.8

TESTS += tests/integration/man-lint.sh
EXTRA_DIST += tests/integration/man-lint.sh
