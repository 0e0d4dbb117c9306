#!/usr/bin/env python3
"""Write the seed scripts of fuzz_vouchd_session (see its comment for
the format): whole messages from each kind of client, as libmilter
would deliver them.  Run from fuzz/corpus/vouchd_session/; the seeds
are committed."""

CONNECT, HELO, MAIL, HEADER, EOH, BODY, EOM, ABORT, CLOSE, MANY = range(10)
NAMES = ["From", "To", "Subject", "DKIM-Signature",
         "Authentication-Results", "Date", "Message-ID", "Sender",
         "Reply-To", "Received", "ARC-Seal", "Content-Type", "X-Test",
         "from", "FROM "]


def s(text):
    b = text.encode()
    assert len(b) < 256
    return bytes([len(b)]) + b


def ev(kind, conn=0, *ops):
    return bytes([kind, conn]) + b"".join(ops)


def header(conn, name, value):
    pick = (NAMES.index(name) << 1) | 1
    return ev(HEADER, conn, bytes([pick]), s(value))


def message(conn, ip_pick, mail_from, headers, body, auth=""):
    out = ev(CONNECT, conn + 3 * ip_pick) + ev(HELO, conn, s("client.example"))
    out += ev(MAIL, conn, s(mail_from), s(auth))
    for name, value in headers:
        out += header(conn, name, value)
    out += ev(EOH, conn)
    for piece in body:
        out += ev(BODY, conn, s(piece))
    return out + ev(EOM, conn)


seeds = {
    "spoof": message(0, 0, "<alice@pass.test>",
                     [("From", " Alice <alice@pass.test>"),
                      ("Subject", " hi"),
                      ("Authentication-Results",
                       " mx.test; dmarc=pass header.from=pass.test")],
                     ["Hello\r\n", "world\r\n"]),
    "internal": message(1, 1, "<bob@sign.test>",
                        [("From", " bob@sign.test"), ("To", " x@y.test"),
                         ("Subject", " signed\n\tfolded")],
                        ["line one\r\n", "line two\r\n"]),
    "two-from": message(2, 0, "<>",
                        [("From", " a@pass.test"), ("From", " b@quar.test"),
                         ("DKIM-Signature", " v=1; a=rsa-sha256; d=pass.test;"
                          " s=x; h=from; bh=AAAA; b=AAAA")],
                        ["x\r\n"]),
    "abort": ev(CONNECT, 0) + ev(MAIL, 0, s("<a@broken.test>"), s(""))
    + header(0, "From", " a@broken.test") + ev(ABORT, 0)
    + ev(MAIL, 0, s("<a@broken.test>"), s("user")) + ev(EOM, 0)
    + ev(CLOSE, 0),
    "many": ev(CONNECT, 0) + ev(MAIL, 0, s("<a@pass.test>"), s(""))
    + b"".join(ev(MANY, 0, s("from relay.test by mx.test")) for _ in range(20))
    + ev(EOH, 0) + ev(EOM, 0),
}

for name, data in seeds.items():
    with open(name, "wb") as f:
        f.write(data)
