/*
 * ntsim/imports.h - what a driver image imports, and whether ntsim provides it.
 *
 * A driver image is a shared object whose undefined symbols are bound when it is
 * loaded. The loader refuses an image that imports anything other than what libntsim
 * exports and a short list of host C library routines that are correct under the
 * Windows data model (memcpy, strlen ...); `ntsim imports <image>` prints the same
 * classification. See docs/building-drivers.md, "What an image may import".
 */
#ifndef NTSIM_IMPORTS_H
#define NTSIM_IMPORTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ntsim_import_status {
    NTSIM_IMPORT_IMPLEMENTED = 0, /* libntsim exports it */
    NTSIM_IMPORT_PARTIAL,         /* exported, with documented limits (docs/ddi-partial.txt) */
    NTSIM_IMPORT_HOST_ALLOWED,    /* a host C library routine that is right under the Windows data model */
    NTSIM_IMPORT_MISSING,         /* nobody provides it for a driver: ntsim does not implement it */
    NTSIM_IMPORT_REFUSED,         /* a host routine a driver must not bind to (process control, 32-bit wchar_t, long) */
} ntsim_import_status;

typedef struct ntsim_import {
    const char *name;
    int is_data;                  /* 1: a data object, 0: a routine */
    ntsim_import_status status;
    const char *note;             /* why (refused), the partial note, or "" */
} ntsim_import;

/* Read the undefined dynamic symbols of an image and classify them. On success returns 0
 * and an array (free it with ntsim_imports_free), sorted: routines first, then data, each
 * by name. NTSIM_E_IO when the file cannot be read, NTSIM_E_ARGS when it is not an ELF
 * image this host can check (a Mach-O image on macOS: the check is not available there),
 * with the reason in ntsim_last_error(). */
int ntsim_image_imports(const char *image_path, ntsim_import **imports, size_t *count);
void ntsim_imports_free(ntsim_import *imports, size_t count);
const char *ntsim_import_status_name(ntsim_import_status status);
/* 1 when an import of this status stops the image from loading. */
int ntsim_import_blocks_load(ntsim_import_status status);

#ifdef __cplusplus
}
#endif
#endif
