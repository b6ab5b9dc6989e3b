/*
 * Prints a parsed configuration back in libconfig syntax, in one canonical
 * order with every effective value, defaults included, so that golden
 * tests can compare it and an operator can see what the daemon will do.
 * Optional settings that are unset are left out. Secrets appear only as
 * the names of their files: the configuration never holds more.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>

#include "config.h"

/* Print a string as a libconfig literal; config.c refuses control bytes. */
static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			fputc(*s, f);
			break;
		}
	}
	fputc('"', f);
}

/* Print "indent name = "value";" when value is set. */
static void
print_opt_string(FILE *f, const char *indent, const char *name,
    const char *value)
{
	if (value == NULL)
		return;
	fprintf(f, "%s%s = ", indent, name);
	print_string(f, value);
	fputs(";\n", f);
}

/* Print "indent name = [ "a", "b" ];". */
static void
print_array(FILE *f, const char *indent, const char *name, char **list,
    size_t n)
{
	size_t	i;

	fprintf(f, "%s%s = [ ", indent, name);
	for (i = 0; i < n; i++) {
		if (i != 0)
			fputs(", ", f);
		print_string(f, list[i]);
	}
	fputs(" ];\n", f);
}

/* Print a boolean member. */
static void
print_bool(FILE *f, const char *indent, const char *name, bool value)
{
	fprintf(f, "%s%s = %s;\n", indent, name, value ? "true" : "false");
}

/* Print one cluster's group. */
static void
print_cluster(FILE *f, const struct ccr_cluster_config *c)
{
	const struct ccr_remote_config	*r = &c->remote;

	fprintf(f, "\t%s = {\n", c->name);
	print_array(f, "\t\t", "urls", c->urls, c->nurls);
	fputs("\t\tremote = {\n", f);
	print_opt_string(f, "\t\t\t", "mode", r->mode);
	print_opt_string(f, "\t\t\t", "proxy_address", r->proxy_address);
	print_opt_string(f, "\t\t\t", "server_name", r->server_name);
	if (r->proxy_socket_connections != 0)
		fprintf(f, "\t\t\tproxy_socket_connections = %d;\n",
		    r->proxy_socket_connections);
	if (r->nseeds != 0)
		print_array(f, "\t\t\t", "seeds", r->seeds, r->nseeds);
	if (r->node_connections != 0)
		fprintf(f, "\t\t\tnode_connections = %d;\n",
		    r->node_connections);
	print_bool(f, "\t\t\t", "skip_unavailable", r->skip_unavailable);
	fputs("\t\t};\n", f);
	print_opt_string(f, "\t\t", "username", c->username);
	print_opt_string(f, "\t\t", "password_file", c->password_file);
	print_opt_string(f, "\t\t", "api_key_file", c->api_key_file);
	print_opt_string(f, "\t\t", "ca_file", c->ca_file);
	print_bool(f, "\t\t", "insecure", c->insecure);
	fputs("\t};\n", f);
}

/* Print the coordination section; only the password's file, never it. */
static void
print_coordination(FILE *f, const struct ccr_coordination_config *c)
{
	fputs("coordination = {\n\tetcd = {\n", f);
	print_array(f, "\t\t", "endpoints", c->endpoints, c->nendpoints);
	print_opt_string(f, "\t\t", "prefix", c->prefix);
	fprintf(f, "\t\tlease_ttl_s = %" PRIu64 ";\n", c->lease_ttl_s);
	print_opt_string(f, "\t\t", "ca_file", c->ca_file);
	print_opt_string(f, "\t\t", "cert_file", c->cert_file);
	print_opt_string(f, "\t\t", "key_file", c->key_file);
	print_opt_string(f, "\t\t", "username", c->username);
	print_opt_string(f, "\t\t", "password_file", c->password_file);
	fputs("\t};\n", f);
	print_opt_string(f, "\t", "member", c->member);
	fprintf(f, "\tquorum = %d;\n", c->quorum);
	fputs("};\n", f);
}

/* Print cfg in canonical form. */
void
config_print(FILE *f, const struct ccr_config *cfg)
{
	size_t	i;

	fprintf(f, "poll_interval_ms = %" PRIu64 ";\n", cfg->poll_interval_ms);
	fprintf(f, "request_timeout_ms = %" PRIu64 ";\n",
	    cfg->request_timeout_ms);
	fprintf(f, "failure_threshold = %d;\n", cfg->failure_threshold);
	fprintf(f, "recovery_threshold = %d;\n", cfg->recovery_threshold);
	print_bool(f, "", "require_follower_agreement",
	    cfg->require_follower_agreement);
	print_bool(f, "", "confirm_promote", cfg->confirm_promote);
	print_bool(f, "", "confirm_failback", cfg->confirm_failback);
	print_bool(f, "", "auto_failback", cfg->auto_failback);
	print_bool(f, "", "fence_old_leader", cfg->fence_old_leader);
	print_bool(f, "", "dry_run", cfg->dry_run);
	fprintf(f, "failover_block_s = %" PRIu64 ";\n", cfg->failover_block_s);
	fprintf(f, "switchover_timeout_ms = %" PRIu64 ";\n",
	    cfg->switchover_timeout_ms);
	fprintf(f, "readiness_interval_s = %" PRIu64 ";\n",
	    cfg->readiness_interval_s);
	fprintf(f, "max_requests_per_cluster = %d;\n",
	    cfg->max_requests_per_cluster);
	print_opt_string(f, "", "log_level", cfg->log_level);
	print_opt_string(f, "", "state_dir", cfg->state_dir);
	print_opt_string(f, "", "runtime_dir", cfg->runtime_dir);

	fputs("clusters = {\n", f);
	for (i = 0; i < CCR_CLUSTERS; i++)
		print_cluster(f, &cfg->clusters[i]);
	fputs("};\n", f);
	print_opt_string(f, "", "leader", cfg->leader);
	print_opt_string(f, "", "follower", cfg->follower);

	fputs("indices = (\n", f);
	for (i = 0; i < cfg->nindices; i++) {
		fputs("\t{ leader_index = ", f);
		print_string(f, cfg->indices[i].leader_index);
		fputs("; follower_index = ", f);
		print_string(f, cfg->indices[i].follower_index);
		fprintf(f, "; }%s\n", i + 1 < cfg->nindices ? "," : "");
	}
	fputs(");\n", f);

	fputs("hooks = {\n", f);
	print_opt_string(f, "\t", "on_promote", cfg->hooks.on_promote);
	print_opt_string(f, "\t", "on_failback", cfg->hooks.on_failback);
	print_opt_string(f, "\t", "on_state_change",
	    cfg->hooks.on_state_change);
	print_opt_string(f, "\t", "pre_promote", cfg->hooks.pre_promote);
	fprintf(f, "\ttimeout_ms = %" PRIu64 ";\n", cfg->hooks.timeout_ms);
	fputs("};\n", f);
	if (cfg->coordination.enabled)
		print_coordination(f, &cfg->coordination);

	/* metrics_allow_remote means nothing without an address. */
	if (cfg->metrics_listen != NULL) {
		print_opt_string(f, "", "metrics_listen", cfg->metrics_listen);
		print_bool(f, "", "metrics_allow_remote",
		    cfg->metrics_allow_remote);
	}
}
