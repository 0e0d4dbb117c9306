/*
 * fuzz_report_limits.h - the report parser's limits for the fuzz targets
 * that feed it (fuzz_report.c, fuzz_store_import.c): small, so that every
 * limit is reachable in a fuzzing run.
 */
#ifndef VOUCH_FUZZ_REPORT_LIMITS_H
#define VOUCH_FUZZ_REPORT_LIMITS_H

#include <vouch/report.h>

static const struct vouch_report_limits lim = {
	256 * 1024,	/* email_bytes */
	64 * 1024,	/* compressed_bytes */
	1024 * 1024,	/* xml_bytes */
	3,		/* archive_members */
	6,		/* mime_depth */
	12,		/* attachments */
	12,		/* xml_depth */
	500,		/* records */
	256		/* field_bytes */
};

#endif /* VOUCH_FUZZ_REPORT_LIMITS_H */
