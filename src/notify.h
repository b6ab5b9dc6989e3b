/*
 * Telling systemd (Type=notify) how the daemon is doing. Call notify_init
 * once at startup; every other call is a no-op when the service manager did
 * not set NOTIFY_SOCKET.
 */
#ifndef CCR_NOTIFY_H
#define CCR_NOTIFY_H

#include <stdint.h>

struct event;
struct event_base;

void		 notify_init(void);
uint64_t	 notify_watchdog_interval_ms(void);
void		 notify_ready(void);
void		 notify_status(const char *);
void		 notify_watchdog(void);
struct event	*notify_watchdog_start(struct event_base *);
void		 notify_reloading(void);
void		 notify_stopping(void);

#endif
