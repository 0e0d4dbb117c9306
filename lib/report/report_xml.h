/*
 * report_xml.h - the aggregate-report XML state shared by report_xml.c
 * (expat handlers, the element table), report_xrec.c (metadata and record
 * checks, the callbacks) and report_xval.c (what each element's text
 * means).
 *
 * Element names are matched in no namespace, in RFC 9990's
 * urn:ietf:params:xml:ns:dmarc-2.0 and in http://dmarc.org/dmarc-xml/0.1
 * (the namespace of RFC 7489's appendix C schema, which some reporters
 * put on the old schema); an element of any other name or namespace is
 * skipped with everything inside it (depth still counted).
 */
#ifndef VOUCH_REPORT_XML_H
#define VOUCH_REPORT_XML_H

#include <stdint.h>

#include <expat.h>

#include "report/report_int.h"

enum rx_el {
	EL_NONE = 0,
	EL_FEEDBACK, EL_VERSION,
	EL_META, EL_ORG_NAME, EL_EMAIL, EL_EXTRA, EL_REPORT_ID, EL_ERROR,
	EL_GENERATOR, EL_DATE_RANGE, EL_BEGIN, EL_END,
	EL_POLICY, EL_DOMAIN, EL_ADKIM, EL_ASPF, EL_P, EL_SP, EL_NP, EL_PCT,
	EL_FO, EL_TESTING, EL_DISCOVERY,
	EL_RECORD, EL_ROW, EL_SOURCE_IP, EL_COUNT, EL_EVAL, EL_DISPOSITION,
	EL_EVAL_DKIM, EL_EVAL_SPF, EL_REASON, EL_REASON_TYPE, EL_REASON_COMMENT,
	EL_IDENT, EL_ENV_TO, EL_ENV_FROM, EL_HEADER_FROM,
	EL_AUTH, EL_DKIM, EL_DKIM_DOMAIN, EL_DKIM_SELECTOR, EL_DKIM_RESULT,
	EL_DKIM_HUMAN, EL_SPF, EL_SPF_DOMAIN, EL_SPF_SCOPE, EL_SPF_RESULT,
	EL_SPF_HUMAN,
	EL__COUNT
};

#define RX_BIT(id) ((uint64_t)1 << (id))
/* feedback/record/auth_results/dkim/domain is the deepest known path. */
#define RX_KNOWN_MAX 8

/* A capped growable array of n elements of size sz (report_xval.c). */
struct rx_vec {
	void *v;
	size_t n, cap;
};

struct vouch__rx {
	struct vouch__rctx *c;
	XML_Parser p;
	int rc;				/* first failure; stops the parse */
	unsigned depth;			/* open elements */
	unsigned skip;			/* open elements in a skipped one */
	unsigned char stack[RX_KNOWN_MAX]; /* known elements, root first */
	unsigned nstack;
	int root_seen;
	struct vouch__buf text;		/* the open leaf's text */
	uint64_t seen;			/* leaves seen (duplicates refused) */
	unsigned char first[EL__COUNT];	/* the element table as lists of */
	unsigned char next[EL__COUNT];	/* children (report_xml.c) */

	struct vouch__arena ma;		/* meta strings */
	struct vouch_report_meta meta;
	struct rx_vec errors;		/* const char * */
	int meta_sent;

	struct vouch__arena ra;		/* the current record's strings */
	struct vouch_report_record rec;
	int in_record;
	struct rx_vec dkim, spf, reasons;
	size_t nrecords;
};

/* The element table (report_xml.c). */
const char *vouch__rx_name(unsigned id);

/* Stop the parse with code and a message (line number added). */
int vouch__rx_fail(struct vouch__rx *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A container element opens or closes, a leaf closes with its text
 * (NUL-terminated, may be modified in place), the document ends
 * (report_xrec.c; leaves in report_xval.c).  Each returns 0 or the
 * failure already recorded with vouch__rx_fail(). */
int vouch__rx_open(struct vouch__rx *x, unsigned id);
int vouch__rx_close(struct vouch__rx *x, unsigned id);
int vouch__rx_leaf(struct vouch__rx *x, unsigned id, char *s, size_t n);
int vouch__rx_finish(struct vouch__rx *x);
void vouch__rx_reset(struct vouch__rx *x);
/* report_xrec.c: a new zeroed element at the end of a, at most max of
 * them (ELIMIT naming what); NULL after vouch__rx_fail(). */
void *vouch__rx_vec_push(struct vouch__rx *x, struct rx_vec *a, size_t sz,
    size_t max, const char *what);
void vouch__rx_vec_free(struct rx_vec *a);

#endif /* VOUCH_REPORT_XML_H */
