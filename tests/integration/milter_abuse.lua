-- milter_abuse.lua - milter-protocol abuse of a running vouchd through
-- miltertest; after every case a well-formed transaction must still get
-- its known answer (lib.alive).  Expected replies: SECURITY.md (limits,
-- fail closed) and vouchd(8) (552 5.3.4, 550 5.6.0, 550 5.7.1 texts).
-- miltertest keeps one header field in a 1 KiB stack buffer (longer ones
-- crash it), so a field over 32 KiB is left to test_vouchd_milter.c and
-- postfix_milter_abuse.py; strings here stay under 1 KiB.
-- Run by milter_abuse.sh: miltertest -D sock=... -D libdir=... -s THIS

dofile(libdir .. "/milter_lib.lua")

-- Thousands of header packets, past the 64 KiB header section.
local conn = lib.open()
local hdrs = { {"From", "alice@reject.milter.test"} }
for i = 1, 8000 do
	hdrs[#hdrs + 1] = {"X-Filler-" .. i, "0123456789"}
end
lib.check(lib.send(conn, "<alice@reject.milter.test>", hdrs, nil) ==
    SMFIR_REPLYCODE, "8000 header fields: refused at EOH")
-- The same connection goes on.
lib.good(conn)
mt.disconnect(conn)
lib.alive("8000 header fields")

-- Malformed fields: a name with a space, a line end without folding.
conn = lib.open()
lib.check(lib.send(conn, "<alice@reject.milter.test>",
    { {"From", "alice@reject.milter.test"}, {"Bad Name", "x"} }, nil) ==
    SMFIR_REPLYCODE, "a field name with a space: refused")
lib.check(lib.send(conn, "<alice@reject.milter.test>",
    { {"From", "alice@reject.milter.test"}, {"Subject", "a\nb: c"} },
    nil) == SMFIR_REPLYCODE, "an unfolded line end: refused")
mt.disconnect(conn)
lib.alive("malformed header fields")

-- NUL bytes in the body and in a header value.
conn = lib.open()
local r = lib.send(conn, "<alice@reject.milter.test>",
    { {"From", "alice@reject.milter.test"}, {"Subject", "nul\0here"} },
    "a\0b\r\n\0\0\0\r\n")
lib.check(r == SMFIR_ACCEPT, "NUL bytes: accepted (got " .. tostring(r) ..
    ")")
mt.disconnect(conn)
lib.alive("NUL bytes")

-- No From, two From: 550 5.7.1 (RFC 5322 3.6).
local from_text = "Message needs exactly one From header field with a " ..
    "domain (RFC 5322 3.6)"
conn = lib.open()
r = lib.send(conn, "<alice@reject.milter.test>", { {"Subject", "x"} },
    "x\r\n")
lib.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550",
    "5.7.1", from_text), "no From: 550 5.7.1")
r = lib.send(conn, "<alice@reject.milter.test>",
    { {"From", "alice@reject.milter.test"},
      {"From", "carol@reject.milter.test"} }, "x\r\n")
lib.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550",
    "5.7.1", from_text), "two From: 550 5.7.1")
mt.disconnect(conn)
lib.alive("no From, two From")

-- Abort in the middle of the body; the connection goes on.
conn = lib.open()
lib.check(mt.macro(conn, SMFIC_MAIL, "i", "QABORT") == nil, "macro")
lib.check(mt.mailfrom(conn, "<alice@reject.milter.test>") == nil, "mail")
lib.check(mt.header(conn, "From", "alice@reject.milter.test") == nil, "hdr")
lib.check(mt.eoh(conn) == nil, "eoh")
lib.check(mt.bodystring(conn, "half a bo") == nil, "body")
lib.check(mt.abort(conn) == nil, "abort")
lib.good(conn)
mt.disconnect(conn)
lib.alive("abort mid-body")

-- Connections dropped abruptly at every stage.
local stages = {"connected", "negotiated", "connect info", "HELO",
    "MAIL FROM", "a header", "EOH", "body"}
for n = 1, #stages do
	conn = mt.connect(sock, 20, 0.25)
	lib.check(conn ~= nil, "connect")
	if n >= 2 then mt.negotiate(conn, nil, nil, nil) end
	if n >= 3 then mt.conninfo(conn, "drop.example", "192.0.2.9") end
	if n >= 4 then mt.helo(conn, "drop.example") end
	if n >= 5 then mt.mailfrom(conn, "<alice@reject.milter.test>") end
	if n >= 6 then mt.header(conn, "From", "alice@reject.milter.test") end
	if n >= 7 then mt.eoh(conn) end
	if n >= 8 then mt.bodystring(conn, "partial") end
	mt.disconnect(conn, false)
	lib.alive("dropped after " .. stages[n])
end

-- Hostile macros: a queue id that tries to add log lines and fields, a
-- huge daemon name, an empty {auth_authen} (not authenticated).
conn = mt.connect(sock, 20, 0.25)
mt.macro(conn, SMFIC_CONNECT, "j", "mx\nfake", "{daemon_name}",
    string.rep("d", 900))
lib.check(mt.conninfo(conn, "client.milter.test", "192.0.2.1") == nil,
    "conninfo")
mt.helo(conn, "mail.reject.milter.test")
r = lib.send(conn, "<ceo@reject.milter.test>",
    { {"From", "ceo@reject.milter.test"} }, "x\r\n",
    {"i", "QEVIL\nqid=injected action=reject \"", "{auth_authen}", ""})
lib.check(r == SMFIR_ACCEPT, "hostile macros: verified normally")
mt.disconnect(conn)
lib.alive("hostile macros")

-- Odd envelopes: the null sender, no brackets, garbage; each answered.
conn = lib.open()
for _, from in ipairs({"<>", "alice@reject.milter.test", "<@@@>",
    "<" .. string.rep("a", 300) .. "@reject.milter.test>"}) do
	r = lib.send(conn, from, { {"From", "alice@reject.milter.test"} },
	    "x\r\n")
	lib.check(r == SMFIR_ACCEPT or r == SMFIR_REPLYCODE,
	    "envelope " .. string.sub(from, 1, 20) .. " answered")
end
mt.disconnect(conn)
lib.alive("odd envelopes")

-- A client without an address (local submission), an internal client
-- and an authenticated one: signed with both keys, never refused.
for _, c in ipairs({ {"unspec", nil}, {"10.1.2.3", nil},
    {"198.51.100.7", "ops"} }) do
	conn = lib.open(c[1], "inside.example")
	local macros = {"i", "QSIGN"}
	if c[2] ~= nil then
		macros = {"i", "QSIGN", "{auth_authen}", c[2]}
	end
	r = lib.send(conn, "<ops@sign.milter.test>",
	    { {"From", "Ops <ops@sign.milter.test>"}, {"Subject", "out"} },
	    "signed body\r\n", macros)
	lib.check(r == SMFIR_ACCEPT, "signing client " .. c[1] .. ": accepted")
	local s1 = mt.getheader(conn, "DKIM-Signature", 0)
	local s2 = mt.getheader(conn, "DKIM-Signature", 1)
	lib.check(s1 ~= nil and s2 ~= nil, c[1] .. ": two signatures")
	lib.check(string.find(s1 .. s2, "a=rsa-sha256", 1, true) and
	    string.find(s1 .. s2, "a=ed25519-sha256", 1, true) and
	    string.find(s1, "d=sign.milter.test", 1, true),
	    c[1] .. ": RSA and Ed25519 for sign.milter.test")
	mt.disconnect(conn)
end
lib.alive("signing clients")

-- A large body in many chunks, and many messages on one connection.
conn = lib.open()
mt.macro(conn, SMFIC_MAIL, "i", "QBIG")
mt.mailfrom(conn, "<alice@reject.milter.test>")
mt.header(conn, "From", "alice@reject.milter.test")
mt.eoh(conn)
lib.check(mt.bodyrandom(conn, 4 * 1024 * 1024) == nil, "4 MiB body")
mt.eom(conn)
lib.check(mt.getreply(conn) == SMFIR_ACCEPT, "4 MiB body: accepted")
for i = 1, 200 do
	lib.good(conn)
end
mt.disconnect(conn)
lib.alive("a large body, 200 messages on one connection")

-- Many connections open at once, answered in any order.
local conns = {}
for i = 1, 40 do
	conns[i] = lib.open()
	mt.macro(conns[i], SMFIC_MAIL, "i", "QMANY" .. i)
	mt.mailfrom(conns[i], "<alice@reject.milter.test>")
	mt.header(conns[i], "From", "alice@reject.milter.test")
end
for i = 40, 1, -1 do
	mt.eoh(conns[i])
	mt.eom(conns[i])
	lib.check(mt.getreply(conns[i]) == SMFIR_ACCEPT, "connection " .. i)
	mt.disconnect(conns[i])
end
lib.alive("40 connections at once")

-- An IPv6 client outside the SPF record: the spoof verdict.
conn = lib.open("2001:db8::99", "v6.example")
lib.spoof(conn)
mt.disconnect(conn)
lib.alive("IPv6 client")
