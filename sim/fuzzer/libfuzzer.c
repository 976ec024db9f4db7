/* libfuzzer.c - the harness under libFuzzer (the fuzz preset): coverage-guided, with
 * the driver image instrumented like the rest of the build. libFuzzer ignores the
 * options that start with "--", which are the harness's own. */
#include "fuzz.h"

#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (FuzzConfigure(*argc, *argv) != 0 || FuzzStart() != 0)
        exit(2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    return FuzzOneInput(Data, Size);
}
