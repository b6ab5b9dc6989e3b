# make demo: a full failover and failback against two simulated clusters.
EXTRA_DIST += %reldir%/demo.sh

.PHONY: demo
demo: all
	$(BASH) $(srcdir)/%reldir%/demo.sh $(abs_builddir)

# make demo-ha: three watchers through etcd, the actor and the leader killed.
EXTRA_DIST += %reldir%/demo-ha.sh

.PHONY: demo-ha
demo-ha: all
	$(BASH) $(srcdir)/%reldir%/demo-ha.sh $(abs_builddir)
