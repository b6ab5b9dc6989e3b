/*
 * HTTPS: with --tls-cert FILE --tls-key FILE every accepted connection is
 * wrapped in a server-side OpenSSL bufferevent, so clients speak HTTPS as
 * to an Elasticsearch node with xpack.security.http.ssl enabled. The calls
 * this essim makes to its peer (standing for the transport layer) then use
 * TLS too, without verifying the peer's certificate: both clusters of a
 * test pair run with TLS or both without.
 *
 * Built only with libevent's OpenSSL layer (ESSIM_TLS); otherwise asking
 * for TLS is refused at start.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#ifdef ESSIM_TLS
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#include "essim.h"
#include "xmalloc.h"

#ifdef ESSIM_TLS
static SSL_CTX	*tls_server;
static SSL_CTX	*tls_client;

/* Wrap an accepted connection in a server-side TLS bufferevent. */
static struct bufferevent *
tls_accept_bev(struct event_base *base, void *arg)
{
	SSL	*ssl;

	(void)arg;
	if ((ssl = SSL_new(tls_server)) == NULL)
		return (NULL);
	return (bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

/* The last OpenSSL error as text. */
static const char *
tls_error(void)
{
	static char	buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	return (buf);
}
#endif

/* Serve HTTPS from cert and key (PEM files); -1 with *cause if not. */
int
tls_init(struct essim *es, const char *cert, const char *key, char **cause)
{
#ifdef ESSIM_TLS
	if ((tls_server = SSL_CTX_new(TLS_server_method())) == NULL ||
	    (tls_client = SSL_CTX_new(TLS_client_method())) == NULL) {
		xasprintf(cause, "TLS: %s", tls_error());
		return (-1);
	}
	if (SSL_CTX_use_certificate_chain_file(tls_server, cert) != 1) {
		xasprintf(cause, "%s: %s", cert, tls_error());
		return (-1);
	}
	if (SSL_CTX_use_PrivateKey_file(tls_server, key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(tls_server) !=
	    1) {
		xasprintf(cause, "%s: %s", key, tls_error());
		return (-1);
	}
	SSL_CTX_set_verify(tls_client, SSL_VERIFY_NONE, NULL);
	evhttp_set_bevcb(es->http, tls_accept_bev, NULL);
	es->tls = 1;
	return (0);
#else
	(void)es;
	(void)cert;
	(void)key;
	xasprintf(cause, "this essim was built without libevent_openssl: "
	    "no TLS");
	return (-1);
#endif
}

/*
 * A client-side TLS bufferevent for a call to the peer, or NULL when this
 * essim speaks plain HTTP.
 */
struct bufferevent *
tls_client_bev(struct essim *es)
{
#ifdef ESSIM_TLS
	SSL	*ssl;

	if (!es->tls || (ssl = SSL_new(tls_client)) == NULL)
		return (NULL);
	return (bufferevent_openssl_socket_new(es->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS));
#else
	(void)es;
	return (NULL);
#endif
}

/* Free the TLS contexts. */
void
tls_free(void)
{
#ifdef ESSIM_TLS
	SSL_CTX_free(tls_server);
	SSL_CTX_free(tls_client);
	tls_server = tls_client = NULL;
#endif
}
