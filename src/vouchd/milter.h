/*
 * milter.h - vouchd's milter: the libmilter side (milter.c) and the
 * sessions it drives (milter_conn.c, milter_msg.c, milter_sign.c), which
 * know nothing of libmilter so that tests can run them directly.
 *
 * One struct vouchd_conn per MTA connection, from xxfi_connect to
 * xxfi_close; it holds a reference to the configuration snapshot of the
 * moment it opened and the state of the message in progress, which is
 * reset at MAIL FROM, at the end of the message, at abort and at close.
 *
 * A message is either verified (the verdict: SPF at MAIL FROM, DKIM
 * through the header section and body, DMARC at the end; then one
 * Authentication-Results field on top and the action) or, from an
 * InternalHosts address, a connection without an address (local
 * submission) or an authenticated client (SignAuthenticated), signed
 * with the keys the SigningTable gives for the From address, and never
 * rejected for DMARC.  Both remove every Authentication-Results field
 * that claims our authserv-id.
 *
 * What cannot be evaluated fails closed (SECURITY.md): a header section
 * over MaxHeaderBytes or a field over 32 KiB is refused with
 * VOUCHD_REPLY_TOO_BIG, a malformed field with VOUCHD_REPLY_MALFORMED, a
 * message to verify without exactly one From field giving an author
 * domain with VOUCHD_REPLY_FROM (RFC 5322 3.6; RFC 7489 6.6.1: "typically
 * rejected"), and an internal error (memory, an event out of order)
 * follows OnInternalError: VOUCHD_REPLY_INTERNAL, or accept.  With
 * RejectFailures no (monitor mode) only the first two still refuse:
 * what is over a limit was never evaluated.
 *
 * The session asks the MTA for changes through struct vouchd_mta.
 * Header values there are as they follow the colon, starting with a
 * space, folded with LF alone (what Postfix and Sendmail store).
 *
 * Thread safety: a connection is used by one thread at a time (libmilter
 * runs one thread per connection); different connections share only the
 * struct vouchd_state.
 */
#ifndef VOUCHD_MILTER_H
#define VOUCHD_MILTER_H

#include <stddef.h>

#include <vouch/dns.h>

#include "state.h"

#define VOUCHD_REPLY_TOO_BIG_CODE "552"
#define VOUCHD_REPLY_TOO_BIG_XCODE "5.3.4"
#define VOUCHD_REPLY_TOO_BIG_TEXT "Message header section too big"
#define VOUCHD_REPLY_MALFORMED_CODE "550"
#define VOUCHD_REPLY_MALFORMED_XCODE "5.6.0"
#define VOUCHD_REPLY_MALFORMED_TEXT "Malformed message header field"
#define VOUCHD_REPLY_FROM_CODE "550"
#define VOUCHD_REPLY_FROM_XCODE "5.7.1"
#define VOUCHD_REPLY_FROM_TEXT "Message needs exactly one From header " \
	"field with a domain (RFC 5322 3.6)"
#define VOUCHD_REPLY_INTERNAL_CODE "451"
#define VOUCHD_REPLY_INTERNAL_XCODE "4.3.0"
#define VOUCHD_REPLY_INTERNAL_TEXT "Temporary authentication failure, " \
	"try again later"

#define VOUCHD_AR_NAME "Authentication-Results"
#define VOUCHD_SIG_NAME "DKIM-Signature"

/* What the session may ask of the MTA; each returns 0 or -1. */
struct vouchd_mta {
	void *arg;
	/* index 0 is the top of the header section */
	int (*insert_header)(void *arg, unsigned index, const char *name,
	    const char *value);
	/* the idx-th (1-based) field named name */
	int (*delete_header)(void *arg, const char *name, unsigned idx);
	int (*reply)(void *arg, const char *code, const char *xcode,
	    const char *text);
	int (*quarantine)(void *arg, const char *reason);
};

enum vouchd_status {
	VOUCHD_CONTINUE = 0,
	VOUCHD_ACCEPT,
	VOUCHD_REJECT,
	VOUCHD_TEMPFAIL
};

struct vouchd_conn_info {
	const struct vouch_ip *ip;	/* NULL: no address (local) */
	const char *host;		/* the client's name, or NULL */
	const char *daemon;		/* {daemon_name}, or NULL */
	const char *receiver;		/* macro j: our host name, or NULL */
};

struct vouchd_conn;

/* Opens a connection on st (a snapshot reference, counted).  NULL on
 * memory exhaustion. */
struct vouchd_conn *vouchd_conn_new(struct vouchd_state *st,
    const struct vouchd_conn_info *ci);
void vouchd_conn_free(struct vouchd_conn *c);

void vouchd_conn_helo(struct vouchd_conn *c, const char *helo);
/* mail_from as the MTA gives it ("<a@b>", "<>"); auth_authen is the
 * {auth_authen} macro or NULL. */
enum vouchd_status vouchd_conn_mail(struct vouchd_conn *c,
    const char *mail_from, const char *auth_authen);
/* value as it follows the colon; add_space: the MTA removed the space
 * after the colon (no SMFIP_HDR_LEADSPC), so put one back. */
void vouchd_conn_header(struct vouchd_conn *c, const char *name,
    const char *value, int add_space);
enum vouchd_status vouchd_conn_eoh(struct vouchd_conn *c,
    const struct vouchd_mta *mta, const char *qid);
void vouchd_conn_body(struct vouchd_conn *c, const void *data, size_t len);
enum vouchd_status vouchd_conn_eom(struct vouchd_conn *c,
    const struct vouchd_mta *mta, const char *qid);
void vouchd_conn_abort(struct vouchd_conn *c);

/* ---- libmilter (milter.c) ---------------------------------------------- */

/*
 * Register the filter and open its socket (as root, before dropping
 * privileges): smfi_register, smfi_setconn(spec), smfi_opensocket.
 * st is the state the callbacks use from now on.  0 or -1 with why.
 */
int vouchd_milter_open(struct vouchd_state *st, const char *spec,
    char *why, size_t whylen);
/* smfi_main(): serves until vouchd_milter_stop().  0 or -1. */
int vouchd_milter_run(void);
void vouchd_milter_stop(void);

#endif /* VOUCHD_MILTER_H */
