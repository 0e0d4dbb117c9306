/*
 * milter.c - the libmilter callbacks: each one reads what libmilter
 * hands over, calls the session (milter_conn.c) and turns its answer
 * into an sfsistat (see milter.h).
 *
 * Negotiation asks for what vouchd does (add and change header fields,
 * quarantine, name its macros) and never for unknown commands.  On a
 * unix socket it also skips RCPT and DATA and asks for no reply to
 * connect, HELO, header and body events, saving a round trip per header
 * field.  On an inet socket every packet the MTA sends must be
 * answered: Postfix writes the macros of a skipped step anyway, and the
 * next write (from another process, cleanup, for the header section)
 * then waits behind Nagle's algorithm for our delayed ACK, about 40 ms
 * per message (DESIGN.md; libmilter gives no way to re-arm
 * TCP_QUICKACK).  An answered RCPT or DATA costs a round trip instead.
 * Header values keep their leading space (SMFIP_HDR_LEADSPC) when the
 * MTA can, so that DKIM's simple canonicalization sees the field as
 * sent.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "milter_macros.h"

#define NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | \
	SMFIP_NR_BODY)
#define SKIP_STEPS (SMFIP_NORCPT | SMFIP_NODATA)

struct session {
	unsigned long pflags;		/* protocol flags negotiated */
	struct vouchd_conn *conn;
};

/* Set once before smfi_main(). */
static struct vouchd_state *milter_st;
static int milter_no_reply;		/* unix socket: NR_STEPS and
					   SKIP_STEPS wanted */
/* After SMFIC_QUIT_NC a connection starts again without negotiation,
 * its session gone with xxfi_close: it takes the flags last agreed. */
static atomic_ulong milter_last_pflags;

/* libmilter takes char * for strings it only reads. */
static char *
unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

static struct session *
session(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->pflags = atomic_load(&milter_last_pflags);
	if (smfi_setpriv(ctx, s) != MI_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

static sfsistat
status(const struct session *s, unsigned long nr_bit, enum vouchd_status st)
{
	switch (st) {
	case VOUCHD_ACCEPT:
		return SMFIS_ACCEPT;
	case VOUCHD_REJECT:
		return SMFIS_REJECT;
	case VOUCHD_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	case VOUCHD_CONTINUE:
		break;
	}
	return (s->pflags & nr_bit) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* No session or connection state: memory ran out earlier. */
static sfsistat
no_state(SMFICTX *ctx)
{
	(void)smfi_setreply(ctx, unconst(VOUCHD_REPLY_INTERNAL_CODE),
	    unconst(VOUCHD_REPLY_INTERNAL_XCODE),
	    unconst(VOUCHD_REPLY_INTERNAL_TEXT));
	return SMFIS_TEMPFAIL;
}

/* ---- what the session may ask of the MTA -------------------------------- */

struct mta_arg {
	SMFICTX *ctx;
	int leadspc;
};

static int
mta_insert(void *arg, unsigned index, const char *name, const char *value)
{
	const struct mta_arg *a = arg;

	/* Without SMFIP_HDR_LEADSPC the MTA adds the space itself. */
	if (!a->leadspc && value[0] == ' ')
		value++;
	return smfi_insheader(a->ctx, (int)index, unconst(name),
	    unconst(value)) == MI_SUCCESS ? 0 : -1;
}

static int
mta_delete(void *arg, const char *name, unsigned idx)
{
	const struct mta_arg *a = arg;

	return smfi_chgheader(a->ctx, unconst(name), (int)idx, NULL) ==
	    MI_SUCCESS ? 0 : -1;
}

static int
mta_reply(void *arg, const char *code, const char *xcode, const char *text)
{
	const struct mta_arg *a = arg;

	/* vouchd.conf(5) refuses '%' in replies: Sendmail would read one as
	 * a format directive. */
	return smfi_setreply(a->ctx, unconst(code), unconst(xcode),
	    unconst(text)) == MI_SUCCESS ? 0 : -1;
}

static int
mta_quarantine(void *arg, const char *reason)
{
	const struct mta_arg *a = arg;

	return smfi_quarantine(a->ctx, unconst(reason)) == MI_SUCCESS ? 0 :
	    -1;
}

static void
mta_init(struct vouchd_mta *mta, struct mta_arg *a, SMFICTX *ctx,
    const struct session *s)
{
	a->ctx = ctx;
	a->leadspc = (s->pflags & SMFIP_HDR_LEADSPC) != 0;
	mta->arg = a;
	mta->insert_header = mta_insert;
	mta->delete_header = mta_delete;
	mta->reply = mta_reply;
	mta->quarantine = mta_quarantine;
}

static const char *
queue_id(SMFICTX *ctx)
{
	return smfi_getsymval(ctx, unconst("i"));
}

/* ---- callbacks --------------------------------------------------------- */

static sfsistat
mf_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	unsigned long steps = SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC;
	struct session *s;

	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		vouchd_log(LOG_ERR, "the MTA does not let milters add and "
		    "change header fields (actions 0x%lx): refusing it", f0);
		return SMFIS_REJECT;
	}
	if ((s = session(ctx)) == NULL)
		return SMFIS_REJECT;
	if (milter_no_reply)
		steps |= NR_STEPS | SKIP_STEPS;
	*pf0 = f0 & (need | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
	*pf1 = f1 & steps;
	*pf2 = *pf3 = 0;
	s->pflags = *pf1;
	atomic_store(&milter_last_pflags, s->pflags);
	if ((*pf0 & SMFIF_SETSYMLIST) != 0)
		vouchd_request_macros(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
mf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct vouchd_conn_info ci;
	struct vouch_ip ip;
	struct session *s;

	if ((s = session(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	vouchd_conn_free(s->conn);
	memset(&ci, 0, sizeof(ci));
	memset(&ip, 0, sizeof(ip));
	if (sa != NULL && sa->sa_family == AF_INET) {
		ip.family = 4;
		memcpy(ip.addr, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    4);
		ci.ip = &ip;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		ip.family = 6;
		memcpy(ip.addr,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, 16);
		ci.ip = &ip;
	}
	ci.host = host;
	ci.daemon = smfi_getsymval(ctx, unconst("{daemon_name}"));
	ci.receiver = smfi_getsymval(ctx, unconst("j"));
	s->conn = vouchd_conn_new(milter_st, &ci);
	return status(s, SMFIP_NR_CONN, s->conn != NULL ? VOUCHD_CONTINUE :
	    VOUCHD_TEMPFAIL);
}

static sfsistat
mf_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = smfi_getpriv(ctx);

	if (s == NULL || s->conn == NULL)
		return s != NULL ? status(s, SMFIP_NR_HELO, VOUCHD_CONTINUE) :
		    SMFIS_CONTINUE;
	vouchd_conn_helo(s->conn, helo);
	return status(s, SMFIP_NR_HELO, VOUCHD_CONTINUE);
}

static sfsistat
mf_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = smfi_getpriv(ctx);

	if (s == NULL || s->conn == NULL)
		return no_state(ctx);
	return status(s, 0, vouchd_conn_mail(s->conn, argv != NULL ?
	    argv[0] : NULL, smfi_getsymval(ctx, unconst("{auth_authen}"))));
}

static sfsistat
mf_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = smfi_getpriv(ctx);

	if (s == NULL)
		return SMFIS_CONTINUE;
	if (s->conn != NULL && name != NULL && value != NULL)
		vouchd_conn_header(s->conn, name, value,
		    (s->pflags & SMFIP_HDR_LEADSPC) == 0);
	return status(s, SMFIP_NR_HDR, VOUCHD_CONTINUE);
}

/* EOH and EOM: the events that may end the message, so both reply. */
static sfsistat
mf_end(SMFICTX *ctx, enum vouchd_status (*fn)(struct vouchd_conn *,
    const struct vouchd_mta *, const char *))
{
	struct session *s = smfi_getpriv(ctx);
	struct vouchd_mta mta;
	struct mta_arg a;

	if (s == NULL || s->conn == NULL)
		return no_state(ctx);
	mta_init(&mta, &a, ctx, s);
	return status(s, 0, fn(s->conn, &mta, queue_id(ctx)));
}

static sfsistat
mf_eoh(SMFICTX *ctx)
{
	return mf_end(ctx, vouchd_conn_eoh);
}

static sfsistat
mf_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct session *s = smfi_getpriv(ctx);

	if (s == NULL)
		return SMFIS_CONTINUE;
	if (s->conn != NULL)
		vouchd_conn_body(s->conn, data, len);
	return status(s, SMFIP_NR_BODY, VOUCHD_CONTINUE);
}

static sfsistat
mf_eom(SMFICTX *ctx)
{
	return mf_end(ctx, vouchd_conn_eom);
}

static sfsistat
mf_abort(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL && s->conn != NULL)
		vouchd_conn_abort(s->conn);
	return SMFIS_CONTINUE;
}

static sfsistat
mf_close(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL) {
		vouchd_conn_free(s->conn);
		free(s);
		(void)smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* ---- running ----------------------------------------------------------- */

int
vouchd_milter_open(struct vouchd_state *st, const char *spec, char *why,
    size_t whylen)
{
	struct smfiDesc desc;
	char *conn;
	int rc;

	milter_st = st;
	milter_no_reply = !vouchd_socket_is_inet(spec);
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = unconst("vouchd");
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	desc.xxfi_connect = mf_connect;
	desc.xxfi_helo = mf_helo;
	desc.xxfi_envfrom = mf_envfrom;
	desc.xxfi_header = mf_header;
	desc.xxfi_eoh = mf_eoh;
	desc.xxfi_body = mf_body;
	desc.xxfi_eom = mf_eom;
	desc.xxfi_abort = mf_abort;
	desc.xxfi_close = mf_close;
	desc.xxfi_negotiate = mf_negotiate;
	if (smfi_register(desc) != MI_SUCCESS) {
		(void)snprintf(why, whylen, "smfi_register failed");
		return -1;
	}
	if ((conn = strdup(spec)) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = smfi_setconn(conn);
	free(conn);
	if (rc != MI_SUCCESS) {
		(void)snprintf(why, whylen, "Socket %.200s: not usable", spec);
		return -1;
	}
	errno = 0;
	if (smfi_opensocket(1) != MI_SUCCESS) {
		(void)snprintf(why, whylen, "Socket %.200s: cannot listen%s%s",
		    spec, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

int
vouchd_milter_run(void)
{
	return smfi_main() == MI_SUCCESS ? 0 : -1;
}

void
vouchd_milter_stop(void)
{
	(void)smfi_stop();
}
