/* cmd_fuzz.c - `ntsim fuzz <image> --device PATH ...`: fuzz a driver's request interface
 * with ntsim-fuzz, the fuzzer built next to this program (docs/fuzzing.md). The options
 * are translated to ntsim-fuzz's (--device X -> --device=X, --reset-every N ...);
 * --replay FILE runs one kept input on a fresh machine (a file, never a corpus folder
 * libFuzzer would start fuzzing); the rest (libFuzzer's -max_total_time=..., corpus
 * directories, --random=N, crash files to replay) pass on. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

/* The folder this program was started from. */
static int CliOwnFolder(const char *Argv0, char *Folder, size_t Size)
{
    char Path[PATH_MAX];
#if defined(__linux__)
    ssize_t Length = readlink("/proc/self/exe", Path, sizeof(Path) - 1);
    if (Length <= 0)
        return -1;
    Path[Length] = 0;
#elif defined(__APPLE__)
    uint32_t Length = sizeof(Path);
    if (_NSGetExecutablePath(Path, &Length) != 0)
        return -1;
#else
    if (realpath(Argv0, Path) == NULL)
        return -1;
#endif
    (void)Argv0;
    char *Slash = strrchr(Path, '/');
    if (Slash == NULL)
        return -1;
    *Slash = 0;
    snprintf(Folder, Size, "%s", Path);
    return 0;
}

static char *CliJoin(const char *Option, const char *Value)
{
    size_t Length = strlen(Option) + strlen(Value) + 2;
    char *Text = malloc(Length);
    if (Text)
        snprintf(Text, Length, "%s=%s", Option, Value);
    return Text;
}

int CliFuzz(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return CliUsageError("fuzz", "which driver image? (ntsim fuzz <image> --device PATH ...)");
    int Check = CliCheckReadable("fuzz", argv[1]);
    if (Check == 0)
        Check = CliCheckImage("fuzz", argv[1]);
    if (Check != 0)
        return Check;
    char Folder[PATH_MAX], Fuzzer[PATH_MAX + 16];
    if (CliOwnFolder(argv[0], Folder, sizeof(Folder)) != 0)
        snprintf(Folder, sizeof(Folder), ".");
    snprintf(Fuzzer, sizeof(Fuzzer), "%s/ntsim-fuzz", Folder);
    if (access(Fuzzer, X_OK) != 0) {
        fprintf(stderr, "ntsim fuzz: %s: %s (build the target ntsim-fuzz; the fuzz preset builds the "
                        "coverage-guided one)\n", Fuzzer, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    char **Args = calloc((size_t)argc + 2, sizeof(char *));
    int n = 0;
    Args[n++] = Fuzzer;
    Args[n++] = CliJoin("--driver", argv[1]);
    static const char *const Translated[] = { "--device", "--reg", "--ioctl", "--reset-every" };
    for (int i = 2; i < argc; i++) {
        int Done = 0;
        if (strcmp(argv[i], "--replay") == 0) {
            struct stat Info;
            if (i + 1 >= argc)
                return CliUsageError("fuzz", "--replay needs a file (a kept input)");
            if (stat(argv[i + 1], &Info) != 0)
                return CliUsageError("fuzz", "--replay %s: %s", argv[i + 1], strerror(errno));
            if (!S_ISREG(Info.st_mode))
                return CliUsageError("fuzz", "--replay %s: not a file (a corpus folder is fuzzed, not replayed)",
                                     argv[i + 1]);
            Args[n++] = argv[++i];
            continue;
        }
        for (size_t t = 0; t < sizeof(Translated) / sizeof(Translated[0]) && !Done; t++)
            if (strcmp(argv[i], Translated[t]) == 0) {
                if (i + 1 >= argc)
                    return CliUsageError("fuzz", "%s needs a value", argv[i]);
                Args[n++] = CliJoin(argv[i], argv[i + 1]);
                i++;
                Done = 1;
            }
        if (!Done)
            Args[n++] = argv[i];
    }
    Args[n] = NULL;
    fflush(stdout);
    CliReleaseStopSignals();
    execv(Fuzzer, Args);
    fprintf(stderr, "ntsim fuzz: cannot start %s: %s\n", Fuzzer, strerror(errno));
    return CLI_EXIT_USAGE;
}
