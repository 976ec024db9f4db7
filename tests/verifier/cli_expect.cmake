# cli_expect.cmake - run `ntsim load IMAGE` and check its exit code and output.
#   cmake -DCLI=... -DIMAGE=... -DEXPECT_EXIT=N [-DEXPECT_TEXT=...] -P cli_expect.cmake
execute_process(COMMAND ${CLI} load ${IMAGE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "ntsim load ${IMAGE}: exit code ${rc}, expected ${EXPECT_EXIT}")
endif()
if(DEFINED EXPECT_TEXT AND NOT out MATCHES "${EXPECT_TEXT}")
  message(FATAL_ERROR "ntsim load ${IMAGE}: the output does not mention '${EXPECT_TEXT}'")
endif()
