# interop_authres: the Authentication-Results builder and parser against
# Debian's python3-authres (the `authres` module, an independent RFC 8601
# implementation).  authres_tool.c is vouch's side: it builds field values
# from fragments and dumps parses as JSON.  See authres_interop.py; the
# accepted disagreements, each with its reason, are in authres-known.tsv.
add_executable(authres_tool ${CMAKE_CURRENT_SOURCE_DIR}/authres_tool.c)
target_compile_options(authres_tool PRIVATE ${VOUCH_WARN})
target_link_libraries(authres_tool PRIVATE vouch_static)
add_test(NAME interop_authres
	COMMAND ${VOUCH_SYSTEM_PYTHON}
		${CMAKE_CURRENT_SOURCE_DIR}/authres_interop.py
		--tool $<TARGET_FILE:authres_tool>)
set_tests_properties(interop_authres PROPERTIES LABELS interop TIMEOUT 120)
