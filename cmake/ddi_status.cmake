# ddi_status.cmake - write or check docs/ddi-status.md.
#
#   cmake -DLIB=<libntsim> -DSRC=<source dir> -DMODE=write|check -P cmake/ddi_status.cmake
#
# Counts against docs/ddi-reference.txt, the routines and data the NT kernel and HAL export:
#   implemented   libntsim exports it (the C runtime as NtsimCrt_<name>, docs/crt.md)
#   partial       exported, with a note in docs/ddi-partial.txt
#   missing       declared in the driver-facing headers but not exported: a driver calling it
#                 compiles and is refused at load, naming it
#   not declared  neither: a driver calling it stops at compile time (implicit declaration)
# Declarations are found in the headers (NTKERNELAPI / NTSYSAPI / NTHALAPI / NTSTRSAFEDDI
# prototypes; data: the same prefixes before a name and ';').
cmake_minimum_required(VERSION 3.25)
foreach(var LIB SRC MODE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ddi_status.cmake: -D${var}= is required")
  endif()
endforeach()

# ---- what libntsim exports (EXP_<name>) ----
include("${CMAKE_CURRENT_LIST_DIR}/ntsim_exports.cmake")
ntsim_read_exports("${LIB}" ddi_status.cmake)
# the C runtime under its own names counts as the routine it stands for
get_cmake_property(_vars VARIABLES)
foreach(v IN LISTS _vars)
  if(v MATCHES "^EXP_NtsimCrt_(.*)$")
    set(EXP_${CMAKE_MATCH_1} 1)
  endif()
endforeach()

# ---- partial notes (PART_<name>); a note may hold ';' ----
if(EXISTS "${SRC}/docs/ddi-partial.txt")
  file(READ "${SRC}/docs/ddi-partial.txt" text)
  string(REPLACE ";" "@SEMICOLON@" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Za-z_][A-Za-z0-9_]*):[ ]*(.*)$")
      set(PART_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}") # ';' restored in the final text
    endif()
  endforeach()
endif()

# ---- host C library routines a driver may bind to (HOST_<name>): the loader's allow-list ----
file(READ "${SRC}/sim/io/imports.c" imports_c)
string(REGEX MATCH "IopHostAllowed\\[\\] = {[^}]*}" allowed "${imports_c}")
string(REGEX MATCHALL "\"[A-Za-z_][A-Za-z0-9_]*\"" allowed "${allowed}")
foreach(a IN LISTS allowed)
  string(REPLACE "\"" "" a "${a}")
  set(HOST_${a} 1)
endforeach()

# ---- the reference list (REF_<name> = routine|data) ----
file(STRINGS "${SRC}/docs/ddi-reference.txt" reference REGEX "^[A-Za-z_]")
set(ref_names "")
foreach(line IN LISTS reference)
  string(REPLACE " " ";" fields "${line}")
  list(GET fields 0 name)
  list(GET fields 1 kind)
  set(REF_${name} ${kind})
  list(APPEND ref_names ${name})
endforeach()

# ---- declarations in the driver-facing headers (DECL_<name> = header) ----
file(GLOB headers "${SRC}/sim/include/*.h" "${SRC}/sim/include/nt/*.h")
list(SORT headers)
set(decl_routines "")
set(decl_data "")
foreach(h IN LISTS headers)
  file(READ "${h}" text)
  string(REGEX REPLACE "\\\\\n" " " text "${text}")
  get_filename_component(hname "${h}" NAME)
  if(h MATCHES "/nt/")
    set(hname "nt/${hname}")
  endif()
  string(REGEX MATCHALL "(NTKERNELAPI|NTSYSAPI|NTHALAPI|NTSTRSAFEDDI)[^;(#\n]*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\($" "\\1" name "${d}")
    string(REGEX REPLACE "^NtsimCrt_" "" name "${name}")
    if(name MATCHES "^Ntsim" OR name MATCHES "^__" OR DEFINED DECL_${name})
      continue()
    endif()
    set(DECL_${name} "${hname}")
    list(APPEND decl_routines ${name})
  endforeach()
  # a ';' in a match would split the CMake list: scan a copy where it is spelled @SC@
  string(REPLACE ";" "@SC@" text_sc "${text}")
  string(REGEX MATCHALL "(NTKERNELAPI|NTSYSAPI|NTHALAPI)[^@(#\n{}=]*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*@SC@" datas "${text_sc}")
  foreach(d IN LISTS datas)
    string(REGEX REPLACE ".*[ *]([A-Za-z_][A-Za-z0-9_]*)[ \t]*@SC@$" "\\1" name "${d}")
    if(name MATCHES "^Ntsim" OR DEFINED DECL_${name})
      continue()
    endif()
    set(DECL_${name} "${hname}")
    list(APPEND decl_data ${name})
  endforeach()
endforeach()

# status of one name: implemented | partial | missing | not declared
macro(ddi_status_of name out)
  if(DEFINED PART_${name} AND DEFINED EXP_${name})
    set(${out} "partial")
  elseif(DEFINED EXP_${name})
    set(${out} "implemented")
  elseif(DEFINED HOST_${name})
    set(${out} "host")
  elseif(DEFINED DECL_${name})
    set(${out} "missing")
  else()
    set(${out} "not declared")
  endif()
endmacro()

# ---- counts against the reference ----
foreach(kind routine data)
  foreach(st implemented host partial missing undeclared)
    set(n_${kind}_${st} 0)
  endforeach()
endforeach()
set(undeclared_text "")
set(groups "")
list(SORT ref_names)
foreach(name IN LISTS ref_names)
  ddi_status_of(${name} st)
  set(kind ${REF_${name}})
  if(st STREQUAL "not declared")
    math(EXPR n_${kind}_undeclared "${n_${kind}_undeclared} + 1")
    string(REGEX MATCH "^[A-Z][a-z]+|^[A-Z]+" prefix "${name}")
    if(prefix STREQUAL "" AND name MATCHES "[A-Z]")
      set(prefix "other")
    elseif(prefix STREQUAL "")
      set(prefix "C runtime")
    endif()
    string(MAKE_C_IDENTIFIER "${prefix}" gid)
    if(NOT DEFINED GROUP_${gid})
      list(APPEND groups "${prefix}")
      set(GROUP_${gid} "")
    endif()
    string(APPEND GROUP_${gid} " ${name}")
  else()
    math(EXPR n_${kind}_${st} "${n_${kind}_${st}} + 1")
  endif()
endforeach()
list(SORT groups CASE INSENSITIVE)
foreach(prefix IN LISTS groups)
  string(MAKE_C_IDENTIFIER "${prefix}" gid)
  string(APPEND undeclared_text "\n\n**${prefix}**:${GROUP_${gid}}")
endforeach()

# ---- the declared routines and data, each with its status ----
# Three tables: kernel routines (| Name | Header | Status | ...), the C runtime and data
# objects (their status column comes first, so readers of the routine table skip them).
set(rows "")
set(crt_rows "")
set(data_rows "")
set(n_extra 0)
foreach(kind routine data)
  if(kind STREQUAL "routine")
    set(names ${decl_routines})
  else()
    set(names ${decl_data})
  endif()
  foreach(name IN LISTS names)
    ddi_status_of(${name} st)
    set(note "")
    if(st STREQUAL "partial")
      set(note "${PART_${name}}")
    endif()
    if(DEFINED REF_${name})
      set(in_ref "yes")
    else()
      set(in_ref "no")
      math(EXPR n_extra "${n_extra} + 1")
    endif()
    if(kind STREQUAL "data")
      list(APPEND data_rows "| ${name} | ${st} | ${DECL_${name}} | ${in_ref} |")
    elseif(DECL_${name} STREQUAL "nt/crt.h")
      list(APPEND crt_rows "| ${name} | ${st} | ${in_ref} | ${note} |")
    else()
      list(APPEND rows "| ${name} | ${DECL_${name}} | ${st} | ${in_ref} | ${note} |")
    endif()
  endforeach()
endforeach()
foreach(t rows crt_rows data_rows)
  list(REMOVE_DUPLICATES ${t})
  list(SORT ${t} CASE INSENSITIVE)
endforeach()
string(REPLACE ";" "\n" table "${rows}")
string(REPLACE "@SEMICOLON@" ";" table "${table}")
string(REPLACE ";" "\n" crt_table "${crt_rows}")
string(REPLACE "@SEMICOLON@" ";" crt_table "${crt_table}")
string(REPLACE ";" "\n" data_table "${data_rows}")
list(LENGTH ref_names n_ref)
foreach(kind routine data)
  math(EXPR n_${kind}_total "${n_${kind}_implemented} + ${n_${kind}_host} + ${n_${kind}_partial} + ${n_${kind}_missing} + ${n_${kind}_undeclared}")
endforeach()

set(doc "# DDI status

Generated by `cmake/ddi_status.cmake` (`cmake --build build --target ddi-status` rewrites it;
the test `docs/ddi-status` fails when it is out of date). Counted against
`docs/ddi-reference.txt`, the ${n_ref} routines and data objects the x64 NT kernel
(ntoskrnl.exe) and HAL (hal.dll) export to drivers:

- **implemented**: libntsim exports it (the C runtime under its own names, see docs/crt.md);
- **host**: a C runtime routine the kernel exports and the host's C library provides with
  the same behaviour under the Windows data model (memcpy, strlen ...): the loader lets an
  image bind to it (docs/crt.md);
- **partial**: exported, with the limits noted from `docs/ddi-partial.txt`;
- **missing**: declared in the driver-facing headers so that drivers compile, but not
  exported: the loader refuses an image that calls it and names it (`ntsim imports <image>`
  lists them before loading);
- **not declared**: a driver calling it stops at compile time (implicit declarations are
  errors in driver images).

| kernel and HAL exports | implemented | host | partial | missing | not declared | total |
|---|---|---|---|---|---|---|
| routines | ${n_routine_implemented} | ${n_routine_host} | ${n_routine_partial} | ${n_routine_missing} | ${n_routine_undeclared} | ${n_routine_total} |
| data | ${n_data_implemented} | ${n_data_host} | ${n_data_partial} | ${n_data_missing} | ${n_data_undeclared} | ${n_data_total} |

Inline routines and macros of the headers (IoGetCurrentIrpStackLocation, IoMarkIrpPending,
the list helpers, RtlZeroMemory, the ntintsafe routines ...) are not exports and are not listed.

## Declared in the headers

Every routine and data object the headers declare. \"Kernel export\" says whether it is in
the reference list (${n_extra} are not: ntstrsafe routines, wmilib's, ntsim's additions).

### Routines

| Name | Header | Status | Kernel export | Note |
|---|---|---|---|---|
${table}

### C runtime (nt/crt.h, docs/crt.md)

| Name | Status | Kernel export | Note |
|---|---|---|---|
${crt_table}

### Data

| Name | Status | Header | Kernel export |
|---|---|---|---|
${data_table}

## Kernel and HAL exports not declared
${undeclared_text}
")
set(out "${SRC}/docs/ddi-status.md")
if(MODE STREQUAL "write")
  file(WRITE "${out}" "${doc}")
  message(STATUS "wrote ${out}: routines ${n_routine_implemented} implemented, ${n_routine_partial} partial, "
                 "${n_routine_missing} missing, ${n_routine_undeclared} not declared")
else()
  if(NOT EXISTS "${out}")
    message(FATAL_ERROR "docs/ddi-status.md does not exist: build the ddi-status target")
  endif()
  file(READ "${out}" current)
  if(NOT current STREQUAL doc)
    message(FATAL_ERROR "docs/ddi-status.md is out of date: run `cmake --build build --target ddi-status`")
  endif()
  message(STATUS "docs/ddi-status.md is current")
endif()
