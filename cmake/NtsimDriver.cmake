# NtsimDriver.cmake - build NT driver sources into an ntsim driver image.
#
#   ntsim_add_driver(<name> SOURCES a.c b.c [DEFINITIONS X=1 ...] [INCLUDE_DIRS dir ...])
#
# Produces <name>.sys in ${CMAKE_BINARY_DIR}/drivers (a loadable shared object; the
# suffix is .sys on every host). The image is compiled as a WDK driver would be:
# 16-bit wchar_t, the driver-facing headers of ntsim on the include path, _KERNEL_MODE,
# unknown pragmas (#pragma alloc_text, warning, prefast) accepted.
function(ntsim_add_driver name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEFINITIONS;INCLUDE_DIRS;LINK_LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ntsim_add_driver(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".sys"
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/drivers
    C_VISIBILITY_PRESET default)
  target_compile_options(${name} PRIVATE -fshort-wchar -Wno-unknown-pragmas -Wno-multichar -fno-common)
  target_compile_definitions(${name} PRIVATE _KERNEL_MODE=1 _AMD64_=1 _WIN64=1 NTSIM_DRIVER_IMAGE=1 ${ARG_DEFINITIONS})
  if(ARG_INCLUDE_DIRS)
    target_include_directories(${name} PRIVATE ${ARG_INCLUDE_DIRS})
  endif()
  if(TARGET ntsim::ntsim)
    target_link_libraries(${name} PRIVATE ntsim::ntsim ${ARG_LINK_LIBRARIES})
  else()
    target_link_libraries(${name} PRIVATE ntsim ${ARG_LINK_LIBRARIES})
  endif()
endfunction()
