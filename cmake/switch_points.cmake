# switch_points.cmake - check that every DDI a driver can call by name is a switch point
# of exploration mode (docs/scheduler.md, "Determinism and exploration mode").
#
#   cmake -DLIB=<libntsim> -DSRC=<source dir> -P cmake/switch_points.cmake
#
# A routine the driver-facing headers declare (NTKERNELAPI / NTSYSAPI / NTHALAPI /
# NTSTRSAFEDDI prototypes) and libntsim exports under its own name is a DDI. Each must
# be wrapped by a function-like macro that passes through a switch point: NTSIM_AT or
# NTSIM_AT_NORETURN (nt/site.h and the headers that wrap theirs: the driver's line is
# recorded too) or NTSIM_SWITCH (nt/switch.h). A DDI added without one fails here, named.
cmake_minimum_required(VERSION 3.25)
foreach(var LIB SRC)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "switch_points.cmake: -D${var}= is required")
  endif()
endforeach()

# ---- what libntsim exports (EXP_<name>); the C runtime (NtsimCrt_<name>) is no DDI ----
include("${CMAKE_CURRENT_LIST_DIR}/ntsim_exports.cmake")
ntsim_read_exports("${LIB}" switch_points.cmake)

# ---- declared routines (DECL_<name> = header) and wrapped ones (WRAP_<name>) ----
file(GLOB headers "${SRC}/sim/include/*.h" "${SRC}/sim/include/nt/*.h")
list(SORT headers)
set(ddis "")
set(twice "")
foreach(h IN LISTS headers)
  file(READ "${h}" text)
  string(REGEX REPLACE "\\\\\n" " " text "${text}")
  get_filename_component(hname "${h}" NAME)
  string(REGEX MATCHALL "(NTKERNELAPI|NTSYSAPI|NTHALAPI|NTSTRSAFEDDI)[^;(#\n]*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\($" "\\1" name "${d}")
    if(name MATCHES "^Ntsim" OR name MATCHES "^__" OR DEFINED DECL_${name})
      continue()
    endif()
    set(DECL_${name} "${hname}")
    list(APPEND ddis ${name})
  endforeach()
  string(REGEX MATCHALL "#define[ \t]+[A-Za-z_][A-Za-z0-9_]*\\([^)]*\\)[ \t]+NTSIM_(AT|AT_NORETURN|SWITCH)\\(" wraps "${text}")
  foreach(w IN LISTS wraps)
    string(REGEX REPLACE "#define[ \t]+([A-Za-z_][A-Za-z0-9_]*)\\(.*" "\\1" name "${w}")
    if(DEFINED WRAP_${name} AND NOT WRAP_${name} STREQUAL hname)
      list(APPEND twice "${name} (${WRAP_${name}} and ${hname})") # a redefinition when both are included
    endif()
    set(WRAP_${name} "${hname}")
  endforeach()
endforeach()

set(count 0)
set(unwrapped "")
foreach(name IN LISTS ddis)
  if(NOT DEFINED EXP_${name})
    continue() # declared only: a driver calling it is refused at load
  endif()
  math(EXPR count "${count} + 1")
  if(NOT DEFINED WRAP_${name})
    list(APPEND unwrapped "${name} (${DECL_${name}})")
  endif()
endforeach()
if(count LESS 100)
  message(FATAL_ERROR "switch_points.cmake: only ${count} exported DDIs found: the header scan is broken")
endif()
if(twice)
  list(JOIN twice "\n  " text)
  message(FATAL_ERROR "DDIs wrapped in two headers (keep one wrapper):\n  ${text}")
endif()
if(unwrapped)
  list(JOIN unwrapped "\n  " text)
  message(FATAL_ERROR "DDIs a driver can call by name that are no switch point (wrap each in NTSIM_AT or "
                      "NTSIM_SWITCH, sim/include/nt/switch.h):\n  ${text}")
endif()
message(STATUS "all ${count} exported DDIs are switch points")
