/*
 * conf_migmap.c - how each OpenDKIM/OpenDMARC setting that has a vouchd
 * equivalent is converted (vouchd migrate).  The meaning of the old
 * setting comes from opendkim.conf(5) and opendmarc.conf(5):
 *
 *   booleans            first byte T t Y y 1 / F f N n 0   -> yes / no
 *   DNSTimeout          seconds, 0 waits forever           -> milliseconds
 *   UMask               the socket is made 0777 & ~UMask   -> SocketMode
 *   AuthservID HOSTNAME the host name                      -> the default
 *   TrustedAuthservIDs  comma list, HOSTNAME = this host   -> the list
 *   InternalHosts,      data set of hosts, "!" excludes    -> the addresses
 *   IgnoreHosts
 *   Nameservers         comma list of addresses            -> DNSServer
 *   On-DNSError,        accept / tempfail (a, t); others   -> yes/no,
 *   On-InternalError    have no vouchd equivalent             accept/tempfail
 *   HoldQuarantinedMessages  hold, or leave it downstream  -> hold / accept
 *   RejectString        text with "%s" = From domain       -> RejectText
 *   IgnoreAuthenticatedClients  true: not checked          -> signed instead
 *
 * Anything vouchd cannot take becomes a "not carried over" note.
 */
#include <string.h>

#include "conf_int.h"

int
vouchd__map_same(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	return vouchd__mig_carry(m, f->target, value, value);
}

/* value as an OpenDKIM boolean: carried over as words[0] (false) or
 * words[1] (true); a NULL word makes a note saying words[2] instead. */
static int
carry_bool(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value, const char *const words[3])
{
	int b;

	if (vouchd__mig_bool(value, &b) != 0)
		return vouchd__mig_note(m, value, "not a boolean");
	if (words[b] == NULL)
		return vouchd__mig_note(m, value, "%s", words[2] != NULL ?
		    words[2] : "not carried over");
	return vouchd__mig_carry(m, f->target, words[b], value);
}

int
vouchd__map_bool(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	static const char *const words[] = { "no", "yes", NULL };

	return carry_bool(m, f, value, words);
}

int
vouchd__map_seconds(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	char ms[32];
	unsigned long s;

	if (vouchd__number(value, 1000000, &s, NULL) != 0)
		return vouchd__mig_note(m, value, "not a number of seconds");
	if (s == 0)
		return vouchd__mig_note(m, value, "0 waits forever; vouchd "
		    "always gives up (after 5000 ms by default)");
	(void)snprintf(ms, sizeof(ms), "%lu", s * 1000);
	return vouchd__mig_carry(m, f->target, ms, value);
}

int
vouchd__map_umask(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	char mode[8];
	unsigned mask = 0;
	size_t i;

	/* A umask is octal, as umask(2) and the shipped "007" write it. */
	for (i = 0; value[i] >= '0' && value[i] <= '7' && i < 4; i++)
		mask = mask * 8 + (unsigned)(value[i] - '0');
	if (i == 0 || value[i] != '\0' || mask > 0777)
		return vouchd__mig_note(m, value, "not an octal umask");
	(void)snprintf(mode, sizeof(mode), "%04o", 0777 & ~mask);
	return vouchd__mig_carry(m, f->target, mode, value);
}

int
vouchd__map_authserv(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	if (vouch__strcaseeq(value, "HOSTNAME"))
		return vouchd__mig_note(m, value, "the host name is vouchd's "
		    "default AuthservID");
	return vouchd__mig_carry(m, f->target, value, value);
}

/* Each item of value that keep() accepts, joined with ", ", carried
 * over as f->target; the others are notes. */
static int
map_items(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value, int (*keep)(struct vouchd__mig *, const char *))
{
	char buf[VOUCHD__LINE_MAX + 1], *s = buf, *item;
	struct vouch__buf b;
	int rc = 0, k;

	(void)vouch__strlcpy(buf, value, sizeof(buf));
	vouch__buf_init(&b, VOUCHD__LINE_MAX);
	while (rc == 0 && (item = vouchd__item(&s)) != NULL) {
		if ((k = keep(m, item)) < 0)
			rc = k;
		else if (k > 0 && b.len > 0)
			rc = vouch__buf_puts(&b, ", ");
		if (rc == 0 && k > 0)
			rc = vouch__buf_puts(&b, item);
	}
	if (rc == 0 && b.len > 0)
		rc = vouchd__mig_carry(m, f->target, b.data, value);
	vouch__buf_free(&b);
	return rc;
}

static int
keep_id(struct vouchd__mig *m, const char *item)
{
	if (!vouch__strcaseeq(item, "HOSTNAME"))
		return 1;
	return vouchd__mig_note(m, item, "this host's own name: vouchd always "
	    "removes the fields that claim its authserv-id");
}

int
vouchd__map_trusted(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	return map_items(m, f, value, keep_id);
}

static int
keep_host(struct vouchd__mig *m, const char *item)
{
	struct vouchd_net net;

	if (item[0] == '!')
		return vouchd__mig_note(m, item, "vouchd has no exclusions: "
		    "leave the address out");
	if (vouchd__net_parse(item, &net, NULL) != 0)
		return vouchd__mig_note(m, item, "vouchd matches addresses, "
		    "not host names: list the address");
	return 1;
}

int
vouchd__map_hosts(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	/* A file, or a data set vouchd refuses with a reason: as it is. */
	if (vouchd__is_path(value) || strncmp(value, "file:", 5) == 0 ||
	    vouchd__dataset_type(value) != NULL)
		return vouchd__mig_carry(m, f->target, value, value);
	if (strncmp(value, "csl:", 4) == 0)
		value += 4;
	return map_items(m, f, value, keep_host);
}

int
vouchd__map_nameservers(struct vouchd__mig *m,
    const struct vouchd__foreign *f, const char *value)
{
	char buf[VOUCHD__LINE_MAX + 1], *s = buf, *item;
	int rc = 0, first = 1;

	(void)vouch__strlcpy(buf, value, sizeof(buf));
	while (rc == 0 && (item = vouchd__item(&s)) != NULL) {
		rc = first ? vouchd__mig_carry(m, f->target, item, value) :
		    vouchd__mig_note(m, item, "vouchd asks one DNS server");
		first = 0;
	}
	return rc;
}

int
vouchd__map_action(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	int dns = f->target == VOUCHD__K_TEMPFAIL_DNS;

	if (vouch__strcaseeq(value, "tempfail") || vouch__strcaseeq(value, "t"))
		return vouchd__mig_carry(m, f->target, dns ? "yes" :
		    "tempfail", value);
	if (vouch__strcaseeq(value, "accept") || vouch__strcaseeq(value, "a"))
		return vouchd__mig_carry(m, f->target, dns ? "no" : "accept",
		    value);
	return vouchd__mig_note(m, value, "vouchd can only tempfail or accept "
	    "here (%s)", vouchd__key_name(f->target));
}

int
vouchd__map_hold(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	static const char *const words[] = { "accept", "hold", NULL };

	return carry_bool(m, f, value, words);
}

int
vouchd__map_ignore_auth(struct vouchd__mig *m,
    const struct vouchd__foreign *f, const char *value)
{
	static const char *const words[] = { NULL, "yes", "vouchd signs "
		"mail from authenticated clients instead of checking it "
		"(SignAuthenticated yes); set SignAuthenticated no to check "
		"it" };

	return carry_bool(m, f, value, words);
}

int
vouchd__map_reject_string(struct vouchd__mig *m,
    const struct vouchd__foreign *f, const char *value)
{
	char reply[VOUCHD__LINE_MAX + 16];

	if (strchr(value, '%') != NULL)
		return vouchd__mig_note(m, value, "vouchd's RejectText is the "
		    "whole reply, without %%s: write RejectText 550 5.7.1 "
		    "TEXT");
	(void)snprintf(reply, sizeof(reply), "550 5.7.1 %s", value);
	return vouchd__mig_carry(m, f->target, reply, value);
}
