# make demo: a full failover and failback against two simulated clusters.
EXTRA_DIST += %reldir%/demo.sh

.PHONY: demo
demo: all
	$(BASH) $(srcdir)/%reldir%/demo.sh $(abs_builddir)

# make deb: the Debian package, built by dpkg-buildpackage in a private copy
# of the tracked files (tools/make-deb), into deb/. make check-deb builds
# it, runs lintian, installs it on this machine, checks what it installed
# and purges it (tests/deb/check-deb.sh; root only).
EXTRA_DIST += %reldir%/make-deb tests/deb/check-deb.sh

.PHONY: deb check-deb
deb:
	@sh $(srcdir)/%reldir%/install-deps --deb
	@sh $(srcdir)/%reldir%/make-deb $(srcdir) $(abs_builddir)/deb

check-deb: deb
	@$(BASH) $(srcdir)/tests/deb/check-deb.sh $(abs_builddir)/deb
# make demo-ha: three watchers through etcd, the actor and the leader killed.
EXTRA_DIST += %reldir%/demo-ha.sh

.PHONY: demo-ha
demo-ha: all
	$(BASH) $(srcdir)/%reldir%/demo-ha.sh $(abs_builddir)
