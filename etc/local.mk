# etc: the example configuration. It is installed as an example under the
# documentation directory, never as $(sysconfdir)/ccr-failoverd/ccr-failoverd.conf:
# a `make install` must not overwrite an operator's configuration, and a
# daemon that starts on an untouched example would watch clusters that do
# not exist. The operator copies it into place and edits it.
ccrexampledir = $(docdir)/examples
dist_ccrexample_DATA = %reldir%/ccr-failoverd.conf

# Prometheus alert rules for the metrics, with their promtool tests. Rules
# are data a Prometheus server reads, not documentation that may be left
# out of an installation: they go under the package's data directory.
dist_pkgdata_DATA = %reldir%/prometheus/ccr-failoverd.rules.yml
EXTRA_DIST += %reldir%/prometheus/ccr-failoverd.rules.test.yml

# bash completion for ccr-failoverctl, where bash-completion looks for it.
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = %reldir%/bash-completion/ccr-failoverctl
TESTS += tests/integration/bash-completion.sh
EXTRA_DIST += tests/integration/bash-completion.sh
