# Unit tests (Check) link the internal library; integration tests are bash
# scripts that run the real programs.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(CURL_CFLAGS) $(SYSTEMD_CFLAGS)
UNIT_LIBS = $(CCR_LIBS) $(CHECK_LIBS)

check_PROGRAMS += %reldir%/unit/check_log
%canon_reldir%_unit_check_log_SOURCES = %reldir%/unit/check_log.c
%canon_reldir%_unit_check_log_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_log_LDADD = $(UNIT_LIBS)

TESTS += %reldir%/unit/check_log
TESTS += %reldir%/integration/cli.sh

EXTRA_DIST += %reldir%/integration/lib.sh %reldir%/integration/cli.sh

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
