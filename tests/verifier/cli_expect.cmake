# cli_expect.cmake - run `ntsim load IMAGE --fail-on warning` and check its exit code and output.
#   cmake -DCLI=... -DIMAGE=... -DEXPECT_EXIT=N [-DEXPECT_TEXT=...] [-DFAIL_ON=error] -P cli_expect.cmake
# Warnings fail here (FAIL_ON defaults to warning): each deliberately wrong driver must
# make `load` exit 1 whatever the severity of its rule, and each correct one exit 0.
if(NOT DEFINED FAIL_ON)
  set(FAIL_ON warning)
endif()
execute_process(COMMAND ${CLI} load ${IMAGE} --fail-on ${FAIL_ON} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "ntsim load ${IMAGE} --fail-on ${FAIL_ON}: exit code ${rc}, expected ${EXPECT_EXIT}")
endif()
if(DEFINED EXPECT_TEXT AND NOT out MATCHES "${EXPECT_TEXT}")
  message(FATAL_ERROR "ntsim load ${IMAGE}: the output does not mention '${EXPECT_TEXT}'")
endif()
