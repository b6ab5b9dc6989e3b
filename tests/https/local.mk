# make check-https: the integration scripts that talk to Elasticsearch, run
# again over HTTPS with security on and the daemon's API key limited to the
# documented privileges (CCR_TEST_HTTPS, tests/integration/lib.sh). Left
# out: the scripts without an essim (cli, config-test, example-config, ctl,
# ctl-instance, catalog, man-lint, bash-completion, prometheus-rules,
# systemd-unit, systemd-template); and safety-tls and essim-security,
# which run over HTTPS with their own certificates and credentials already.
HTTPS_CHECKS = \
	tests/integration/watcher.sh \
	tests/integration/daemon-systemd.sh \
	tests/integration/daemon-control.sh \
	tests/integration/daemon-secrets.sh \
	tests/integration/daemon-reload.sh \
	tests/integration/metrics.sh \
	tests/integration/action-promote.sh \
	tests/integration/action-failback.sh \
	tests/integration/action-gates.sh \
	tests/integration/action-crash.sh \
	tests/integration/action-retry.sh \
	tests/integration/action-switchover.sh \
	tests/integration/action-outage.sh \
	tests/integration/safety-decide.sh \
	tests/integration/safety-ready.sh \
	tests/integration/safety-data.sh \
	tests/integration/chaos-findings.sh \
	tests/integration/ha.sh \
	tests/integration/ha-tls.sh \
	tests/integration/essim-tutorial.sh \
	tests/integration/essim-faults.sh \
	tests/integration/essim-data-cases.sh \
	tests/integration/essim-garbage.sh \
	tests/integration/essim-remote-cases.sh \
	tests/integration/essim-restore.sh
EXTRA_DIST += %reldir%/run.sh

.PHONY: check-https
check-https:
	@$(MAKE) $(AM_MAKEFLAGS) all $(check_PROGRAMS)
	@$(AM_TESTS_ENVIRONMENT) $(BASH) $(srcdir)/%reldir%/run.sh \
	    '$(abs_top_builddir)/%reldir%' $(HTTPS_CHECKS)

clean-local: clean-https
.PHONY: clean-https
clean-https:
	rm -f %reldir%/*.out
