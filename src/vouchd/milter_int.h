/*
 * milter_int.h - what the session files share: the connection and
 * message state (milter_conn.c: the events; milter_msg.c: the decision
 * and its log line; milter_sign.c: signing).
 */
#ifndef VOUCHD_MILTER_INT_H
#define VOUCHD_MILTER_INT_H

#include <time.h>

#include <vouch/dkim.h>
#include <vouch/msg.h>
#include <vouch/verdict.h>

#include "milter.h"

#define HELO_MAX 1024		/* kept from HELO/EHLO */
#define HOST_MAX 256		/* client name, daemon name, receiver */
#define SIGNED_MAX 512		/* "d=... s=..." of the signatures made */

enum refusal {
	REFUSE_NONE = 0,
	REFUSE_TOO_BIG,		/* over MaxHeaderBytes or the field cap */
	REFUSE_MALFORMED	/* a field vouch_msg would not take */
};

struct vouchd__qtime;

struct vmsg {
	int active;		/* between MAIL FROM and the end */
	int eoh;		/* the header section is complete */
	int done;		/* decided before the end; *final is kept */
	enum vouchd_status final;
	int sign;		/* signing, not verifying */
	int auth;		/* {auth_authen} was set */
	int failed;		/* an internal error happened */
	enum refusal refused;
	char why[VOUCH_ERROR_MSG_MAX];	/* the error or refusal */
	struct timespec start;
	char *mail_from;	/* without <> */
	struct vouch_msg *msg;	/* the header section, until EOH */
	struct vouch_dns *dns;	/* the message's view of the resolver */
	struct vouchd__qtime *qtime;	/* its clock (owned by dns) */
	struct vouch_verdict_ctx *verdict;
	struct vouch_dkim_sign *signer;
	size_t nfrom;		/* From fields in the header section */
	size_t *ours;		/* A-R fields claiming our authserv-id */
	size_t nours;
	char from_domain[HOST_MAX];	/* signing: the From domain */
	char signed_with[SIGNED_MAX];	/* signing: d= and s= used */
};

struct vouchd_conn {
	struct vouchd_state *st;
	struct vouchd_snap *snap;	/* reference held until free */
	int has_ip;
	struct vouch_ip ip;
	char ip_text[48];
	char host[HOST_MAX];
	char daemon[HOST_MAX];
	char receiver[HOST_MAX];
	char helo[HELO_MAX];
	int internal;		/* InternalHosts or no address */
	struct vmsg m;
};

/* milter_conn.c */
void vouchd__msg_reset(struct vouchd_conn *c);
/* Record an internal error (first one wins) with its reason. */
void vouchd__msg_fail(struct vouchd_conn *c, const char *what,
    const struct vouch_error *err, int rc);

/* milter_msg.c: the decision at the end of the message (or earlier when
 * it is already known); logs and counts the message, then resets it. */
enum vouchd_status vouchd__msg_finish(struct vouchd_conn *c,
    const struct vouchd_mta *mta, const char *qid);
/* Can the message be decided at EOH (nothing left that needs EOM)? */
int vouchd__msg_decided(const struct vouchd_conn *c);

/* milter_dns.c: a handle over inner that refuses queries (RETRY) once
 * max_ms were spent waiting for answers; *q reads its clock while the
 * handle lives. */
int vouchd__dns_new(struct vouch_dns *inner, unsigned max_ms,
    struct vouch_dns **out, struct vouchd__qtime **q);
/* Milliseconds spent waiting; *spent: a query was refused.  NULL q: 0. */
unsigned vouchd__dns_ms(const struct vouchd__qtime *q, int *spent);

/* milter_sign.c: choose keys from the From address and start the
 * signer at the end of the header section; add the signatures at EOM. */
void vouchd__sign_start(struct vouchd_conn *c);
int vouchd__sign_finish(struct vouchd_conn *c, const struct vouchd_mta *mta);
/* A header field value for the MTA: from value (len bytes, as after the
 * colon, CRLF folding, maybe a final CRLF) to LF folding, into a new
 * string (caller frees), or NULL on memory exhaustion. */
char *vouchd__hdr_value(const char *value, size_t len);

#endif /* VOUCHD_MILTER_INT_H */
