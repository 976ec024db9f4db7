# cli_run.cmake - run `ntsim ARGS...` (with ENV set) and check its exit code and output;
# a command that does not finish within TIMEOUT seconds (default 60) fails the test.
#   cmake -DCLI=... -DARGS="load;x.sys" -DEXPECT_EXIT=N [-DEXPECT_TEXT=regex] [-DENV="A=1;B=2"]
#         [-DTIMEOUT=s] -P cli_run.cmake
if(NOT DEFINED TIMEOUT)
  set(TIMEOUT 60)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENV} ${CLI} ${ARGS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${TIMEOUT})
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "ntsim ${ARGS}: exit code '${rc}', expected ${EXPECT_EXIT}")
endif()
if(DEFINED EXPECT_TEXT AND NOT "${out}${err}" MATCHES "${EXPECT_TEXT}")
  message(FATAL_ERROR "ntsim ${ARGS}: the output does not match '${EXPECT_TEXT}'")
endif()
