/*
 * fuzz_bounce.c - vouch_bounce_parse() and vouch_received_parse() over
 * hostile bytes.  Every string returned is read to its end (a dangling or
 * unterminated one shows up under ASan) and the contract of bounce.h is
 * checked: NUL-free strings, orig_len and orig_body_off within the copy,
 * at most VOUCH_BOUNCE_RCPT_MAX recipients, reply parts only with a
 * reply, an error always with its sentence.  The same bytes are read as a
 * Received field value, and so is each Received field of the original.
 *
 * Seeds (fuzz/corpus/bounce/) are the made-up samples of
 * tests/data/bounce/ plus Received values of each MTA's form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/bounce.h>

static size_t sink;

static void
touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

static void
received(const char *v, size_t n)
{
	struct vouch_received *r = NULL;
	struct vouch_error err;
	int rc = vouch_received_parse(v, n, &r, &err);

	if (rc < 0) {
		if (r != NULL || err.msg[0] == '\0')
			abort();
		return;
	}
	touch(r->from_name);
	touch(r->from_rdns);
	touch(r->helo);
	touch(r->by);
	touch(r->with);
	touch(r->id);
	touch(r->for_addr);
	touch(r->date);
	if (r->has_ip && r->ip.family != 4 && r->ip.family != 6)
		abort();
	vouch_received_free(r);
}

/* Each "Received:" field of the original's header section. */
static void
orig_received(const struct vouch_bounce *b)
{
	const char *p = b->orig, *end = b->orig + b->orig_body_off, *v, *e;

	while (p < end && (p = strstr(p, "Received:")) != NULL && p < end) {
		v = p + 9;
		for (e = v; e < end && !(e[0] == '\n' && e + 1 < end &&
		    e[1] != ' ' && e[1] != '\t'); e++)
			;
		received(v, (size_t)(e - v));
		p = e;
	}
}

static void
check(const struct vouch_bounce *b)
{
	size_t i;

	if (b->format == NULL || b->nrcpt > VOUCH_BOUNCE_RCPT_MAX)
		abort();
	touch(b->reporting_mta);
	touch(b->subject);
	touch(b->arrival_date);
	touch(b->mail_from);
	touch(b->mail_from_source);
	touch(b->truncated_note);
	touch(b->remote_mta);
	touch(b->recipient);
	touch(b->reply_status);
	touch(b->reply_text);
	if (b->reply == NULL && (b->reply_code != NULL ||
	    b->reply_text != NULL))
		abort();
	if (b->reply_code != NULL && strlen(b->reply_code) != 3)
		abort();
	for (i = 0; i < b->nrcpt; i++) {
		touch(b->rcpt[i].recipient);
		touch(b->rcpt[i].action);
		touch(b->rcpt[i].status);
		touch(b->rcpt[i].reply);
		touch(b->rcpt[i].remote_mta);
	}
	if (b->orig == NULL) {
		if (b->original != VOUCH_BOUNCE_ORIG_NONE || b->orig_len != 0)
			abort();
		return;
	}
	if (strlen(b->orig) != b->orig_len ||
	    b->orig_body_off > b->orig_len ||
	    b->original == VOUCH_BOUNCE_ORIG_NONE)
		abort();
	if ((b->original == VOUCH_BOUNCE_ORIG_TRUNCATED) !=
	    (b->truncated_note != NULL))
		abort();
	orig_received(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_bounce *b = NULL;
	struct vouch_error err;
	int rc = vouch_bounce_parse((const char *)data, size, &b, &err);

	if (rc < 0) {
		if (b != NULL || err.msg[0] == '\0')
			abort();
	} else {
		check(b);
		/* the input again as the original kept by the sender: it is
		   either taken whole or refused with b unchanged */
		rc = vouch_bounce_attach_original(b, (const char *)data, size,
		    &err);
		if ((rc == 0 && !b->original_given) ||
		    (rc != 0 && (b->original_given || err.msg[0] == '\0')))
			abort();
		check(b);
		vouch_bounce_free(b);
	}
	received((const char *)data, size);
	return 0;
}
