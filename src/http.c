/*
 * HTTP over libcurl's multi interface, driven by libevent. One multi handle
 * holds every transfer and the connection cache, so keep-alive connections
 * are reused across requests to the same node. libcurl tells us which
 * sockets to watch (http_socket_cb) and when to call it back
 * (http_timer_cb arms one evtimer); both event paths hand control back with
 * curl_multi_socket_action and then drain finished transfers. Nothing here
 * blocks and nothing runs outside the loop's thread.
 *
 * Secrets: credentials are copied for the transfer's lifetime, wiped
 * before they are freed, and never logged; libcurl's verbose output (which
 * would show the Authorization header) is never enabled.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "xmalloc.h"

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	TAILQ_HEAD(, http_request) requests;
	size_t			 pending;
};

struct http_request {
	struct http		*http;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*url;
	char			*label;		/* metrics */
	char			*body;
	size_t			 body_len;
	char			*password;
	char			*auth_header;

	char			*buf;
	size_t			 len;
	size_t			 cap;
	size_t			 max;
	int			 too_big;

	struct event		*fail_ev;	/* setup failed: report later */
	const char		*fail_error;

	char			 errbuf[CURL_ERROR_SIZE];
	uint64_t		 start_ms;
	http_done_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(http_request) entry;
};

/* One watched socket, attached to libcurl's socket with curl_multi_assign. */
struct http_socket {
	struct http		*http;
	curl_socket_t		 fd;
	struct event		*ev;
};

static int	http_global_refs;

static const char *http_method_names[HTTP_METHOD_MAX] = {
	"GET", "HEAD", "POST", "PUT", "DELETE"
};

static const char *http_outcome_names[HTTP_OUTCOME_MAX] = {
	"done", "timeout", "refused", "too-big", "failed"
};

static void	http_drain(struct http *);

/* Name of a method as sent on the request line. */
const char *
http_method_name(enum http_method m)
{
	if (m >= HTTP_METHOD_MAX)
		return ("?");
	return (http_method_names[m]);
}

/* Short name of an outcome for logs and status. */
const char *
http_outcome_name(enum http_outcome o)
{
	if (o >= HTTP_OUTCOME_MAX)
		return ("?");
	return (http_outcome_names[o]);
}

/* Overwrite and free a string that may hold a secret. */
static void
http_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Let libcurl run on a socket that became ready. */
static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*http = arg;
	int		 action = 0, running;
	CURLMcode	 rc;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	rc = curl_multi_socket_action(http->multi, fd, action, &running);
	if (rc != CURLM_OK)
		log_warnx("http: socket action: %s", curl_multi_strerror(rc));
	http_drain(http);
}

/* libcurl's deadline passed: let it handle timeouts and retries. */
static void
http_timer_cb(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct http	*http = arg;
	int		 running;
	CURLMcode	 rc;

	rc = curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	if (rc != CURLM_OK)
		log_warnx("http: timeout action: %s", curl_multi_strerror(rc));
	http_drain(http);
}

/*
 * CURLMOPT_TIMERFUNCTION: arm or disarm the one timer. It must not call
 * libcurl back from here, so a zero timeout is an immediate timer too.
 */
static int
http_timer_set(__attribute__((unused)) CURLM *multi, long timeout_ms,
    void *arg)
{
	struct http	*http = arg;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(http->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(http->timer, &tv) != 0)
		return (-1);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: add, change or drop the event for a socket. */
static int
http_socket_cb(__attribute__((unused)) CURL *easy, curl_socket_t fd, int what,
    void *arg, void *socketp)
{
	struct http		*http = arg;
	struct http_socket	*hs = socketp;
	short			 kind;
	CURLMcode		 rc;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			if (hs->ev != NULL)
				event_free(hs->ev);
			free(hs);
		}
		return (0);
	}

	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;

	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->http = http;
		hs->fd = fd;
		rc = curl_multi_assign(http->multi, fd, hs);
		if (rc != CURLM_OK) {
			log_warnx("http: assign: %s", curl_multi_strerror(rc));
			free(hs);
			return (-1);
		}
	} else if (hs->ev != NULL)
		event_free(hs->ev);
	hs->ev = event_new(http->base, fd, kind, http_event_cb, http);
	if (hs->ev == NULL || event_add(hs->ev, NULL) != 0) {
		log_warnx("http: cannot watch socket %d", (int)fd);
		return (-1);
	}
	return (0);
}

/* CURLOPT_WRITEFUNCTION: append to the body, refusing more than the limit. */
static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_request	*req = arg;
	size_t			 n = size * nmemb, want;

	if (n > req->max - req->len) {
		req->too_big = 1;
		return (0);
	}
	if (req->len + n + 1 > req->cap) {
		want = req->cap == 0 ? 4096 : req->cap;
		while (want < req->len + n + 1)
			want *= 2;
		req->buf = xreallocarray(req->buf, 1, want);
		req->cap = want;
	}
	memcpy(req->buf + req->len, data, n);
	req->len += n;
	req->buf[req->len] = '\0';
	return (n);
}

/* Release everything a request holds; it must not be in the multi. */
static void
http_request_free(struct http_request *req)
{
	struct curl_slist	*l;

	if (req->easy != NULL)
		curl_easy_cleanup(req->easy);
	if (req->fail_ev != NULL)
		event_free(req->fail_ev);
	/* The list holds its own copy of the Authorization line. */
	for (l = req->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(req->headers);
	http_free_secret(req->password);
	http_free_secret(req->auth_header);
	free(req->url);
	free(req->label);
	free(req->body);
	free(req->buf);
	free(req);
}

/* Take a request off the pending list and out of the multi handle. */
static void
http_request_detach(struct http_request *req)
{
	struct http	*http = req->http;
	CURLMcode	 rc;

	TAILQ_REMOVE(&http->requests, req, entry);
	http->pending--;
	if (req->easy != NULL && req->fail_ev == NULL) {
		rc = curl_multi_remove_handle(http->multi, req->easy);
		if (rc != CURLM_OK)
			log_warnx("http: remove handle: %s",
			    curl_multi_strerror(rc));
	}
}

/* Map a transfer result to an outcome. */
static enum http_outcome
http_classify(struct http_request *req, CURLcode result)
{
	switch (result) {
	case CURLE_OK:
		return (HTTP_DONE);
	case CURLE_OPERATION_TIMEDOUT:
		return (HTTP_TIMEOUT);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return (HTTP_REFUSED);
	case CURLE_WRITE_ERROR:
		if (req->too_big)
			return (HTTP_TOO_BIG);
		return (HTTP_FAILED);
	default:
		return (HTTP_FAILED);
	}
}

/* Report a finished transfer to its owner, then free it. */
static void
http_complete(struct http_request *req, CURLcode result)
{
	struct http_response	 r;
	long			 status = 0, conns = 0, hdr = 0, sent = 0;

	memset(&r, 0, sizeof r);
	r.outcome = http_classify(req, result);
	if (r.outcome == HTTP_DONE) {
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
		r.status = status;
		r.error = "";
	} else if (r.outcome == HTTP_TOO_BIG)
		r.error = "response body too large";
	else if (req->errbuf[0] != '\0')
		r.error = req->errbuf;
	else
		r.error = curl_easy_strerror(result);
	curl_easy_getinfo(req->easy, CURLINFO_NUM_CONNECTS, &conns);
	curl_easy_getinfo(req->easy, CURLINFO_HEADER_SIZE, &hdr);
	curl_easy_getinfo(req->easy, CURLINFO_REQUEST_SIZE, &sent);
	r.new_connections = conns;
	r.bytes_in = (size_t)hdr + req->len;
	r.bytes_out = (size_t)sent;
	r.body = req->buf != NULL && r.outcome == HTTP_DONE ? req->buf : "";
	r.body_len = r.outcome == HTTP_DONE ? req->len : 0;
	r.elapsed_ms = monotime_ms() - req->start_ms;
	metrics_count_request(req->label, r.status, r.outcome == HTTP_DONE ?
	    NULL : http_outcome_name(r.outcome));

	http_request_detach(req);
	req->cb(&r, req->arg);
	http_request_free(req);
}

/* Hand every finished transfer to its owner. */
static void
http_drain(struct http *http)
{
	CURLMsg			*msg;
	struct http_request	*req;
	char			*priv;
	int			 left;

	while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		req = (struct http_request *)priv;
		http_complete(req, msg->data.result);
	}
}

/* Report a request that could not be started, from the loop. */
static void
http_fail_cb(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct http_request	*req = arg;
	struct http_response	 r;

	memset(&r, 0, sizeof r);
	r.outcome = HTTP_FAILED;
	r.error = req->fail_error;
	r.body = "";
	r.elapsed_ms = monotime_ms() - req->start_ms;
	metrics_count_request(req->label, r.status, r.outcome == HTTP_DONE ?
	    NULL : http_outcome_name(r.outcome));
	http_request_detach(req);
	req->cb(&r, req->arg);
	http_request_free(req);
}

/*
 * Create a client on base. maxconns sizes the connection cache (0: libcurl
 * picks); below the number of concurrent requests, connections get closed
 * instead of reused.
 */
struct http *
http_create(struct event_base *base, size_t maxconns, char **cause)
{
	struct http	*http;
	CURLMcode	 rc = CURLM_OK;

	if (http_global_refs++ == 0 &&
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		http_global_refs--;
		xasprintf(cause, "cannot initialise libcurl");
		return (NULL);
	}
	http = xcalloc(1, sizeof *http);
	http->base = base;
	TAILQ_INIT(&http->requests);
	if ((http->timer = evtimer_new(base, http_timer_cb, http)) == NULL) {
		xasprintf(cause, "cannot create HTTP timer");
		goto fail;
	}
	if ((http->multi = curl_multi_init()) == NULL) {
		xasprintf(cause, "cannot create curl multi handle");
		goto fail;
	}
	if (rc == CURLM_OK)
		rc = curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION,
		    http_socket_cb);
	if (rc == CURLM_OK)
		rc = curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
	if (rc == CURLM_OK)
		rc = curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION,
		    http_timer_set);
	if (rc == CURLM_OK)
		rc = curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
	if (rc == CURLM_OK && maxconns > 0)
		rc = curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS,
		    (long)maxconns);
	if (rc != CURLM_OK) {
		xasprintf(cause, "curl multi setup: %s",
		    curl_multi_strerror(rc));
		goto fail;
	}
	return (http);

fail:
	http_free(http);
	return (NULL);
}

/* Cancel every request without calling back, close connections, free. */
void
http_free(struct http *http)
{
	struct http_request	*req;
	CURLMcode		 rc;

	if (http == NULL)
		return;
	while ((req = TAILQ_FIRST(&http->requests)) != NULL)
		http_cancel(req);
	if (http->multi != NULL && (rc = curl_multi_cleanup(http->multi)) !=
	    CURLM_OK)
		log_warnx("http: cleanup: %s", curl_multi_strerror(rc));
	if (http->timer != NULL)
		event_free(http->timer);
	free(http);
	if (--http_global_refs == 0)
		curl_global_cleanup();
}

/* Number of requests submitted and not yet reported or cancelled. */
size_t
http_pending(struct http *http)
{
	return (http->pending);
}

/* Abandon a request: its callback will not be called. */
void
http_cancel(struct http_request *req)
{
	if (req == NULL)
		return;
	http_request_detach(req);
	http_request_free(req);
}

/* Set one easy option, remembering the first failure. */
static void
http_opt(CURL *easy, CURLoption opt, CURLcode *rc, ...)
{
	va_list	 ap;

	if (*rc != CURLE_OK)
		return;
	va_start(ap, rc);
	switch (opt / 10000 * 10000) {
	case CURLOPTTYPE_LONG:
		*rc = curl_easy_setopt(easy, opt, va_arg(ap, long));
		break;
	case CURLOPTTYPE_OFF_T:
		*rc = curl_easy_setopt(easy, opt, va_arg(ap, curl_off_t));
		break;
	default:
		*rc = curl_easy_setopt(easy, opt, va_arg(ap, void *));
		break;
	}
	va_end(ap);
}

/* Configure the easy handle of req from spec. */
static CURLcode
http_setup(struct http_request *req, const struct http_request_spec *spec)
{
	CURL		*e = req->easy;
	CURLcode	 rc = CURLE_OK;
	struct curl_slist *l;
	size_t		 i;
	long		 ms;

	http_opt(e, CURLOPT_URL, &rc, req->url);
	http_opt(e, CURLOPT_PRIVATE, &rc, (void *)req);
	http_opt(e, CURLOPT_NOSIGNAL, &rc, 1L);
	http_opt(e, CURLOPT_ERRORBUFFER, &rc, req->errbuf);
	http_opt(e, CURLOPT_WRITEFUNCTION, &rc, (void *)http_write_cb);
	http_opt(e, CURLOPT_WRITEDATA, &rc, (void *)req);
	http_opt(e, CURLOPT_HTTP_VERSION, &rc, (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
	http_opt(e, CURLOPT_PROTOCOLS_STR, &rc, (void *)"http,https");
#else
	http_opt(e, CURLOPT_PROTOCOLS, &rc,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	http_opt(e, CURLOPT_TCP_NODELAY, &rc, 1L);
	http_opt(e, CURLOPT_TCP_KEEPALIVE, &rc, 1L);
	if (spec->timeout_ms > 0) {
		ms = spec->timeout_ms > (uint64_t)LONG_MAX ? LONG_MAX :
		    (long)spec->timeout_ms;
		http_opt(e, CURLOPT_TIMEOUT_MS, &rc, ms);
		http_opt(e, CURLOPT_CONNECTTIMEOUT_MS, &rc, ms);
	}
	if (spec->ca_file != NULL)
		http_opt(e, CURLOPT_CAINFO, &rc, (void *)spec->ca_file);
	if (spec->cert_file != NULL)
		http_opt(e, CURLOPT_SSLCERT, &rc, (void *)spec->cert_file);
	if (spec->key_file != NULL)
		http_opt(e, CURLOPT_SSLKEY, &rc, (void *)spec->key_file);
	if (spec->insecure) {
		http_opt(e, CURLOPT_SSL_VERIFYPEER, &rc, 0L);
		http_opt(e, CURLOPT_SSL_VERIFYHOST, &rc, 0L);
	}
	if (spec->username != NULL) {
		http_opt(e, CURLOPT_HTTPAUTH, &rc, (long)CURLAUTH_BASIC);
		http_opt(e, CURLOPT_USERNAME, &rc, (void *)spec->username);
		http_opt(e, CURLOPT_PASSWORD, &rc, (void *)req->password);
	}

	switch (spec->method) {
	case HTTP_HEAD:
		http_opt(e, CURLOPT_NOBODY, &rc, 1L);
		break;
	case HTTP_POST:
		http_opt(e, CURLOPT_POST, &rc, 1L);
		break;
	case HTTP_PUT:
	case HTTP_DELETE:
		http_opt(e, CURLOPT_CUSTOMREQUEST, &rc,
		    (void *)http_method_name(spec->method));
		break;
	default:
		break;
	}
	if (spec->method == HTTP_POST || req->body != NULL) {
		http_opt(e, CURLOPT_POSTFIELDSIZE_LARGE, &rc,
		    (curl_off_t)req->body_len);
		http_opt(e, CURLOPT_POSTFIELDS, &rc,
		    (void *)(req->body != NULL ? req->body : ""));
	}

	/* No 100-continue round trip: Elasticsearch answers at once. */
	if ((l = curl_slist_append(req->headers, "Expect:")) == NULL)
		return (CURLE_OUT_OF_MEMORY);
	req->headers = l;
	for (i = 0; i < spec->nheaders; i++) {
		if ((l = curl_slist_append(req->headers,
		    spec->headers[i])) == NULL)
			return (CURLE_OUT_OF_MEMORY);
		req->headers = l;
	}
	if (req->auth_header != NULL) {
		if ((l = curl_slist_append(req->headers,
		    req->auth_header)) == NULL)
			return (CURLE_OUT_OF_MEMORY);
		req->headers = l;
	}
	http_opt(e, CURLOPT_HTTPHEADER, &rc, (void *)req->headers);
	/* Elasticsearch's audit log and proxies can tell who asked. */
	http_opt(e, CURLOPT_USERAGENT, &rc, "ccr-failoverd/" PACKAGE_VERSION);
	return (rc);
}

/* Start a request; cb runs later from the loop, exactly once. */
struct http_request *
http_submit(struct http *http, const struct http_request_spec *spec,
    http_done_cb cb, void *arg)
{
	struct http_request	*req;
	CURLcode		 rc;
	CURLMcode		 mrc;

	req = xcalloc(1, sizeof *req);
	req->http = http;
	req->cb = cb;
	req->arg = arg;
	req->start_ms = monotime_ms();
	req->max = spec->max_body != 0 ? spec->max_body : HTTP_MAX_BODY_DEFAULT;
	req->url = xstrdup(spec->url);
	if (spec->label != NULL)
		req->label = xstrdup(spec->label);
	if (spec->body != NULL) {
		req->body = xmalloc(spec->body_len + 1);
		memcpy(req->body, spec->body, spec->body_len);
		req->body[spec->body_len] = '\0';
		req->body_len = spec->body_len;
	}
	if (spec->username != NULL)
		req->password = xstrdup(spec->password != NULL ?
		    spec->password : "");
	else if (spec->api_key != NULL)
		xasprintf(&req->auth_header, "Authorization: ApiKey %s",
		    spec->api_key);
	TAILQ_INSERT_TAIL(&http->requests, req, entry);
	http->pending++;

	if (spec->method >= HTTP_METHOD_MAX)
		req->fail_error = "unknown HTTP method";
	else if ((req->easy = curl_easy_init()) == NULL)
		req->fail_error = "cannot create curl handle";
	else if ((rc = http_setup(req, spec)) != CURLE_OK)
		req->fail_error = curl_easy_strerror(rc);
	else if ((mrc = curl_multi_add_handle(http->multi, req->easy)) !=
	    CURLM_OK)
		req->fail_error = curl_multi_strerror(mrc);
	if (req->fail_error != NULL) {
		req->fail_ev = evtimer_new(http->base, http_fail_cb, req);
		if (req->fail_ev == NULL)
			fatalx("http: cannot schedule failure report");
		event_active(req->fail_ev, EV_TIMEOUT, 1);
	}
	return (req);
}
