/* cmd_faults.c - `ntsim faults <image>`: the systematic DriverEntry fault sweep. */
#include "cli.h"
#include "cli_trace.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char FaultsUsage[] =
    "usage: ntsim faults <image> [--reg FILE]... [--jobs N] [--json FILE|-] [--junit FILE|-] [--only N]\n"
    "                    [--filter SPEC] [--scenario] [--ioctl CODE]... [--list] [--timeout SECONDS]\n"
    "                    [--fail-on error|warning|info|never] [--pnp HWID] [--special-pool overrun|underrun|off]\n"
    "  --pnp HWID    a WDM driver: bound to HWID, DriverEntry, AddDevice, START and removal swept (docs/pnp.md)\n"
    "  --only N      run only injection point N (after the baseline); --only 0: the baseline alone\n"
    "  --list        print the injection points, one per line, and exit\n"
    "  --fail-on     the severity from which findings make the exit status 1 (default: error)\n"
    "  --trace FILE  the machine trace of one run: --only N's run, else the baseline (docs/trace.md);\n"
    "                --trace-filter LIST and --trace-ports as for `ntsim run`\n"
    "  --fork-per-run  a fresh child process per run (default: workers make many runs each)\n"
    "  --shard I/N   make only the runs k with k % N == I (also TEST_SHARD_INDEX/TEST_TOTAL_SHARDS)\n"
    "  --second-order[=MAX]  also fail up to MAX (default 8) failure-path calls of each run, one run each\n"
    "usage: ntsim faults --merge SHARD.json... [--json FILE|-] [--junit FILE|-] [--fail-on ...]\n"
    "  joins the JSON reports of a sharded sweep into the unsharded sweep's report\n"
    "  exit 0: no finding at or above --fail-on; 1: findings; 2: usage, a corrupt image, a load error\n";

static int CliParseNumber(const char *Text, unsigned long Max, unsigned long *Out)
{
    char *End;
    unsigned long V = strtoul(Text, &End, 10);
    if (*Text == 0 || *Text == '-' || *End || V > Max)
        return -1;
    *Out = V;
    return 0;
}

typedef struct _CLI_FAULTS {
    ntsim_sweep_options Sweep;
    uint32_t Ioctls[32];
    const char *Json, *Junit;
    int List, BaselineOnly;
    CLI_TRACE Trace;
    char TraceFilter[300];
    int Merge, Sharded; /* --merge; --shard given (the environment's shards then do not apply) */
} CLI_FAULTS;

/* "I/N": shard I (from 0) of N. */
static int CliParseShard(CLI_FAULTS *C, const char *Text)
{
    unsigned long Index, Count;
    char IndexText[32];
    const char *Slash = strchr(Text, '/');
    if (Slash == NULL || (size_t)(Slash - Text) >= sizeof(IndexText))
        return CliUsageError("faults", "--shard takes I/N (shard I of N, I from 0), not '%s'", Text);
    snprintf(IndexText, sizeof(IndexText), "%.*s", (int)(Slash - Text), Text);
    if (CliParseNumber(IndexText, 1000000, &Index) || CliParseNumber(Slash + 1, 1000000, &Count) || Count == 0 ||
        Index >= Count)
        return CliUsageError("faults", "--shard takes I/N with 0 <= I < N, not '%s'", Text);
    C->Sweep.shard_index = (unsigned)Index;
    C->Sweep.shard_count = (unsigned)Count;
    C->Sharded = 1;
    return 0;
}

/* Bazel's and CI systems' sharding: TEST_TOTAL_SHARDS and TEST_SHARD_INDEX, and the
 * status file touched to say this test shards. --shard and --only take precedence. */
static int CliShardFromEnvironment(CLI_FAULTS *C)
{
    const char *Status = getenv("TEST_SHARD_STATUS_FILE");
    if (Status && *Status) {
        FILE *F = fopen(Status, "a");
        if (F)
            fclose(F);
    }
    const char *Total = getenv("TEST_TOTAL_SHARDS"), *Index = getenv("TEST_SHARD_INDEX");
    if (C->Sharded || C->Sweep.only || C->BaselineOnly || !Total || !*Total)
        return 0;
    char Text[64];
    snprintf(Text, sizeof(Text), "%s/%s", Index && *Index ? Index : "0", Total);
    return CliParseShard(C, Text);
}

static int CliFaultsOption(CLI_FAULTS *C, int Option, char **argv)
{
    unsigned long Value;
    int TraceOption = CliTraceOption(&C->Trace, Option, optarg, "faults");
    if (TraceOption != 0)
        return TraceOption < 0 ? CLI_EXIT_USAGE : 0;
    switch (Option) {
    case 'r': return CliAddRegFile("faults", optarg);
    case 'F': return CliSetFailOn("faults", optarg);
    case CLI_OPT_SPECIAL_POOL: return CliSetSpecialPool("faults", optarg);
    case 'J': C->Json = optarg; return 0;
    case 'U': C->Junit = optarg; return 0;
    case 'f': C->Sweep.filter = optarg; return 0;
    case 's': C->Sweep.scenario_open = 1; return 0;
    case 'p': C->Sweep.pnp_hardware_id = optarg; return 0;
    case 'l': C->List = 1; return 0;
    case 'c': {
        char *End;
        unsigned long Code = strtoul(optarg, &End, 0);
        if (*optarg == 0 || *End || Code > 0xFFFFFFFFul)
            return CliUsageError("faults", "--ioctl takes a control code (0x222000), not '%s'", optarg);
        if (C->Sweep.ioctl_count == sizeof(C->Ioctls) / sizeof(C->Ioctls[0]))
            return CliUsageError("faults", "at most %zu --ioctl options", sizeof(C->Ioctls) / sizeof(C->Ioctls[0]));
        C->Ioctls[C->Sweep.ioctl_count++] = (uint32_t)Code;
        C->Sweep.ioctls = C->Ioctls;
        return 0;
    }
    case 'j':
        if (CliParseNumber(optarg, 256, &Value) || Value == 0)
            return CliUsageError("faults", "--jobs takes a number from 1 to 256, not '%s'", optarg);
        C->Sweep.jobs = (unsigned)Value;
        return 0;
    case 'o':
        if (CliParseNumber(optarg, 1000000, &Value))
            return CliUsageError("faults", "--only takes an injection point number (0 = the baseline, 1, 2, ...), "
                                           "not '%s'", optarg);
        C->Sweep.only = Value;
        C->BaselineOnly = Value == 0;
        return 0;
    case 'P': C->Sweep.fork_per_run = 1; return 0;
    case 'M': C->Merge = 1; return 0;
    case 'S': return CliParseShard(C, optarg);
    case '2':
        if (optarg == NULL) {
            C->Sweep.second_order = 8;
            return 0;
        }
        if (CliParseNumber(optarg, 100000, &Value) || Value == 0)
            return CliUsageError("faults", "--second-order takes a bound from 1 to 100000, not '%s'", optarg);
        C->Sweep.second_order = (unsigned)Value;
        return 0;
    case 't':
        if (CliParseNumber(optarg, 3600, &Value) || Value == 0)
            return CliUsageError("faults", "--timeout takes seconds from 1 to 3600, not '%s'", optarg);
        C->Sweep.timeout_seconds = (unsigned)Value;
        return 0;
    case ':': return CliUsageError("faults", "option %s needs a value", argv[optind - 1]);
    default: return CliUsageError("faults", "unknown option '%s'", argv[optind - 1]);
    }
}

/* Only the baseline run: the injection points, one per line (ctest discovery). */
static int CliFaultsList(CLI_FAULTS *C)
{
    ntsim_sweep_result *Result = NULL;
    if (ntsim_sweep_baseline(&C->Sweep, &Result) != 0) {
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

/* The reports: the table on stdout unless a machine report goes there. */
static int CliFaultsReport(const CLI_FAULTS *C, const ntsim_sweep_result *Result)
{
    int ToStdout = (C->Json && strcmp(C->Json, "-") == 0) || (C->Junit && strcmp(C->Junit, "-") == 0);
    ntsim_sweep_print(ToStdout ? stderr : stdout, Result);
    if ((C->Json && ntsim_sweep_write_json(Result, C->Json) != 0) ||
        (C->Junit && ntsim_sweep_write_junit(Result, C->Junit) != 0)) {
        fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    return ntsim_sweep_failed(Result) ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

/* --merge: the shards' JSON reports in, one report out. */
static int CliFaultsMerge(const CLI_FAULTS *C, int Count, char **Paths)
{
    if (Count == 0)
        return CliUsageError("faults", "--merge needs the JSON reports of the shards");
    ntsim_sweep_result *Result = NULL;
    if (ntsim_sweep_merge((const char *const *)Paths, (size_t)Count, CliFailOn(), &Result) != 0) {
        fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    int Exit = CliFaultsReport(C, Result);
    ntsim_sweep_free(Result);
    return Exit;
}

int CliFaults(int argc, char **argv)
{
    static const struct option Options[] = {
        { "reg", required_argument, NULL, 'r' },     { "jobs", required_argument, NULL, 'j' },
        { "json", required_argument, NULL, 'J' },    { "junit", required_argument, NULL, 'U' },
        { "only", required_argument, NULL, 'o' },    { "filter", required_argument, NULL, 'f' },
        { "scenario", no_argument, NULL, 's' },      { "list", no_argument, NULL, 'l' },
        { "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
        { "ioctl", required_argument, NULL, 'c' },   { "fail-on", required_argument, NULL, 'F' },
        { "pnp", required_argument, NULL, 'p' },     CLI_SPECIAL_POOL_OPTION,
        CLI_TRACE_LONG_OPTIONS,
        { "fork-per-run", no_argument, NULL, 'P' },  { "shard", required_argument, NULL, 'S' },
        { "second-order", optional_argument, NULL, '2' }, { "merge", no_argument, NULL, 'M' },
        { NULL, 0, NULL, 0 },
    };
    CLI_FAULTS C;
    memset(&C, 0, sizeof(C));
    int Option;
    opterr = 0;
    optind = 1;
    while ((Option = getopt_long(argc, argv, ":r:j:J:U:o:f:slt:hc:p:", Options, NULL)) != -1) {
        if (Option == 'h') {
            fputs(FaultsUsage, stdout);
            return CLI_EXIT_OK;
        }
        if (CliFaultsOption(&C, Option, argv) != 0)
            return CLI_EXIT_USAGE;
    }
    if (C.Merge)
        return CliFaultsMerge(&C, argc - optind, argv + optind);
    if (optind != argc - 1)
        return CliUsageError("faults", optind >= argc ? "no driver image given" : "more than one driver image given");
    if (C.Sharded && C.Sweep.only)
        return CliUsageError("faults", "--shard and --only cannot be combined: --only names the one run to make");
    if (CliShardFromEnvironment(&C) != 0)
        return CLI_EXIT_USAGE;
    if (C.Json && C.Junit && strcmp(C.Json, "-") == 0 && strcmp(C.Junit, "-") == 0)
        return CliUsageError("faults", "--json - and --junit - cannot both write to standard output");
    C.Sweep.image = argv[optind];
    C.Sweep.reg_files = CliRegFiles(&C.Sweep.reg_file_count);
    C.Sweep.fail_on = CliFailOn();
    if (CliCheckReadable("faults", C.Sweep.image))
        return CLI_EXIT_USAGE;
    if (!C.Trace.Path && (C.Trace.Filter[0] || C.Trace.Ports))
        return CliUsageError("faults", "--trace-filter and --trace-ports need --trace FILE");
    if (C.Trace.Path && C.List)
        return CliUsageError("faults", "--trace traces a run; --list runs none to trace");
    C.Sweep.trace_path = C.Trace.Path;
    snprintf(C.TraceFilter, sizeof(C.TraceFilter), "%s%s%s", C.Trace.Filter[0] ? C.Trace.Filter : "default",
             C.Trace.Ports ? "," : "", C.Trace.Ports ? "port" : "");
    C.Sweep.trace_filter = C.Trace.Path ? C.TraceFilter : NULL;
    if (C.List)
        return CliFaultsList(&C);
    ntsim_sweep_result *Result = NULL;
    int Rc = C.BaselineOnly ? ntsim_sweep_baseline(&C.Sweep, &Result) : ntsim_sweep_run(&C.Sweep, &Result);
    if (Rc != 0) {
        fprintf(stderr, "ntsim faults: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    int Exit = CliFaultsReport(&C, Result);
    ntsim_sweep_free(Result);
    return Exit;
}
