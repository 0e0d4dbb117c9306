/*
 * conf.h - vouchd's configuration: vouchd.conf(5) read into an immutable
 * snapshot.
 *
 * The file is one "Key value" per line (OpenDKIM/OpenDMARC style): keys
 * are case-insensitive, the value is the rest of the line with surrounding
 * blanks removed, "#" starts a comment (at the start of a line or after
 * a blank), blank lines are ignored.  Booleans are yes/no/true/false/1/0.
 * An unknown key, a bad value, a key given twice, or a table file that
 * cannot be read is an error naming FILE:LINE and the key: the daemon
 * refuses to start (or, on SIGHUP, keeps the old snapshot and logs why).
 *
 * Ownership: vouchd_conf_load() returns a snapshot the caller owns; it is
 * never changed after loading, so any number of threads may read it.
 * The daemon swaps snapshots on SIGHUP and frees an old one when the last
 * message using it ends (vouchd_conf_ref / vouchd_conf_unref, atomic).
 */
#ifndef VOUCHD_CONF_H
#define VOUCHD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>

/* A network: address and prefix length (InternalHosts, ...). */
struct vouchd_net {
	struct vouch_ip ip;
	unsigned prefix;
};

/* One KeyTable entry: NAME  DOMAIN:SELECTOR:KEYFILE (OpenDKIM format). */
struct vouchd_key {
	char *name;
	char *domain;
	char *selector;
	char *keyfile;
	struct vouch_dkim_key *key;	/* loaded at startup/reload */
};

/* One SigningTable entry: PATTERN  KEYNAME[,KEYNAME...] (OpenDKIM
 * "refile:" semantics when the table is given as refile:PATH: "*" in
 * the pattern matches any run of characters; else an exact address or
 * domain).  Several keys per entry sign with each (RSA + Ed25519). */
struct vouchd_sign_rule {
	char *pattern;			/* lower-case */
	size_t nkeys;
	const struct vouchd_key **keys;	/* into conf->keys */
};

enum vouchd_quarantine {
	VOUCHD_QUARANTINE_HOLD = 0,	/* smfi_quarantine(): Postfix hold */
	VOUCHD_QUARANTINE_HEADER,	/* add QuarantineHeader, deliver */
	VOUCHD_QUARANTINE_ACCEPT	/* only the A-R says it */
};

struct vouchd_conf {
	char *path;			/* the file read */
	/* daemon */
	char *socket;		/* Socket: inet:PORT@HOST | unix:/path
				   | local:/path [inet:8891@127.0.0.1] */
	unsigned socket_mode;	/* SocketMode (octal) for unix sockets
				   [0660] */
	char *user;		/* UserID: user[:group] to drop to, or NULL */
	char *pid_file;		/* PidFile, or NULL */
	int syslog;		/* Syslog [yes]; no: log to stderr */
	char *syslog_facility;	/* SyslogFacility [mail] */
	int log_why;		/* LogWhy: more detail per message [no] */
	char *metrics;		/* MetricsSocket inet:PORT@127.0.0.1, or
				   NULL (off); loopback only */
	/* identity and trust */
	char *authserv_id;	/* AuthservID [the host name] */
	size_t ntrusted;	/* TrustedAuthservIDs: A-R from these are
				   kept (ours are always removed) */
	char **trusted;
	size_t ninternal;	/* InternalHosts [127.0.0.1, ::1]: mail
				   from these is signed, not verified */
	struct vouchd_net *internal;
	char *trusted_file;	/* the lists came from these files (file:), */
	char *internal_file;	/* or NULL: inline; vouchd_conf_write */
	int sign_authenticated;	/* SignAuthenticated: {auth_authen} set
				   means internal too [yes] */
	/* signing */
	size_t nkeys;
	struct vouchd_key *keys;	/* KeyTable */
	size_t nrules;
	struct vouchd_sign_rule *rules;	/* SigningTable, in file order */
	int sign_regex;			/* SigningTable given as refile: */
	char *key_table;		/* the table files (absolute paths), */
	char *signing_table;		/* or NULL: nothing is signed */
	/* verdict */
	enum vouch_dmarc_mode dmarc_mode;	/* DMARCMode rfc9989 | rfc7489
						   | shadow [rfc9989] */
	char *psl_file;		/* PublicSuffixList, or NULL (Debian's) */
	char *reject_text;	/* RejectText: the whole reply "550 5.7.1
				   ..." [VOUCH_VERDICT_REJECT_REPLY] */
	char *tempfail_text;	/* TempFailText [..._TEMPFAIL_REPLY] */
	int tempfail_on_dns;	/* TempFailOnDNSError [yes] */
	int reject_enabled;	/* RejectFailures: no = only A-R and log
				   (monitor mode) [yes] */
	enum vouchd_quarantine quarantine;	/* QuarantineAction hold |
						   header | accept [hold] */
	char *quarantine_header;	/* QuarantineHeader
					   ["X-Vouch-Quarantine"] */
	/* DNS */
	char *dns_server;	/* DNSServer ADDR[@PORT], or NULL: system */
	unsigned dns_timeout_ms;	/* DNSTimeout [5000] */
	unsigned dns_queries;	/* MaxDNSQueries per message [100] */
	unsigned dns_ms;	/* MaxDNSTime per message, ms [30000] */
	/* limits and failure */
	size_t max_header_bytes;	/* MaxHeaderBytes [65536] */
	unsigned max_signatures;	/* MaxSignatures [10] */
	int on_internal_error;	/* OnInternalError tempfail | accept
				   [tempfail]: 1 = tempfail */
	/* threads */
	unsigned refs;		/* vouchd_conf_ref()/unref() */
};

/* Read path into *out.  On error *out is NULL and err names FILE:LINE
 * (err->line set) and the key. */
int vouchd_conf_load(const char *path, struct vouchd_conf **out,
    struct vouch_error *err);
/* Defaults only (no file), for tests and vouchd -n without -c. */
int vouchd_conf_default(struct vouchd_conf **out, struct vouch_error *err);
void vouchd_conf_free(struct vouchd_conf *c);

/* Reference counting for the daemon's snapshot swap; a new snapshot
 * starts at 1.  unref frees at 0. */
struct vouchd_conf *vouchd_conf_ref(struct vouchd_conf *c);
void vouchd_conf_unref(struct vouchd_conf *c);

/* Lookups on a snapshot. */
int vouchd_conf_is_internal(const struct vouchd_conf *c,
    const struct vouch_ip *ip);
int vouchd_conf_is_trusted(const struct vouchd_conf *c, const char *id);
/* The keys to sign mail from this address (the From address, lower
 * case) with, or 0 keys: the first matching rule wins.  Never NULL: when
 * nothing matches, a rule with nkeys 0 (and pattern ""). */
const struct vouchd_sign_rule *vouchd_conf_signing(
    const struct vouchd_conf *c, const char *address);

/* Print c as a vouchd.conf (every key, defaults written out), for
 * vouchd -n -v and the round-trip tests. */
int vouchd_conf_write(const struct vouchd_conf *c, FILE *f);

/*
 * vouchd migrate: read an opendkim.conf and/or an opendmarc.conf (either
 * may be NULL) and write the equivalent vouchd.conf to f, with a comment
 * line for every setting that could not be carried over (and why).
 */
int vouchd_conf_migrate(const char *opendkim, const char *opendmarc,
    FILE *f, struct vouch_error *err);

#endif /* VOUCHD_CONF_H */
