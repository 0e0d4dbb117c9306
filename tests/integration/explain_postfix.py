#!/usr/bin/python3
"""The checks of explain_postfix.sh: what `vouch explain --json` says of a
bounce the sending Postfix wrote.

Usage: explain_postfix.py BOUNCE WITH_IP_JSON WITHOUT_IP_JSON

No expected value comes from vouch.  The bounce is read here with Python's
email package (RFC 3464 fields), and the rest follows from the scenario
explain_postfix.sh sets up:
  - sender.example.org publishes "v=spf1 ip4:192.0.2.10 -all" and
    "v=DMARC1; p=reject"; mail.sender.example.org (the sending Postfix,
    its Reporting-MTA) has the one A record 127.0.0.1;
  - the message was unsigned and handed over from 127.0.0.1, so SPF fails
    on -all (RFC 7208 5.1), nothing aligns and DMARC fails (RFC 9989);
  - the fix docs/explain.md gives for unauthorized-server adds ip4: of the
    client before the record's "all"; a bounce written by the sender's own
    server gives the client IP as the Reporting-MTA's one address.
"""
import email
import email.policy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "cli"))
from clitest import check, finish  # noqa: E402

BOUNCE, WITH_IP, WITHOUT_IP = sys.argv[1:4]
REJECT_TEXT = "DMARC unauthenticated mail is prohibited"
FIXED = '"v=spf1 ip4:192.0.2.10 ip4:127.0.0.1 -all"'


def field_value(block, name):
    """A DSN field's value after its type ("dns; x" -> "x"), or None."""
    v = block.get(name)
    if v is None:
        return None
    v = " ".join(str(v).split())
    return v.split(";", 1)[1].strip() if ";" in v else v


def read_bounce(path):
    """The facts of the bounce, as RFC 3464 lays them out."""
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    check("bounce: multipart/report",
          msg.get_content_type() == "multipart/report",
          msg.get_content_type())
    check("bounce: report-type=delivery-status",
          msg.get_param("report-type") == "delivery-status",
          msg.get_param("report-type"))
    parts = msg.get_payload() if msg.is_multipart() else []
    types = [p.get_content_type() for p in parts]
    check("bounce: notice, delivery-status, original",
          len(types) == 3 and types[1] == "message/delivery-status", types)
    status = parts[1].get_payload() if len(parts) > 1 else []
    per_msg = status[0] if status else {}
    per_rcpt = status[1] if len(status) > 1 else {}
    # bounce_size_limit (postconf(5)): an original under 50000 bytes
    # comes back whole as message/rfc822, else as text/rfc822-headers.
    original = {"message/rfc822": "full",
                "text/rfc822-headers": "headers"}.get(
                    types[2] if len(types) == 3 else None)
    return {
        "subject": msg.get("Subject", ""),
        "reporting_mta": field_value(per_msg, "Reporting-MTA"),
        "sender": field_value(per_msg, "X-Postfix-Sender"),
        "action": field_value(per_rcpt, "Action"),
        "status": field_value(per_rcpt, "Status"),
        "remote_mta": field_value(per_rcpt, "Remote-MTA"),
        "diagnostic": field_value(per_rcpt, "Diagnostic-Code"),
        "original": original,
    }


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        check(f"{path}: JSON", False, e)
        return {}


def common(name, j, b):
    """What both runs must say."""
    inp = j.get("input") or {}
    check(f"{name}: input kind dsn", inp.get("kind") == "dsn", inp)
    check(f"{name}: format postfix", inp.get("format") == "postfix", inp)
    check(f"{name}: original {b['original']}",
          inp.get("original") == b["original"], inp)
    reply = j.get("reply") or ""
    check(f"{name}: reply starts 550 5.7.1", reply.startswith("550 5.7.1"),
          reply)
    check(f"{name}: reply holds the reject text", REJECT_TEXT in reply, reply)
    check(f"{name}: reply is the Diagnostic-Code's",
          reply == b["diagnostic"], (reply, b["diagnostic"]))
    check(f"{name}: receiver is the Remote-MTA",
          j.get("receiver") == b["remote_mta"],
          (j.get("receiver"), b["remote_mta"]))
    check(f"{name}: from_domain", j.get("from_domain") ==
          "sender.example.org", j.get("from_domain"))
    check(f"{name}: from the From field",
          "from" in (j.get("from_source") or "").lower(), j.get("from_source"))
    check(f"{name}: mail_from", j.get("mail_from") ==
          "alice@sender.example.org", j.get("mail_from"))
    check(f"{name}: mail_from from X-Postfix-Sender",
          j.get("mail_from_source") == "X-Postfix-Sender",
          j.get("mail_from_source"))
    check(f"{name}: client_ip 127.0.0.1", j.get("client_ip") == "127.0.0.1",
          j.get("client_ip"))
    # 127.0.0.1's PTR name: libunbound answers 127.in-addr.arpa from its
    # built-in local zone ("localhost", unbound.conf(5)); another
    # resolver would be refused by knot, which does not serve it.
    check(f"{name}: client_rdns localhost or none",
          j.get("client_rdns") in (None, "localhost"), j.get("client_rdns"))

    res = j.get("results") or {}
    spf = res.get("spf") or {}
    check(f"{name}: SPF fail on -all", spf.get("result") == "fail" and
          spf.get("mechanism") == "-all", spf)
    check(f"{name}: no DKIM signature", res.get("dkim") == [],
          res.get("dkim"))
    dmarc = res.get("dmarc") or {}
    check(f"{name}: DMARC fail", dmarc.get("result") == "fail", dmarc)
    check(f"{name}: DMARC p=reject",
          dmarc.get("requested_policy") == "reject", dmarc)

    causes = j.get("causes") or []
    codes = [c.get("code") for c in causes]
    by_code = {c.get("code"): c for c in causes}
    # The two reasons DMARC fails, and nothing else wrong with the
    # records: listed errors first, SPF side before DKIM side.
    errors = [c.get("code") for c in causes if c.get("severity") == "error"]
    check(f"{name}: the errors are unauthorized-server, dkim-missing",
          errors == ["unauthorized-server", "dkim-missing"], codes)
    check(f"{name}: no dns-temporary", "dns-temporary" not in codes, codes)
    us = by_code.get("unauthorized-server") or {}
    check(f"{name}: unauthorized-server fix adds ip4:127.0.0.1",
          FIXED in (us.get("fix") or ""), us.get("fix"))
    check(f"{name}: unauthorized-server evidence names the record",
          "v=spf1 ip4:192.0.2.10 -all" in (us.get("evidence") or ""),
          us.get("evidence"))
    dm = by_code.get("dkim-missing") or {}
    check(f"{name}: dkim-missing fix names sender.example.org",
          "sender.example.org" in (dm.get("fix") or ""), dm.get("fix"))
    first = causes[0].get("summary") if causes else None
    check(f"{name}: the summary ends with the first cause's",
          first is not None and first in (j.get("summary") or ""),
          (j.get("summary"), first))


def main():
    b = read_bounce(BOUNCE)
    check("bounce: Postfix's subject",
          b["subject"] == "Undelivered Mail Returned to Sender", b["subject"])
    check("bounce: X-Postfix-Sender", b["sender"] ==
          "alice@sender.example.org", b["sender"])
    check("bounce: Reporting-MTA", b["reporting_mta"] ==
          "mail.sender.example.org", b["reporting_mta"])
    check("bounce: failed, 5.7.1", b["action"] == "failed" and
          b["status"] == "5.7.1", (b["action"], b["status"]))
    check("bounce: Diagnostic-Code is vouchd's reply",
          (b["diagnostic"] or "").startswith("550 5.7.1 " + REJECT_TEXT),
          b["diagnostic"])
    check("bounce: the whole original comes back (message/rfc822)",
          b["original"] == "full", b["original"])

    j = load(WITH_IP)
    common("--ip", j, b)
    check("--ip: client_ip_source", j.get("client_ip_source") == "--ip",
          j.get("client_ip_source"))

    j = load(WITHOUT_IP)
    common("no --ip", j, b)
    # Step 5 of "Client IP": the Reporting-MTA's one address.
    src = j.get("client_ip_source") or ""
    check("no --ip: client_ip from the Reporting-MTA's address",
          b["reporting_mta"] is not None and b["reporting_mta"] in src, src)
    finish()


main()
