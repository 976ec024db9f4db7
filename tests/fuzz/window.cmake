# window.cmake - ntsim-fuzz's replay rule (docs/fuzzing.md, "Replaying a finding"), run
# as a ctest script: cmake -DFUZZ=ntsim-fuzz -DDRIVER=x.sys -DDEVICE=PATH -DWORK=dir
#   -DRESET=N -DINPUTS="a|b" [-DEXTRA="--ioctl=..."] [-DENGINE="--random=N|..."] -DEXPECT=found|clean [-DRULE=MM-01]
#   [-DALONE=b] -P window.cmake
# found: the inputs (or the ENGINE's: seeded random inputs, libFuzzer's), run as
#   consecutive inputs under --reset-every=RESET, end in a RULE finding; the file
#   ntsim-fuzz names as what replays it (or libFuzzer's artifact when the input replays
#   alone), run with the harness options EXTRA on a fresh machine,
#   gives the same finding lines (addresses aside); ALONE, if given, replays clean by
#   itself (the finding needs what came before it).
# clean: the inputs end in no finding.
string(REPLACE "|" ";" INPUTS "${INPUTS}") # (a list separator that survives the command line)
string(REPLACE "|" ";" EXTRA "${EXTRA}")
string(REPLACE "|" ";" ENGINE "${ENGINE}")
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(_base ${FUZZ} --driver=${DRIVER} --device=${DEVICE} ${EXTRA})

function(fuzz_findings text out)
  string(REGEX MATCHALL "\n(MM|UM|IO|BUGCHECK)[-0-9]*[ ]+error[^\n]*" _lines "${text}")
  string(REGEX REPLACE "0x[0-9A-Fa-f]+" "0x?" _lines "${_lines}")
  set(${out} "${_lines}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${_base} --reset-every=${RESET} ${ENGINE} ${INPUTS} WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(EXPECT STREQUAL "clean")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "expected no finding with --reset-every=${RESET}, got exit ${_rc}:\n${_out}${_err}")
  endif()
  message(STATUS "no finding with --reset-every=${RESET}:\n${_out}")
  return()
endif()
if(_rc EQUAL 0 OR NOT _err MATCHES "\n${RULE} ")
  message(FATAL_ERROR "expected a ${RULE} finding (exit 1) with --reset-every=${RESET}, got exit ${_rc}:\n${_out}${_err}")
endif()
fuzz_findings("${_err}" _found)
# what replays it: a written file, or (random runs) the kept input when it replays alone
if(_err MATCHES "replay: ntsim-fuzz \\.\\.\\. ([^ \n)]+)")
  set(_replay ${CMAKE_MATCH_1})
elseif(_err MATCHES "(written out|, do): ([^ \n]+)") # libFuzzer: the harness's file
  set(_replay ${CMAKE_MATCH_2})
elseif(_err MATCHES "Test unit written to ([^ \n]+)") # libFuzzer: the input replays alone
  set(_replay ${CMAKE_MATCH_1})
else()
  message(FATAL_ERROR "ntsim-fuzz named no file that replays the finding:\n${_err}")
endif()
if(NOT IS_ABSOLUTE ${_replay})
  set(_replay ${WORK}/${_replay})
endif()
execute_process(COMMAND ${_base} ${_replay} WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE _rc2 OUTPUT_VARIABLE _out2 ERROR_VARIABLE _err2)
fuzz_findings("${_err2}" _again)
if(_rc2 EQUAL 0 OR NOT _found STREQUAL _again)
  message(FATAL_ERROR "${_replay} on a fresh machine (exit ${_rc2}) does not give the same finding:\n"
                      "found:${_found}\nreplayed:${_again}\n${_err2}")
endif()
if(ALONE)
  execute_process(COMMAND ${_base} ${ALONE} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE _rc3 OUTPUT_VARIABLE _out3
                  ERROR_VARIABLE _err3)
  if(NOT _rc3 EQUAL 0)
    message(FATAL_ERROR "${ALONE} alone was to replay clean (the finding needs the inputs before it), exit ${_rc3}:\n${_err3}")
  endif()
endif()
message(STATUS "found with --reset-every=${RESET}, replayed from ${_replay}:${_found}")
