/*
 * Unit tests for config.c and config-print.c. Every tests/config/bad-*.conf
 * opens with "# error: MESSAGE", the exact cause config_load must give (FILE
 * relative to the fixture directory); every good-*.conf has a .ok file with
 * its canonical print. Further tests cover the defaults, the leader-first
 * order, secret files and the choice of directories.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"

#define MAX_FIXTURES	256

static char	 fixture_dir[4096];
static char	*good[MAX_FIXTURES], *bad[MAX_FIXTURES];
static int	 ngood, nbad;

/* The canonical print of cfg as a string the caller frees. */
static char *
print_to_string(const struct ccr_config *cfg)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	config_print(f, cfg);
	fclose(f);
	return (buf);
}

/* Load a fixture by name, failing the test on error. */
static struct ccr_config *
load_fixture(const char *name)
{
	struct ccr_config	*cfg;
	char			 path[8192], *cause = NULL;

	snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
	if (config_load(path, &cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	return (cfg);
}

START_TEST(fixtures_found)
{
	ck_assert_int_gt(ngood, 0);
	ck_assert_int_gt(nbad, 0);
}
END_TEST

START_TEST(bad_fixture)
{
	struct ccr_config	 marker, *cfg = &marker;
	char			 path[8192], expected[8192];
	char			*text, *nl, *cause = NULL;

	snprintf(path, sizeof path, "%s/%s", fixture_dir, bad[_i]);
	text = tu_read(path, NULL);
	ck_assert_msg(strncmp(text, "# error: ", 9) == 0,
	    "%s does not open with # error:", bad[_i]);
	nl = strchr(text, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	snprintf(expected, sizeof expected, "%s/%s", fixture_dir, text + 9);

	ck_assert_int_eq(config_load(path, &cfg, &cause), -1);
	ck_assert_ptr_eq(cfg, &marker);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, expected);
	ck_assert_ptr_null(strstr(cause, "hunter2"));
	free(cause);

	/* Checked in a child first, the cause is the same. */
	cause = NULL;
	ck_assert_int_eq(config_load_checked(path, &cfg, &cause), -1);
	ck_assert_ptr_eq(cfg, &marker);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, expected);
	free(cause);
	free(text);
}
END_TEST

START_TEST(good_fixture)
{
	struct ccr_config	*cfg, *again;
	char			 path[8192];
	char			*want, *got, *got2, *cause = NULL, *dir, *tmp;

	snprintf(path, sizeof path, "%s/%s", fixture_dir, good[_i]);
	cfg = load_fixture(good[_i]);
	got = print_to_string(cfg);
	snprintf(path + strlen(path) - strlen(".conf"), 8, ".ok");
	want = tu_read(path, NULL);
	ck_assert_str_eq(got, want);

	/* The print is itself a configuration that prints the same. */
	dir = tu_tmpdir("check_config");
	ck_assert_int_ge(asprintf(&tmp, "%s/printed.conf", dir), 0);
	tu_write(tmp, got, strlen(got), 0644);
	if (config_load(tmp, &again, &cause) == -1)
		ck_abort_msg("%s", cause);
	got2 = print_to_string(again);
	ck_assert_str_eq(got2, got);
	tu_rmtree(dir);
	free(dir);
	free(tmp);

	config_free(again);
	config_free(cfg);
	free(got2);
	free(got);
	free(want);
}
END_TEST

START_TEST(defaults)
{
	struct ccr_config		*cfg;
	const struct ccr_cluster_config	*c;
	size_t				 i;

	cfg = load_fixture("good-minimal.conf");
	ck_assert_uint_eq(cfg->poll_interval_ms, 1000);
	ck_assert_uint_eq(cfg->request_timeout_ms, 2000);
	ck_assert_int_eq(cfg->failure_threshold, 3);
	ck_assert_int_eq(cfg->recovery_threshold, 3);
	ck_assert(cfg->require_follower_agreement);
	ck_assert(!cfg->confirm_promote);
	ck_assert(cfg->confirm_failback);
	ck_assert(cfg->auto_failback);
	ck_assert(!cfg->dry_run);
	ck_assert_uint_eq(cfg->failover_block_s, 3600);
	ck_assert_uint_eq(cfg->switchover_timeout_ms, 60000);
	ck_assert_uint_eq(cfg->readiness_interval_s, 300);
	ck_assert_int_eq(cfg->max_requests_per_cluster, 16);
	ck_assert_str_eq(cfg->log_level, "info");
	ck_assert_ptr_null(cfg->state_dir);
	ck_assert_ptr_null(cfg->runtime_dir);
	ck_assert_ptr_null(cfg->hooks.on_promote);
	ck_assert_ptr_null(cfg->hooks.on_failback);
	ck_assert_ptr_null(cfg->hooks.on_state_change);
	ck_assert_ptr_null(cfg->hooks.pre_promote);
	ck_assert_uint_eq(cfg->hooks.timeout_ms, 30000);
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &cfg->clusters[i];
		ck_assert(!c->insecure);
		ck_assert(!c->remote.skip_unavailable);
		ck_assert_int_eq(c->remote.proxy_socket_connections, 0);
		ck_assert_ptr_null(c->remote.server_name);
		ck_assert_ptr_null(c->username);
		ck_assert_ptr_null(c->password_file);
		ck_assert_ptr_null(c->api_key_file);
		ck_assert_ptr_null(c->ca_file);
	}
	ck_assert_str_eq(cfg->clusters[0].name, "a");
	ck_assert_int_eq(cfg->clusters[0].line, 3);
	ck_assert_str_eq(cfg->clusters[1].urls[0], "http://127.0.0.1:9201");
	ck_assert_uint_eq(cfg->nindices, 1);
	ck_assert_str_eq(cfg->indices[0].leader_index, "logs");
	ck_assert_str_eq(cfg->indices[0].follower_index, "logs-copy");
	config_free(cfg);
}
END_TEST

START_TEST(leader_first)
{
	struct ccr_config	*cfg = load_fixture("good-full.conf");

	ck_assert_str_eq(cfg->leader, "prod");
	ck_assert_str_eq(cfg->follower, "dr");
	ck_assert_str_eq(cfg->clusters[0].name, "prod");
	ck_assert_int_eq(cfg->clusters[0].line, 32);
	ck_assert_str_eq(cfg->clusters[0].username, "ccr_failoverd");
	ck_assert_str_eq(cfg->clusters[1].name, "dr");
	ck_assert_int_eq(cfg->clusters[1].line, 21);
	ck_assert_uint_eq(cfg->clusters[1].nurls, 2);
	ck_assert_uint_eq(cfg->clusters[1].remote.nseeds, 2);
	ck_assert_str_eq(cfg->clusters[1].remote.seeds[1], "[::1]:9301");
	ck_assert_uint_eq(cfg->nindices, 3);
	ck_assert_str_eq(cfg->indices[1].leader_index, "customers");
	ck_assert_str_eq(cfg->indices[1].follower_index, "customers-replica");
	config_free(cfg);
}
END_TEST

/* A scratch directory holding a copy of good-minimal.conf. */
struct scratch {
	char			*dir;
	char			 conf[128];
	struct ccr_config	*cfg;
};

static void
scratch_init(struct scratch *s)
{
	char	src[8192], *text, *cause = NULL;

	s->dir = tu_tmpdir("check_config");
	snprintf(s->conf, sizeof s->conf, "%s/ccr-failoverd.conf", s->dir);
	snprintf(src, sizeof src, "%s/good-minimal.conf", fixture_dir);
	text = tu_read(src, NULL);
	tu_write(s->conf, text, strlen(text), 0644);
	free(text);
	if (config_load(s->conf, &s->cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* Write a file in the scratch directory and return its full path. */
static const char *
scratch_file(struct scratch *s, const char *name, const char *text,
    size_t len, mode_t mode)
{
	static char	path[256];

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	tu_write(path, text, len, mode);
	return (path);
}

static void
scratch_done(struct scratch *s)
{
	config_free(s->cfg);
	tu_rmtree(s->dir);
	free(s->dir);
}

/* Expect config_read_secret(name) to fail with "<dir>/name: why". */
static void
secret_fails(struct scratch *s, const char *dir, const char *name,
    const char *why)
{
	char	*secret = NULL, *cause = NULL, want[512];

	ck_assert_int_eq(config_read_secret(s->cfg, name, &secret, &cause),
	    -1);
	ck_assert_ptr_null(secret);
	snprintf(want, sizeof want, "%s/%s: %s", dir, name, why);
	ck_assert_str_eq(cause, want);
	ck_assert_ptr_null(strstr(cause, "hunter2"));
	free(cause);
}

/* Expect config_read_secret(name) to give want. */
static void
secret_is(struct scratch *s, const char *name, const char *want)
{
	char	*secret = NULL, *cause = NULL;

	if (config_read_secret(s->cfg, name, &secret, &cause) == -1)
		ck_abort_msg("%s", cause);
	ck_assert_str_eq(secret, want);
	config_secret_free(secret);
}

/* good-minimal.conf with extra text after it, in the scratch directory. */
static void
scratch_append(struct scratch *s, const char *extra)
{
	char	src[8192], *text, *all;

	snprintf(src, sizeof src, "%s/good-minimal.conf", fixture_dir);
	text = tu_read(src, NULL);
	all = malloc(strlen(text) + strlen(extra) + 1);
	ck_assert_ptr_nonnull(all);
	strcpy(all, text);
	strcat(all, extra);
	tu_write(s->conf, all, strlen(all), 0644);
	free(all);
	free(text);
}

/*
 * libconfig 1.5's scanner exits the process on an @include naming a
 * directory; checked in a child, the caller lives and gets a cause.
 */
START_TEST(include_of_a_directory_refused)
{
	static const char	*lines[] = {
		"@include \".\"\n", "@include \"\"\n", "@include \"/\"\n"
	};
	struct scratch		 s;
	struct ccr_config	 marker, *cfg = &marker;
	char			*cause = NULL, want[512];
	size_t			 i;

	scratch_init(&s);
	snprintf(want, sizeof want, "%s: reading it ended the process with "
	    "exit status 2 (does an @include name a directory?)", s.conf);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		scratch_append(&s, lines[i]);
		ck_assert_int_eq(config_load_checked(s.conf, &cfg, &cause), -1);
		ck_assert_ptr_eq(cfg, &marker);
		ck_assert_str_eq(cause, want);
		free(cause);
		cause = NULL;
	}
	scratch_append(&s, "");
	if (config_load_checked(s.conf, &cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	ck_assert_ptr_ne(cfg, &marker);
	config_free(cfg);
	scratch_done(&s);
}
END_TEST

/* A child that cannot finish reading (a FIFO nobody writes) is bounded. */
START_TEST(include_of_a_fifo_bounded)
{
	struct scratch		 s;
	struct ccr_config	 marker, *cfg = &marker;
	char			*cause = NULL, fifo[256], want[512];

	scratch_init(&s);
	snprintf(fifo, sizeof fifo, "%s/fifo.inc", s.dir);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	scratch_append(&s, "@include \"fifo.inc\"\n");
	ck_assert_int_eq(config_load_checked_ms(s.conf, &cfg, &cause, 300),
	    -1);
	ck_assert_ptr_eq(cfg, &marker);
	snprintf(want, sizeof want, "%s: reading it took more than 300 ms",
	    s.conf);
	ck_assert_str_eq(cause, want);
	free(cause);
	scratch_done(&s);
}
END_TEST

/* Values come from libconfig, not from a text search of the line. */
START_TEST(integer_beside_a_comment)
{
	struct scratch		 s;
	struct ccr_config	*cfg;
	char			*cause = NULL;

	scratch_init(&s);
	scratch_append(&s, "/* was: poll_interval_ms = 100 */ "
	    "poll_interval_ms = 2000;\n"
	    "failure_threshold = 7; # failure_threshold = 1\n");
	if (config_load(s.conf, &cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	ck_assert_uint_eq(cfg->poll_interval_ms, 2000);
	ck_assert_int_eq(cfg->failure_threshold, 7);
	config_free(cfg);
	scratch_done(&s);
}
END_TEST

START_TEST(secret_beside_config)
{
	struct scratch	s;

	scratch_init(&s);
	scratch_file(&s, "pw", "hunter2\n", 8, 0600);
	secret_is(&s, "pw", "hunter2");
	scratch_file(&s, "key", "aGVsbG8=", 8, 0640);
	secret_is(&s, "key", "aGVsbG8=");
	setenv("CREDENTIALS_DIRECTORY", "", 1);
	secret_is(&s, "pw", "hunter2");
	scratch_done(&s);
}
END_TEST

START_TEST(secret_in_credentials_directory)
{
	struct scratch	 s;
	char		 creds[128], path[256];
	const char	*abs;

	scratch_init(&s);
	scratch_file(&s, "pw", "beside\n", 7, 0600);
	snprintf(creds, sizeof creds, "%s/creds", s.dir);
	ck_assert_int_eq(mkdir(creds, 0700), 0);
	snprintf(path, sizeof path, "%s/pw", creds);
	tu_write(path, "hunter2\n", 8, 0400);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	secret_is(&s, "pw", "hunter2");

	/* An absolute path is taken as it is. */
	abs = scratch_file(&s, "abs", "absolute", 8, 0600);
	secret_is(&s, abs, "absolute");
	unlink(path);
	secret_fails(&s, creds, "pw", "No such file or directory");
	unsetenv("CREDENTIALS_DIRECTORY");
	secret_is(&s, "pw", "beside");
	scratch_done(&s);
}
END_TEST

START_TEST(secret_refused)
{
	struct scratch	 s;
	char		 big[4097];

	scratch_init(&s);
	scratch_file(&s, "open", "hunter2\n", 8, 0644);
	secret_fails(&s, s.dir, "open", "others may read or write it "
	    "(chmod o-rw)");
	scratch_file(&s, "writable", "hunter2\n", 8, 0602);
	secret_fails(&s, s.dir, "writable", "others may read or write it "
	    "(chmod o-rw)");
	scratch_file(&s, "lines", "hunter2\nhunter3\n", 16, 0600);
	secret_fails(&s, s.dir, "lines", "must be one line without carriage "
	    "return or NUL");
	scratch_file(&s, "two-newlines", "hunter2\n\n", 9, 0600);
	secret_fails(&s, s.dir, "two-newlines", "must be one line without "
	    "carriage return or NUL");
	scratch_file(&s, "crlf", "hunter2\r\n", 9, 0600);
	secret_fails(&s, s.dir, "crlf", "must be one line without carriage "
	    "return or NUL");
	scratch_file(&s, "nul", "hunter2\0x", 9, 0600);
	secret_fails(&s, s.dir, "nul", "must be one line without carriage "
	    "return or NUL");
	scratch_file(&s, "empty", "", 0, 0600);
	secret_fails(&s, s.dir, "empty", "is empty");
	scratch_file(&s, "newline", "\n", 1, 0600);
	secret_fails(&s, s.dir, "newline", "is empty");
	memset(big, 'x', sizeof big);
	scratch_file(&s, "big", big, sizeof big, 0600);
	secret_fails(&s, s.dir, "big", "longer than 4096 bytes");
	scratch_file(&s, "max", big, sizeof big - 1, 0600);
	big[sizeof big - 1] = '\0';
	secret_is(&s, "max", big);
	secret_fails(&s, s.dir, "missing", "No such file or directory");
	scratch_done(&s);
}
END_TEST

START_TEST(secret_not_regular)
{
	struct scratch	s;
	char		sub[128];

	scratch_init(&s);
	snprintf(sub, sizeof sub, "%s/sub", s.dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	secret_fails(&s, s.dir, "sub", "not a regular file");
	scratch_done(&s);
}
END_TEST

START_TEST(credential_path)
{
	struct scratch	 s;
	char		*p, want[256];

	scratch_init(&s);
	p = config_credential_path(s.cfg, "/etc/ca.pem");
	ck_assert_str_eq(p, "/etc/ca.pem");
	free(p);
	p = config_credential_path(s.cfg, "certs/ca.pem");
	snprintf(want, sizeof want, "%s/certs/ca.pem", s.dir);
	ck_assert_str_eq(p, want);
	free(p);
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x.service", 1);
	p = config_credential_path(s.cfg, "ca.pem");
	ck_assert_str_eq(p, "/run/credentials/x.service/ca.pem");
	free(p);
	scratch_done(&s);
}
END_TEST

START_TEST(print_shows_no_secret)
{
	static const char	 conf[] =
	    "clusters = {\n"
	    "  a = { urls = [ \"http://127.0.0.1:9200\" ];\n"
	    "        remote = { mode = \"proxy\"; proxy_address = \"h:1\"; };\n"
	    "        username = \"elastic\"; password_file = \"a.pw\"; };\n"
	    "  b = { urls = [ \"http://127.0.0.1:9201\" ];\n"
	    "        remote = { mode = \"proxy\"; proxy_address = \"h:2\"; };\n"
	    "        api_key_file = \"b.key\"; };\n"
	    "};\n"
	    "leader = \"a\"; follower = \"b\";\n"
	    "indices = ( { leader_index = \"x\"; follower_index = \"y\"; }"
	    " );\n";
	struct scratch		 s;
	struct ccr_config	*cfg;
	char			*out, *cause = NULL;

	scratch_init(&s);
	scratch_file(&s, "a.pw", "hunter2\n", 8, 0600);
	scratch_file(&s, "b.key", "c2VjcmV0a2V5\n", 13, 0600);
	tu_write(s.conf, conf, strlen(conf), 0644);
	if (config_load(s.conf, &cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	secret_is(&s, "a.pw", "hunter2");
	secret_is(&s, "b.key", "c2VjcmV0a2V5");
	out = print_to_string(cfg);
	ck_assert_ptr_nonnull(strstr(out, "password_file = \"a.pw\";"));
	ck_assert_ptr_nonnull(strstr(out, "api_key_file = \"b.key\";"));
	ck_assert_ptr_null(strstr(out, "hunter2"));
	ck_assert_ptr_null(strstr(out, "c2VjcmV0a2V5"));
	free(out);
	config_free(cfg);
	scratch_done(&s);
}
END_TEST

/* Expect config_load(path) to fail with want. */
static void
load_fails(const char *path, const char *want)
{
	struct ccr_config	*cfg = NULL;
	char			*cause = NULL;

	ck_assert_int_eq(config_load(path, &cfg, &cause), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(cause, want);
	free(cause);
}

/*
 * A long indices list: names repeated across the two sides load; a name
 * listed again thousands of entries later is refused with the line of its
 * first listing.
 */
START_TEST(long_index_list)
{
	struct scratch		 s;
	struct ccr_config	*cfg;
	FILE			*f;
	char			*text = NULL, *cause = NULL, want[512];
	size_t			 len = 0;
	int			 i, n = 3000;

	scratch_init(&s);
	for (int dup = 0; dup < 2; dup++) {
		f = open_memstream(&text, &len);
		ck_assert_ptr_nonnull(f);
		fprintf(f, "clusters = {\n"
		    " a = { urls = [ \"http://127.0.0.1:9200\" ];\n"
		    "  remote = { mode = \"proxy\"; "
		    "proxy_address = \"127.0.0.1:9300\"; }; };\n"
		    " b = { urls = [ \"http://127.0.0.1:9201\" ];\n"
		    "  remote = { mode = \"proxy\"; "
		    "proxy_address = \"127.0.0.1:9301\"; }; };\n"
		    "};\nleader = \"a\";\nfollower = \"b\";\n"
		    "indices = (\n");
		/* Line 10 holds entry 0: entry i is on line 10 + i. */
		for (i = 0; i < n; i++)
			fprintf(f, "{ leader_index = \"l%d\"; "
			    "follower_index = \"l%d\"; }%s\n",
			    dup && i == n - 1 ? 7 : i, (i + 1) % n,
			    i < n - 1 ? "," : "");
		fprintf(f, ");\n");
		fclose(f);
		tu_write(s.conf, text, len, 0644);
		free(text);
		text = NULL;
		if (!dup) {
			if (config_load(s.conf, &cfg, &cause) == -1)
				ck_abort_msg("%s", cause);
			ck_assert_uint_eq(cfg->nindices, (size_t)n);
			ck_assert_str_eq(cfg->indices[n - 1].follower_index,
			    "l0");
			config_free(cfg);
			continue;
		}
		snprintf(want, sizeof want, "%s:%d: indices[%d].leader_index: "
		    "'l7' is already listed at line 17", s.conf, 10 + n - 1,
		    n - 1);
		load_fails(s.conf, want);
	}
	scratch_done(&s);
}
END_TEST

START_TEST(file_permissions)
{
	struct scratch	 s;
	char		*text, conf[4096], want[1024], hook[256];
	int		 len;

	scratch_init(&s);
	text = tu_read(s.conf, NULL);
	chmod(s.conf, 0646);
	snprintf(want, sizeof want, "%s: others may write it (chmod o-w)",
	    s.conf);
	load_fails(s.conf, want);
	snprintf(want, sizeof want, "%s: not a regular file", s.dir);
	load_fails(s.dir, want);

	/* The hooks line follows the 14 lines of good-minimal.conf. */
	snprintf(hook, sizeof hook, "%s/hook", s.dir);
	len = snprintf(conf, sizeof conf,
	    "%shooks = { on_promote = \"%s\"; };\n", text, hook);
	tu_write(s.conf, conf, len, 0644);
	tu_write(hook, "#!/bin/sh\n", 10, 0757);
	snprintf(want, sizeof want, "%s:15: hooks.on_promote: %s: others may "
	    "write it (chmod o-w)", s.conf, hook);
	load_fails(s.conf, want);
	chmod(hook, 0644);
	snprintf(want, sizeof want, "%s:15: hooks.on_promote: %s: Permission "
	    "denied", s.conf, hook);
	load_fails(s.conf, want);
	unlink(hook);
	ck_assert_int_eq(mkdir(hook, 0755), 0);
	snprintf(want, sizeof want, "%s:15: hooks.on_promote: %s: not a "
	    "regular file", s.conf, hook);
	load_fails(s.conf, want);
	free(text);
	scratch_done(&s);
}
END_TEST

/* A stand-in for getenv over a fixed table. */
static const char *fake_state, *fake_runtime;

static char *
fake_getenv(const char *name)
{
	if (strcmp(name, "STATE_DIRECTORY") == 0)
		return ((char *)fake_state);
	if (strcmp(name, "RUNTIME_DIRECTORY") == 0)
		return ((char *)fake_runtime);
	return (NULL);
}

/* Expect config_dir to choose want. */
static void
dir_is(const struct ccr_config *cfg, enum config_dir which, const char *flag,
    const char *want)
{
	char	*got = config_dir(cfg, which, flag, fake_getenv);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(directory_precedence)
{
	struct ccr_config	*full = load_fixture("good-full.conf");
	struct ccr_config	*minimal = load_fixture("good-minimal.conf");

	fake_state = fake_runtime = NULL;
	dir_is(NULL, CONFIG_DIR_STATE, NULL, "/var/lib/ccr-failoverd");
	dir_is(NULL, CONFIG_DIR_RUNTIME, NULL, "/run/ccr-failoverd");
	dir_is(minimal, CONFIG_DIR_STATE, NULL, "/var/lib/ccr-failoverd");
	dir_is(full, CONFIG_DIR_STATE, NULL, "/srv/ccr/state");
	dir_is(full, CONFIG_DIR_RUNTIME, NULL, "/srv/ccr/run");

	fake_state = "/var/lib/one:/var/lib/two";
	fake_runtime = "/run/one";
	dir_is(full, CONFIG_DIR_STATE, NULL, "/var/lib/one");
	dir_is(full, CONFIG_DIR_RUNTIME, NULL, "/run/one");
	dir_is(full, CONFIG_DIR_STATE, "/flag/state", "/flag/state");
	dir_is(full, CONFIG_DIR_RUNTIME, "/flag/run", "/flag/run");
	dir_is(full, CONFIG_DIR_STATE, "", "/var/lib/one");

	fake_state = "";
	fake_runtime = ":/run/two";
	dir_is(full, CONFIG_DIR_STATE, NULL, "/srv/ccr/state");
	dir_is(full, CONFIG_DIR_RUNTIME, NULL, "/srv/ccr/run");
	dir_is(minimal, CONFIG_DIR_RUNTIME, NULL, "/run/ccr-failoverd");

	config_free(minimal);
	config_free(full);
}
END_TEST

/* Collect the fixture names, sorted, from the fixture directory. */
static void
find_fixtures(void)
{
	const char	*top = getenv("abs_top_srcdir");
	struct dirent	**list;
	const char	*name;
	size_t		 len;
	int		 i, n;

	if (top == NULL) {
		fprintf(stderr, "check_config: abs_top_srcdir is not set "
		    "(run it through make check)\n");
		exit(EXIT_FAILURE);
	}
	snprintf(fixture_dir, sizeof fixture_dir, "%s/tests/config", top);
	if ((n = scandir(fixture_dir, &list, NULL, alphasort)) == -1) {
		perror(fixture_dir);
		exit(EXIT_FAILURE);
	}
	for (i = 0; i < n; i++) {
		name = list[i]->d_name;
		len = strlen(name);
		if (len > 5 && strcmp(name + len - 5, ".conf") == 0) {
			if (strncmp(name, "good-", 5) == 0 &&
			    ngood < MAX_FIXTURES)
				good[ngood++] = strdup(name);
			else if (strncmp(name, "bad-", 4) == 0 &&
			    nbad < MAX_FIXTURES)
				bad[nbad++] = strdup(name);
		}
		free(list[i]);
	}
	free(list);
}

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed, i;

	find_fixtures();
	tcase_add_test(tc, fixtures_found);
	tcase_add_loop_test(tc, bad_fixture, 0, nbad);
	tcase_add_loop_test(tc, good_fixture, 0, ngood);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, leader_first);
	tcase_add_test(tc, secret_beside_config);
	tcase_add_test(tc, secret_in_credentials_directory);
	tcase_add_test(tc, secret_refused);
	tcase_add_test(tc, secret_not_regular);
	tcase_add_test(tc, credential_path);
	tcase_add_test(tc, print_shows_no_secret);
	tcase_add_test(tc, file_permissions);
	tcase_add_test(tc, directory_precedence);
	tcase_add_test(tc, include_of_a_directory_refused);
	tcase_add_test(tc, include_of_a_fifo_bounded);
	tcase_add_test(tc, integer_beside_a_comment);
	tcase_add_test(tc, long_index_list);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (i = 0; i < ngood; i++)
		free(good[i]);
	for (i = 0; i < nbad; i++)
		free(bad[i]);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
