/* cmd_imports.c - `ntsim imports <image>`: every import of a driver image and whether
 * ntsim provides it (implemented, partial, host-allowed, missing, refused). */
#include "cli.h"

#include <ntsim/imports.h>
#include <getopt.h>
#include <string.h>

static void CliPrintImports(const ntsim_import *Imports, size_t Count, int Data)
{
    int Header = 0;
    for (size_t i = 0; i < Count; i++) {
        const ntsim_import *I = &Imports[i];
        if (I->is_data != Data)
            continue;
        if (!Header++)
            printf("%s:\n", Data ? "data" : "routines");
        const char *Name = strncmp(I->name, "NtsimCrt_", 9) == 0 ? I->name + 9 : I->name;
        printf("  %-40s %-12s %s\n", Name, ntsim_import_status_name(I->status), I->note);
    }
}

int CliImports(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: ntsim imports <image>\n");
        return CLI_EXIT_OK;
    }
    if (argc != 2)
        return CliUsageError("imports", argc < 2 ? "no driver image given" : "one driver image, no options");
    if (CliCheckReadable("imports", argv[1]))
        return CLI_EXIT_USAGE;
    ntsim_import *Imports;
    size_t Count;
    if (ntsim_image_imports(argv[1], &Imports, &Count) != 0) {
        fprintf(stderr, "ntsim imports: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    size_t Tally[NTSIM_IMPORT_REFUSED + 1] = { 0 };
    CliPrintImports(Imports, Count, 0);
    CliPrintImports(Imports, Count, 1);
    for (size_t i = 0; i < Count; i++)
        Tally[Imports[i].status]++;
    size_t Blocking = Tally[NTSIM_IMPORT_MISSING] + Tally[NTSIM_IMPORT_REFUSED];
    printf("\n%zu imports: %zu implemented, %zu partial, %zu host-allowed, %zu missing, %zu refused\n", Count,
           Tally[NTSIM_IMPORT_IMPLEMENTED], Tally[NTSIM_IMPORT_PARTIAL], Tally[NTSIM_IMPORT_HOST_ALLOWED],
           Tally[NTSIM_IMPORT_MISSING], Tally[NTSIM_IMPORT_REFUSED]);
    printf("%s\n", Blocking ? "the image would be refused at load" : "the image may be loaded");
    ntsim_imports_free(Imports, Count);
    return Blocking ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}
