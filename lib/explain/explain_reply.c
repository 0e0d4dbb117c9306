/*
 * explain_reply.c - what the receiver's reply is about.  Replies are
 * free text; the enhanced status codes of RFC 7372 say it where the
 * receiver uses them (5.7.20-22 DKIM, 5.7.23-24 SPF, 5.7.25 reverse DNS,
 * 5.7.26 several checks), and the words say it elsewhere.  Microsoft's
 * 5.7.509 is its DMARC reject and 5.7.515 its requirements for
 * high-volume senders (SPF, DKIM and DMARC).  The order of the tests
 * matters: a text that names DMARC is about DMARC even when it also
 * says "spam".
 */
#include <ctype.h>
#include <string.h>

#include "explain/explain_int.h"

/* Whether text holds word, case ignored. */
int
vouch__explain_says(const char *text, const char *word)
{
	size_t n = strlen(word), i;

	/* at the start of a word: "nodmarc.example" is not about DMARC */
	for (i = 0; text[i] != '\0'; i++)
		if ((i == 0 || !isalnum((unsigned char)text[i - 1])) &&
		    vouch__strncaseeq(text + i, word, n))
			return 1;
	return 0;
}

int
vouch__explain_says_any(const char *text, const char *const *words)
{
	for (; text != NULL && *words != NULL; words++)
		if (vouch__explain_says(text, *words))
			return 1;
	return 0;
}

static int
status_is(const char *st, const char *const *codes)
{
	for (; st != NULL && *codes != NULL; codes++)
		if (strcmp(st, *codes) == 0)
			return 1;
	return 0;
}

enum explain_reply
vouch__explain_reply(const struct vouch_bounce *b)
{
	static const char *const dkim_st[] = { "5.7.20", "5.7.21", "5.7.22",
	    NULL };
	static const char *const spf_st[] = { "5.7.23", "5.7.24", NULL };
	static const char *const auth_st[] = { "5.7.26", "5.7.515", NULL };
	static const char *const ptr_st[] = { "5.7.25", NULL };
	static const char *const ptr_w[] = { "reverse dns", "ptr record",
	    "rdns", "reverse lookup", NULL };
	static const char *const dmarc_st[] = { "5.7.509", NULL };
	static const char *const auth_w[] = { "unauthenticated",
	    "authenticat", "not authenticated", NULL };
	static const char *const filter_w[] = { "blocklist", "blacklist",
	    "block list", "black list", "blocked using", "listed", "spamhaus",
	    "spamcop", "barracuda", "rbl", "dnsbl", "reputation", "spam",
	    "junk", "content", "virus", NULL };
	const char *r = b->reply, *st = b->reply_status;

	if (r == NULL)
		return REPLY_NONE;
	if (r[0] == '4' || (st != NULL && st[0] == '4'))
		return REPLY_TEMP;
	if (vouch__explain_says(r, "dmarc") || status_is(st, dmarc_st))
		return REPLY_DMARC;
	if (status_is(st, dkim_st) || vouch__explain_says(r, "dkim"))
		return REPLY_DKIM;
	if (status_is(st, spf_st) || vouch__explain_says(r, "spf") ||
	    vouch__explain_says(r, "sender policy framework"))
		return REPLY_SPF;
	if (status_is(st, ptr_st) || vouch__explain_says_any(r, ptr_w))
		return REPLY_PTR;
	if (status_is(st, auth_st) || vouch__explain_says_any(r, auth_w))
		return REPLY_AUTH;
	if (vouch__explain_says_any(r, filter_w))
		return REPLY_FILTER;
	return REPLY_OTHER;
}
