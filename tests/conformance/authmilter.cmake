# authentication-milter's end-to-end cases against vouch_verdict_*: see
# authmilter_suite.h.  The corpus is read in place under VOUCH_CORPORA.
add_executable(authmilter_suite authmilter_suite.c authmilter_zone.c
	authmilter_conf.c authmilter_expect.c authmilter_check.c
	suite_util.c zone_text.c suite_skip.c)
target_compile_options(authmilter_suite PRIVATE ${VOUCH_WARN})
target_link_libraries(authmilter_suite PRIVATE vouch_testsupport
	PkgConfig::JANSSON)

add_test(NAME conformance_authmilter COMMAND authmilter_suite
	--skips ${CMAKE_CURRENT_SOURCE_DIR}/authmilter-skips.tsv)
set_tests_properties(conformance_authmilter PROPERTIES LABELS conformance)
