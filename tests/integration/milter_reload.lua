-- milter_reload.lua - after a SIGHUP: a spoof gets the reply text of the
-- configuration now in use (-D text=...), a good message still passes.
-- Run by milter_abuse.sh: miltertest -D sock=... -D libdir=... -D text=...

dofile(libdir .. "/milter_lib.lua")

local conn = lib.open("198.51.100.1", "evil.example")
lib.spoof(conn, text)
mt.disconnect(conn)
conn = lib.open()
lib.good(conn)
mt.disconnect(conn)
mt.echo("ok - reply after reload: " .. text)
