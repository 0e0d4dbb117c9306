/*
 * vouch/vouch.h - umbrella header for libvouch.
 */
#ifndef VOUCH_VOUCH_H
#define VOUCH_VOUCH_H

#include <vouch/defs.h>
#include <vouch/err.h>
#include <vouch/dns.h>
#include <vouch/msg.h>
#include <vouch/spf.h>
#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/authres.h>
#include <vouch/verdict.h>
#include <vouch/report.h>
#include <vouch/senders.h>
#include <vouch/audit.h>
#include <vouch/bounce.h>
#include <vouch/explain.h>

#endif /* VOUCH_VOUCH_H */
