# NtsimDriver.cmake - build NT driver sources into an ntsim driver image.
#
#   ntsim_add_driver(<name> SOURCES a.c b.c [DEFINITIONS X=1 ...] [INCLUDE_DIRS dir ...]
#                    [REACTOS_COMPAT])
#
# REACTOS_COMPAT (opt-in, for public ReactOS driver sources) adds ntsim's
# reactos-compat include folder: <pseh/pseh2.h>, ReactOS's exception macros mapped onto
# ntsim's own __try/__except/__finally, and <ndk/haltypes.h>, a stand-in for ReactOS's
# native-API header that declares only what the corpus drivers use (docs/compatibility.md).
# They are not WDK headers and are never on the path otherwise.
#
# Produces <name>.sys in ${CMAKE_BINARY_DIR}/drivers (a loadable shared object; the
# suffix is .sys on every host). The image is compiled as a WDK driver would be:
# 16-bit wchar_t, the driver-facing headers of ntsim on the include path, _KERNEL_MODE,
# unknown pragmas (#pragma alloc_text, warning, prefast) accepted. It accepts what the
# WDK's compiler accepts: Microsoft extensions (-fms-extensions: anonymous members of a
# typedef'd struct or union type), and an incompatible pointer assignment is a warning
# (GCC 14 made it an error; MSVC only warns). An implicit function declaration stays an
# error: it means a routine ntsim does not declare. Images always carry debug
# information (-g), whatever the build type: reports name the driver's file:line.
include(CheckCCompilerFlag)
check_c_compiler_flag(-Wno-error=incompatible-pointer-types NTSIM_HAVE_WNO_ERROR_INCOMPATIBLE_POINTER_TYPES)
check_c_compiler_flag(-Wmicrosoft-anon-tag NTSIM_HAVE_WMICROSOFT_ANON_TAG)

# Where the opt-in ReactOS compatibility headers are (REACTOS_COMPAT): in the source
# tree, or next to the installed kernel headers when used through find_package(ntsim).
set(_NTSIM_DRIVER_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(_ntsim_reactos_compat_dir out)
  foreach(candidate ${_NTSIM_DRIVER_CMAKE_DIR}/../sim/include/reactos-compat
                    ${_NTSIM_DRIVER_CMAKE_DIR}/../../../include/ntsim-kernel/reactos-compat)
    get_filename_component(candidate ${candidate} ABSOLUTE)
    if(EXISTS ${candidate}/pseh/pseh2.h)
      set(${out} ${candidate} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "ntsim_add_driver: REACTOS_COMPAT headers not found next to ${_NTSIM_DRIVER_CMAKE_DIR}")
endfunction()

function(ntsim_add_driver name)
  cmake_parse_arguments(ARG "REACTOS_COMPAT" "" "SOURCES;DEFINITIONS;INCLUDE_DIRS;LINK_LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ntsim_add_driver(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".sys"
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/drivers
    C_VISIBILITY_PRESET default
    # no LTO for driver images: reports read their debug information (file:line)
    INTERPROCEDURAL_OPTIMIZATION OFF)
  target_compile_options(${name} PRIVATE -fshort-wchar -Wno-unknown-pragmas -Wno-multichar -fno-common
                         -fms-extensions -g -Werror=implicit-function-declaration)
  if(NTSIM_HAVE_WNO_ERROR_INCOMPATIBLE_POINTER_TYPES)
    target_compile_options(${name} PRIVATE -Wno-error=incompatible-pointer-types)
  endif()
  if(NTSIM_HAVE_WMICROSOFT_ANON_TAG) # clang: anonymous tagged members are the point of -fms-extensions
    target_compile_options(${name} PRIVATE -Wno-microsoft-anon-tag)
  endif()
  target_compile_definitions(${name} PRIVATE _KERNEL_MODE=1 _AMD64_=1 _WIN64=1 NTSIM_DRIVER_IMAGE=1 ${ARG_DEFINITIONS})
  if(ARG_INCLUDE_DIRS)
    target_include_directories(${name} PRIVATE ${ARG_INCLUDE_DIRS})
  endif()
  if(ARG_REACTOS_COMPAT) # ReactOS's private <pseh/pseh2.h> mapped onto ntsim's SEH (docs/compatibility.md)
    _ntsim_reactos_compat_dir(compat_dir)
    target_include_directories(${name} PRIVATE ${compat_dir})
  endif()
  if(NTSIM_FUZZ)
    # the fuzz preset: driver images also trace their comparisons, so the fuzzer learns
    # their control codes and magic values (the simulator's own would only add noise)
    target_compile_options(${name} PRIVATE -fsanitize-coverage=trace-cmp)
  endif()
  if(TARGET ntsim::ntsim)
    target_link_libraries(${name} PRIVATE ntsim::ntsim ${ARG_LINK_LIBRARIES})
  else()
    target_link_libraries(${name} PRIVATE ntsim ${ARG_LINK_LIBRARIES})
  endif()
endfunction()

# ntsim_add_fault_sweep(<prefix> DRIVER <image-target> [ARGS ...])
#
# Registers a fault sweep of a driver image as ctest tests, one per injection point:
#   <prefix>/0-baseline                    the driver loads and unloads with nothing injected
#                                          (`ntsim faults <image> --only 0 ARGS...`)
#   <prefix>/<n>-<DDI>@<file>:<line>       DriverEntry with failable call n failing
# The points are discovered when ctest starts (`ntsim faults <image> --list`), like
# gtest_discover_tests, so the list follows the driver's code without a re-configure.
# ARGS are passed to every `ntsim faults` call, the baseline's included (e.g. --reg FILE,
# repeatable; --filter class=pool; --scenario; --fail-on warning). A test fails when the
# run has findings at or above --fail-on (default: errors).
#
# With SHARDS <n>, the sweep is n tests instead, <prefix>/shard-<i>-of-<n>, each making
# the runs k with k % n == i (`ntsim faults <image> --shard i/n ARGS...`; shard 0 also
# reports the baseline): for drivers with thousands of points, where a test per point
# would cost a process per point. No discovery is needed.
function(ntsim_add_fault_sweep prefix)
  cmake_parse_arguments(ARG "" "DRIVER;SHARDS" "ARGS" ${ARGN})
  if(NOT ARG_DRIVER)
    message(FATAL_ERROR "ntsim_add_fault_sweep(${prefix}): DRIVER <image-target> is required")
  endif()
  if(TARGET ntsim-cli)
    set(cli ntsim-cli)
  elseif(TARGET ntsim::ntsim-cli)
    set(cli ntsim::ntsim-cli)
  else()
    message(FATAL_ERROR "ntsim_add_fault_sweep: the ntsim CLI target is not available")
  endif()
  if(ARG_SHARDS)
    math(EXPR last "${ARG_SHARDS} - 1")
    foreach(i RANGE ${last})
      add_test(NAME ${prefix}/shard-${i}-of-${ARG_SHARDS}
               COMMAND $<TARGET_FILE:${cli}> faults $<TARGET_FILE:${ARG_DRIVER}> --shard ${i}/${ARG_SHARDS} ${ARG_ARGS})
    endforeach()
    return()
  endif()
  string(MAKE_C_IDENTIFIER "${prefix}" id)
  set(script "${CMAKE_CURRENT_BINARY_DIR}/ntsim_sweep_${id}.cmake")
  # each argument as a bracket argument: hardware IDs such as PCI\VEN_1234&DEV_11E8 hold
  # backslashes, which a quoted CMake string would read as escapes
  set(args_text "")
  foreach(arg IN LISTS ARG_ARGS)
    string(APPEND args_text " [==[${arg}]==]")
  endforeach()
  file(GENERATE OUTPUT "${script}" CONTENT "
set(cli [==[$<TARGET_FILE:${cli}>]==])
set(image [==[$<TARGET_FILE:${ARG_DRIVER}>]==])
set(extra ${args_text})
if(NOT EXISTS \"\${cli}\" OR NOT EXISTS \"\${image}\")
  add_test([==[${prefix}/NOT_BUILT]==] \"\${cli}\" faults \"\${image}\")
  return()
endif()
execute_process(COMMAND \"\${cli}\" faults \"\${image}\" --list \${extra}
                OUTPUT_VARIABLE points RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  add_test([==[${prefix}/DISCOVERY_FAILED]==] \"\${cli}\" faults \"\${image}\" --list \${extra})
  return()
endif()
add_test([==[${prefix}/0-baseline]==] \"\${cli}\" faults \"\${image}\" --only 0 \${extra})
string(REPLACE \"\\n\" \";\" lines \"\${points}\")
foreach(line IN LISTS lines)
  if(line MATCHES \"^([0-9]+) ([^ ]+) (.*)$\")
    add_test(\"${prefix}/\${CMAKE_MATCH_1}-\${CMAKE_MATCH_2}@\${CMAKE_MATCH_3}\" \"\${cli}\" faults \"\${image}\" --only \${CMAKE_MATCH_1} --jobs 1 \${extra})
  endif()
endforeach()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
