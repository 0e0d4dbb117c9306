#!/usr/bin/python3
"""postfix_milter_abuse.py - milter-protocol abuse against a running
vouchd, from a milter client of our own (stdlib only): malformed packets,
commands out of order, oversized and endless input, connections dropped
mid-message.  After every case a well-formed transaction on a new
connection must get its final reply: the daemon survives (SECURITY.md)
and keeps serving.

Usage: postfix_milter_abuse.py HOST:PORT | unix:PATH  PID

PID is vouchd's process id: it must still run after every case.  Prints
"ok - CASE" / "FAIL - CASE" lines; exit 0 when every case passed.

The protocol is libmilter's version 6 (sendmail's libmilter/docs and
include/libmilter/mfdef.h): a packet is a 32-bit big-endian length
(command byte included), one command byte, the data.  The client offers
every protocol flag, as Postfix does, and honours what the milter asks
for: commands it does not want are not sent, commands it does not answer
are not waited for.
"""

import os
import socket
import struct
import sys
import time

NOCONNECT, NOHELO, NOMAIL, NORCPT = 0x1, 0x2, 0x4, 0x8
NOBODY, NOHDRS, NOEOH, NR_HDR = 0x10, 0x20, 0x40, 0x80
NOUNKNOWN, NODATA = 0x100, 0x200
NR_CONN, NR_HELO, NR_MAIL, NR_RCPT = 0x1000, 0x2000, 0x4000, 0x8000
NR_DATA, NR_UNKN, NR_EOH, NR_BODY = 0x10000, 0x20000, 0x40000, 0x80000
OFFER_PROT = 0x1FFFFF
OFFER_ACTS = 0x1FF

# command -> (flag: do not send, flag: no reply)
SKIP = {b"C": (NOCONNECT, NR_CONN), b"H": (NOHELO, NR_HELO),
        b"M": (NOMAIL, NR_MAIL), b"R": (NORCPT, NR_RCPT),
        b"T": (NODATA, NR_DATA), b"L": (NOHDRS, NR_HDR),
        b"N": (NOEOH, NR_EOH), b"B": (NOBODY, NR_BODY),
        b"U": (NOUNKNOWN, NR_UNKN)}
# accept continue discard reject skip tempfail replycode
FINAL = b"acdrsty"
MODIFY = b"+-2behilmpq"


class Closed(Exception):
    pass


class Milter:
    def __init__(self, where, timeout=30):
        if where.startswith("unix:"):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(timeout)
            self.s.connect(where[5:])
        else:
            host, port = where.rsplit(":", 1)
            self.s = socket.create_connection((host, int(port)), timeout)
        self.prot = 0
        self.done = False	# the milter has decided this message

    def close(self):
        self.s.close()

    def raw(self, data):
        self.s.sendall(data)

    def send(self, cmd, data=b""):
        self.raw(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise Closed("closed by the milter")
            buf += chunk
        return buf

    def packet(self):
        (n,) = struct.unpack(">I", self.recv_exact(4))
        if n < 1 or n > 1 << 20:
            raise Closed("bad reply length %d" % n)
        body = self.recv_exact(n)
        return body[:1], body[1:]

    def final(self):
        """Read modification packets until the final reply."""
        mods = []
        while True:
            cmd, data = self.packet()
            if cmd in FINAL:
                return cmd, data, mods
            if cmd not in MODIFY:
                raise Closed("unknown reply %r" % cmd)
            mods.append((cmd, data))

    def negotiate(self, version=6, acts=OFFER_ACTS, prot=OFFER_PROT):
        self.send(b"O", struct.pack(">III", version, acts, prot))
        cmd, data = self.packet()
        if cmd != b"O" or len(data) < 12:
            raise Closed("bad negotiation reply %r" % cmd)
        self.prot = struct.unpack(">III", data[:12])[2]

    def step(self, cmd, data=b""):
        """Send a command; its final reply, or None when none comes.
        Once the milter has given a final answer other than "continue"
        the rest of the message is not sent (libmilter would not answer
        it), until the next MAIL."""
        skip, noreply = SKIP.get(cmd, (0, 0))
        if cmd == b"M":
            self.done = False
        if self.prot & skip or self.done:
            return None
        self.send(cmd, data)
        if self.prot & noreply:
            return None
        reply = self.final()
        if reply[0] not in (b"c", b"s"):
            self.done = True
            self.reply = reply
        return reply

    def macro(self, cmd, pairs):
        data = cmd + b"".join(k + b"\0" + v + b"\0" for k, v in pairs)
        self.send(b"D", data)


def z(*parts):
    return b"".join(p + b"\0" for p in parts)


def envelope(m, ip=b"198.51.100.66", helo=b"evil.example",
             sender=b"<carol@none.test>"):
    m.negotiate()
    m.macro(b"C", [(b"j", b"mx.test"), (b"{daemon_name}", b"smtpd")])
    m.step(b"C", z(b"unknown") + b"4" + struct.pack(">H", 2525) + z(ip))
    m.step(b"H", z(helo))
    m.macro(b"M", [(b"i", b"ABUSE1"), (b"{mail_addr}", sender[1:-1])])
    m.step(b"M", z(sender))
    m.step(b"R", z(b"<bob@rcpt.test>"))
    m.step(b"T")


def message(m, headers=((b"From", b"carol@none.test"),
                        (b"To", b"bob@rcpt.test"),
                        (b"Subject", b"abuse check"))):
    for k, v in headers:
        m.step(b"L", z(k, v))
    m.step(b"N")
    m.step(b"B", b"A short body.\r\n")
    m.step(b"E")
    return m.reply if m.done else None


def well_formed(where):
    """A normal transaction on a new connection: its final reply."""
    m = Milter(where)
    try:
        envelope(m)
        reply = message(m)
        m.send(b"Q")
        return reply
    finally:
        m.close()


# ---- the cases: each gets a fresh connection and may end it any way ----

def c_garbage(m):
    m.raw(os.urandom(64))


def c_length_zero(m):
    m.raw(struct.pack(">I", 0))


def c_length_huge(m):
    m.raw(struct.pack(">I", 0xFFFFFFF0) + b"O" + b"x" * 1000)


def c_length_4g(m):
    m.raw(struct.pack(">I", 0xFFFFFFFF) + b"L")


def c_truncated(m):
    m.raw(struct.pack(">I", 100) + b"O\0\0")


def c_unknown_command(m):
    m.negotiate()
    m.send(b"Z", b"nonsense")
    m.send(b"Z")


def c_bad_version(m):
    m.send(b"O", struct.pack(">III", 1, 0, 0))


def c_version_99(m):
    m.send(b"O", struct.pack(">III", 99, 0xFFFFFFFF, 0xFFFFFFFF))


def c_short_optneg(m):
    m.send(b"O", b"\0\0")


def c_no_negotiation(m):
    m.send(b"C", z(b"h") + b"4" + struct.pack(">H", 1) + z(b"1.2.3.4"))
    m.send(b"E")


def c_bad_connect(m):
    m.negotiate()
    m.step(b"C", b"no-nul-anywhere")


def c_bad_family(m):
    m.negotiate()
    m.step(b"C", z(b"h") + b"X" + struct.pack(">H", 1) + z(b"junk"))
    m.step(b"C", z(b"h") + b"4" + struct.pack(">H", 1) + z(b"999.1.1.1"))
    m.step(b"C", z(b"h") + b"6" + struct.pack(">H", 1) + z(b"::zz::"))


def c_body_before_headers(m):
    envelope(m)
    m.step(b"B", b"body first\r\n")
    m.step(b"E")


def c_eom_alone(m):
    m.negotiate()
    m.step(b"E")


def c_header_before_mail(m):
    m.negotiate()
    m.step(b"L", z(b"From", b"a@none.test"))
    m.step(b"N")
    m.step(b"E")


def c_header_no_nul(m):
    envelope(m)
    m.step(b"L", b"From")
    m.step(b"L", b"")
    m.step(b"E")


def c_header_nul_in_value(m):
    envelope(m)
    m.step(b"L", b"From\0carol@none.test\0trailing\0junk\0")
    m.step(b"L", z(b"To", b"bob\x00@rcpt.test"))
    m.step(b"N")
    m.step(b"E")


def c_thousands_of_headers(m):
    envelope(m)
    m.step(b"L", z(b"From", b"carol@none.test"))
    for i in range(20000):
        m.step(b"L", z(b"X-Filler-%d" % i, b"v" * 40))
    m.step(b"N")
    m.step(b"B", b"body\r\n")
    m.step(b"E")


def c_huge_header(m):
    envelope(m)
    m.step(b"L", z(b"From", b"carol@none.test"))
    m.step(b"L", z(b"Subject", b"s" * 1000000))
    m.step(b"N")
    m.step(b"E")


def c_hostile_from(m):
    envelope(m)
    for v in (b"<<<@@@>>>", b"\x01\x02\x7f@none.test", b"(((((", b"a" * 5000,
              b"x@" + b"a." * 200 + b"test", b"=?utf-8?B?////?= <@>"):
        m.step(b"L", z(b"From", v))
    m.step(b"N")
    m.step(b"E")


def c_body_chunks(m):
    envelope(m)
    m.step(b"L", z(b"From", b"carol@none.test"))
    m.step(b"N")
    for _ in range(2000):
        m.step(b"B", b"\r\n" * 32768)
    m.step(b"E")


def c_disconnect_mid_body(m):
    envelope(m)
    m.step(b"L", z(b"From", b"carol@none.test"))
    m.step(b"N")
    m.send(b"B", b"half a body")


def c_disconnect_mid_packet(m):
    envelope(m)
    m.raw(struct.pack(">I", 5000) + b"B" + b"x" * 100)


def c_abort_and_again(m):
    envelope(m)
    m.step(b"L", z(b"From", b"carol@none.test"))
    m.send(b"A")
    m.done = False
    m.macro(b"M", [(b"i", b"ABUSE2")])
    m.step(b"M", z(b"<carol@none.test>"))
    m.step(b"R", z(b"<bob@rcpt.test>"))
    reply = message(m)
    if reply is None or reply[0] not in FINAL:
        raise Closed("no final reply after ABORT")


def c_macro_abuse(m):
    m.negotiate()
    m.send(b"D", b"")
    m.send(b"D", b"C")
    m.send(b"D", b"Cno-nul")
    m.macro(b"C", [(b"{k%d}" % i, b"v" * 100) for i in range(5000)])
    m.macro(b"M", [(b"{auth_authen}", b"\x00\xff" * 10)])


def c_quit_nc_then_more(m):
    envelope(m)
    m.send(b"K")
    m.negotiate()
    m.send(b"K")
    m.send(b"K")


def c_many_connections(_m):
    held = []
    for _ in range(200):
        try:
            held.append(Milter(WHERE, timeout=5))
        except OSError:
            break
    for c in held:
        c.close()


CASES = [f for n, f in sorted(globals().items()) if n.startswith("c_")]


def main():
    global WHERE
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[5], file=sys.stderr)
        return 2
    WHERE, pid = sys.argv[1], int(sys.argv[2])
    failed = 0
    reply = well_formed(WHERE)
    print("ok - a well-formed transaction before the abuse: %r" %
          (reply[0] if reply else None))
    for case in CASES:
        name = case.__name__[2:]
        try:
            m = Milter(WHERE, timeout=5)
            try:
                case(m)
                time.sleep(0.05)
            except (Closed, OSError):
                pass		# the milter may hang up: that is fine
            finally:
                m.close()
            alive = os.path.exists("/proc/%d" % pid)
            reply = well_formed(WHERE) if alive else None
            good = alive and reply is not None and reply[0] in FINAL
        except (Closed, OSError) as e:
            good, reply = False, str(e)
        print("%s - %s: next transaction %r" % (
            "ok" if good else "FAIL", name,
            reply[0] if isinstance(reply, tuple) else reply))
        failed += not good
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
