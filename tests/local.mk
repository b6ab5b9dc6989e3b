# Unit tests (Check) link the internal library; integration tests are bash
# scripts that run the real programs.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(CURL_CFLAGS) $(SYSTEMD_CFLAGS)
UNIT_LIBS = %reldir%/unit/libtestutil.a $(CCR_LIBS) $(CHECK_LIBS)
# Temporary directories and file I/O the unit tests share.
check_LIBRARIES += %reldir%/unit/libtestutil.a
%canon_reldir%_unit_libtestutil_a_SOURCES = %reldir%/unit/testutil.c \
	%reldir%/unit/testutil.h
%canon_reldir%_unit_libtestutil_a_CFLAGS = $(UNIT_CFLAGS)

check_PROGRAMS += %reldir%/unit/check_log
%canon_reldir%_unit_check_log_SOURCES = %reldir%/unit/check_log.c
%canon_reldir%_unit_check_log_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_log_LDADD = $(UNIT_LIBS)

TESTS += %reldir%/unit/check_log
TESTS += %reldir%/integration/cli.sh

EXTRA_DIST += %reldir%/integration/lib.sh %reldir%/integration/cli.sh

# step: per-index action steps and answer verdicts
check_PROGRAMS += %reldir%/unit/check_step
%canon_reldir%_unit_check_step_SOURCES = %reldir%/unit/check_step.c
%canon_reldir%_unit_check_step_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_step_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_step
# Operator control and hook runner.
check_PROGRAMS += %reldir%/unit/check_control %reldir%/unit/check_hook
%canon_reldir%_unit_check_control_SOURCES = %reldir%/unit/check_control.c
%canon_reldir%_unit_check_control_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_control_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_hook_SOURCES = %reldir%/unit/check_hook.c
%canon_reldir%_unit_check_hook_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_hook_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_control %reldir%/unit/check_hook
# runtime: atomicfile, notify, state, status, control protocol, ccr-failoverctl
check_PROGRAMS += %reldir%/unit/check_atomicfile %reldir%/unit/check_notify \
	%reldir%/unit/check_state %reldir%/unit/check_status \
	%reldir%/unit/check_control_proto
%canon_reldir%_unit_check_atomicfile_SOURCES = %reldir%/unit/check_atomicfile.c
%canon_reldir%_unit_check_atomicfile_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_atomicfile_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_notify_SOURCES = %reldir%/unit/check_notify.c
%canon_reldir%_unit_check_notify_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_notify_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_state_SOURCES = %reldir%/unit/check_state.c
%canon_reldir%_unit_check_state_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_state_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_status_SOURCES = %reldir%/unit/check_status.c
%canon_reldir%_unit_check_status_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_status_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_control_proto_SOURCES = \
	%reldir%/unit/check_control_proto.c
%canon_reldir%_unit_check_control_proto_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_control_proto_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_atomicfile %reldir%/unit/check_notify \
	%reldir%/unit/check_state %reldir%/unit/check_status \
	%reldir%/unit/check_control_proto %reldir%/integration/ctl.sh
EXTRA_DIST += %reldir%/integration/ctl.sh \
	%reldir%/integration/ctl/status-replicating.json \
	%reldir%/integration/ctl/status-promoting.json \
	%reldir%/integration/ctl/status-coordinated.json
# fsm: the state machine's scripted transitions.
check_PROGRAMS += %reldir%/unit/check_fsm
%canon_reldir%_unit_check_fsm_SOURCES = %reldir%/unit/check_fsm.c
%canon_reldir%_unit_check_fsm_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_fsm_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_fsm
# config: unit tests over the fixtures in tests/config, and -t end to end.
check_PROGRAMS += %reldir%/unit/check_config
%canon_reldir%_unit_check_config_SOURCES = %reldir%/unit/check_config.c
%canon_reldir%_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_config_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_config %reldir%/integration/config-test.sh
EXTRA_DIST += %reldir%/integration/config-test.sh
EXTRA_DIST += \
	%reldir%/config/bad-basic-and-api-key.conf \
	%reldir%/config/bad-cluster-name-star.conf \
	%reldir%/config/bad-clusters-missing.conf \
	%reldir%/config/bad-clusters-one.conf \
	%reldir%/config/bad-clusters-three.conf \
	%reldir%/config/bad-control-character.conf \
	%reldir%/config/bad-duplicate-key.conf \
	%reldir%/config/bad-empty-string.conf \
	%reldir%/config/bad-follower-missing.conf \
	%reldir%/config/bad-follower-same.conf \
	%reldir%/config/bad-follower-unknown.conf \
	%reldir%/config/bad-hook-missing.conf \
	%reldir%/config/bad-hook-relative.conf \
	%reldir%/config/bad-include-syntax.conf \
	%reldir%/config/bad-include.inc \
	%reldir%/config/bad-index-backslash.conf \
	%reldir%/config/bad-index-colon.conf \
	%reldir%/config/bad-index-comma.conf \
	%reldir%/config/bad-index-dotdot.conf \
	%reldir%/config/bad-index-empty.conf \
	%reldir%/config/bad-index-follower-missing.conf \
	%reldir%/config/bad-index-follower-twice.conf \
	%reldir%/config/bad-index-hash.conf \
	%reldir%/config/bad-index-leader-missing.conf \
	%reldir%/config/bad-index-leader-twice.conf \
	%reldir%/config/bad-index-leading-dash.conf \
	%reldir%/config/bad-index-leading-plus.conf \
	%reldir%/config/bad-index-leading-underscore.conf \
	%reldir%/config/bad-index-space.conf \
	%reldir%/config/bad-index-star.conf \
	%reldir%/config/bad-index-too-long.conf \
	%reldir%/config/bad-index-upper.conf \
	%reldir%/config/bad-indices-empty.conf \
	%reldir%/config/bad-indices-missing.conf \
	%reldir%/config/bad-inline-password.conf \
	%reldir%/config/bad-insecure-and-ca.conf \
	%reldir%/config/bad-leader-empty.conf \
	%reldir%/config/bad-leader-missing.conf \
	%reldir%/config/bad-leader-unknown.conf \
	%reldir%/config/bad-log-level-bad.conf \
	%reldir%/config/bad-missing-file-include.conf \
	%reldir%/config/bad-password-alone.conf \
	%reldir%/config/bad-range-failover-block.conf \
	%reldir%/config/bad-range-failure-threshold.conf \
	%reldir%/config/bad-range-hook-timeout.conf \
	%reldir%/config/bad-range-in-include.conf \
	%reldir%/config/bad-range-int64.conf \
	%reldir%/config/bad-range-max-requests.conf \
	%reldir%/config/bad-range-poll-high.conf \
	%reldir%/config/bad-range-poll-low.conf \
	%reldir%/config/bad-range-poll-wraps.conf \
	%reldir%/config/bad-range-proxy-sockets.conf \
	%reldir%/config/bad-range-readiness-high.conf \
	%reldir%/config/bad-range-readiness-low.conf \
	%reldir%/config/bad-range-recovery-threshold.conf \
	%reldir%/config/bad-range-switchover-timeout.conf \
	%reldir%/config/bad-range-timeout-low.conf \
	%reldir%/config/bad-range.inc \
	%reldir%/config/bad-remote-missing.conf \
	%reldir%/config/bad-remote-mode-bad.conf \
	%reldir%/config/bad-remote-mode-missing.conf \
	%reldir%/config/bad-remote-proxy-address-bad.conf \
	%reldir%/config/bad-remote-proxy-address-missing.conf \
	%reldir%/config/bad-remote-proxy-sniff-key.conf \
	%reldir%/config/bad-remote-server-name-bad.conf \
	%reldir%/config/bad-remote-sniff-proxy-key.conf \
	%reldir%/config/bad-remote-sniff-seed-bad.conf \
	%reldir%/config/bad-remote-sniff-seeds-missing.conf \
	%reldir%/config/bad-state-dir-relative.conf \
	%reldir%/config/bad-syntax.conf \
	%reldir%/config/bad-syntax-empty-string-token.conf \
	%reldir%/config/bad-syntax-string-token.conf \
	%reldir%/config/bad-type-bool-int.conf \
	%reldir%/config/bad-type-bool-string.conf \
	%reldir%/config/bad-type-cluster-string.conf \
	%reldir%/config/bad-type-clusters-array.conf \
	%reldir%/config/bad-type-hooks-string.conf \
	%reldir%/config/bad-type-index-string.conf \
	%reldir%/config/bad-type-indices-group.conf \
	%reldir%/config/bad-type-insecure-string.conf \
	%reldir%/config/bad-type-int-float.conf \
	%reldir%/config/bad-type-int-string.conf \
	%reldir%/config/bad-type-remote-string.conf \
	%reldir%/config/bad-type-string-int.conf \
	%reldir%/config/bad-type-urls-int.conf \
	%reldir%/config/bad-type-urls-string.conf \
	%reldir%/config/bad-unknown-cluster.conf \
	%reldir%/config/bad-unknown-hooks.conf \
	%reldir%/config/bad-unknown-index.conf \
	%reldir%/config/bad-unknown-remote.conf \
	%reldir%/config/bad-unknown-root.conf \
	%reldir%/config/bad-url-bad-host.conf \
	%reldir%/config/bad-url-credentials.conf \
	%reldir%/config/bad-url-in-both.conf \
	%reldir%/config/bad-url-no-port.conf \
	%reldir%/config/bad-url-path.conf \
	%reldir%/config/bad-url-port-high.conf \
	%reldir%/config/bad-url-port-zero.conf \
	%reldir%/config/bad-url-query.conf \
	%reldir%/config/bad-url-scheme.conf \
	%reldir%/config/bad-url-twice.conf \
	%reldir%/config/bad-urls-empty.conf \
	%reldir%/config/bad-urls-missing.conf \
	%reldir%/config/bad-username-alone.conf \
	%reldir%/config/bad-coordination-cert-alone.conf \
	%reldir%/config/bad-coordination-endpoint-bad.conf \
	%reldir%/config/bad-coordination-etcd-missing.conf \
	%reldir%/config/bad-coordination-member-bad.conf \
	%reldir%/config/bad-coordination-member-missing.conf \
	%reldir%/config/bad-coordination-prefix-bad.conf \
	%reldir%/config/bad-coordination-prefix-missing.conf \
	%reldir%/config/bad-coordination-quorum-range.conf \
	%reldir%/config/bad-coordination-ttl-range.conf \
	%reldir%/config/bad-coordination-unknown.conf \
	%reldir%/config/bad-coordination-username-alone.conf \
	%reldir%/config/good-coordination.conf \
	%reldir%/config/good-coordination.ok \
	%reldir%/config/good-full.conf \
	%reldir%/config/good-full.ok \
	%reldir%/config/good-include.conf \
	%reldir%/config/good-include.inc \
	%reldir%/config/good-include.ok \
	%reldir%/config/good-issue-example.conf \
	%reldir%/config/good-issue-example.ok \
	%reldir%/config/good-minimal.conf \
	%reldir%/config/good-minimal.ok \
	%reldir%/config/good-readiness-once.conf \
	%reldir%/config/good-readiness-once.ok
# http, es, es-parse, poller: the watcher's HTTP side.
check_PROGRAMS += %reldir%/unit/check_es_parse
%canon_reldir%_unit_check_es_parse_SOURCES = %reldir%/unit/check_es_parse.c
%canon_reldir%_unit_check_es_parse_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_es_parse_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_es_parse
check_PROGRAMS += %reldir%/unit/check_http
%canon_reldir%_unit_check_http_SOURCES = %reldir%/unit/check_http.c
%canon_reldir%_unit_check_http_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_http_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_http
check_PROGRAMS += %reldir%/unit/check_es
%canon_reldir%_unit_check_es_SOURCES = %reldir%/unit/check_es.c
%canon_reldir%_unit_check_es_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_es_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_es
check_PROGRAMS += %reldir%/unit/check_poller
%canon_reldir%_unit_check_poller_SOURCES = %reldir%/unit/check_poller.c
%canon_reldir%_unit_check_poller_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_poller_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_poller
if HAVE_LIBEVENT_OPENSSL
check_PROGRAMS += %reldir%/unit/check_http_tls
%canon_reldir%_unit_check_http_tls_SOURCES = %reldir%/unit/check_http_tls.c
%canon_reldir%_unit_check_http_tls_CFLAGS = $(UNIT_CFLAGS) \
	$(LIBEVENT_OPENSSL_CFLAGS)
%canon_reldir%_unit_check_http_tls_LDADD = $(UNIT_LIBS) \
	$(LIBEVENT_OPENSSL_LIBS)
TESTS += %reldir%/unit/check_http_tls
endif
EXTRA_DIST += %reldir%/fixtures/http-tls-cert.pem \
	%reldir%/fixtures/http-tls-key.pem
# action: the action engine against an in-test fake Elasticsearch.
check_PROGRAMS += %reldir%/unit/check_action
%canon_reldir%_unit_check_action_SOURCES = %reldir%/unit/check_action.c
%canon_reldir%_unit_check_action_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_action_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_action

# The example configuration passes -t.
TESTS += %reldir%/integration/example-config.sh
EXTRA_DIST += %reldir%/integration/example-config.sh
# wtest: the daemon end to end against two essims (watcher, systemd,
# control, secrets) and the sd_notify sink they use.
check_PROGRAMS += %reldir%/notify-sink
%canon_reldir%_notify_sink_SOURCES = %reldir%/notify-sink.c
TESTS += %reldir%/integration/watcher.sh \
	%reldir%/integration/daemon-systemd.sh \
	%reldir%/integration/daemon-control.sh \
	%reldir%/integration/daemon-secrets.sh
EXTRA_DIST += %reldir%/integration/daemon-lib.sh \
	%reldir%/integration/watcher.sh \
	%reldir%/integration/daemon-systemd.sh \
	%reldir%/integration/daemon-control.sh \
	%reldir%/integration/daemon-secrets.sh
# action engine: integration tests against the daemon and two essims.
TESTS += %reldir%/integration/action-promote.sh \
	%reldir%/integration/action-failback.sh \
	%reldir%/integration/action-gates.sh \
	%reldir%/integration/action-crash.sh \
	%reldir%/integration/action-retry.sh \
	%reldir%/integration/action-switchover.sh \
	%reldir%/integration/action-outage.sh
EXTRA_DIST += %reldir%/integration/action-lib.sh \
	%reldir%/integration/action-promote.sh \
	%reldir%/integration/action-failback.sh \
	%reldir%/integration/action-gates.sh \
	%reldir%/integration/action-crash.sh \
	%reldir%/integration/action-retry.sh \
	%reldir%/integration/action-switchover.sh \
	%reldir%/integration/action-outage.sh
# safety: decisions against refusals, identity, roles, restarts
TESTS += %reldir%/integration/safety-decide.sh
EXTRA_DIST += %reldir%/integration/safety-decide.sh
check_PROGRAMS += %reldir%/unit/check_readiness
%canon_reldir%_unit_check_readiness_SOURCES = %reldir%/unit/check_readiness.c
%canon_reldir%_unit_check_readiness_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_readiness_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_readiness
TESTS += %reldir%/integration/safety-ready.sh
EXTRA_DIST += %reldir%/integration/safety-ready.sh
TESTS += %reldir%/integration/safety-data.sh
EXTRA_DIST += %reldir%/integration/safety-data.sh
TESTS += %reldir%/integration/safety-tls.sh
EXTRA_DIST += %reldir%/integration/safety-tls.sh
# the daemon bugs make chaos found, replayed deterministically
TESTS += %reldir%/integration/chaos-findings.sh
EXTRA_DIST += %reldir%/integration/chaos-findings.sh
# jsonw: the JSON text writer against jansson's own text.
check_PROGRAMS += %reldir%/unit/check_jsonw
%canon_reldir%_unit_check_jsonw_SOURCES = %reldir%/unit/check_jsonw.c
%canon_reldir%_unit_check_jsonw_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_jsonw_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_jsonw
# metrics: /metrics of a running daemon, scraped and checked by promtool;
# the metrics_listen fixtures.
EXTRA_DIST += \
	%reldir%/config/bad-metrics-listen-name.conf \
	%reldir%/config/bad-metrics-listen-no-port.conf \
	%reldir%/config/bad-metrics-listen-port.conf \
	%reldir%/config/bad-metrics-listen-remote-v6.conf \
	%reldir%/config/bad-metrics-listen-remote.conf \
	%reldir%/config/bad-metrics-listen-v6-brackets.conf \
	%reldir%/config/bad-type-metrics-allow-remote.conf \
	%reldir%/config/good-metrics-loopback.conf \
	%reldir%/config/good-metrics-loopback.ok \
	%reldir%/config/good-metrics-mapped.conf \
	%reldir%/config/good-metrics-mapped.ok \
	%reldir%/config/good-metrics-remote.conf \
	%reldir%/config/good-metrics-remote.ok
check_PROGRAMS += %reldir%/unit/check_metrics
%canon_reldir%_unit_check_metrics_SOURCES = %reldir%/unit/check_metrics.c
%canon_reldir%_unit_check_metrics_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_metrics_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_metrics %reldir%/integration/metrics.sh \
	%reldir%/integration/prometheus-rules.sh
EXTRA_DIST += %reldir%/integration/metrics.sh \
	%reldir%/integration/prometheus-rules.sh
# ccr-failoverctl --instance: the template unit's runtime directories.
TESTS += %reldir%/integration/ctl-instance.sh
EXTRA_DIST += %reldir%/integration/ctl-instance.sh
# A reload never ends the daemon, and rejected reloads stay bounded.
TESTS += %reldir%/integration/daemon-reload.sh
EXTRA_DIST += %reldir%/integration/daemon-reload.sh
# coord: etcd's gateway documents, quorum and lease check.
check_PROGRAMS += %reldir%/unit/check_coord
%canon_reldir%_unit_check_coord_SOURCES = %reldir%/unit/check_coord.c
%canon_reldir%_unit_check_coord_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_coord_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_coord
# coordination: three daemons, a three-member etcd cluster, two essims.
TESTS += %reldir%/integration/ha.sh %reldir%/integration/ha-tls.sh
EXTRA_DIST += %reldir%/integration/ha-lib.sh %reldir%/integration/ha.sh \
	%reldir%/integration/ha-tls.sh
# sender: group commit and the coordination barrier.
check_PROGRAMS += %reldir%/unit/check_sender
%canon_reldir%_unit_check_sender_SOURCES = %reldir%/unit/check_sender.c
%canon_reldir%_unit_check_sender_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_sender_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_sender
