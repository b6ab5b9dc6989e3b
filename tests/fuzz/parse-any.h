/*
 * Hand a parsed answer to one es_parse_* parser, chosen by the caller, and
 * use what it returns the way the poller and the action engine do (lookups,
 * lags), so a parser that accepts an inconsistent result is caught by the
 * sanitizers here and not in the daemon.
 */
#ifndef CCR_FUZZ_PARSE_ANY_H
#define CCR_FUZZ_PARSE_ANY_H

#include <stdlib.h>

#include <jansson.h>

#include "es-parse.h"

#define PARSE_ANY_KINDS	17
/* First bytes from 128 up: the parsers the safety checks read with. */
#define PARSE_ANY_SAFETY	128
#define PARSE_ANY_SAFETY_KINDS	6

static void
parse_any_safety(unsigned int kind, const json_t *root)
{
	struct es_privileges	 pv;
	struct es_index_uuids	 iu;
	char			 uuid[64], *cause = NULL;
	bool			 b;
	uint64_t		 done, total;

	switch (kind % PARSE_ANY_SAFETY_KINDS) {
	case 0:
		es_parse_index_present(root, "logs", &b, &cause);
		break;
	case 1:
		es_parse_cluster_uuid(root, uuid, sizeof uuid, &cause);
		break;
	case 2:
		if (es_parse_has_privileges(root, &pv, &cause) == 0) {
			(void)es_privileges_granted(&pv, NULL, "monitor");
			(void)es_privileges_granted(&pv, "logs", "manage");
			es_privileges_clear(&pv);
		}
		break;
	case 3:
		(void)es_docs_count(root, "logs");
		break;
	case 4:
		(void)es_index_uuid(root, "logs");
		if (es_parse_index_uuids(root, &iu, &cause) == 0) {
			(void)es_index_uuids_find(&iu, "logs");
			es_index_uuids_clear(&iu);
		}
		break;
	default:
		es_parse_recovery(root, "logs", &b, &done, &total, &cause);
		break;
	}
	free(cause);
}

static void
parse_any(unsigned int kind, const json_t *root)
{
	struct es_error		 ee;
	struct es_health	 eh;
	struct es_remote	 er;
	struct es_ccr_stats	 cs;
	struct es_ccr_info	 ci;
	struct es_shard_seqs	 ss;
	struct es_resolved	 rv;
	struct es_follow_result	 fr;
	struct es_auto_follows	 af;
	const struct es_index_stats *is;
	const struct es_index_seq *sq;
	char			*cause = NULL;
	bool			 b;
	uint64_t		 n;
	int			 major, minor;
	size_t			 i;

	if (kind >= PARSE_ANY_SAFETY) {
		parse_any_safety(kind - PARSE_ANY_SAFETY, root);
		return;
	}
	switch (kind % PARSE_ANY_KINDS) {
	case 0:
		es_parse_error(root, &ee, &cause);
		break;
	case 1:
		es_parse_health(root, &eh, &cause);
		break;
	case 2:
		es_parse_version(root, &major, &minor, &cause);
		break;
	case 3:
		es_parse_remote_info(root, "clusterA", &er, &cause);
		break;
	case 4:
	case 5:
		if ((kind % PARSE_ANY_KINDS == 4 ? es_parse_ccr_stats(root,
		    &cs, &cause) : es_parse_ccr_summary(root, &cs, &cause)) ==
		    0) {
			for (i = 0; i < cs.nindices; i++) {
				is = es_ccr_stats_find(&cs,
				    cs.indices[i].index);
				if (is != NULL)
					(void)es_index_stats_lag(is);
			}
			(void)es_ccr_stats_find(&cs, "logs");
		}
		es_ccr_stats_clear(&cs);
		/* The poller's read counters: the detail's shape, trimmed. */
		if (kind % PARSE_ANY_KINDS == 4) {
			free(cause);
			cause = NULL;
			if (es_parse_ccr_reads(root, &cs, &cause) == 0)
				(void)es_ccr_stats_find(&cs, "logs");
			es_ccr_stats_clear(&cs);
		}
		break;
	case 6:
		if (es_parse_ccr_info(root, &ci, &cause) == 0) {
			for (i = 0; i < ci.nindices; i++)
				(void)es_ccr_info_find(&ci,
				    ci.indices[i].follower_index);
			(void)es_ccr_info_find(&ci, "logs");
		}
		es_ccr_info_clear(&ci);
		break;
	case 7:
		if (es_parse_shard_seqs(root, &ss, &cause) == 0) {
			for (i = 0; i < ss.nindices; i++) {
				sq = es_shard_seqs_find(&ss,
				    ss.indices[i].index);
				(void)sq;
			}
			(void)es_shard_seqs_find(&ss, "logs");
		}
		es_shard_seqs_clear(&ss);
		break;
	case 8:
		es_parse_resolve_cluster(root, "clusterA", &rv, &cause);
		break;
	case 9:
		es_parse_search_clusters(root, "clusterA", &b, &cause);
		break;
	case 10:
		es_parse_acknowledged(root, &b, &cause);
		break;
	case 11:
		es_parse_closed(root, "logs", &b, &cause);
		break;
	case 12:
		es_parse_following(root, "logs", &b, &cause);
		break;
	case 13:
		es_parse_follow_result(root, &fr, &cause);
		break;
	case 14:
		es_parse_count(root, &n, &cause);
		break;
	case 15:
		if (es_parse_auto_follow(root, &af, &cause) == 0)
			es_auto_follows_clear(&af);
		break;
	default:
		es_parse_remote_info(root, "other", &er, &cause);
		break;
	}
	free(cause);
}

#endif
