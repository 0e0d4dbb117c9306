/*
 * conf_foreign.c - every setting of opendkim.conf(5) (OpenDKIM 2.11) and
 * opendmarc.conf(5) (OpenDMARC 1.4), with what vouchd does about it: a
 * conversion into a vouchd key (vouchd migrate), or the reason it has no
 * equivalent.  vouchd_conf_load uses the same reasons when one of these
 * keys turns up in a vouchd.conf.
 */
#include "conf_int.h"

#define D VOUCHD__OPENDKIM
#define M VOUCHD__OPENDMARC
#define DM (VOUCHD__OPENDKIM | VOUCHD__OPENDMARC)

/* Reasons shared by several settings. */
#define R_SERVICE "the service manager does that (systemd Restart=, " \
	"LimitCORE=, sandboxing; vouchd(8))"
#define R_DATASET "vouchd reads its tables from flat files only"
#define R_LUA "vouchd has no Lua scripts: the DMARC verdict is its policy"
#define R_REPORTS "vouchd sends no failure reports (RFC 6591, RFC 6651)"
#define R_HISTORY "vouchd keeps no history file for aggregate reports"
#define R_DKIM_ACTION "a DKIM result alone decides nothing: vouchd acts " \
	"on the DMARC verdict (RejectFailures, QuarantineAction)"
#define R_HEADERS "vouchd signs its own list of header fields and " \
	"over-signs each (RFC 6376 5.4.2)"
#define R_CANON "vouchd signs with relaxed/relaxed"
#define R_NO_L "vouchd never signs with l= (anyone could append text)"
#define R_EXPERIMENT "an experimental OpenDKIM feature vouchd does not have"
#define R_SENDER "vouchd chooses keys by the From address (SigningTable)"
#define R_TEST "a test setting of OpenDKIM"
#define R_JOBID "vouchd's authserv-id never carries a job id"
#define R_AR_OURS "vouchd removes the Authentication-Results fields that " \
	"claim its own authserv-id and keeps the others"
#define R_NO_MAIL "vouchd sends no mail and changes no recipient"
#define R_HEADER_COUNT "vouchd never passes a message without exactly " \
	"one well-formed From (SECURITY.md); other RFC 5322 3.6 counts " \
	"are not checked"
#define R_SPF "vouchd always checks SPF itself and never reads SPF " \
	"results from the message"
#define R_PIDFILE "that is the old daemon's pid file; vouchd writes its " \
	"own (PidFile)"
#define R_ALL_MAIL "vouchd processes all mail Postfix hands it (Postfix's " \
	"smtpd_milter_maps can skip clients)"
#define R_VBR "VBR (RFC 5518) is not supported"

static const struct vouchd__foreign table[] = {
	{ "AllowSHA1Only", D, NULL, -1, "vouchd never counts rsa-sha1 as a "
	    "pass (RFC 8301)", 0 },
	{ "AlwaysAddARHeader", D, NULL, -1, "vouchd always adds "
	    "Authentication-Results", 0 },
	{ "AuthservID", DM, vouchd__map_authserv, VOUCHD__K_AUTHSERV,
	    "AuthservID", 0 },
	{ "AuthservIDWithJobID", DM, NULL, -1, R_JOBID, 0 },
	{ "AutoRestart", DM, NULL, -1, R_SERVICE, 0 },
	{ "AutoRestartCount", DM, NULL, -1, R_SERVICE, 0 },
	{ "AutoRestartRate", DM, NULL, -1, R_SERVICE, 0 },
	{ "Background", DM, NULL, -1, "vouchd's command line chooses "
	    "foreground or daemon (vouchd(8))", 0 },
	{ "BaseDirectory", DM, NULL, -1, "vouchd takes relative paths from "
	    "the directory of vouchd.conf", 0 },
	{ "BodyLengthDB", D, NULL, -1, R_NO_L, 0 },
	{ "BogusKey", D, NULL, -1, "vouchd gives the RFC 6376 result for "
	    "every key", 0 },
	{ "Canonicalization", D, NULL, -1, R_CANON, 0 },
	{ "CaptureUnknownErrors", D, NULL, -1, "internal errors follow "
	    "OnInternalError", 0 },
	{ "ChangeRootDirectory", DM, NULL, -1, R_SERVICE, 0 },
	{ "ClockDrift", D, NULL, -1, "vouchd allows 300 seconds of clock "
	    "skew for t= and x=", 0 },
	{ "CopyFailuresTo", M, NULL, -1, R_NO_MAIL, 0 },
	{ "Diagnostics", D, NULL, -1, "vouchd adds no z= tags", 0 },
	{ "DiagnosticDirectory", D, NULL, -1, "vouchd writes no diagnostic "
	    "files", 0 },
	{ "DisableCryptoInit", D, NULL, -1, "vouchd sets up OpenSSL itself",
	    0 },
	{ "DNSConnect", D, NULL, -1, "vouchd's resolver chooses UDP or TCP",
	    0 },
	{ "DNSTimeout", DM, vouchd__map_seconds, VOUCHD__K_DNS_TIMEOUT,
	    "DNSTimeout (in milliseconds)", 0 },
	{ "Domain", D, vouchd__map_single, -1, "KeyTable and SigningTable",
	    0 },
	{ "DomainKeysCompat", D, NULL, -1, "DomainKeys (RFC 4870) is "
	    "historic", 0 },
	{ "DomainWhitelist", M, NULL, -1, "vouchd does not override DMARC "
	    "with ARC results", 0 },
	{ "DomainWhitelistFile", M, NULL, -1, "vouchd does not override "
	    "DMARC with ARC results", 0 },
	{ "DomainWhitelistSize", M, NULL, -1, "vouchd does not override "
	    "DMARC with ARC results", 0 },
	{ "DontSignMailTo", D, NULL, -1, "vouchd decides signing by sender "
	    "(SigningTable), never by recipient", 0 },
	{ "EnableCoredumps", DM, NULL, -1, R_SERVICE, 0 },
	{ "ExemptDomains", D, NULL, -1, "vouchd processes mail from every "
	    "domain", 0 },
	{ "ExternalIgnoreList", D, NULL, -1, "it only silenced OpenDKIM's "
	    "log lines about unauthorized signing; vouchd has none", 0 },
	{ "FailureReports", M, NULL, -1, R_REPORTS, 0 },
	{ "FailureReportsBcc", M, NULL, -1, R_REPORTS, 0 },
	{ "FailureReportsOnNone", M, NULL, -1, R_REPORTS, 0 },
	{ "FailureReportsSentBy", M, NULL, -1, R_REPORTS, 0 },
	{ "FinalPolicyScript", D, NULL, -1, R_LUA, 0 },
	{ "FixCRLF", D, NULL, -1, "vouchd canonicalizes the message as it "
	    "arrives (RFC 6376 3.4)", 0 },
	{ "HistoryFile", M, NULL, -1, R_HISTORY, 0 },
	{ "HoldQuarantinedMessages", M, vouchd__map_hold, VOUCHD__K_QUARANTINE,
	    "QuarantineAction", 0 },
	{ "IdentityHeader", D, NULL, -1, R_EXPERIMENT, 0 },
	{ "IdentityHeaderRemove", D, NULL, -1, R_EXPERIMENT, 0 },
	{ "IgnoreAuthenticatedClients", M, vouchd__map_ignore_auth,
	    VOUCHD__K_SIGN_AUTH, "SignAuthenticated", 0 },
	{ "IgnoreHosts", M, vouchd__map_hosts, VOUCHD__K_INTERNAL,
	    "InternalHosts", 0 },
	{ "IgnoreMailFrom", M, NULL, -1, "vouchd evaluates mail from every "
	    "domain", 0 },
	{ "IgnoreMailTo", M, NULL, -1, R_HISTORY, 0 },
	{ "IgnoreMalformedMail", D, NULL, -1, "malformed mail gets its "
	    "results and follows the DMARC verdict (fail closed)", 0 },
	{ "Include", D, NULL, -1, "vouchd migrate does not follow Include: "
	    "migrate that file too and merge by hand", 0 },
	{ "InternalHosts", D, vouchd__map_hosts, VOUCHD__K_INTERNAL,
	    "InternalHosts", 0 },
	{ "KeepAuthResults", D, NULL, -1, R_AR_OURS, 0 },
	{ "KeepTemporaryFiles", D, NULL, -1, "vouchd writes no temporary "
	    "files", 0 },
	{ "KeyFile", D, vouchd__map_single, -1, "KeyTable and SigningTable",
	    0 },
	{ "KeyTable", D, vouchd__map_same, VOUCHD__K_KEY_TABLE, "KeyTable",
	    0 },
	{ "LDAPAuthMechanism", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPAuthName", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPAuthRealm", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPAuthUser", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPBindPassword", D, NULL, -1, R_DATASET, 1 },
	{ "LDAPBindUser", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPDisableCache", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPKeepaliveIdle", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPKeepaliveInterval", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPKeepaliveProbes", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPTimeout", D, NULL, -1, R_DATASET, 0 },
	{ "LDAPUseTLS", D, NULL, -1, R_DATASET, 0 },
	{ "LogResults", D, NULL, -1, "vouchd logs every result in its one "
	    "line per message", 0 },
	{ "LogWhy", D, vouchd__map_bool, VOUCHD__K_LOG_WHY, "LogWhy", 0 },
	{ "MacroList", D, NULL, -1, "vouchd signs for InternalHosts and "
	    "SMTP AUTH clients (SignAuthenticated); no other macro counts",
	    0 },
	{ "MaximumHeaders", D, vouchd__map_same, VOUCHD__K_MAX_HEADER,
	    "MaxHeaderBytes", 0 },
	{ "MaximumSignaturesToVerify", D, vouchd__map_same,
	    VOUCHD__K_MAX_SIGS, "MaxSignatures", 0 },
	{ "MaximumSignedBytes", D, NULL, -1, R_NO_L, 0 },
	{ "MilterDebug", DM, NULL, -1, "libmilter's debugging is not "
	    "exposed", 0 },
	{ "Minimum", D, NULL, -1, "a signature over part of the body (l=) "
	    "gives dkim=policy", 0 },
	{ "MinimumKeyBits", D, NULL, -1, "RSA keys under 1024 bits give "
	    "dkim=policy (RFC 8301)", 0 },
	{ "Mode", D, NULL, -1, "vouchd signs mail from InternalHosts and "
	    "authenticated clients and verifies the rest: there is no mode",
	    0 },
	{ "MTA", D, NULL, -1, "vouchd signs for InternalHosts and SMTP AUTH "
	    "clients, whatever the MTA name", 0 },
	{ "MTACommand", D, NULL, -1, R_NO_MAIL, 0 },
	{ "MultipleSignatures", D, NULL, -1, "vouchd signs with every key of "
	    "the first matching SigningTable pattern (list several keys, or "
	    "repeat the pattern)", 0 },
	{ "MustBeSigned", D, NULL, -1, "vouchd checks signatures as RFC 6376 "
	    "says; DMARC decides", 0 },
	{ "Nameservers", D, vouchd__map_nameservers, VOUCHD__K_DNS_SERVER,
	    "DNSServer", 0 },
	{ "NoHeaderB", D, NULL, -1, "vouchd chooses the Authentication-Results "
	    "properties (RFC 8601)", 0 },
	{ "OmitHeaders", D, NULL, -1, R_HEADERS, 0 },
	{ "On-BadSignature", D, NULL, -1, R_DKIM_ACTION, 0 },
	{ "On-Default", D, NULL, -1, R_DKIM_ACTION, 0 },
	{ "On-DNSError", D, vouchd__map_action, VOUCHD__K_TEMPFAIL_DNS,
	    "TempFailOnDNSError", 0 },
	{ "On-InternalError", D, vouchd__map_action, VOUCHD__K_INTERNAL_ERROR,
	    "OnInternalError", 0 },
	{ "On-KeyNotFound", D, NULL, -1, R_DKIM_ACTION, 0 },
	{ "On-NoSignature", D, NULL, -1, R_DKIM_ACTION, 0 },
	{ "On-Security", D, NULL, -1, R_DKIM_ACTION, 0 },
	{ "On-SignatureError", D, NULL, -1, "mail vouchd cannot sign is "
	    "sent unsigned and the reason logged", 0 },
	{ "OversignHeaders", D, NULL, -1, R_HEADERS, 0 },
	{ "PeerList", D, NULL, -1, R_ALL_MAIL, 0 },
	{ "PidFile", DM, NULL, -1, R_PIDFILE, 0 },
	{ "POPDBFile", D, NULL, -1, "POP-before-SMTP is not supported: use "
	    "InternalHosts or SMTP AUTH", 0 },
	{ "PublicSuffixList", M, vouchd__map_same, VOUCHD__K_PSL,
	    "PublicSuffixList", 0 },
	{ "Quarantine", D, NULL, -1, "vouchd quarantines on the DMARC verdict "
	    "(QuarantineAction), not on DKIM", 0 },
	{ "QueryCache", D, NULL, -1, "vouchd's resolver caches", 0 },
	{ "RecordAllMessages", M, NULL, -1, R_HISTORY, 0 },
	{ "RedirectFailuresTo", D, NULL, -1, R_NO_MAIL, 0 },
	{ "RejectFailures", M, vouchd__map_bool, VOUCHD__K_REJECT,
	    "RejectFailures", 0 },
	{ "RejectMultiValueFrom", M, NULL, -1, R_HEADER_COUNT, 0 },
	{ "RejectString", M, vouchd__map_reject_string, VOUCHD__K_REJECT_TEXT,
	    "RejectText (the whole reply)", 0 },
	{ "RemoveARAll", D, NULL, -1, R_AR_OURS, 0 },
	{ "RemoveARFrom", D, NULL, -1, R_AR_OURS, 0 },
	{ "RemoveOldSignatures", D, NULL, -1, "vouchd never removes "
	    "signatures", 0 },
	{ "ReplaceHeaders", D, NULL, -1, "vouchd signs the message as it is",
	    0 },
	{ "ReplaceRules", D, NULL, -1, "vouchd signs the message as it is",
	    0 },
	{ "ReportAddress", D, NULL, -1, R_REPORTS, 0 },
	{ "ReportBccAddress", D, NULL, -1, R_REPORTS, 0 },
	{ "ReportCommand", M, NULL, -1, R_REPORTS, 0 },
	{ "RequestReports", D, NULL, -1, R_REPORTS, 0 },
	{ "RequiredHeaders", DM, NULL, -1, R_HEADER_COUNT, 0 },
	{ "RequireSafeKeys", D, NULL, -1, "always so: vouchd refuses key files "
	    "group or others can read", 0 },
	{ "ResignAll", D, NULL, -1, R_EXPERIMENT, 0 },
	{ "ResignMailTo", D, NULL, -1, R_EXPERIMENT, 0 },
	{ "ResolverConfiguration", D, NULL, -1, "vouchd's resolver is set "
	    "with DNSServer", 0 },
	{ "ResolverTracing", D, NULL, -1, "resolver tracing is not exposed",
	    0 },
	{ "ScreenPolicyScript", D, NULL, -1, R_LUA, 0 },
	{ "SelectCanonicalizationHeader", D, NULL, -1, R_CANON, 0 },
	{ "Selector", D, vouchd__map_single, -1, "KeyTable and SigningTable",
	    0 },
	{ "SenderHeaders", D, NULL, -1, R_SENDER, 0 },
	{ "SenderMacro", D, NULL, -1, R_SENDER, 0 },
	{ "SendReports", D, NULL, -1, R_REPORTS, 0 },
	{ "SetupPolicyScript", D, NULL, -1, R_LUA, 0 },
	{ "SignatureAlgorithm", D, NULL, -1, "the key decides: rsa-sha256 for "
	    "RSA, ed25519-sha256 for Ed25519 (RFC 8463); never rsa-sha1", 0 },
	{ "SignatureTTL", D, NULL, -1, "vouchd's signatures carry no x=", 0 },
	{ "SignHeaders", D, NULL, -1, R_HEADERS, 0 },
	{ "SigningTable", D, vouchd__map_same, VOUCHD__K_SIGNING_TABLE,
	    "SigningTable", 0 },
	{ "SMTPURI", D, NULL, -1, R_NO_MAIL, 0 },
	{ "Socket", DM, vouchd__map_same, VOUCHD__K_SOCKET, "Socket", 0 },
	{ "SoftStart", D, NULL, -1, R_DATASET, 0 },
	{ "SoftwareHeader", DM, NULL, -1, "vouchd adds no software header "
	    "field", 0 },
	{ "SPFIgnoreResults", M, NULL, -1, R_SPF, 0 },
	{ "SPFSelfValidate", M, NULL, -1, R_SPF, 0 },
	{ "Statistics", D, NULL, -1, "see vouchd's metrics (MetricsSocket)",
	    0 },
	{ "StatisticsName", D, NULL, -1, "see vouchd's metrics "
	    "(MetricsSocket)", 0 },
	{ "StatisticsPolicyScript", D, NULL, -1, R_LUA, 0 },
	{ "StatisticsPrefix", D, NULL, -1, "see vouchd's metrics "
	    "(MetricsSocket)", 0 },
	{ "StrictHeaders", D, NULL, -1, R_HEADER_COUNT, 0 },
	{ "StrictTestMode", D, NULL, -1, R_TEST, 0 },
	{ "SubDomains", D, NULL, -1, "list the subdomains in the SigningTable "
	    "(refile: '*@*.example.com')", 0 },
	{ "Syslog", DM, vouchd__map_bool, VOUCHD__K_SYSLOG, "Syslog", 0 },
	{ "SyslogFacility", DM, vouchd__map_same, VOUCHD__K_FACILITY,
	    "SyslogFacility", 0 },
	{ "SyslogName", D, NULL, -1, "vouchd logs as \"vouchd\"", 0 },
	{ "SyslogSuccess", D, NULL, -1, "vouchd logs one line for every "
	    "message", 0 },
	{ "TemporaryDirectory", D, NULL, -1, "vouchd writes no temporary "
	    "files", 0 },
	{ "TestDNSData", D, NULL, -1, R_TEST, 0 },
	{ "TestPublicKeys", D, NULL, -1, R_TEST, 0 },
	{ "TrustAnchorFile", D, NULL, -1, "DNSSEC validation is the "
	    "resolver's (DNSServer or the system's)", 0 },
	{ "TrustedAuthservIDs", M, vouchd__map_trusted, VOUCHD__K_TRUSTED,
	    "TrustedAuthservIDs", 0 },
	{ "TrustSignaturesFrom", D, NULL, -1, "vouchd checks every signature "
	    "up to MaxSignatures; DMARC decides which count", 0 },
	{ "UMask", DM, vouchd__map_umask, VOUCHD__K_SOCKET_MODE, "SocketMode",
	    0 },
	{ "UnprotectedKey", D, NULL, -1, "vouchd gives the RFC 6376 result "
	    "for every key", 0 },
	{ "UserID", DM, vouchd__map_same, VOUCHD__K_USER, "UserID", 0 },
	{ "VBR-Certifiers", D, NULL, -1, R_VBR, 0 },
	{ "VBR-PurgeFields", D, NULL, -1, R_VBR, 0 },
	{ "VBR-TrustedCertifiers", D, NULL, -1, R_VBR, 0 },
	{ "VBR-TrustedCertifiersOnly", D, NULL, -1, R_VBR, 0 },
	{ "VBR-Type", D, NULL, -1, R_VBR, 0 },
	{ "WeakSyntaxChecks", D, NULL, -1, "vouchd never passes mail whose "
	    "From it cannot read (fail closed)", 0 },
};

const struct vouchd__foreign *
vouchd__foreign_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (vouch__strcaseeq(name, table[i].name))
			return &table[i];
	return NULL;
}
