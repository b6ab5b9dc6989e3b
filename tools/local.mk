# make demo: a full failover and failback against two simulated clusters.
EXTRA_DIST += %reldir%/demo.sh

.PHONY: demo
demo: all
	$(BASH) $(srcdir)/%reldir%/demo.sh $(abs_builddir)
