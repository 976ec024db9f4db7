# ntsim_partial.cmake - compile docs/ddi-partial.txt into libntsim.
#
# `ntsim imports` and the loader say "partial" for the routines listed there, with the
# note. The table is generated at configure time (the file is a configure dependency).
function(ntsim_generate_partial_table target source_dir)
  set(txt "${source_dir}/docs/ddi-partial.txt")
  set(out "${CMAKE_CURRENT_BINARY_DIR}/ddi_partial.c")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${txt}")
  set(rows "")
  set(count 0)
  if(EXISTS "${txt}")
    # notes may hold ';', which a CMake list would split on: carry it as a placeholder
    file(READ "${txt}" text)
    string(REPLACE ";" "@SEMICOLON@" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "^([A-Za-z_][A-Za-z0-9_]*):[ ]*(.*)$")
        continue()
      endif()
      string(REPLACE "@SEMICOLON@" ";" note "${CMAKE_MATCH_2}")
      string(REPLACE "\\" "\\\\" note "${note}")
      string(REPLACE "\"" "\\\"" note "${note}")
      string(APPEND rows "    { \"${CMAKE_MATCH_1}\", \"${note}\" },\n")
      math(EXPR count "${count} + 1")
    endforeach()
  endif()
  if(count EQUAL 0)
    set(rows "    { \"\", \"\" },\n")
  endif()
  file(CONFIGURE OUTPUT "${out}" CONTENT "/* generated from docs/ddi-partial.txt by cmake/ntsim_partial.cmake */
#include <stddef.h>
const char *const IopPartialDdis[][2] = {
@rows@};
const size_t IopPartialDdiCount = ${count};
" @ONLY)
  target_sources(${target} PRIVATE "${out}")
endfunction()
