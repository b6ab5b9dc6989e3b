/*
 * etcd's v3 JSON gateway, both directions, as pure functions: request
 * bodies built from plain values, answers mapped to plain structs. Keys and
 * values travel base64-encoded; 64-bit numbers travel as JSON strings (the
 * gateway's mapping of int64), and both forms are read. Also the two
 * documents the watchers exchange through etcd: a member's summary and a
 * forwarded operator command. No I/O, no logging; anything malformed is an
 * error (-1 and a caller-freed cause).
 */
#ifndef CCR_COORD_PARSE_H
#define CCR_COORD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define COORD_STATE_MAX		32	/* longest state name, NUL included */
#define COORD_COMMAND_ID_MAX	64
#define COORD_MESSAGE_MAX	384

struct coord_kv {
	char		*key;
	char		*value;		/* NUL-terminated copy */
	size_t		 value_len;
	int64_t		 create_revision;
	int64_t		 mod_revision;
	int64_t		 lease;		/* 0: none */
};

/*
 * Any gateway answer: what it holds depends on the call. kvs come from a
 * range, or from the ranges inside a transaction's responses.
 */
struct coord_answer {
	int64_t		 revision;	/* header.revision; 0: absent */
	bool		 succeeded;	/* a transaction's compares held */
	struct coord_kv	*kvs;
	size_t		 nkvs;
	int64_t		 lease_id;	/* grant and keepalive */
	int64_t		 ttl;		/* keepalive: 0 when the lease is gone */
	char		*token;		/* authenticate */
	char		*error;		/* the gateway's error message */
	int		 code;		/* its gRPC code */
};

/* What a member publishes under <prefix>/members/<member>. */
struct coord_summary {
	char		 member[CONFIG_MEMBER_MAX + 1];
	bool		 leader_reachable;
	bool		 follower_agrees;
	char		 state[COORD_STATE_MAX];
	char		 time[40];	/* wall clock, for people */
	uint64_t	 round;		/* grows with every poll round */
};

/* An operator command forwarded under <prefix>/commands/<member>/<id>. */
struct coord_command {
	char		 id[COORD_COMMAND_ID_MAX];
	char		 command[16];
	char		 from[CONFIG_MEMBER_MAX + 1];
	bool		 answered;	/* the fields below are set */
	bool		 accepted;
	char		 message[COORD_MESSAGE_MAX];
	char		 by[CONFIG_MEMBER_MAX + 1];
};

char	*coord_b64_encode(const char *, size_t);
int	 coord_b64_decode(const char *, char **, size_t *);

char	*coord_body_grant(uint64_t);
char	*coord_body_lease(int64_t);
char	*coord_body_auth(const char *, const char *);
char	*coord_body_range(const char *, const char *, int64_t);
char	*coord_body_put(const char *, const char *, int64_t);
char	*coord_body_delete(const char *);
char	*coord_body_claim(const char *, const char *, int64_t);
char	*coord_body_record(const char *, int64_t, const char *, const char *,
	    int64_t, const char *);
char	*coord_body_answer(const char *, int64_t, const char *);

int	 coord_parse_answer(const char *, size_t, struct coord_answer *,
	    char **);
void	 coord_answer_clear(struct coord_answer *);
char	*coord_prefix_end(const char *);

char	*coord_summary_encode(const struct coord_summary *);
int	 coord_summary_decode(const char *, size_t, struct coord_summary *,
	    char **);
char	*coord_command_encode(const struct coord_command *);
int	 coord_command_decode(const char *, size_t, struct coord_command *,
	    char **);

#endif
