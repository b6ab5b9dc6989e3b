# systemd: the service unit (paths substituted at build time) and the
# journald message catalog, with the tests that check both.
systemdsystemunit_DATA = %reldir%/ccr-failoverd.service \
	%reldir%/ccr-failoverd@.service
dist_catalog_DATA = %reldir%/ccr-failoverd.catalog
CLEANFILES += %reldir%/ccr-failoverd.service %reldir%/ccr-failoverd@.service
EXTRA_DIST += %reldir%/ccr-failoverd.service.in \
	%reldir%/ccr-failoverd@.service.in

%reldir%/ccr-failoverd.service %reldir%/ccr-failoverd@.service: Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/$@.in >$@.tmp && \
	mv $@.tmp $@
%reldir%/ccr-failoverd.service: %reldir%/ccr-failoverd.service.in
%reldir%/ccr-failoverd@.service: %reldir%/ccr-failoverd@.service.in

TESTS += tests/integration/systemd-unit.sh tests/integration/catalog.sh \
	tests/integration/systemd-template.sh
EXTRA_DIST += tests/integration/systemd-unit.sh tests/integration/catalog.sh \
	tests/integration/systemd-template.sh
