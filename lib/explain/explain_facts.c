/*
 * explain_facts.c - what the input says about the delivery that failed:
 * the From domain, the envelope sender, the client IP the receiver saw,
 * what the receiver recorded, and whether a forwarder or a list was on
 * the way.  Each fact keeps where it came from, in words, because the
 * person reading the diagnosis must be able to check it.
 *
 * The client IP, in order: --ip; an address in the receiver's reply
 * (Gmail "[198.51.100.7 15]", blocklists "Client host [203.0.113.7]");
 * for a delivered copy, its topmost Received-SPF client-ip=, then its
 * topmost Authentication-Results' policy.iprev, then the first Received
 * field from the top whose connecting address is public and that is not
 * a hop inside the receiver (a bounce's original carries what the
 * sender's side recorded, not the receiver: none of it is read); for a
 * bounce from the sender's own server (Postfix, Exim, Sendmail, qmail,
 * any RFC 3464), the address of the server that wrote it: the
 * Reporting-MTA, else the "by" host of the original's topmost Received,
 * when the name has exactly one address.  The big providers' bounces
 * (Gmail, Microsoft, Yahoo) come from pools: their address is not looked
 * up, the provider itself is the sending service.
 */
#include <stdio.h>
#include <string.h>

#include "vouch/authres.h"
#include "explain/explain_int.h"

#define HOST_MAX 256

/* RFC 1918, loopback, link-local, CGNAT (RFC 6598), 0/8; ::1,
 * fe80::/10, fc00::/7. */
int
vouch__explain_private(const struct vouch_ip *ip)
{
	const unsigned char *a = ip->addr;
	static const unsigned char loop6[16] = { [15] = 1 };

	if (ip->family == 4)
		return a[0] == 10 || a[0] == 127 || a[0] == 0 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	return memcmp(a, loop6, 16) == 0 || (a[0] == 0xfe &&
	    (a[1] & 0xc0) == 0x80) || (a[0] & 0xfe) == 0xfc;
}

static void
set_ip(struct explain_ctx *c, const struct vouch_ip *ip, const char *src)
{
	c->pub.has_ip = 1;
	c->pub.client_ip = *ip;
	vouch_ip_unmap(&c->pub.client_ip);
	c->pub.client_ip_source = src;
}

/* The first address in the reply inside brackets: "[203.0.113.7]" or
 * "[198.51.100.7 15]" (Gmail adds a number). */
static int
ip_in_reply(const char *r, struct vouch_ip *ip)
{
	char tok[64];
	size_t n;

	for (; r != NULL && (r = strchr(r, '[')) != NULL; r++) {
		n = strcspn(r + 1, " ]");
		if (n == 0 || n >= sizeof(tok))
			continue;
		memcpy(tok, r + 1, n);
		tok[n] = '\0';
		if (vouch_ip_parse(tok, ip) == 0)
			return 1;
	}
	return 0;
}

static char *
ndup(struct explain_ctx *c, const char *p, size_t n)
{
	char *d = vouch__arena_strndup(&c->arena, p, n);

	if (d == NULL)
		c->nomem = 1;
	return d;
}

/* The value of key= in a Received-SPF field (after the comment), or
 * NULL. */
static const char *
kv(struct explain_ctx *c, const char *v, const char *key)
{
	size_t klen = strlen(key), n;
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if ((p == v || strchr(" \t;(", p[-1]) != NULL) &&
		    vouch__strncaseeq(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			if (*p == '"') {
				p++;
				n = strcspn(p, "\"");
			} else
				n = strcspn(p, "; \t\r\n");
			return ndup(c, p, n);
		}
	}
	return NULL;
}

static const char *
field_text(struct explain_ctx *c, const struct vouch_msg_field *f)
{
	size_t sp = 0;

	while (sp < f->value_len && (f->value[sp] == ' ' ||
	    f->value[sp] == '\t'))
		sp++;
	return ndup(c, f->value + sp, f->value_len - sp);
}

static void received_spf(struct explain_ctx *c, const char *v);

/* The topmost Received-SPF and Authentication-Results: what the
 * receiver recorded (a delivered copy; in a bounce, whatever the
 * sender's own servers wrote). */
static void
recorded(struct explain_ctx *c)
{
	struct vouch_explain_recorded *r = &c->pub.recorded;
	struct vouch_authres *ar = NULL;
	const struct vouch_msg_field *f;
	const char *v, *ip;
	struct vouch_ip iprev;
	int has_iprev = 0, no_id;
	size_t i;

	i = vouch_msg_find(c->msg, "Authentication-Results", 0);
	f = vouch_msg_field(c->msg, i);
	if (f != NULL && vouch_authres_parse_lenient(f->value,
	    f->value_len, &ar, &no_id, NULL) == 0) {
		r->authserv_id = no_id ? NULL :
		    vouch__explain_strdup(c, ar->authserv_id);
		r->field = field_text(c, f);
		for (i = 0; i < ar->nresults; i++) {
			const struct vouch_authres_result *x = &ar->results[i];
			const char **slot = strcmp(x->method, "spf") == 0 ?
			    &r->spf : strcmp(x->method, "dmarc") == 0 ?
			    &r->dmarc : strcmp(x->method, "dkim") == 0 ?
			    &r->dkim : NULL;

			/* dkim: a pass wins over the others */
			if (slot != NULL && (*slot == NULL || (slot == &r->dkim
			    && strcmp(x->result, "pass") == 0)))
				*slot = vouch__explain_strdup(c, x->result);
			if (strcmp(x->method, "spf") == 0 &&
			    c->pub.mail_from == NULL &&
			    (v = vouch_authres_prop(x, "smtp", "mailfrom")) !=
			    NULL) {
				c->pub.mail_from = vouch__explain_strdup(c, v);
				c->pub.mail_from_source = "the receiver's "
				    "Authentication-Results (smtp.mailfrom)";
			}
			if (strcmp(x->method, "iprev") == 0 && !has_iprev &&
			    (ip = vouch_authres_prop(x, "policy", "iprev")) !=
			    NULL && vouch_ip_parse(ip, &iprev) == 0)
				has_iprev = 1;
		}
		vouch_authres_free(ar);
	}
	i = vouch_msg_find(c->msg, "Received-SPF", 0);
	v = (f = vouch_msg_field(c->msg, i)) != NULL ? field_text(c, f) :
	    NULL;
	if (v != NULL)
		received_spf(c, v);
	/* after Received-SPF's client-ip=, which names the SMTP client
	   itself */
	if (has_iprev && !c->pub.has_ip)
		set_ip(c, &iprev, "the receiver's Authentication-Results "
		    "(policy.iprev)");
}

static void
received_spf(struct explain_ctx *c, const char *v)
{
	struct vouch_explain_recorded *r = &c->pub.recorded;
	struct vouch_ip a;
	const char *ip;

	if (r->spf == NULL) {
		size_t sp = strspn(v, " \t\r\n");
		char *w = ndup(c, v + sp, strcspn(v + sp, " \t\r\n("));

		if (w != NULL)
			vouch__lower(w);	/* "Pass" is pass */
		r->spf = w;
		if (r->field == NULL)
			r->field = v;
	}
	if (!c->pub.has_ip && (ip = kv(c, v, "client-ip")) != NULL &&
	    vouch_ip_parse(ip, &a) == 0)
		set_ip(c, &a, "the receiver's Received-SPF (client-ip=)");
	if (c->pub.mail_from == NULL &&
	    (c->pub.mail_from = kv(c, v, "envelope-from")) != NULL)
		c->pub.mail_from_source = "the receiver's Received-SPF "
		    "(envelope-from=)";
	if (c->pub.helo == NULL)
		c->pub.helo = kv(c, v, "helo");
}

/* The only address of host, or 0. */
static int
resolve_one(struct explain_ctx *c, const char *host, struct vouch_ip *ip)
{
	static const uint16_t types[] = { VOUCH_DNS_A, VOUCH_DNS_AAAA };
	struct vouch_dns_answer *ans;
	size_t i, found = 0;

	for (i = 0; i < 2; i++) {
		if (vouch_dns_query(c->dns, host, types[i], &ans) != 0)
			return 0;
		if (ans->status == VOUCH_DNS_FOUND) {
			found += ans->count;
			if (ans->count > 0)
				*ip = ans->rr[0].u.ip;
		}
		vouch_dns_answer_free(ans);
	}
	return found == 1;
}

/* The last two labels of a name (no PSL here: "same provider" is a
 * heuristic for hops inside one receiver). */
static const char *
tail2(const char *n)
{
	const char *p = n + strlen(n);
	int dots = 0;

	while (p > n) {
		p--;
		if (*p == '.' && ++dots == 2)
			return p + 1;
	}
	return n;
}

/* A hop between two servers of one receiver (Microsoft's and Google's
 * internal relays carry public addresses): from and by under the same
 * two last labels. */
static int
internal(const struct vouch_received *r)
{
	const char *from = r->from_rdns != NULL ? r->from_rdns : r->from_name;

	return from != NULL && r->by != NULL && strchr(from, '.') != NULL &&
	    vouch__strcaseeq(tail2(from), tail2(r->by));
}

/* The Received chain of a delivered copy: the first public address from
 * the top; the helo and receiver with it. */
static void
received_chain(struct explain_ctx *c)
{
	const struct vouch_msg_field *f;
	struct vouch_received *r;
	size_t i = 0, n;

	for (n = 0; n < EXPLAIN_RECEIVED_MAX; n++, i++) {
		i = vouch_msg_find(c->msg, "Received", i);
		if ((f = vouch_msg_field(c->msg, i)) == NULL)
			return;
		if (vouch_received_parse(f->value, f->value_len, &r, NULL) != 0)
			continue;
		if (c->pub.receiver == NULL && r->by != NULL)
			c->pub.receiver = vouch__explain_strdup(c, r->by);
		if (r->has_ip && !vouch__explain_private(&r->ip) &&
		    !internal(r)) {
			if (!c->pub.has_ip)
				set_ip(c, &r->ip, vouch__explain_fmt(c,
				    "the topmost Received field with a public "
				    "address (from %s by %s)", r->from_name !=
				    NULL ? r->from_name : "?", r->by != NULL ?
				    r->by : "?"));
			if (c->pub.helo == NULL)
				c->pub.helo = vouch__explain_strdup(c,
				    r->helo != NULL ? r->helo : r->from_name);
			vouch_received_free(r);
			return;
		}
		vouch_received_free(r);
	}
}

/* A bounce from the sender's own server: that server's address. */
static void
bounce_server(struct explain_ctx *c)
{
	const char *fmt = c->b->format, *host = c->b->reporting_mta;
	const struct vouch_msg_field *f;
	struct vouch_received *r = NULL;
	char name[HOST_MAX];
	struct vouch_ip ip;

	if (strcmp(fmt, "gmail") == 0 || strcmp(fmt, "microsoft") == 0 ||
	    strcmp(fmt, "yahoo") == 0)
		return;
	if (host == NULL && c->msg != NULL && !c->msg_made_up &&
	    (f = vouch_msg_field(c->msg, vouch_msg_find(c->msg, "Received",
	    0))) != NULL && vouch_received_parse(f->value, f->value_len, &r,
	    NULL) == 0)
		host = r->by;
	if (host != NULL && vouch_domain_to_alabel(host, strlen(host), name,
	    sizeof(name)) == 0 && resolve_one(c, name, &ip))
		set_ip(c, &ip, vouch__explain_fmt(c, "the address of %s, the "
		    "server that sent the message and wrote the bounce", name));
	vouch_received_free(r);
}

static void
client_ip(struct explain_ctx *c)
{
	struct vouch_ip ip;
	int real = c->msg != NULL && !c->msg_made_up;

	if (c->opts.has_ip)
		set_ip(c, &c->opts.ip, "--ip");
	else if (ip_in_reply(c->b->reply, &ip))
		set_ip(c, &ip, "the receiver's reply");
	/* Only a delivered copy carries what the receiver recorded: in a
	   bounce, the original's Received-SPF and A-R were written on the
	   sender's side, about whoever handed the message to it. */
	if (real && c->b->kind == VOUCH_BOUNCE_MESSAGE) {
		recorded(c);
		received_chain(c);
		/* the receiver names itself in its Authentication-Results;
		   a Received "by" may be an internal address (Gmail) */
		if (c->pub.recorded.authserv_id != NULL)
			c->pub.receiver = c->pub.recorded.authserv_id;
	}
	else if (!c->pub.has_ip && c->b->kind != VOUCH_BOUNCE_MESSAGE)
		bounce_server(c);
}

/* The first address of the first field called name, its domain. */
static const char *
addr_domain(struct explain_ctx *c, const char *name, const char **local)
{
	const struct vouch_msg_field *f;
	struct vouch_addr_list *l;
	const char *d = NULL;

	f = vouch_msg_field(c->msg, vouch_msg_find(c->msg, name, 0));
	if (f == NULL || vouch_addr_parse(f->value, f->value_len, &l,
	    NULL) != 0)
		return NULL;
	if (l->count > 0 && !l->addr[0].literal) {
		d = vouch__explain_strdup(c, l->addr[0].domain);
		if (local != NULL)
			*local = vouch__explain_strdup(c, l->addr[0].local);
	}
	vouch_addr_list_free(l);
	return d;
}

/* A header section with one From field for the domain: DMARC needs one
 * when the bounce did not return the original's. */
static int
made_up_from(struct explain_ctx *c, const char *domain)
{
	char v[HOST_MAX + 32];
	int rc;

	vouch_msg_free(c->msg);
	c->msg = NULL;
	snprintf(v, sizeof(v), " <postmaster@%s>", domain);
	rc = vouch_msg_new(NULL, &c->msg);
	if (rc == 0)
		rc = vouch_msg_add_field(c->msg, "From", 4, v, strlen(v), NULL);
	c->msg_made_up = 1;
	return rc == VOUCH_ENOMEM ? rc : 0;
}

/* The domain a reply names: Microsoft "sending domain [example.com]",
 * Gmail "email from example.com is not accepted". */
static const char *
reply_domain(struct explain_ctx *c)
{
	static const char *const marks[] = { "sending domain [",
	    "sending domain ", "email from ", "mail from ", NULL };
	const char *r = c->b->reply, *p;
	char buf[HOST_MAX];
	size_t i, n;

	for (i = 0; r != NULL && marks[i] != NULL; i++) {
		size_t ml = strlen(marks[i]);

		for (p = r; *p != '\0'; p++)
			if (vouch__strncaseeq(p, marks[i], ml))
				break;
		if (*p == '\0')
			continue;
		p += ml;
		n = strcspn(p, " ]\t,;'\"");
		while (n > 0 && p[n - 1] == '.')
			n--;
		if (n > 0 && memchr(p, '.', n) != NULL &&
		    vouch_domain_to_alabel(p, n, buf, sizeof(buf)) == 0)
			return vouch__explain_strdup(c, buf);
	}
	return NULL;
}

static void
freemail(struct explain_ctx *c)
{
	static const char *const fields[] = { "From", "Sender", "Reply-To" };
	const struct vouch_sender_freemail *fm;
	const char *d;
	size_t i;

	for (i = 0; c->senders != NULL && i < 3; i++) {
		d = i == 0 ? c->pub.from_domain : c->msg_made_up ? NULL :
		    addr_domain(c, fields[i], NULL);
		if (d != NULL && (fm = vouch_senders_freemail(c->senders,
		    d)) != NULL) {
			c->freemail = fm;
			c->freemail_field = fields[i];
			c->freemail_domain = d;
			return;
		}
	}
}

/* A mailing list or a forwarder on the way: the fields they add. */
static void
forwarders(struct explain_ctx *c)
{
	static const char *const names[] = { "List-Id", "List-Post",
	    "ARC-Seal", "Resent-From", "X-Forwarded-To", "X-Forwarded-For",
	    NULL };
	const struct vouch_msg_field *f;
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		f = vouch_msg_field(c->msg, vouch_msg_find(c->msg, names[i],
		    0));
		if (f == NULL)
			continue;
		c->forwarded = 1;
		c->forward_evidence = vouch__explain_fmt(c, "%s:%.*s",
		    names[i], (int)(f->value_len > 200 ? 200 : f->value_len),
		    f->value);
		return;
	}
}

static int
original(struct explain_ctx *c)
{
	const struct vouch_bounce *b = c->b;
	struct vouch_error e;
	size_t off;
	int rc;

	if (b->orig == NULL) {
		vouch__explain_unchecked(c, "the original message (the bounce "
		    "does not return it)");
		return 0;
	}
	rc = vouch_msg_new(NULL, &c->msg);
	if (rc == 0)
		rc = vouch_msg_parse_header(c->msg, b->orig, b->orig_len, &off,
		    &e);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc != 0) {
		vouch_msg_free(c->msg);
		c->msg = NULL;
		vouch__explain_unchecked(c, vouch__explain_fmt(c, "the "
		    "original's header section (%s)", e.msg));
		return 0;
	}
	if (b->original == VOUCH_BOUNCE_ORIG_FULL) {
		c->body = b->orig + off;
		c->body_len = b->orig_len - off;
		c->body_known = 1;
	}
	return 0;
}

int
vouch__explain_facts(struct explain_ctx *c)
{
	struct vouch_explain *e = &c->pub;
	const struct vouch_bounce *b = c->b;
	const char *local = NULL;
	int rc;

	c->reply = vouch__explain_reply(b);
	c->require_all = (b->reply_status != NULL &&
	    strcmp(b->reply_status, "5.7.515") == 0) || (b->reply != NULL &&
	    vouch__explain_says(b->reply, "required authentication level"));
	e->reply = b->reply;
	e->receiver = b->remote_mta;
	if ((rc = original(c)) != 0)
		return rc;
	if (c->opts.mail_from != NULL) {
		e->mail_from = c->opts.mail_from;
		e->mail_from_source = "--mail-from";
	} else if (b->mail_from != NULL) {
		e->mail_from = b->mail_from;
		e->mail_from_source = b->mail_from_source;
	}
	if (c->opts.helo != NULL)
		e->helo = c->opts.helo;
	if (c->msg != NULL &&
	    (e->from_domain = addr_domain(c, "From", &local)) != NULL)
		e->from_source = "the From field";
	client_ip(c);
	if (e->mail_from == NULL && local != NULL) {
		e->mail_from = vouch__explain_fmt(c, "%s@%s", local,
		    e->from_domain);
		e->mail_from_source = "assumed: the From address (the input "
		    "does not say the envelope sender)";
	}
	if (e->from_domain == NULL) {
		if ((e->from_domain = reply_domain(c)) != NULL)
			e->from_source = "the receiver's reply (the original's "
			    "From is not in the bounce)";
		else if ((e->from_domain = vouch__explain_addr_domain(c,
		    e->mail_from)) != NULL)
			e->from_source = "the envelope sender (the original's "
			    "From is not in the bounce)";
		if (e->from_domain != NULL &&
		    (rc = made_up_from(c, e->from_domain)) != 0)
			return rc;
	}
	if (c->msg != NULL && !c->msg_made_up)
		forwarders(c);
	freemail(c);
	return 0;
}

int
vouch__explain_aligned(const struct explain_ctx *c, const char *a,
    const char *b, int dkim)
{
	const struct vouch_dmarc_record *r = NULL;
	const char *org = c->dmarc != NULL ? c->dmarc->org_domain : NULL;

	if (a == NULL || b == NULL)
		return 0;
	if (vouch__strcaseeq(a, b))
		return 1;
	if (c->dmarc != NULL && c->dmarc->nauthors > 0 &&
	    c->dmarc->authors[0].discovery != NULL)
		r = c->dmarc->authors[0].discovery->record;
	if (org == NULL || (r != NULL && (dkim ? r->adkim_strict :
	    r->aspf_strict)))
		return 0;
	/* both under the From domain's organizational domain */
	return vouch__explain_under(a, org) && vouch__explain_under(b, org);
}
