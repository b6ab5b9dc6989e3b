/*
 * Logging in the OpenBSD vocabulary. Records go to the journal, with
 * structured fields, when stderr is connected to it; otherwise one readable
 * line per record on stderr.
 */
#ifndef CCR_LOG_H
#define CCR_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_MAX
};

/* One structured journal field; name is upper case, e.g. "CCR_CLUSTER". */
struct log_field {
	const char	*name;
	const char	*value;
};

void		 log_init(const char *, enum log_level);
void		 log_set_level(enum log_level);
enum log_level	 log_get_level(void);
int		 log_uses_journal(void);
const char	*log_level_name(enum log_level);
int		 log_level_from_name(const char *, enum log_level *);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * An event an operator may search for: message_id is a 128-bit id in 32 hex
 * digits (the journal's MESSAGE_ID), fields are extra structured fields.
 */
void	log_event(enum log_level, const char *, const struct log_field *,
	    size_t, const char *, ...) __attribute__((format(printf, 5, 6)));

#endif
