# dmarc_interop_maildmarc: vouch's RFC 7489-mode DMARC verdicts against
# Mail::DMARC::PurePerl (Debian libmail-dmarc-perl) on a few hundred cases
# from dmarc_gen.py, both over one knotd on 127.0.0.1 (scripts/knot-ctl)
# and the same Public Suffix List file.  vouch runs through dmarc_tool.c
# (vouch_dmarc_check() with the SPF and DKIM results as inputs, from the
# zone file and over DNS); Mail::DMARC through maildmarc_tool.pl.  See
# dmarc_interop.py; the accepted Mail::DMARC deviations, each with its
# RFC 7489 text, are in dmarc-maildmarc-known.tsv.
add_executable(dmarc_tool dmarc_tool.c)
target_compile_options(dmarc_tool PRIVATE ${VOUCH_WARN})
target_link_libraries(dmarc_tool PRIVATE vouch_static)
set(VOUCH_PSL_FILE /usr/share/publicsuffix/public_suffix_list.dat CACHE
	FILEPATH "The Public Suffix List both DMARC implementations read")
add_test(NAME dmarc_interop_maildmarc
	COMMAND ${VOUCH_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/dmarc_interop.py
		--dmarc-tool $<TARGET_FILE:dmarc_tool>
		--knot-ctl ${CMAKE_SOURCE_DIR}/scripts/knot-ctl
		--psl ${VOUCH_PSL_FILE})
set_tests_properties(dmarc_interop_maildmarc PROPERTIES LABELS interop
	TIMEOUT 120)
