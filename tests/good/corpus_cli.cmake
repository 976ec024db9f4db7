# corpus_cli.cmake - run `ntsim MODE IMAGE` on a driver of the correct corpus: exit 0,
# the clean verdict EXPECT in the output, and no finding of any rule or severity.
#   cmake -DCLI=... -DMODE=load|faults -DIMAGE=... -DEXPECT=... -P corpus_cli.cmake
execute_process(COMMAND ${CLI} ${MODE} ${IMAGE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "0")
  message(FATAL_ERROR "ntsim ${MODE} ${IMAGE}: exit code ${rc}, expected 0")
endif()
string(FIND "${out}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "ntsim ${MODE} ${IMAGE}: the output does not say '${EXPECT}'")
endif()
if("${out}${err}" MATCHES "(^|\n)[A-Z][A-Z0-9]*-[0-9][0-9] +(error|warning|info)" OR "${out}${err}" MATCHES "ntsim: (error|warning) ")
  message(FATAL_ERROR "ntsim ${MODE} ${IMAGE}: a finding on a correct driver")
endif()
