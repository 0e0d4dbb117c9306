/*
 * dkim_expect.c - what each corpus expects, in vouch's result words.
 *
 * Every row comes from the corpus's own statement (index.tsv, PROVENANCE,
 * the message text) and is mapped to the per-signature words of RFC 6376
 * section 6.1 / RFC 8601 section 2.7.1 as SECURITY.md tabulates them.
 * The mapping rules, each cited once here and in the rows' why:
 *
 *   rsa-sha1      RFC 8301 3.1: verifiers MUST NOT consider rsa-sha1
 *                 signatures valid -> policy.  legacy mode
 *                 (allow_sha1) must give the upstream pass.
 *   < 1024 bits   RFC 8301 3.2: RSA keys under 1024 bits MUST NOT be
 *                 considered valid -> policy; legacy (allow_short_keys):
 *                 upstream pass.
 *   no v= / v=0.5 pre-RFC drafts (ietf-00/01/05).  RFC 6376 3.5 makes v=
 *                 REQUIRED with value "1"; 6.1.1: PERMFAIL (signature
 *                 syntax error / incompatible version) -> neutral, in
 *                 both modes, whatever the draft-era upstream said.
 *   DomainKeys    RFC 4870 (historic) DomainKey-Signature only: a DKIM
 *                 verifier sees no signature -> none ("" below).
 *   g= in keys    RFC 6376 3.6.1 no longer defines the key record's g=
 *                 tag (the IANA DKIM key-tag registry lists g as
 *                 historic, RFC 4871) and says unknown tags MUST be
 *                 ignored: cases that test only g= have no RFC 6376
 *                 expectation ("?", listed in dkim-skips.tsv).
 *   Mail::DKIM "invalid" becomes neutral (signature unusable), permerror
 *                 (key missing or unsuitable), temperror (DNS error) or
 *                 fail (expired x=, SECURITY.md) by the cause its index
 *                 comment names.
 *
 * Clocks (struct dtable now): mailauth 1528637909 (the example's t=,
 * index.tsv); Stalwart 1667843664 (upstream's fixed clock, PROVENANCE);
 * dkimpy 2019-11-02 and ocaml-dkim 2026-04-21 (snapshot dates: those
 * messages carry no x=, and every t= is earlier); Mail::DKIM 2024-06-19
 * (the snapshot date: its verifier.t runs on the real clock, under which
 * only ignore_7's x= of 2007 has expired).
 */
#include <stddef.h>

#include "dkim_suite.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- mailauth: RFC 8463 Appendix A.3 ----------------------------------- */

static const struct dexpect mailauth_rows[] = {
	{ "rfc8463-example/signed.eml", NULL, "pass", "pass,pass", NULL, 0,
	    NULL, NULL, "index.tsv: both signatures pass (ed25519-sha256 "
	    "s=brisbane, rsa-sha256 s=test, relaxed/relaxed)" },
};

/* Real messages without their signers' keys: chunking only. */
static const char *const mailauth_extra[] = {
	"messages/arc-fail.eml", "messages/arc-fail2.eml",
	"messages/arc-fail3.eml", "messages/arc-pass.eml",
	"messages/arc-pass2.eml", "messages/authtest.eml",
	"messages/bimi.eml", "messages/message1.eml",
	"messages/message2.eml", "messages/message3.eml",
	"messages/message4.eml", "messages/zbimi.eml",
	"messages/zproov.eml",
};

/* ---- Stalwart: dkim/NNN.txt --------------------------------------------- */

#define ST_WHY "index.tsv: the last signature must verify; every " \
	"signature re-verified pass"

static const struct dexpect stalwart_rows[] = {
	{ "dkim/001.txt", NULL, "pass", "pass,pass", NULL, 0, NULL, NULL,
	    ST_WHY " (RFC 8463 A.3)" },
	{ "dkim/002.txt", NULL, "pass", "pass", NULL, 0, NULL, NULL, ST_WHY },
	{ "dkim/003.txt", NULL, "pass", "pass,pass", NULL, 0, NULL, NULL,
	    ST_WHY },
	/* t=1667862801 is 19137 s after upstream's clock; Stalwart does not
	   look at future t=.  RFC 6376 3.5: verifiers MAY ignore signatures
	   with a future timestamp, which vouch does (policy) beyond the
	   300 s skew, so the pass is checked at the signature's own t=, and
	   the upstream clock is kept as a second case. */
	{ "dkim/004.txt", NULL, "pass", "pass", NULL, 1667862801, NULL, NULL,
	    ST_WHY "; clock = its t= (see the table comment)" },
	{ "dkim/004.txt", "upstream-clock", "pass", "policy", NULL,
	    1667843664, NULL, NULL, "at upstream's clock t= lies 19137 s "
	    "ahead: RFC 6376 3.5 t= MAY ignore -> policy (SECURITY.md)" },
	{ "dkim/005.txt", NULL, "pass", "pass", NULL, 0, NULL, NULL,
	    ST_WHY " (t= is the clock, x= a day later)" },
	{ "dkim/006.txt", NULL, "pass", "pass", NULL, 0, NULL, NULL, ST_WHY },
};

/* ---- dkimpy --------------------------------------------------------------- */

/* data/test.private is the RFC 8463 A.1 RSA key (index.tsv), which made
   rfc6376.signed.msg's second signature (s=test): upstream's key-record
   tests (sign test.message, verify against each record) are run on that
   pre-signed message instead, the record replaced at the same name. */
#define DP_MSG "data/rfc6376.signed.msg"
#define DP_KEY "test._domainkey.football.example.com"

static const struct dexpect dkimpy_rows[] = {
	{ "data/test2.message", NULL, "pass", "pass", NULL, 0, NULL, NULL,
	    "index.tsv: verifies (degenerate DKIM-Signature folding)" },
	{ DP_MSG, NULL, "pass", "pass,pass", NULL, 0, NULL, NULL,
	    "index.tsv: both signatures pass" },
	{ "data/ed25519test2.msg", NULL, "pass", "pass", NULL, 0, NULL, NULL,
	    "index.tsv: verifies with eximtest.dns" },
	{ DP_MSG, "key-test2", "pass", "pass,pass", NULL, 0, DP_KEY,
	    "data/test2.txt", "index.tsv: a record without k= verifies "
	    "(RFC 6376 3.6.1: k= defaults to rsa)" },
	{ DP_MSG, "key-badversion", "fail", "pass,permerror", NULL, 0, DP_KEY,
	    "data/badversion.txt", "index.tsv: 'v=DKIM1:' must fail; RFC "
	    "6376 3.6.1: a v= other than DKIM1 discards the record -> "
	    "permerror (no usable key)" },
	{ DP_MSG, "key-badk", "fail", "pass,permerror", NULL, 0, DP_KEY,
	    "data/badk.txt", "index.tsv: k=ed25519-sha256 must fail; RFC "
	    "6376 3.6.1: an unknown k= is unusable -> permerror" },
	{ DP_MSG, "key-bad", "fail", "pass,permerror", NULL, 0, DP_KEY,
	    "data/test_bad.txt", "index.tsv: corrupted key must fail; the "
	    "exponent's DER is cut short (AQAB -> AQA=), so the key does "
	    "not parse: RFC 6376 6.1.2 key syntax error -> permerror" },
	{ DP_MSG, "key-tlsrpt", "fail", "pass,permerror", NULL, 0, DP_KEY,
	    "data/test_tlsrpt.txt", "index.tsv: a DKIM signature against an "
	    "s=tlsrpt record must fail; RFC 6376 3.6.1 s=: verifiers MUST "
	    "ignore a record whose service type is not listed -> permerror" },
};

/* Its kitterman.com key is not in the corpus: chunking only. */
static const char *const dkimpy_extra[] = { "data/message.mbox" };

/* ---- ocaml-dkim ----------------------------------------------------------- */

static const struct dexpect ocaml_rows[] = {
	{ "raw/001.mail", NULL, "2", "policy,policy", "pass,pass", 0, NULL,
	    NULL, "upstream: 2 valid, both rsa-sha1: RFC 8301 3.1 -> policy; "
	    "legacy (allow_sha1): pass" },
	{ "raw/002.mail", NULL, "1", "pass", NULL, 0, NULL, NULL,
	    "upstream: 1 valid (key t=y: testing, still pass)" },
	{ "raw/003.mail", NULL, "1", "pass", NULL, 0, NULL, NULL,
	    "upstream: 1 valid" },
	{ "raw/004.mail", NULL, "1", "pass", NULL, 0, NULL, NULL,
	    "upstream: 1 valid (simple/simple)" },
	{ "raw/005.mail", NULL, "2", "pass,pass", NULL, 0, NULL, NULL,
	    "upstream: 2 valid" },
};

/* ---- Mail::DKIM ------------------------------------------------------------ */

#define MD_V0 "no v= (pre-RFC draft): RFC 6376 3.5 v= REQUIRED, 6.1.1 " \
	"PERMFAIL -> neutral"
#define MD_V05 "v=0.5 (draft): RFC 6376 3.5 v= MUST be 1, 6.1.1 PERMFAIL " \
	"(incompatible version) -> neutral; the key record is never read"
#define MD_SHORT "rsa-sha1 with a 512-bit key: RFC 8301 3.1 and 3.2 -> " \
	"policy; legacy (allow_sha1, allow_short_keys): upstream pass"
#define MD_SHA1 "rsa-sha1, 1024-bit key: RFC 8301 3.1 -> policy; legacy: " \
	"upstream pass"
#define MD_DK "DomainKeys only (RFC 4870, historic): no DKIM-Signature, none"
#define MD_G "tests only the key's g= tag, which RFC 6376 removed " \
	"(see dkim-skips.tsv)"
#define MD_Q "only unknown q= query methods: RFC 6376 3.5 defines only " \
	"dns/txt, so no key can be fetched; RFC 6376 names no result: " \
	"neutral (unusable signature) or permerror (no key)"

#define MD(f, up, s, l, why) { "corpus/" f, NULL, up, s, l, 0, NULL, NULL, why }

static const struct dexpect mdkim_rows[] = {
	MD("good_ietf00_1.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_ietf00_2.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_ietf00_3.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_ietf00_4.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_ietf00_5.txt", "pass", "neutral", NULL, MD_V0),
	MD("mine_ietf01_1.txt", "pass", "neutral", NULL, MD_V0),
	MD("mine_ietf01_2.txt", "pass", "neutral", NULL, MD_V0),
	MD("mine_ietf01_3.txt", "pass", "neutral", NULL, MD_V0),
	MD("mine_ietf01_4.txt", "pass", "neutral", NULL, MD_V0),
	MD("mine_ietf05_1.txt", "pass", "neutral", NULL, MD_V05),
	MD("good_ietf01_1.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_ietf01_2.txt", "pass", "neutral", NULL, MD_V0),
	MD("good_rfc4871_3.txt", "pass", "policy", "pass",
	    MD_SHORT "; extra signature tags ignored (RFC 6376 3.2)"),
	MD("good_rfc4871_4.txt", "pass", "policy", "pass",
	    MD_SHORT "; i= differs from d= only in case"),
	MD("good_1878523.txt", "pass", "policy", "pass", MD_SHORT),
	MD("good_83176.txt", "pass", "policy", "pass",
	    MD_SHA1 "; q= lists dns/txt among unknown methods; key t=s "
	    "with no i="),
	MD("multiple_1.txt", "pass", "neutral,neutral,neutral,neutral", NULL,
	    MD_V0 " (all four; upstream's per-signature results are "
	    "ietf-01's)"),
	MD("multiple_2.txt", "pass", "neutral,policy,fail,neutral",
	    "neutral,pass,fail,neutral", "the message text: 1st c=foobar "
	    "(RFC 6376 6.1.1 -> neutral), 2nd passes (rsa-sha1, 1024 bits: "
	    "policy / legacy pass), 3rd b= altered -> fail (it does not "
	    "verify, so not policy), 4th 'synerr' unparsable -> neutral"),
	MD("good_qp_1.txt", "pass", "policy", "pass",
	    MD_SHORT "; i= dkim-quoted-printable (RFC 6376 2.11)"),
	MD("good_qp_2.txt", "pass", "policy", "pass",
	    MD_SHORT "; i= dkim-quoted-printable (RFC 6376 2.11)"),
	MD("good_qp_3.txt", "pass", "policy", "pass",
	    MD_SHORT "; i= dkim-quoted-printable (RFC 6376 2.11)"),
	MD("bad_ietf01_1.txt", "fail", "neutral", NULL, MD_V0),
	MD("bad_ietf01_2.txt", "fail", "neutral", NULL, MD_V0),
	MD("bad_ietf01_3.txt", "fail", "neutral", NULL, MD_V0),
	MD("bad_1.txt", "fail", "neutral", NULL, MD_V0),
	MD("bad_1878954.txt", "fail", "fail", NULL, "upstream fail (bare-LF "
	    "file, fed as is): an rsa-sha1 signature that does not verify "
	    "is fail in both modes; policy is for signatures that verify"),
	MD("good_dk_gmail.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_yahoo.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_1.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_2.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_3.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_4.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_5.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_6.txt", "pass", "", NULL, MD_DK),
	MD("good_dk_7.txt", "pass", "", NULL, MD_DK),
	MD("dk_headers_1.txt", "pass", "", NULL, MD_DK),
	MD("dk_headers_2.txt", "pass", "", NULL, MD_DK),
	MD("bad_dk_1.txt", "invalid", "", NULL, MD_DK),
	MD("bad_dk_2.txt", "invalid", "", NULL, MD_DK),
	MD("bad_dk_3.txt", "invalid", "", NULL, MD_DK),
	MD("bad_dk_4.txt", "invalid", "", NULL, MD_DK),
	MD("bad_dk_5.txt", "invalid", "", NULL, MD_DK),
	MD("dk_multiple_1.txt", "pass", "", NULL, MD_DK),
	MD("no_body_1.txt", "pass", "neutral", NULL, MD_V05),
	MD("no_body_2.txt", "pass", "neutral", NULL, MD_V05),
	MD("no_body_3.txt", "pass", "neutral", NULL, MD_V05),
	MD("ignore_1.txt", "invalid", "neutral", NULL,
	    "v=5: RFC 6376 6.1.1 PERMFAIL (incompatible version) -> neutral"),
	MD("ignore_2.txt", "invalid", "neutral", NULL,
	    "a=rsa-md5 (and v=0.5): RFC 6376 3.5 unknown a= -> neutral"),
	MD("ignore_3.txt", "invalid", "neutral", NULL,
	    "a=dsa-sha1 (and v=0.5): unknown a= -> neutral"),
	MD("ignore_4.txt", "invalid", "neutral", NULL,
	    "c=future (and v=0.5): RFC 6376 3.5 unknown c= -> neutral"),
	MD("ignore_5.txt", "invalid", "neutral|permerror", NULL,
	    "q=http: " MD_Q),
	MD("ignore_6.txt", "invalid", "neutral|permerror", NULL,
	    "q=dns/special: " MD_Q),
	MD("ignore_7.txt", "invalid", "fail", NULL, "x=1193229946 (2007) "
	    "has passed: RFC 6376 3.5 x=; SECURITY.md: x= in the past -> "
	    "fail, in both modes"),
	MD("ignore_8.txt", "invalid", "neutral", NULL, "i=jon@example.org "
	    "not under d=messiah.edu: RFC 6376 6.1.1 PERMFAIL (domain "
	    "mismatch) -> neutral"),
	MD("goodkey_1.txt", "pass", "policy", "pass",
	    MD_SHORT "; key s=email"),
	MD("goodkey_2.txt", "pass", "policy", "pass", MD_SHORT "; key with "
	    "s=email:web:fine, t=y:n:extra, h=md5:sha1 (lists sha1) and an "
	    "unknown tag (RFC 6376 3.6.1: ignored)"),
	MD("goodkey_3.txt", "pass", "policy", "pass",
	    MD_SHORT "; key g=jl*g (removed in RFC 6376, ignored)"),
	MD("goodkey_4.txt", "pass", "policy", "pass", MD_SHORT),
	MD("badkey_1.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_2.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_3.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_4.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_5.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_6.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_7.txt", "invalid", "neutral", NULL, MD_V05),
	MD("badkey_8.txt", "invalid", "?", NULL, MD_G),
	MD("badkey_9.txt", "invalid", "?", NULL, MD_G),
	MD("badkey_10.txt", "invalid", "permerror", NULL, "key t=s, "
	    "i=jlong@subdomain.messiah.edu: RFC 6376 3.6.1 t=s -> permerror"),
	MD("badkey_11.txt", "invalid", "permerror", NULL, "key h=md5:sha1 "
	    "for an rsa-sha256 signature: RFC 6376 3.6.1 h= -> permerror"),
	MD("badkey_12.txt", "invalid", "?", NULL, MD_G),
	MD("badkey_13.txt", "invalid", "?", NULL, MD_G),
	MD("badkey_14.txt", "invalid", "temperror", NULL, "key query times "
	    "out: RFC 6376 6.1.2 TEMPFAIL -> temperror"),
	MD("badkey_15.txt", "invalid", "temperror", NULL, "key query gets "
	    "SERVFAIL: RFC 6376 6.1.2 TEMPFAIL -> temperror"),
	MD("goodkey_ed25519.txt", "pass", "pass", NULL, "ed25519-sha256"),
	MD("badkey1_ed25519.txt", "invalid", "permerror", NULL, "p= holds a "
	    "44-byte SPKI, not the 32-byte key RFC 8463 4.2 requires -> "
	    "permerror"),
	MD("badkey2_ed25519.txt", "fail", "fail", NULL, "header modified"),
	MD("badkey3_ed25519.txt", "fail", "fail", NULL, "body modified"),
	MD("badkey4_ed25519.txt", "invalid", "permerror", NULL, "no key "
	    "record (NXDOMAIN): RFC 6376 6.1.2 PERMFAIL (no key)"),
	MD("badkey5_ed25519.txt", "invalid", "permerror", NULL, "key record "
	    "\"\" has no p=: RFC 6376 3.6.1 p= REQUIRED -> key syntax "
	    "error, permerror (not revoked: that is an empty p= value)"),
};

static const struct dtable tables[] = {
	[DF_MAILAUTH] = { "mailauth", "mailauth", 1528637909, 1,
	    mailauth_rows, NITEMS(mailauth_rows),
	    mailauth_extra, NITEMS(mailauth_extra) },
	[DF_STALWART] = { "stalwart", "stalwart-mail-auth", 1667843664, 1,
	    stalwart_rows, NITEMS(stalwart_rows), NULL, 0 },
	[DF_DKIMPY] = { "dkimpy", "dkimpy", 1572652800, 1,
	    dkimpy_rows, NITEMS(dkimpy_rows),
	    dkimpy_extra, NITEMS(dkimpy_extra) },
	[DF_OCAML] = { "ocaml", "ocaml-dkim", 1776729600, 1,
	    ocaml_rows, NITEMS(ocaml_rows), NULL, 0 },
	/* Mail::DKIM's messages are CRLF on purpose (bad_1878954 is LF on
	   purpose: "shouldn't die"); fed as they are. */
	[DF_MDKIM] = { "mdkim", "mail-dkim-perl", 1718755200, 0,
	    mdkim_rows, NITEMS(mdkim_rows), NULL, 0 },
};

const struct dtable *
dtable_get(enum dformat f)
{
	return &tables[f];
}
