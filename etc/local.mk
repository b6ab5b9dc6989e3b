# etc: the example configuration. It is installed as an example under the
# documentation directory, never as $(sysconfdir)/ccr-failoverd/ccr-failoverd.conf:
# a `make install` must not overwrite an operator's configuration, and a
# daemon that starts on an untouched example would watch clusters that do
# not exist. The operator copies it into place and edits it.
ccrexampledir = $(docdir)/examples
dist_ccrexample_DATA = %reldir%/ccr-failoverd.conf
