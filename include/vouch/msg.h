/*
 * vouch/msg.h - the header section of a message, and RFC 5322 addresses.
 *
 * A struct vouch_msg holds the header fields of one message in arrival
 * order, each with its exact raw bytes (DKIM needs them unchanged) and a
 * name/value split.  Fields come either from raw message bytes
 * (vouch_msg_parse_header(): CRLF or bare LF, folding, obsolete syntax) or
 * one at a time as a milter receives them (vouch_msg_add_field()).
 * Everything parsed lives in the message and is freed by vouch_msg_free().
 *
 * vouch_addr_parse() reads an address-list field body (From, Sender,
 * Reply-To, To, Cc) per RFC 5322 section 3.4 with the obsolete forms of
 * section 4.4: groups, comments, quoted strings and quoted-pairs, route
 * syntax, several addresses.  Encoded words (RFC 2047) are kept as text in
 * display names and never decoded into an address.  Domains are returned
 * in lower case with IDN U-labels converted to A-labels (IDNA2008, via
 * libidn2).  The malformed forms SECURITY.md lists (no address, an address
 * without a domain, unbalanced brackets or quotes, control bytes) are
 * VOUCH_ESYNTAX with the reason in the error struct.
 *
 * Limits (SECURITY.md): the header section is capped at 64 KiB and one
 * field at 32 KiB by default; exceeding them is VOUCH_ELIMIT.
 *
 * Thread safety: a message is used by one thread at a time; the functions
 * have no shared state.
 */
#ifndef VOUCH_MSG_H
#define VOUCH_MSG_H

#include <stddef.h>

#include <vouch/defs.h>
#include <vouch/err.h>

#define VOUCH_MSG_HEADER_MAX (64u * 1024u)
#define VOUCH_MSG_FIELD_MAX (32u * 1024u)
#define VOUCH_ADDR_MAX 1000	/* addresses read from one field */

struct vouch_msg_limits {
	size_t header_max;	/* whole header section; 0: the default */
	size_t field_max;	/* one field, name to end of value; 0: default */
};

struct vouch_msg_field {
	const char *name;	/* field name as received (case kept) */
	size_t name_len;
	const char *value;	/* after the colon, folding kept, no final EOL */
	size_t value_len;
	const char *raw;	/* the whole field as received, line ends as */
	size_t raw_len;		/* received, including the final line end */
};

struct vouch_msg;

/* limits may be NULL for the defaults. */
VOUCH_API int vouch_msg_new(const struct vouch_msg_limits *limits,
    struct vouch_msg **out);
VOUCH_API void vouch_msg_free(struct vouch_msg *msg);

/*
 * Parse the header section at the start of buf (len bytes).  Stops after
 * the empty line that ends it, and sets *body_off to the first body byte
 * (len when the message has no body or no empty line).  A line without a
 * colon, a field name with bytes outside 33..126, or a continuation line
 * before the first field is VOUCH_ESYNTAX naming the line.  A NUL byte in
 * the header is VOUCH_ESYNTAX.  May be called once per message.
 */
VOUCH_API int vouch_msg_parse_header(struct vouch_msg *msg, const char *buf,
    size_t len, size_t *body_off, struct vouch_error *err);

/*
 * Add one field as a milter gets it: name without colon, value as it
 * follows the colon (leading space kept, internal folding as received with
 * CRLF or LF).  The raw form is rebuilt as name ":" value CRLF, each
 * bare LF of the value becoming CRLF (in raw and value alike).  A line
 * end in the value not followed by SP or HTAB is VOUCH_ESYNTAX.
 */
VOUCH_API int vouch_msg_add_field(struct vouch_msg *msg, const char *name,
    size_t name_len, const char *value, size_t value_len,
    struct vouch_error *err);

VOUCH_API size_t vouch_msg_count(const struct vouch_msg *msg);
/* Borrowed until vouch_msg_free(); NULL when i is out of range. */
VOUCH_API const struct vouch_msg_field *vouch_msg_field(
    const struct vouch_msg *msg, size_t i);
/*
 * The index of the first field named name (case-insensitive) at or after
 * index start, or (size_t)-1 when there is none.
 */
VOUCH_API size_t vouch_msg_find(const struct vouch_msg *msg, const char *name,
    size_t start);
/* How many fields are named name (case-insensitive). */
VOUCH_API size_t vouch_msg_count_named(const struct vouch_msg *msg,
    const char *name);

/* ---- addresses --------------------------------------------------------- */

struct vouch_addr {
	const char *display;	/* display name as written (unfolded), or "" */
	const char *local;	/* local part, quotes and quoted-pairs removed */
	const char *domain;	/* lower case A-label form, no brackets; for a
				   domain literal, the literal with brackets */
	const char *group;	/* the group the address belongs to, or NULL */
	int literal;		/* domain is a domain literal [...] */
};

struct vouch_addr_list {
	size_t count;
	const struct vouch_addr *addr;
	size_t groups;		/* how many groups were seen (incl. empty) */
};

/*
 * Parse an address-list field body.  On success *out is owned by the
 * caller (vouch_addr_list_free()).  An empty group ("undisclosed:;") is
 * valid and yields no address; a field with no address at all, or any
 * malformed address, is VOUCH_ESYNTAX.  More than VOUCH_ADDR_MAX addresses
 * is VOUCH_ELIMIT.
 */
VOUCH_API int vouch_addr_parse(const char *value, size_t len,
    struct vouch_addr_list **out, struct vouch_error *err);
VOUCH_API void vouch_addr_list_free(struct vouch_addr_list *list);

/*
 * Convert a domain (U-labels or A-labels, any case, optional final dot)
 * to lower-case A-label form into buf.  Returns 0, VOUCH_ESYNTAX for a
 * name that is not a valid host name, VOUCH_ELIMIT if buf is too small.
 */
VOUCH_API int vouch_domain_to_alabel(const char *domain, size_t len,
    char *buf, size_t buflen);

#endif /* VOUCH_MSG_H */
