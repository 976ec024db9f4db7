# ntsim_exports.cmake - included by the -P scripts that compare the headers with what
# libntsim exports (ddi_status.cmake, switch_points.cmake).
#
# ntsim_read_exports(LIB WHO): sets EXP_<name> to 1 in the caller's scope for every
# symbol LIB defines and exports (macOS: the leading underscore dropped). The C runtime
# routines libntsim exports as NtsimCrt_<name> are set as EXP_NtsimCrt_<name>.
function(ntsim_read_exports LIB WHO)
  if(APPLE)
    execute_process(COMMAND nm -gU "${LIB}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  else()
    execute_process(COMMAND nm -D --defined-only "${LIB}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${WHO}: nm failed on ${LIB}")
  endif()
  string(REGEX MATCHALL "[ \t][A-Za-z_][A-Za-z0-9_]*\n" defined "${symbols}")
  foreach(s IN LISTS defined)
    string(STRIP "${s}" s)
    if(APPLE)
      string(REGEX REPLACE "^_" "" s "${s}")
    endif()
    set(EXP_${s} 1 PARENT_SCOPE)
  endforeach()
endfunction()
