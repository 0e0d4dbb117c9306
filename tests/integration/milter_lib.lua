-- milter_lib.lua - what the miltertest scripts of milter_abuse.sh share:
-- connecting to vouchd and the well-formed transactions whose answers
-- are known from the zone milter_abuse.sh serves (RFC 7208 / 7489 / 9989):
--   reject.milter.test  SPF "ip4:192.0.2.0/24 -all", DMARC p=reject
--   sign.milter.test    signed by vouchd for InternalHosts 10.0.0.0/8
-- Globals set with miltertest -D: sock (vouchd's socket).

lib = {}

-- miltertest does not print a script's error: say it first.
function lib.fail(what)
	mt.echo("FAIL - " .. what)
	error("FAIL " .. what, 2)
end

function lib.check(cond, what)
	if not cond then
		lib.fail(what)
	end
end

-- A connection that has sent its connect information.
function lib.open(ip, host)
	local conn = mt.connect(sock, 20, 0.25)
	lib.check(conn ~= nil, "connect to " .. sock)
	lib.check(mt.conninfo(conn, host or "client.milter.test",
	    ip or "192.0.2.1") == nil, "conninfo")
	lib.check(mt.helo(conn, "mail.reject.milter.test") == nil, "helo")
	return conn
end

-- Send one message; returns the final reply (at EOH or EOM).
-- hdrs: { {name, value}, ... }; macros: MAIL macro name/value pairs.
function lib.send(conn, from, hdrs, body, macros)
	if macros ~= nil then
		mt.macro(conn, SMFIC_MAIL, table.unpack(macros))
	else
		mt.macro(conn, SMFIC_MAIL, "i", "Q" .. tostring(os.time()))
	end
	lib.check(mt.mailfrom(conn, from) == nil, "mailfrom")
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return mt.getreply(conn)
	end
	for _, h in ipairs(hdrs) do
		lib.check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	lib.check(mt.eoh(conn) == nil, "eoh")
	local r = mt.getreply(conn)
	if r ~= SMFIR_CONTINUE then
		return r
	end
	if body ~= nil and body ~= "" then
		lib.check(mt.bodystring(conn, body) == nil, "body")
	end
	lib.check(mt.eom(conn) == nil, "eom")
	return mt.getreply(conn)
end

-- The SPF-authorized, aligned message: accepted with our A-R on top.
function lib.good(conn)
	local r = lib.send(conn, "<alice@reject.milter.test>",
	    { {"From", "Alice <alice@reject.milter.test>"},
	      {"Subject", "good"} }, "hello\r\n")
	lib.check(r == SMFIR_ACCEPT, "good message accepted (got " ..
	    tostring(r) .. ")")
	local ar = mt.getheader(conn, "Authentication-Results", 0)
	lib.check(ar ~= nil and string.find(ar, "mx.milter.test;", 1, true),
	    "good message: our A-R")
	lib.check(string.find(ar, "spf=pass", 1, true) and
	    string.find(ar, "dmarc=pass", 1, true), "good message: pass")
	lib.check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
	    "good message: A-R inserted")
end

-- A spoof of the p=reject domain: our 550 5.7.1.
function lib.spoof(conn, text)
	local r = lib.send(conn, "<ceo@reject.milter.test>",
	    { {"From", "CEO <ceo@reject.milter.test>"} }, "pay now\r\n")
	lib.check(r == SMFIR_REPLYCODE, "spoof refused (got " ..
	    tostring(r) .. ")")
	lib.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
	    text or "DMARC unauthenticated mail is prohibited"),
	    "spoof: the configured 550 5.7.1 text")
end

-- After a case: vouchd still answers, on a new connection, both ways.
function lib.alive(what)
	local conn = lib.open()
	lib.good(conn)
	mt.disconnect(conn)
	conn = lib.open("198.51.100.1", "evil.example")
	lib.spoof(conn)
	mt.disconnect(conn)
	mt.echo("ok - " .. what)
end
