/*
 * conf_write.c - a snapshot printed as a vouchd.conf: every key, the
 * defaults written out, so that loading the output gives an equal
 * snapshot (vouchd -n -v, and the round-trip tests).
 */
#include <stdio.h>

#include "conf_int.h"

/* A heading before the first key of each group. */
static const char *
heading(enum vouchd__key_id id)
{
	switch (id) {
	case VOUCHD__K_SOCKET:
		return "daemon";
	case VOUCHD__K_AUTHSERV:
		return "identity and trust";
	case VOUCHD__K_KEY_TABLE:
		return "signing";
	case VOUCHD__K_DMARC_MODE:
		return "verdict";
	case VOUCHD__K_DNS_SERVER:
		return "DNS";
	case VOUCHD__K_MAX_HEADER:
		return "limits and failures";
	default:
		return NULL;
	}
}

int
vouchd_conf_write(const struct vouchd_conf *c, FILE *f)
{
	struct vouch__buf b;
	const char *h;
	size_t start;
	int rc = 0, id;

	if (c == NULL || f == NULL)
		return VOUCH_EINVAL;
	vouch__buf_init(&b, VOUCHD__CONF_MAX);
	rc = vouch__buf_puts(&b, "# vouchd.conf(5): every key, defaults "
	    "written out\n");
	for (id = 0; id < VOUCHD__NKEYS && rc == 0; id++) {
		if ((h = heading(id)) != NULL &&
		    (rc = vouch__buf_printf(&b, "\n# %s\n", h)) != 0)
			break;
		start = b.len;
		rc = vouchd__key_format(c, id, &b);
		if (rc == 0 && b.len - start > VOUCHD__LINE_MAX + 1)
			rc = VOUCH_ELIMIT;
	}
	if (rc == 0 && (fwrite(b.data, 1, b.len, f) != b.len ||
	    fflush(f) != 0))
		rc = VOUCH_EIO;
	vouch__buf_free(&b);
	return rc;
}
