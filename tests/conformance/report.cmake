# DMARC report parsing against public samples: see report_suite.h.  The
# samples are read in place under VOUCH_CORPORA.
add_executable(report_suite report_suite.c report_modes.c report_collect.c
	report_json.c suite_util.c suite_skip.c)
target_compile_options(report_suite PRIVATE ${VOUCH_WARN})
target_link_libraries(report_suite PRIVATE vouch_testsupport
	PkgConfig::JANSSON)

set(REPORT_SKIPS ${CMAKE_CURRENT_SOURCE_DIR}/report-skips.tsv)
foreach(mode summary stalwart parsedmarc)
	add_test(NAME conformance_report_${mode}
		COMMAND report_suite --skips ${REPORT_SKIPS} --${mode})
	set_tests_properties(conformance_report_${mode} PROPERTIES
		LABELS conformance)
endforeach()
