/* cmd_faults.c - `ntsim faults <image>`: the systematic DriverEntry fault sweep. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int CliParseNumber(const char *Text, unsigned long Max, unsigned long *Out)
{
    char *End;
    unsigned long V = strtoul(Text, &End, 10);
    if (*Text == 0 || *End || V > Max)
        return -1;
    *Out = V;
    return 0;
}

int CliFaults(int argc, char **argv)
{
    static const struct option Options[] = {
        { "reg", required_argument, NULL, 'r' },   { "jobs", required_argument, NULL, 'j' },
        { "json", required_argument, NULL, 'J' },  { "junit", required_argument, NULL, 'U' },
        { "only", required_argument, NULL, 'o' },  { "filter", required_argument, NULL, 'f' },
        { "scenario", no_argument, NULL, 's' },    { "list", no_argument, NULL, 'l' },
        { "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
        { "ioctl", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 },
    };
    ntsim_sweep_options Sweep = { 0 };
    uint32_t Ioctls[32];
    const char *Json = NULL, *Junit = NULL;
    int List = 0, Option;
    unsigned long Value;
    opterr = 0;
    optind = 1;
    while ((Option = getopt_long(argc, argv, ":r:j:J:U:o:f:slt:hc:", Options, NULL)) != -1) {
        switch (Option) {
        case 'r': Sweep.reg_file = optarg; break;
        case 'J': Json = optarg; break;
        case 'U': Junit = optarg; break;
        case 'f': Sweep.filter = optarg; break;
        case 's': Sweep.scenario_open = 1; break;
        case 'c': {
            char *End;
            unsigned long Code = strtoul(optarg, &End, 0);
            if (*optarg == 0 || *End || Code > 0xFFFFFFFFul)
                return CliUsageError("faults", "--ioctl takes a control code (0x222000), not '%s'", optarg);
            if (Sweep.ioctl_count == sizeof(Ioctls) / sizeof(Ioctls[0]))
                return CliUsageError("faults", "at most %zu --ioctl options", sizeof(Ioctls) / sizeof(Ioctls[0]));
            Ioctls[Sweep.ioctl_count++] = (uint32_t)Code;
            Sweep.ioctls = Ioctls;
            break;
        }
        case 'l': List = 1; break;
        case 'j':
            if (CliParseNumber(optarg, 256, &Value) || Value == 0)
                return CliUsageError("faults", "--jobs takes a number from 1 to 256, not '%s'", optarg);
            Sweep.jobs = (unsigned)Value;
            break;
        case 'o':
            if (CliParseNumber(optarg, 1000000, &Value) || Value == 0)
                return CliUsageError("faults", "--only takes an injection point number (1, 2, ...), not '%s'", optarg);
            Sweep.only = Value;
            break;
        case 't':
            if (CliParseNumber(optarg, 3600, &Value) || Value == 0)
                return CliUsageError("faults", "--timeout takes seconds from 1 to 3600, not '%s'", optarg);
            Sweep.timeout_seconds = (unsigned)Value;
            break;
        case 'h':
            printf("usage: ntsim faults <image> [--reg FILE] [--jobs N] [--json FILE] [--junit FILE] [--only N]\n"
                   "                    [--filter SPEC] [--scenario] [--ioctl CODE]... [--list] [--timeout SECONDS]\n");
            return CLI_EXIT_OK;
        case ':':
            return CliUsageError("faults", "option %s needs a value", argv[optind - 1]);
        default:
            return CliUsageError("faults", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return CliUsageError("faults", optind >= argc ? "no driver image given" : "more than one driver image given");
    Sweep.image = argv[optind];
    if (CliCheckReadable("faults", Sweep.image) || (Sweep.reg_file && CliCheckReadable("faults", Sweep.reg_file)))
        return CLI_EXIT_USAGE;
    ntsim_sweep_result *Result = NULL;
    int Rc;
    if (List) {
        /* Only the baseline run: the injection points, one per line (ctest discovery). */
        Rc = ntsim_sweep_baseline(&Sweep, &Result);
        if (Rc != 0) {
            fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
            return CLI_EXIT_USAGE;
        }
        for (size_t i = 0; i < ntsim_sweep_point_count(Result); i++) {
            const ntsim_sweep_point *P = ntsim_sweep_point_at(Result, i);
            printf("%lu %s %s\n", P->index, P->ddi, P->site);
        }
        ntsim_sweep_free(Result);
        return CLI_EXIT_OK;
    }
    Rc = ntsim_sweep_run(&Sweep, &Result);
    if (Rc != 0) {
        fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    ntsim_sweep_print(stdout, Result);
    if (Json && ntsim_sweep_write_json(Result, Json) != 0)
        Rc = CLI_EXIT_USAGE;
    if (Junit && ntsim_sweep_write_junit(Result, Junit) != 0)
        Rc = CLI_EXIT_USAGE;
    if (Rc) {
        fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
        ntsim_sweep_free(Result);
        return CLI_EXIT_USAGE;
    }
    int Exit = ntsim_sweep_error_count(Result) ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
    ntsim_sweep_free(Result);
    return Exit;
}
