/* libfuzzer.c - the harness under libFuzzer (the fuzz preset): coverage-guided, with
 * the driver image instrumented like the rest of the build. libFuzzer ignores the
 * options that start with "--", which are the harness's own. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);

/* Replay files go where libFuzzer puts its artifacts: -artifact_prefix, or the folder of
 * -exact_artifact_path. */
static void FuzzFindArtifactPrefix(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-artifact_prefix=", 17) == 0)
            FuzzArtifactPrefix = argv[i] + 17;
        else if (strncmp(argv[i], "-exact_artifact_path=", 21) == 0) {
            char *Folder = strdup(argv[i] + 21);
            char *Slash = Folder ? strrchr(Folder, '/') : NULL;
            if (Slash) {
                Slash[1] = 0;
                FuzzArtifactPrefix = Folder;
            } else
                free(Folder);
        }
    }
}

/* Only files and no corpus folder: libFuzzer runs each file once (a replay, or a crash
 * minimisation's child), and each runs on a fresh machine. */
static int FuzzOnlyFiles(int argc, char **argv)
{
    int Files = 0;
    for (int i = 1; i < argc; i++) {
        struct stat Info;
        if (argv[i][0] == '-')
            continue;
        if (stat(argv[i], &Info) != 0 || !S_ISREG(Info.st_mode))
            return 0;
        Files++;
    }
    return Files > 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (FuzzConfigure(*argc, *argv) != 0)
        exit(2);
    FuzzFindArtifactPrefix(*argc, *argv);
    if (FuzzOnlyFiles(*argc, *argv))
        FuzzReplayMode(1);
    if (FuzzStart() != 0)
        exit(2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    return FuzzOneInput(Data, Size);
}
