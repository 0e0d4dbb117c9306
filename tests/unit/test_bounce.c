/*
 * test_bounce.c - bounces, DSNs and messages (lib/bounce/, vouch/bounce.h):
 * one sample per format in tests/data/bounce/ (made up, modelled on what
 * Gmail, Microsoft 365, Yahoo, Postfix, Exim, Sendmail and qmail send),
 * with every expected value read off the sample text itself; the inputs
 * that are neither a bounce nor a message; the limits of SECURITY.md;
 * CRLF and LF; transfer encodings of the original; reply unfolding; every
 * allocation failing in turn; and Received fields as each MTA writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/bounce.h>

#include "failalloc.h"
#include "testutil.h"

/* 2024-06-03T00:00:00Z and 2024-06-04T00:00:00Z. */
#define JUN3 1717372800LL
#define JUN4 (JUN3 + 86400LL)
#define JUN5 (JUN4 + 86400LL)
#define HMS(h, m, s) ((h) * 3600LL + (m) * 60LL + (s))

#define NUL_OR(a, b) do { if ((b) == NULL) assert_null(a); \
	else assert_string_equal(a, b); } while (0)

static char *
sample(const char *name, size_t *len)
{
	char rel[256];
	char *data;

	snprintf(rel, sizeof(rel), "tests/data/bounce/%s", name);
	data = tu_read_file(tu_src_path(rel), len);
	assert_non_null(data);
	return data;
}

static struct vouch_bounce *
parse_buf(const char *data, size_t len)
{
	struct vouch_bounce *b = NULL;
	struct vouch_error err;
	int rc = vouch_bounce_parse(data, len, &b, &err);

	if (rc != 0)
		fail_msg("parse: %d %s", rc, err.msg);
	assert_non_null(b);
	return b;
}

static struct vouch_bounce *
parse_file(const char *name, char **data)
{
	size_t len;

	*data = sample(name, &len);
	return parse_buf(*data, len);
}

static int
parse_err(const char *data, size_t len, char *msg, size_t msglen)
{
	struct vouch_bounce *b = (struct vouch_bounce *)1;
	struct vouch_error err;
	int rc = vouch_bounce_parse(data, len, &b, &err);

	assert_true(rc < 0);
	assert_null(b);
	assert_int_equal(err.code, rc);
	assert_true(err.msg[0] != '\0');
	if (msg != NULL)
		snprintf(msg, msglen, "%s", err.msg);
	return rc;
}

static void
assert_prefix(const char *s, size_t len, const char *prefix)
{
	assert_non_null(s);
	assert_true(len >= strlen(prefix));
	if (memcmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%.60s\" does not start with \"%s\"", s, prefix);
}

static void
assert_suffix(const char *s, size_t len, const char *suffix)
{
	size_t k = strlen(suffix);

	assert_true(len >= k);
	if (memcmp(s + len - k, suffix, k) != 0)
		fail_msg("\"...%.40s\" does not end with \"%s\"",
		    s + (len > 40 ? len - 40 : 0), suffix);
}

/* The original starts with first, its body with body (NULL: none), and
 * it ends with last. */
static void
assert_orig(const struct vouch_bounce *b, enum vouch_bounce_original kind,
    const char *first, const char *body, const char *last)
{
	assert_int_equal(b->original, kind);
	assert_prefix(b->orig, b->orig_len, first);
	assert_int_equal(strlen(b->orig), b->orig_len);
	if (body == NULL) {
		assert_int_equal(b->orig_body_off, b->orig_len);
	} else {
		assert_true(b->orig_body_off < b->orig_len);
		assert_int_equal(b->orig[b->orig_body_off - 1], '\n');
		assert_true(b->orig[b->orig_body_off - 2] == '\n' ||
		    (b->orig[b->orig_body_off - 2] == '\r' &&
		    b->orig[b->orig_body_off - 3] == '\n'));
		assert_prefix(b->orig + b->orig_body_off,
		    b->orig_len - b->orig_body_off, body);
	}
	assert_suffix(b->orig, b->orig_len, last);
}

/* ---- one sample per format -------------------------------------------- */

/* What each sample says, read off its text. */
struct expect {
	const char *file;
	enum vouch_bounce_kind kind;
	const char *format;
	const char *reporting_mta;
	const char *code, *status, *text;	/* the reply in its parts */
	const char *recipient, *remote_mta;
	const char *mail_from, *source;
	enum vouch_bounce_original original;
	const char *first, *body, *last;	/* see assert_orig() */
	const char *note;
	int64_t date;
};

static const struct expect samples[] = {
	/* Diagnostic-Code folded over three "550-5.7.1" lines; Remote-MTA
	 * with Gmail's comment; no Return-Path: the bounce's To. */
	{ "gmail.eml", VOUCH_BOUNCE_DSN, "gmail", "googlemail.com",
	    "550", "5.7.1", "Message rejected due to local policy. Contact "
	    "postmaster@example.org for details.", "user@example.org",
	    "mx.example.org", "sender@example.com", "the bounce's To",
	    VOUCH_BOUNCE_ORIG_FULL, "DKIM-Signature: v=1; a=rsa-sha256;",
	    "Hello,\n", "\nSam", NULL, JUN3 + HMS(9, 15, 30) },
	/* "Original message headers:" in the quoted-printable text. */
	{ "microsoft.eml", VOUCH_BOUNCE_DSN, "microsoft",
	    "AM0PR01MB1234.eurprd01.prod.exchangelabs.com", "550", "5.7.509",
	    "Access denied, sending domain EXAMPLE.COM does not pass DMARC "
	    "verification and has a DMARC policy of reject. "
	    "[AM0PR01MB1234.eurprd01.prod.exchangelabs.com "
	    "2024-06-03T09:20:12.345Z 08DC83A1B2C3D4E5]", "user@example.org",
	    "mx.example.org", "invoices@example.com", "Return-Path",
	    VOUCH_BOUNCE_ORIG_HEADERS, "Received: from mail.example.com "
	    "(192.0.2.10) by\n", NULL, "Content-Type: text/plain\n", NULL,
	    JUN3 + HMS(9, 20, 10) },
	/* No Diagnostic-Code: the reply quoted in the prose.  The original
	 * a base64 "Minutes.eml" attachment with CRLF inside. */
	{ "microsoft-eml.eml", VOUCH_BOUNCE_DSN, "microsoft",
	    "DB9PR02MB7777.eurprd02.prod.outlook.com", "554", "5.4.14",
	    "Hop count exceeded - possible mail loop ATTR34",
	    "team@example.net", NULL, "minutes@example.com", "Return-Path",
	    VOUCH_BOUNCE_ORIG_FULL, "Return-Path: <minutes@example.com>\r\n"
	    "From: Clerk", "Minutes of the meeting.", "meeting.\r\n", NULL,
	    JUN4 + HMS(7, 1, 50) },
	/* X-Postfix-Sender beats the original's Return-Path. */
	{ "postfix.eml", VOUCH_BOUNCE_DSN, "postfix", "mail.example.com",
	    "550", "5.7.26", "This mail is unauthenticated, which poses a "
	    "security risk to the sender and Gmail users, and has been "
	    "blocked. The sender must authenticate with at least one of SPF "
	    "or DKIM. For this message, DKIM checks did not pass and SPF "
	    "check for [example.com] did not pass with ip: [192.0.2.10]. To "
	    "best protect our users from spam, the message has been blocked. "
	    "For instructions on setting up authentication, go to "
	    "https://support.google.com/mail/answer/81126#authentication "
	    "a1si123456 - gsmtp", "user@gmail.com",
	    "gmail-smtp-in.l.google.com", "sender@example.com",
	    "X-Postfix-Sender", VOUCH_BOUNCE_ORIG_HEADERS, "Return-Path: "
	    "<bounces+42@example.com>\nReceived: from [192.0.2.10]", NULL,
	    "Message-ID: <news-2024-06@example.com>\n", NULL,
	    JUN3 + HMS(9, 20, 9) },
	/* Eleven "550-5.7.26" lines, two of them empty, into one. */
	{ "exim.eml", VOUCH_BOUNCE_TEXT, "exim", NULL, "550", "5.7.26",
	    "This mail has been blocked because the sender is "
	    "unauthenticated. Gmail requires all senders to authenticate with "
	    "either SPF or DKIM. Authentication results: DKIM = did not pass "
	    "SPF [example.com] with ip: [192.0.2.10] = did not pass For "
	    "instructions on setting up authentication, go to "
	    "https://support.google.com/mail/answer/81126#authentication "
	    "b3si8 - gsmtp", "user@gmail.com", "gmail-smtp-in.l.google.com",
	    "sender@example.com", "Return-Path", VOUCH_BOUNCE_ORIG_TRUNCATED,
	    "Return-path: <sender@example.com>\nReceived: from "
	    "[198.51.100.7] (helo=laptop.example.com)", "Dear all,\n",
	    "next quarter.\n", "The body of the message is 48213 characters "
	    "long; only the first 16384 or so are included here.",
	    JUN3 + HMS(9, 30, 0) },
	/* "05:39:50 EDT": an obsolete zone, UTC-4 (RFC 5322 4.3). */
	{ "qmail.eml", VOUCH_BOUNCE_TEXT, "qmail", NULL, "550", "5.7.1",
	    "<user@example.org>: Recipient address rejected: Access denied",
	    "user@example.org", "203.0.113.40", "sender@example.net",
	    "Return-Path", VOUCH_BOUNCE_ORIG_FULL, "Return-Path: "
	    "<sender@example.net>\nReceived: (qmail 12340", "Lunch at noon?",
	    "Lunch at noon?\n", NULL, JUN3 + HMS(9, 39, 50) },
	{ "yahoo.eml", VOUCH_BOUNCE_TEXT, "yahoo", NULL, "554", "5.7.9",
	    "Message not accepted for policy reasons. See "
	    "https://senders.yahooinc.com/error-codes [End of data]",
	    "user@yahoo.com", NULL, "sender@example.com", "the bounce's To",
	    VOUCH_BOUNCE_ORIG_FULL, "Received: from 192.0.2.33 (EHLO "
	    "mail.example.com)\n", "You are invited.", "You are invited.\n",
	    NULL, JUN3 + HMS(9, 45, 0) },
	/* The transcript's "<<<" lines, not Sendmail's own summary. */
	{ "sendmail.eml", VOUCH_BOUNCE_TEXT, "sendmail", NULL, "550", "5.7.1",
	    "Rejected by DMARC policy for example.com: see "
	    "https://dmarc.example.org/why", "user@example.org",
	    "mx.example.org", "sender@example.com", "Return-Path",
	    VOUCH_BOUNCE_ORIG_FULL, "Return-Path: <sender@example.com>\n"
	    "Received: from laptop.example.com", "See the report.",
	    "See the report.\n", NULL, JUN3 + HMS(10, 49, 55) },
	/* Three recipients (delayed, failed 5.1.1, failed 5.7.1): the 5.7
	 * one is chosen; its reply has no enhanced code, so the DSN Status
	 * stands in.  The original is base64 inside message/rfc822. */
	{ "rfc3464.eml", VOUCH_BOUNCE_DSN, "rfc3464", "mx.example.net",
	    "550", NULL, "Message rejected by DMARC policy",
	    "strict@example.org", "mx2.example.org", "sender@example.com",
	    "Return-Path", VOUCH_BOUNCE_ORIG_FULL, "Return-Path: "
	    "<sender@example.com>\nReceived: from mail.example.com",
	    "Hello all.", "Hello all.\n", NULL, JUN4 + HMS(11, 57, 58) },
	/* Regressions from real bounces.  Gmail's plain-text report (before
	 * 2017): the reply after "The error that the other server returned
	 * was:", the host from "... for the recipient domain D by H. [ip].",
	 * the copy after "----- Original message -----". */
	{ "gmail-text.eml", VOUCH_BOUNCE_TEXT, "gmail", NULL, "550", "5.7.1",
	    "Unauthenticated email from example.com is not accepted due to "
	    "domain's DMARC policy. Please contact the administrator of "
	    "example.com domain if this was a legitimate mail.",
	    "user@example.org", "mx.example.org", "sender@example.com",
	    "Return-Path", VOUCH_BOUNCE_ORIG_FULL, "Return-Path: "
	    "<sender@example.com>\nReceived: from laptop.example.com",
	    "The figures are attached.", "The figures are attached.\n", NULL,
	    JUN3 + HMS(11, 9, 55) },
	/* Yahoo and AOL write the remote reply as "550: 5.7.1 text". */
	{ "yahoo-colon.eml", VOUCH_BOUNCE_TEXT, "yahoo", NULL, "550", "5.7.1",
	    "<user@example.org>: Recipient address rejected: SPF check failed "
	    "for example.com", "user@example.org", NULL, "sender@example.com",
	    "the bounce's To", VOUCH_BOUNCE_ORIG_FULL, "Received: from "
	    "sonic.gate.mail.ne1.yahoo.com", "Lunch on Friday?",
	    "Lunch on Friday?\n", NULL, JUN3 + HMS(11, 59, 58) },
	/* qmail's "... remote host H said: 550 ..." inside a sentence. */
	{ "qmail-remote.eml", VOUCH_BOUNCE_TEXT, "qmail", NULL, "550",
	    "5.7.23", "<user@example.org>: Recipient address rejected: SPF "
	    "validation failed", "user@example.org", "203.0.113.40",
	    "sender@example.net", "Return-Path", VOUCH_BOUNCE_ORIG_FULL,
	    "Return-Path: <sender@example.net>\nReceived: (qmail 4240",
	    "The minutes are below.", "The minutes are below.\n", NULL,
	    JUN3 + HMS(12, 29, 58) },
	/* A Postfix report without its delivery-status part: the prose,
	 * "<addr>: host" alone on its line, "said:" ending the next. */
	{ "postfix-notification.eml", VOUCH_BOUNCE_DSN, "postfix", NULL,
	    "550", "5.7.509", "Access denied, sending domain EXAMPLE.COM does "
	    "not pass DMARC verification and has a DMARC policy of reject. "
	    "[DM6NAM12FT001.eop-nam12.prod.protection.outlook.com]",
	    "user@example.org", "example-org.mail.protection.outlook.com",
	    "sender@example.com", "Return-Path", VOUCH_BOUNCE_ORIG_FULL,
	    "Return-Path: <sender@example.com>\nReceived: by "
	    "mail.example.com", "Invoice 42 is attached.",
	    "Invoice 42 is attached.\n", NULL, JUN3 + HMS(13, 0, 4) },
};

static void
check_sample(const struct expect *e, const struct vouch_bounce *b)
{
	char want[2048];

	assert_int_equal(b->kind, e->kind);
	assert_string_equal(b->format, e->format);
	NUL_OR(b->reporting_mta, e->reporting_mta);
	snprintf(want, sizeof(want), "%s %s%s%s", e->code, e->status != NULL ?
	    e->status : "", e->status != NULL ? " " : "", e->text);
	assert_string_equal(b->reply, want);
	assert_string_equal(b->reply_code, e->code);
	if (e->status != NULL)
		assert_string_equal(b->reply_status, e->status);
	assert_string_equal(b->reply_text, e->text);
	assert_string_equal(b->recipient, e->recipient);
	NUL_OR(b->remote_mta, e->remote_mta);
	assert_string_equal(b->mail_from, e->mail_from);
	assert_string_equal(b->mail_from_source, e->source);
	assert_orig(b, e->original, e->first, e->body, e->last);
	NUL_OR(b->truncated_note, e->note);
	assert_int_equal(b->orig_date, e->date);
}

static void
test_samples(void **state)
{
	struct vouch_bounce *b;
	size_t i;
	char *data;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		print_message("%s\n", samples[i].file);
		b = parse_file(samples[i].file, &data);
		check_sample(&samples[i], b);
		vouch_bounce_free(b);
		free(data);
	}
}

/* What the table does not hold: per-message fields, the recipients. */
static const struct {
	const char *file, *subject, *arrival, *action, *status;
} details[] = {
	{ "gmail.eml", "Delivery Status Notification (Failure)",
	    "Mon, 03 Jun 2024 02:15:39 -0700 (PDT)", "failed", "5.7.1" },
	{ "postfix.eml", "Undelivered Mail Returned to Sender",
	    "Mon, 3 Jun 2024 09:20:10 +0000 (UTC)", "failed", "5.7.26" },
	{ "exim.eml", "Mail delivery failed: returning message to sender",
	    NULL, "failed", "5.7.26" },
	{ "qmail.eml", "failure notice", NULL, "failed", "5.7.1" },
};

static void
test_sample_details(void **state)
{
	struct vouch_bounce *b;
	char *data;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		b = parse_file(details[i].file, &data);
		assert_string_equal(b->subject, details[i].subject);
		NUL_OR(b->arrival_date, details[i].arrival);
		assert_int_equal(b->nrcpt, 1);
		assert_string_equal(b->rcpt[0].action, details[i].action);
		assert_string_equal(b->rcpt[0].status, details[i].status);
		vouch_bounce_free(b);
		free(data);
	}
	b = parse_file("rfc3464.eml", &data);
	assert_string_equal(b->reply_status, "5.7.1");
	assert_int_equal(b->nrcpt, 3);
	assert_string_equal(b->rcpt[0].recipient, "slow@example.org");
	assert_string_equal(b->rcpt[0].action, "delayed");
	assert_string_equal(b->rcpt[0].status, "4.4.1");
	assert_string_equal(b->rcpt[0].reply,
	    "421 4.4.1 Connection timed out");
	assert_string_equal(b->rcpt[1].recipient, "gone@example.org");
	assert_string_equal(b->rcpt[1].action, "failed");
	assert_string_equal(b->rcpt[1].remote_mta, "mx1.example.org");
	assert_string_equal(b->rcpt[2].recipient, "strict@example.org");
	vouch_bounce_free(b);
	free(data);
}

/* Plain-text forms the samples do not show: Exim's headers-only copy, an
 * indented copy, qmail's multi-line reply, a base64 text part, and prose
 * from no known program ("text"). */
static void
test_text_variants(void **state)
{
	static const char exim_hdrs[] = "From: Mail Delivery System "
	    "<Mailer-Daemon@mx.example.net>\nTo: s@example.com\n\n"
	    "This message was created automatically by mail delivery "
	    "software.\n\n  u@example.org\n    host mx.example.org "
	    "[203.0.113.9]: 550 5.7.1 Go away\n\n------ This is a copy of the "
	    "message's headers. ------\n\nReturn-path: <s@example.com>\n"
	    "From: s@example.com\n";
	static const char indented[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "\nHi. This is the qmail-send program at mx.example.net.\n\n"
	    "<u@example.org>:\nRemote host said: 550-5.7.1 first\n"
	    "550 5.7.1 second\nGiving up on 203.0.113.9.\n\n--- Below this "
	    "line is a copy of the message.\n\n  From: s@example.com\n"
	    "  Subject: x\n\n  body\n";
	static const char mixed[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "\nHi. This is the qmail-send program at mx.example.net.\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "From: s@example.com\nSubject: folded\n  more\n\nbody\n";
	static const char b64[] = "From: Mailer-Daemon@mx.example.net\n"
	    "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	    "VGhpcyBtZXNzYWdlIHdhcyBjcmVhdGVkIGF1dG9tYXRpY2FsbHkgYnkgbWFpbCBk"
	    "ZWxp\ndmVyeSBzb2Z0d2FyZS4KCi0tLS0tLSBUaGlzIGlzIGEgY29weSBvZiB0aG"
	    "UgbWVzc2Fn\nZSwgaW5jbHVkaW5nIGFsbCB0aGUgaGVhZGVycy4gLS0tLS0tCgpG"
	    "cm9tOiBzQGV4YW1w\nbGUuY29tCgpoaQo=\n";
	static const char other[] = "From: postmaster@mx.example.net\n"
	    "To: s@example.com\nSubject: Undeliverable\n\nDelivery failed.\n\n"
	    "<u@example.org>: host mx.example.org[203.0.113.9] said: 550\n"
	    "    5.7.1 Go away (in reply to RCPT TO command)\n";
	struct vouch_bounce *b;

	(void)state;
	b = parse_buf(exim_hdrs, strlen(exim_hdrs));
	assert_string_equal(b->format, "exim");
	assert_string_equal(b->reply, "550 5.7.1 Go away");
	assert_string_equal(b->remote_mta, "mx.example.org");
	assert_orig(b, VOUCH_BOUNCE_ORIG_HEADERS, "Return-path: "
	    "<s@example.com>\n", NULL, "From: s@example.com\n");
	vouch_bounce_free(b);
	/* Every line indented: the indentation goes. */
	b = parse_buf(indented, strlen(indented));
	assert_string_equal(b->format, "qmail");
	assert_string_equal(b->reply, "550 5.7.1 first second");
	assert_string_equal(b->remote_mta, "203.0.113.9");
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "From: s@example.com\n"
	    "Subject: x\n\n", "body\n", "body\n");
	vouch_bounce_free(b);
	/* Only folding lines indented: kept as they are. */
	b = parse_buf(mixed, strlen(mixed));
	assert_int_equal(b->kind, VOUCH_BOUNCE_TEXT);
	assert_null(b->reply);
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "From: s@example.com\n"
	    "Subject: folded\n  more\n", "body\n", "body\n");
	vouch_bounce_free(b);
	b = parse_buf(b64, strlen(b64));
	assert_string_equal(b->format, "exim");
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "From: s@example.com\n", "hi",
	    "hi\n");
	vouch_bounce_free(b);
	b = parse_buf(other, strlen(other));
	assert_int_equal(b->kind, VOUCH_BOUNCE_TEXT);
	assert_string_equal(b->format, "text");
	assert_string_equal(b->reply, "550 5.7.1 Go away");
	assert_string_equal(b->recipient, "u@example.org");
	assert_string_equal(b->remote_mta, "mx.example.org");
	assert_int_equal(b->original, VOUCH_BOUNCE_ORIG_NONE);
	assert_string_equal(b->mail_from, "s@example.com");
	assert_string_equal(b->mail_from_source, "the bounce's To");
	vouch_bounce_free(b);
}

/* in parsed from a heap copy of exactly its length, so that a read past
 * the end is caught (ASan), not excused by a NUL. */
static struct vouch_bounce *
parse_exact(const char *in)
{
	size_t n = strlen(in);
	char *copy = malloc(n);
	struct vouch_bounce *b;

	assert_non_null(copy);
	memcpy(copy, in, n);
	b = parse_buf(copy, n);
	free(copy);
	return b;
}

/* Forms met in real bounces that the samples do not show: a reply of the
 * code alone at the very end of the input (it was read past the end);
 * Yahoo's "554: text" without an enhanced code; Gmail's plain-text report
 * of a delay, whose reply is Gmail's own summary. */
static void
test_real_forms(void **state)
{
	static const char code_only[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: message/delivery-status\n\nFinal-Recipient: "
	    "rfc822; u@example.org\nAction: failed\nDiagnostic-Code: smtp; "
	    "550";
	static const char qmail_code[] = "From: MAILER-DAEMON@mx.example.net"
	    "\n\nHi. This is the qmail-send program at mx.example.net.\n\n"
	    "<u@example.org>:\nRemote host said: 550";
	static const char yahoo[] = "From: MAILER-DAEMON@yahoo.com\n"
	    "To: s@example.com\n\nSorry, we were unable to deliver your "
	    "message to the following address.\n\n<u@example.org>:\n554: "
	    "delivery error: dd Not a valid recipient - mta1.example.net\n\n"
	    "--- Below this line is a copy of the message.\n\nFrom: "
	    "s@example.com\n\nhi\n";
	static const char gmail_delay[] = "From: Mail Delivery Subsystem "
	    "<mailer-daemon@googlemail.com>\nTo: s@example.com\n\nDelivery "
	    "to the following recipient has been delayed:\n\n     "
	    "u@example.org\n\nTechnical details of temporary failure:\nThe "
	    "recipient server did not accept our requests to connect.\n"
	    "[mx.example.org. 192.0.2.25: timed out]\n\n----- Original "
	    "message -----\n\nFrom: s@example.com\n\nhi\n";
	struct vouch_bounce *b;

	(void)state;
	b = parse_exact(code_only);
	assert_int_equal(b->kind, VOUCH_BOUNCE_DSN);
	assert_string_equal(b->reply, "550");
	assert_string_equal(b->reply_code, "550");
	assert_null(b->reply_status);
	assert_null(b->reply_text);
	vouch_bounce_free(b);
	b = parse_exact(qmail_code);
	assert_string_equal(b->format, "qmail");
	assert_string_equal(b->reply, "550");
	assert_string_equal(b->recipient, "u@example.org");
	vouch_bounce_free(b);
	b = parse_exact(yahoo);
	assert_string_equal(b->format, "yahoo");
	assert_string_equal(b->reply_code, "554");
	assert_null(b->reply_status);
	assert_string_equal(b->reply_text, "delivery error: dd Not a valid "
	    "recipient - mta1.example.net");
	assert_string_equal(b->recipient, "u@example.org");
	vouch_bounce_free(b);
	b = parse_exact(gmail_delay);
	assert_int_equal(b->kind, VOUCH_BOUNCE_TEXT);
	assert_string_equal(b->format, "gmail");
	assert_int_equal(b->nrcpt, 1);
	assert_string_equal(b->rcpt[0].action, "delayed");
	assert_string_equal(b->recipient, "u@example.org");
	assert_null(b->reply_code);
	assert_string_equal(b->reply, "The recipient server did not accept "
	    "our requests to connect. [mx.example.org. 192.0.2.25: timed "
	    "out]");
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "From: s@example.com\n", "hi",
	    "hi\n");
	vouch_bounce_free(b);
}

static void
test_message(void **state)
{
	char *data;
	struct vouch_bounce *b = parse_file("message.eml", &data);

	(void)state;
	assert_int_equal(b->kind, VOUCH_BOUNCE_MESSAGE);
	assert_string_equal(b->format, "message");
	assert_null(b->reply);
	assert_null(b->reply_code);
	assert_null(b->reply_status);
	assert_null(b->reply_text);
	assert_null(b->recipient);
	assert_int_equal(b->nrcpt, 0);
	assert_string_equal(b->subject, "Hello");
	assert_string_equal(b->mail_from, "bounce-7@example.com");
	assert_string_equal(b->mail_from_source, "Return-Path");
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "Return-Path: "
	    "<bounce-7@example.com>\n", "Hello there.\n", "Hello there.\n");
	assert_ptr_not_equal(b->orig, data);	/* a copy */
	assert_int_equal(b->orig_date, JUN5 + HMS(8, 0, 0));
	vouch_bounce_free(b);
	free(data);
}

static void
test_message_no_body(void **state)
{
	static const char in[] = "From: a@example.com\r\nTo: b@example.org"
	    "\r\nSubject: s\r\nDate: Wed, 5 Jun 2024 08:00:00 GMT\r\n";
	static const char mbox[] = "From a@example.com Wed Jun  5 08:00:00 "
	    "2024\nReturn-Path: <>\nFrom: a@example.com\n\nbody\n";
	struct vouch_bounce *b = parse_buf(in, strlen(in));

	(void)state;
	assert_int_equal(b->kind, VOUCH_BOUNCE_MESSAGE);
	assert_orig(b, VOUCH_BOUNCE_ORIG_HEADERS, "From: a@example.com\r\n",
	    NULL, "GMT\r\n");
	assert_null(b->mail_from);
	assert_null(b->mail_from_source);
	assert_int_equal(b->orig_date, JUN5 + HMS(8, 0, 0));
	vouch_bounce_free(b);
	/* An mbox "From " line goes; Return-Path "<>" is the null path. */
	b = parse_buf(mbox, strlen(mbox));
	assert_int_equal(b->kind, VOUCH_BOUNCE_MESSAGE);
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "Return-Path: <>\n", "body\n",
	    "body\n");
	assert_string_equal(b->mail_from, "");
	assert_string_equal(b->mail_from_source, "Return-Path");
	assert_int_equal(b->orig_date, 0);
	vouch_bounce_free(b);
}

/* ---- neither a bounce nor a message ------------------------------------- */

static void
test_neither(void **state)
{
	static const char binary[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const char text[] = "Hello,\n\nthis is just some text.\n";
	static const char nofrom[] = "Subject: hi\nTo: a@example.org\n\nhi\n";
	char msg[VOUCH_ERROR_MSG_MAX];
	struct vouch_bounce *b = NULL;

	(void)state;
	assert_int_equal(parse_err("", 0, msg, sizeof(msg)), VOUCH_ESYNTAX);
	assert_non_null(strstr(msg, "empty"));
	assert_int_equal(parse_err(binary, sizeof(binary) - 1, msg,
	    sizeof(msg)), VOUCH_ESYNTAX);
	assert_non_null(strstr(msg, "no header section"));
	assert_int_equal(parse_err(text, strlen(text), msg, sizeof(msg)),
	    VOUCH_ESYNTAX);
	assert_non_null(strstr(msg, "no header section"));
	assert_int_equal(parse_err(nofrom, strlen(nofrom), msg, sizeof(msg)),
	    VOUCH_ESYNTAX);
	assert_non_null(strstr(msg, "no From field and no delivery status"));
	assert_int_equal(vouch_bounce_parse(NULL, 1, &b, NULL), VOUCH_EINVAL);
	assert_int_equal(vouch_bounce_parse("a", 1, NULL, NULL), VOUCH_EINVAL);
	vouch_bounce_free(NULL);
	assert_string_equal(vouch_bounce_kind_name(VOUCH_BOUNCE_TEXT), "text");
	assert_string_equal(vouch_bounce_kind_name(VOUCH_BOUNCE_DSN), "dsn");
	assert_string_equal(vouch_bounce_kind_name(VOUCH_BOUNCE_MESSAGE),
	    "message");
	assert_string_equal(vouch_bounce_original_name(
	    VOUCH_BOUNCE_ORIG_TRUNCATED), "truncated");
	assert_string_equal(vouch_bounce_original_name(VOUCH_BOUNCE_ORIG_NONE),
	    "none");
	assert_string_equal(vouch_bounce_original_name(
	    VOUCH_BOUNCE_ORIG_HEADERS), "headers");
	assert_string_equal(vouch_bounce_original_name(VOUCH_BOUNCE_ORIG_FULL),
	    "full");
}

/* A DSN without the returned message is still a DSN (RET=HDRS refused, or
 * the bouncer keeps nothing): original NONE, the reply all the same. */
static void
test_dsn_without_original(void **state)
{
	static const char in[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.com\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\n\n--B\nContent-Type: text/plain\n\nFailed.\n--B\n"
	    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; "
	    "mx.example.net\n\nFinal-Recipient: rfc822; <u@example.org>\n"
	    "Action: Failed\nStatus: 5.1.1 (bad mailbox)\n--B--\n";
	struct vouch_bounce *b = parse_buf(in, strlen(in));

	(void)state;
	assert_int_equal(b->kind, VOUCH_BOUNCE_DSN);
	assert_int_equal(b->original, VOUCH_BOUNCE_ORIG_NONE);
	assert_null(b->orig);
	assert_int_equal(b->orig_len, 0);
	assert_string_equal(b->recipient, "u@example.org");
	assert_string_equal(b->rcpt[0].action, "failed");
	/* No reply at all: the DSN Status is what there is. */
	assert_null(b->reply);
	assert_null(b->reply_code);
	assert_string_equal(b->reply_status, "5.1.1");
	assert_string_equal(b->mail_from, "sender@example.com");
	assert_string_equal(b->mail_from_source, "the bounce's To");
	vouch_bounce_free(b);
}

/* The original as the sender kept it, given afterwards: it replaces what
 * the bounce carried; its Return-Path names the envelope sender unless
 * the DSN did; whatever fails leaves the bounce as it was. */
static void
test_attach_original(void **state)
{
	static const char in[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "To: sender@example.com\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\n\n--B\nContent-Type: text/plain\n\nFailed.\n--B\n"
	    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; "
	    "mx.example.net\n\nFinal-Recipient: rfc822; <u@example.org>\n"
	    "Action: failed\nStatus: 5.7.1\n--B--\n";
	static const char sent[] = "From Joe Tue Nov 14 22:13:20 2023\n"
	    "Return-Path: <bounces@example.com>\n"
	    "From: Joe <joe@example.com>\nTo: u@example.org\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\nSubject: hi\n\nHello.\n";
	static const char no_from[] = "Subject: x\n\nbody\n";
	struct vouch_bounce *b = parse_buf(in, strlen(in));
	struct vouch_error err;
	char *big;

	(void)state;
	assert_int_equal(b->original, VOUCH_BOUNCE_ORIG_NONE);
	assert_int_equal(b->original_given, 0);
	/* not a message, empty, too big, no bounce: b is unchanged */
	assert_int_equal(vouch_bounce_attach_original(b, no_from,
	    strlen(no_from), &err), VOUCH_ESYNTAX);
	assert_non_null(strstr(err.msg, "From field"));
	assert_int_equal(vouch_bounce_attach_original(b, "", 0, &err),
	    VOUCH_ESYNTAX);
	big = calloc(1, (size_t)VOUCH_BOUNCE_MAX + 1);
	assert_non_null(big);
	assert_int_equal(vouch_bounce_attach_original(b, big,
	    (size_t)VOUCH_BOUNCE_MAX + 1, &err), VOUCH_ELIMIT);
	free(big);
	assert_int_equal(vouch_bounce_attach_original(NULL, sent,
	    strlen(sent), &err), VOUCH_EINVAL);
	assert_null(b->orig);
	assert_int_equal(b->original_given, 0);
	assert_string_equal(b->mail_from, "sender@example.com");
	/* the copy, mbox "From " line skipped */
	assert_int_equal(vouch_bounce_attach_original(b, sent, strlen(sent),
	    &err), 0);
	assert_int_equal(b->original, VOUCH_BOUNCE_ORIG_FULL);
	assert_int_equal(b->original_given, 1);
	assert_non_null(b->orig);
	assert_int_equal(strncmp(b->orig, "Return-Path:", 12), 0);
	assert_string_equal(b->orig + b->orig_body_off, "Hello.\n");
	assert_int_equal(b->orig_date, 1700000000);
	assert_string_equal(b->mail_from, "bounces@example.com");
	assert_string_equal(b->mail_from_source, "the original's Return-Path");
	/* the DSN's reply is untouched */
	assert_string_equal(b->reply_status, "5.7.1");
	vouch_bounce_free(b);
}

/* ---- limits ------------------------------------------------------------- */

/* depth nested multiparts, then parts text parts at the bottom. */
static char *
nested(unsigned depth, unsigned parts, size_t *len)
{
	size_t cap = 64 + depth * 160 + parts * 80, n = 0;
	char *s = malloc(cap);
	unsigned i;

	assert_non_null(s);
	n += (size_t)snprintf(s + n, cap - n, "From: a@example.com\n");
	for (i = 0; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "Content-Type: "
		    "multipart/mixed; boundary=\"b%u\"\n\n--b%u\n", i, i);
	n += (size_t)snprintf(s + n, cap - n, "Content-Type: multipart/mixed;"
	    " boundary=\"z\"\n\n");
	for (i = 0; i < parts; i++)
		n += (size_t)snprintf(s + n, cap - n, "--z\nContent-Type: "
		    "text/plain\n\npart %u\n", i);
	n += (size_t)snprintf(s + n, cap - n, "--z--\n");
	assert_true(n < cap);
	*len = n;
	return s;
}

static void
test_limits(void **state)
{
	char msg[VOUCH_ERROR_MSG_MAX];
	struct vouch_bounce *b;
	size_t len;
	char *s;

	(void)state;
	/* The top is level 0 and each multipart's parts one deeper: 15
	 * wrappers and the parts multipart put the leaves at 16. */
	s = nested(15, 1, &len);
	b = parse_buf(s, len);
	assert_int_equal(b->kind, VOUCH_BOUNCE_MESSAGE);
	vouch_bounce_free(b);
	free(s);
	s = nested(16, 1, &len);
	assert_int_equal(parse_err(s, len, msg, sizeof(msg)), VOUCH_ELIMIT);
	assert_non_null(strstr(msg, "16 levels"));
	free(s);
	/* 32 parts in all pass; 33 do not. */
	s = nested(0, 32, &len);
	b = parse_buf(s, len);
	vouch_bounce_free(b);
	free(s);
	s = nested(2, 31, &len);
	assert_int_equal(parse_err(s, len, msg, sizeof(msg)), VOUCH_ELIMIT);
	assert_non_null(strstr(msg, "32 MIME parts"));
	free(s);
	/* Over VOUCH_BOUNCE_MAX is refused before any byte is read. */
	assert_int_equal(parse_err("From: a@b\n", VOUCH_BOUNCE_MAX + 1u, msg,
	    sizeof(msg)), VOUCH_ELIMIT);
	assert_non_null(strstr(msg, "over the limit"));
}

/* ---- line ends, encodings, replies -------------------------------------- */

static char *
to_crlf(const char *s, size_t len, size_t *out)
{
	char *d = malloc(len * 2 + 1);
	size_t i, n = 0;

	assert_non_null(d);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			d[n++] = '\r';
		d[n++] = s[i];
	}
	d[n] = '\0';
	*out = n;
	return d;
}

static size_t
count_lf(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void
test_crlf(void **state)
{
	static const char *const names[] = { "postfix.eml", "exim.eml",
	    "gmail.eml", "sendmail.eml" };
	struct vouch_bounce *lf, *crlf;
	size_t i, len, n;
	char *data, *d;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		data = sample(names[i], &len);
		d = to_crlf(data, len, &n);
		lf = parse_buf(data, len);
		crlf = parse_buf(d, n);
		assert_int_equal(lf->kind, crlf->kind);
		assert_string_equal(lf->format, crlf->format);
		assert_string_equal(lf->reply, crlf->reply);
		assert_string_equal(lf->recipient, crlf->recipient);
		assert_string_equal(lf->mail_from, crlf->mail_from);
		assert_int_equal(lf->original, crlf->original);
		assert_int_equal(lf->orig_date, crlf->orig_date);
		/* The same original, each with the input's line ends. */
		assert_null(memchr(lf->orig, '\r', lf->orig_len));
		assert_non_null(strstr(crlf->orig, "\r\n"));
		assert_int_equal(crlf->orig_body_off - lf->orig_body_off,
		    count_lf(lf->orig, lf->orig_body_off));
		assert_int_equal(crlf->orig_len - lf->orig_len,
		    count_lf(lf->orig, lf->orig_len));
		vouch_bounce_free(lf);
		vouch_bounce_free(crlf);
		free(d);
		free(data);
	}
}

/* text/rfc822-headers in base64, a message/global-delivery-status part
 * (RFC 6533) and a quoted-printable message/rfc822. */
static void
test_encodings(void **state)
{
	static const char hdrs[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "To: s@example.com\nContent-Type: multipart/report; "
	    "report-type=global-delivery-status; boundary=\"x y\"\n\n"
	    "--x y\nContent-Type: message/global-delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: "
	    "rfc822; j\xc3\xb6rg@example.org\nAction: failed\nStatus: "
	    "5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Denied\n\n--x y\n"
	    "Content-Type: text/rfc822-headers\nContent-Transfer-Encoding: "
	    "base64\n\nUmV0dXJuLVBhdGg6IDxzQGV4YW1wbGUuY29tPg0KRnJvbTogc0Bl"
	    "eGFtcGxlLmNvbQ0K\n--x y--\n";
	static const char qp[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=q\n\n--q\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Diagnostic-Code: smtp; 554 Go away\n\n--q\nContent-Type: "
	    "message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "From: s@example.com\nSubject: caf=C3=A9 =\nlong\n\nBody=3D1\n"
	    "--q--\n";
	struct vouch_bounce *b = parse_buf(hdrs, strlen(hdrs));

	(void)state;
	assert_int_equal(b->kind, VOUCH_BOUNCE_DSN);
	assert_string_equal(b->recipient, "j\xc3\xb6rg@example.org");
	assert_string_equal(b->reply, "550 5.7.1 Denied");
	/* "Return-Path: <s@example.com>\r\nFrom: s@example.com\r\n" */
	assert_orig(b, VOUCH_BOUNCE_ORIG_HEADERS, "Return-Path: "
	    "<s@example.com>\r\nFrom: s@example.com\r\n", NULL,
	    "s@example.com\r\n");
	assert_int_equal(b->orig_len, strlen("Return-Path: <s@example.com>"
	    "\r\nFrom: s@example.com\r\n"));
	assert_string_equal(b->mail_from, "s@example.com");
	assert_string_equal(b->mail_from_source, "Return-Path");
	vouch_bounce_free(b);
	b = parse_buf(qp, strlen(qp));
	assert_orig(b, VOUCH_BOUNCE_ORIG_FULL, "From: s@example.com\n"
	    "Subject: caf\xc3\xa9 long\n", "Body=1", "Body=1");
	assert_string_equal(b->reply, "554 Go away");
	assert_null(b->reply_status);
	assert_string_equal(b->reply_text, "Go away");
	assert_null(b->mail_from);
	vouch_bounce_free(b);
}

/* Diagnostic-Code forms: "550-" continuation lines with and without the
 * enhanced code repeated, Postfix's single folded line, a type other
 * than smtp, and no code at all. */
static void
test_unfold(void **state)
{
	static const char head[] = "From: MAILER-DAEMON@mx.example.net\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=u\n\n--u\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: ";
	static const struct {
		const char *diag;
		const char *reply;
		const char *status;
	} cases[] = {
		{ "smtp; 550-5.7.26 first line\n 550-5.7.26 second\n"
		    " 550 5.7.26 last", "550 5.7.26 first line second last",
		    "5.7.26" },
		{ "smtp; 550-first\n 550-second\n 550 last",
		    "550 first second last", "5.0.0" },
		{ "SMTP;451-4.7.1 Greylisted,\r\n\t451 try again later",
		    "451 4.7.1 Greylisted, try again later", "4.7.1" },
		{ "smtp; 550-5.7.1 a\n    b c\n    d", "550 5.7.1 a b c d",
		    "5.7.1" },
		{ "X-Postfix; Host or domain name not found",
		    "Host or domain name not found", "5.0.0" },
	};
	char in[1024];
	struct vouch_bounce *b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "%s%s\n--u--\n", head,
		    cases[i].diag);
		b = parse_buf(in, strlen(in));
		assert_string_equal(b->reply, cases[i].reply);
		assert_string_equal(b->reply_status, cases[i].status);
		vouch_bounce_free(b);
	}
}

/* A NUL byte: strings stop at it, and so does the original. */
static void
test_nul(void **state)
{
	static const char in[] = "From: a@example.com\nSubject: x\0y\n"
	    "Date: Wed, 5 Jun 2024 08:00:00 GMT\n\nbody\0more\n";
	static const char body[] = "From: a@example.com\n\nbody\0more\n";
	struct vouch_bounce *b = parse_buf(in, sizeof(in) - 1);

	(void)state;
	assert_string_equal(b->subject, "x");
	/* The header read as far as the NUL: only "From: ...\nSubject: x". */
	assert_int_equal(b->kind, VOUCH_BOUNCE_MESSAGE);
	assert_int_equal(strlen(b->orig), b->orig_len);
	assert_int_equal(b->orig_len, 30);
	assert_int_equal(b->original, VOUCH_BOUNCE_ORIG_HEADERS);
	vouch_bounce_free(b);
	/* In the body: the copy is cut there, and says so. */
	b = parse_buf(body, sizeof(body) - 1);
	assert_orig(b, VOUCH_BOUNCE_ORIG_TRUNCATED, "From: a@example.com\n",
	    "body", "\n\nbody");
	assert_non_null(b->truncated_note);
	vouch_bounce_free(b);
}

static void
test_alloc_failures(void **state)
{
	static const char *const names[] = { "postfix.eml", "exim.eml",
	    "microsoft.eml", "sendmail.eml" };
	struct vouch_bounce *b;
	struct vouch_received *r;
	unsigned long n, total;
	size_t i, len;
	char *data;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		data = sample(names[i], &len);
		failalloc_set(0);
		assert_int_equal(vouch_bounce_parse(data, len, &b, NULL), 0);
		total = failalloc_count();
		vouch_bounce_free(b);
		for (n = 1; n <= total; n++) {
			failalloc_set(n);
			rc = vouch_bounce_parse(data, len, &b, NULL);
			failalloc_set(0);
			if (rc == 0)
				vouch_bounce_free(b);
			else
				assert_int_equal(rc, VOUCH_ENOMEM);
		}
		free(data);
	}
	for (n = 1; n <= 4; n++) {
		failalloc_set(n);
		rc = vouch_received_parse("from a (b [192.0.2.1]) by c; d", 30,
		    &r, NULL);
		failalloc_set(0);
		if (rc == 0)
			vouch_received_free(r);
		else
			assert_int_equal(rc, VOUCH_ENOMEM);
	}
}

/* ---- Received fields ---------------------------------------------------- */

static struct vouch_received *
received(const char *v)
{
	struct vouch_received *r = NULL;
	struct vouch_error err;
	int rc = vouch_received_parse(v, strlen(v), &r, &err);

	if (rc != 0)
		fail_msg("received: %d %s", rc, err.msg);
	return r;
}

static void
assert_ip(const struct vouch_received *r, const char *text)
{
	char buf[64];

	assert_true(r->has_ip);
	assert_int_equal(vouch_ip_format(&r->ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
}

static void
check(const char *v, const char *from, const char *rdns, const char *helo,
    const char *ip, const char *by, const char *with, const char *id,
    const char *for_addr, const char *date)
{
	struct vouch_received *r = received(v);

	NUL_OR(r->from_name, from);
	NUL_OR(r->from_rdns, rdns);
	NUL_OR(r->helo, helo);
	if (ip != NULL)
		assert_ip(r, ip);
	else
		assert_false(r->has_ip);
	NUL_OR(r->by, by);
	NUL_OR(r->with, with);
	NUL_OR(r->id, id);
	NUL_OR(r->for_addr, for_addr);
	NUL_OR(r->date, date);
	vouch_received_free(r);
}

static void
test_received_mtas(void **state)
{
	(void)state;
	/* Postfix, folded. */
	check(" from mail.example.com (mail.example.com [192.0.2.10])\r\n"
	    "\tby mx.example.org (Postfix) with ESMTPS id 4VtQ1k2Zx9z9rxL\r\n"
	    "\tfor <user@example.org>; Mon,  3 Jun 2024 09:20:10 +0000 (UTC)",
	    "mail.example.com", "mail.example.com", NULL, "192.0.2.10",
	    "mx.example.org", "ESMTPS", "4VtQ1k2Zx9z9rxL", "user@example.org",
	    "Mon, 3 Jun 2024 09:20:10 +0000 (UTC)");
	/* Postfix without reverse DNS. */
	check("from helo.example (unknown [198.51.100.3]) by mx.example.org "
	    "(Postfix) with ESMTP id 4Vx; Mon, 3 Jun 2024 09:00:00 +0000",
	    "helo.example", NULL, NULL, "198.51.100.3", "mx.example.org",
	    "ESMTP", "4Vx", NULL, "Mon, 3 Jun 2024 09:00:00 +0000");
	/* Sendmail, ident user and "(may be forged)" nested. */
	check("from helo.example.com (joe@rdns.example.net [203.0.113.7] "
	    "(may be forged)) by mail.example.org (8.17.1/8.17.1) with ESMTP "
	    "id 453AB12C001233 for <u@example.org>; Mon, 3 Jun 2024 10:50:01 "
	    "GMT", "helo.example.com", "rdns.example.net", NULL,
	    "203.0.113.7", "mail.example.org", "ESMTP", "453AB12C001233",
	    "u@example.org", "Mon, 3 Jun 2024 10:50:01 GMT");
	/* Exim without reverse DNS: the address is the from name. */
	check("from [198.51.100.7] (helo=laptop.example.com)\n\tby "
	    "mail.example.com with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384"
	    "\n\t(Exim 4.96)\n\t(envelope-from <sender@example.com>)\n\tid "
	    "1sE1A9-000Abb-Qr\n\tfor user@gmail.com;\n\tMon, 03 Jun 2024 "
	    "11:30:01 +0200", "[198.51.100.7]", NULL, "laptop.example.com",
	    "198.51.100.7", "mail.example.com", "esmtpsa",
	    "1sE1A9-000Abb-Qr", "user@gmail.com",
	    "Mon, 03 Jun 2024 11:30:01 +0200");
	/* Exim with reverse DNS: the from name is the looked-up name. */
	check("from host.example.net ([192.0.2.44] helo=smtp.example.net) by "
	    "mx.example.org with esmtps id 1sE; Mon, 03 Jun 2024 11:30:01 "
	    "+0200", "host.example.net", "host.example.net",
	    "smtp.example.net", "192.0.2.44", "mx.example.org", "esmtps",
	    "1sE", NULL, "Mon, 03 Jun 2024 11:30:01 +0200");
	/* qmail. */
	check("from unknown (HELO laptop) (198.51.100.23)\n  by "
	    "mail.example.net with SMTP; 3 Jun 2024 09:39:58 -0000",
	    "unknown", NULL, "laptop", "198.51.100.23", "mail.example.net",
	    "SMTP", NULL, NULL, "3 Jun 2024 09:39:58 -0000");
	/* Microsoft: the bare IPv6 address in parentheses. */
	check("from AM0PR01MB1234.eurprd01.prod.exchangelabs.com\n "
	    "(2603:10a6:208:ac::12) by AM0PR01MB5678.eurprd01.prod.exchange"
	    "labs.com with\n Microsoft SMTP Server (version=TLS1_2,\n cipher="
	    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7633.17; Mon, 3 "
	    "Jun\n 2024 09:20:12 +0000",
	    "AM0PR01MB1234.eurprd01.prod.exchangelabs.com", NULL, NULL,
	    "2603:10a6:208:ac::12",
	    "AM0PR01MB5678.eurprd01.prod.exchangelabs.com", "Microsoft",
	    "15.20.7633.17", NULL, "Mon, 3 Jun 2024 09:20:12 +0000");
	/* Gmail: the looked-up name with its final dot. */
	check("from mail-sor-f41.google.com (mail-sor-f41.google.com. "
	    "[209.85.220.41])\n        by mx.google.com with SMTPS id "
	    "a1sor123.2024.06.03.02.15.39\n        for <user@example.org>\n"
	    "        (Google Transport Security);\n        Mon, 03 Jun 2024 "
	    "02:15:39 -0700 (PDT)", "mail-sor-f41.google.com",
	    "mail-sor-f41.google.com", NULL, "209.85.220.41", "mx.google.com",
	    "SMTPS", "a1sor123.2024.06.03.02.15.39", "user@example.org",
	    "Mon, 03 Jun 2024 02:15:39 -0700 (PDT)");
	/* Gmail's internal hop: no from clause, an address as "by". */
	check("by 2002:a05:6a10:a10e:b0:4c1:2f53:3b4 with SMTP id "
	    "x14csp123456pxb;\n        Mon, 3 Jun 2024 02:15:41 -0700 (PDT)",
	    NULL, NULL, NULL, NULL, "2002:a05:6a10:a10e:b0:4c1:2f53:3b4",
	    "SMTP", "x14csp123456pxb", NULL,
	    "Mon, 3 Jun 2024 02:15:41 -0700 (PDT)");
	/* IPv6 literal, and an IPv4-mapped one unmapped. */
	check("from a.example.com (a.example.com [IPv6:2001:db8::1]) by b",
	    "a.example.com", "a.example.com", NULL, "2001:db8::1", "b", NULL,
	    NULL, NULL, NULL);
	check("from x (y [IPv6:::ffff:192.0.2.5]) by z; now", "x", "y", NULL,
	    "192.0.2.5", "z", NULL, NULL, NULL, "now");
}

static void
test_received_malformed(void **state)
{
	struct vouch_received *r;
	struct vouch_error err;
	char *big;

	(void)state;
	/* Unbalanced: the comment runs to the end; what came before stays. */
	check("from a.example (b.example [192.0.2.1] by c; date", "a.example",
	    "b.example", NULL, "192.0.2.1", NULL, NULL, NULL, NULL, NULL);
	/* A stray ")" and an unclosed literal. */
	check("from [192.0.2.1 ) by x ; d", "[192.0.2.1", NULL, NULL, NULL,
	    "x", NULL, NULL, NULL, "d");
	/* No from clause, only a date. */
	check("(qmail 12345 invoked for bounce); 3 Jun 2024 09:40:00 -0000",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    "3 Jun 2024 09:40:00 -0000");
	/* Deep nesting. */
	check("from a ((((((((((((((((((((x)))))))))))))))))))) by b", "a",
	    NULL, NULL, NULL, "b", NULL, NULL, NULL, NULL);
	/* Garbage. */
	assert_int_equal(vouch_received_parse("garbage words here", 18, &r,
	    &err), VOUCH_ESYNTAX);
	assert_null(r);
	assert_non_null(strstr(err.msg, "not a Received field"));
	assert_int_equal(vouch_received_parse("", 0, &r, &err),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_received_parse("(only a comment", 15, &r,
	    &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_received_parse("from", 4, &r, &err),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_received_parse(NULL, 3, &r, &err),
	    VOUCH_EINVAL);
	big = malloc(40000);
	assert_non_null(big);
	memset(big, 'a', 40000);
	assert_int_equal(vouch_received_parse(big, 40000, &r, &err),
	    VOUCH_ELIMIT);
	free(big);
	vouch_received_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_sample_details),
		cmocka_unit_test(test_text_variants),
		cmocka_unit_test(test_real_forms),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_no_body),
		cmocka_unit_test(test_neither),
		cmocka_unit_test(test_dsn_without_original),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_unfold),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_received_mtas),
		cmocka_unit_test(test_received_malformed),
		cmocka_unit_test(test_attach_original),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
