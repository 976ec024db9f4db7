/* cmd_load.c - `ntsim load <image>`: load, show the namespace, unload, audit. */
#include "cli.h"
#include "cli_trace.h"

#include <getopt.h>
#include <string.h>

int CliLoad(int argc, char **argv)
{
    static const struct option Options[] = {
        { "reg", required_argument, NULL, 'r' },
        { "fail-on", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        CLI_PNP_LONG_OPTIONS,
        CLI_TRACE_LONG_OPTIONS, CLI_SPECIAL_POOL_OPTION,
        { NULL, 0, NULL, 0 },
    };
    CLI_TRACE Trace = { 0 }; /* --trace, --trace-filter, --trace-ports (cli_trace.h) */
    CLI_PNP_OPTIONS Pnp = { 0 }; /* --bind & co.: a WDM driver, started on its devices (cmd_pnp.c) */
    int Option;
    opterr = 0;
    optind = 1;
    while ((Option = getopt_long(argc, argv, ":r:h", Options, NULL)) != -1) {
        int TraceOption = CliTraceOption(&Trace, Option, optarg, "load");
        if (TraceOption < 0)
            return CLI_EXIT_USAGE;
        if (TraceOption > 0)
            continue;
        switch (Option) {
        case 'r':
            if (CliAddRegFile("load", optarg))
                return CLI_EXIT_USAGE;
            break;
        case 'F':
            if (CliSetFailOn("load", optarg))
                return CLI_EXIT_USAGE;
            break;
        case CLI_OPT_SPECIAL_POOL:
            if (CliSetSpecialPool("load", optarg))
                return CLI_EXIT_USAGE;
            break;
        case CLI_PNP_BIND:
        case CLI_PNP_UPPER:
        case CLI_PNP_LOWER:
        case CLI_PNP_ROOT:
        case CLI_PNP_INF:
            if (CliPnpAddBinding(&Pnp, Option, optarg, "load"))
                return CLI_EXIT_USAGE;
            break;
        case 'h':
            printf("usage: ntsim load <image> [--reg FILE]... [--fail-on error|warning|info|never]\n"
                   "                  [--special-pool overrun|underrun|off]\n"
                   "                  [--bind HWID[=IMAGE]]... [--upper-filter HWID=IMAGE]... [--inf FILE]\n"
                   "                  [--trace FILE] [--trace-filter LIST] [--trace-ports]\n" CLI_TRACE_USAGE
                   "  exit 0: no finding at or above --fail-on (default error); 1: findings; 2: usage or load error\n");
            return CLI_EXIT_OK;
        case ':':
            return CliUsageError("load", "option %s needs a value", argv[optind - 1]);
        default:
            return CliUsageError("load", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return CliUsageError("load", optind >= argc ? "no driver image given" : "more than one driver image given");
    const char *Image = argv[optind];
    if (CliCheckReadable("load", Image) || CliCheckImage("load", Image))
        return CLI_EXIT_USAGE;

    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL) {
        fprintf(stderr, "ntsim load: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    if (CliImportRegFiles("load", Machine) || CliTraceStart(Machine, &Trace, "load") != 0) {
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    if (Pnp.Count) { /* a WDM driver: the PnP manager loads and starts it */
        int Rc = CliPnpStart(Machine, &Pnp, Image, "load");
        if (Rc == CLI_EXIT_USAGE) {
            ntsim_machine_destroy(Machine);
            return Rc;
        }
        printf("\nobject namespace:\n");
        ntsim_print_namespace(stdout, Machine);
        printf("\n");
        CliPnpFinish(Machine);
        return CliFinish(Machine, Rc);
    }
    int Rc = ntsim_driver_load(Machine, Image, NULL, &Driver, &Status);
    ntsim_bugcheck Crash;
    if (Rc == NTSIM_E_LOAD || Rc == NTSIM_E_ARGS || Rc == NTSIM_E_STATE || Rc == NTSIM_E_IO) {
        fprintf(stderr, "ntsim load: %s\n", ntsim_last_error());
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    if (ntsim_machine_crashed(Machine, &Crash)) {
        ntsim_print_bugcheck(stdout, &Crash);
    } else {
        printf("DriverEntry returned %s\n\nobject namespace:\n", ntsim_status_name(Status));
        ntsim_print_namespace(stdout, Machine);
        if (Driver) {
            printf("\n");
            CliUnload(Machine, Driver);
        }
    }
    return CliFinish(Machine, CLI_EXIT_OK);
}
