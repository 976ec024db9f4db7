# expect.cmake - run `ntsim ARGS...` and check its exit code and output.
#   cmake -DCLI=... "-DARGS=run;x.sys;--do;..." -DEXPECT_EXIT=N "-DEXPECT=regex;regex..."
#         [-DREJECT=regex] -P expect.cmake
# Every EXPECT regex must match stdout+stderr; REJECT must not.
execute_process(COMMAND ${CLI} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
set(all "${out}${err}")
message("${all}")
if(NOT "${rc}" STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "ntsim ${ARGS}: exit code '${rc}', expected ${EXPECT_EXIT}")
endif()
foreach(re IN LISTS EXPECT)
  if(NOT all MATCHES "${re}")
    message(FATAL_ERROR "ntsim ${ARGS}: the output does not match '${re}'")
  endif()
endforeach()
if(DEFINED REJECT AND all MATCHES "${REJECT}")
  message(FATAL_ERROR "ntsim ${ARGS}: the output matches '${REJECT}', which it must not")
endif()
