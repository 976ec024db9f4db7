/* cmd_pnp.c - Plug and Play from the command line.
 *
 * Binding options, shared by `ntsim pnp`, `ntsim run` and `ntsim load`:
 *   --bind HWID[=IMAGE]          the function driver for devices with that hardware or
 *                                compatible ID (IMAGE defaults to the command's image)
 *   --upper-filter HWID=IMAGE    an upper filter for them; --lower-filter likewise
 *   --root-device NAME=HWID      a root-enumerated software device ROOT\NAME\0000
 *   --inf FILE[=IMAGE]           the bindings the driver's INF describes (Models, AddService)
 * A driver is bound to hardware IDs, not to a --device spec, because that is how
 * Windows decides (the INF's hardware ID -> the Enum key's Service): the same binding
 * then serves every matching device, hot-plugged or enumerated by a bus driver.
 *
 * `ntsim pnp [--device SPEC]... [--reg FILE] [binding options] [actions]` starts the
 * tree, prints it, runs the actions in order (--stop, --start, --rebalance, --remove,
 * --surprise-remove PATH; --sleep, --resume; --for DURATION of virtual time), prints
 * it again, removes everything (each PnP-loaded driver is unloaded and audited). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int CliPnpAddBinding(CLI_PNP_OPTIONS *Options, int Option, const char *Value, const char *Command)
{
    if (Options->Count >= CLI_PNP_MAX)
        return CliUsageError(Command, "too many binding options (at most %d)", CLI_PNP_MAX);
    CLI_PNP_BINDING *B = &Options->Bindings[Options->Count];
    const char *Equals = strchr(Value, '=');
    size_t KeyLength = Equals ? (size_t)(Equals - Value) : strlen(Value);
    if (KeyLength == 0 || KeyLength >= sizeof(B->Key))
        return CliUsageError(Command, "'%s': expected HWID=IMAGE (or NAME=HWID for --root-device)", Value);
    memcpy(B->Key, Value, KeyLength);
    B->Key[KeyLength] = 0;
    B->Value = Equals ? Equals + 1 : NULL;
    B->Option = Option;
    if ((Option == CLI_PNP_UPPER || Option == CLI_PNP_LOWER || Option == CLI_PNP_ROOT) &&
        (B->Value == NULL || *B->Value == 0))
        return CliUsageError(Command, "'%s': expected %s", Value, Option == CLI_PNP_ROOT ? "NAME=HWID" : "HWID=IMAGE");
    Options->Count++;
    return 0;
}

/* Apply the bindings and root devices, then start the tree. 0, or an exit status. */
int CliPnpStart(ntsim_machine *Machine, const CLI_PNP_OPTIONS *Options, const char *Image, const char *Command)
{
    for (int i = 0; i < Options->Count; i++) {
        const CLI_PNP_BINDING *B = &Options->Bindings[i];
        int Rc = 0;
        if (B->Option == CLI_PNP_ROOT) {
            Rc = ntsim_pnp_add_root_device(Machine, B->Key, B->Value);
        } else if (B->Option == CLI_PNP_INF) {
            if (B->Value == NULL && Image == NULL)
                return CliUsageError(Command, "--inf %s: no image (give INF=IMAGE)", B->Key);
            Rc = ntsim_pnp_install_inf(Machine, B->Key, B->Value ? B->Value : Image);
        } else {
            const char *Path = B->Value ? B->Value : Image;
            if (Path == NULL)
                return CliUsageError(Command, "--bind %s: no image (give HWID=IMAGE)", B->Key);
            ntsim_pnp_role Role = B->Option == CLI_PNP_UPPER   ? NTSIM_PNP_UPPER_FILTER
                                  : B->Option == CLI_PNP_LOWER ? NTSIM_PNP_LOWER_FILTER
                                                               : NTSIM_PNP_FUNCTION;
            Rc = ntsim_pnp_bind(Machine, B->Key, Path, NULL, Role);
        }
        if (Rc != 0) {
            fprintf(stderr, "ntsim %s: %s\n", Command, ntsim_last_error());
            return CLI_EXIT_USAGE;
        }
    }
    int32_t Status = ntsim_pnp_start(Machine);
    if (Status == NTSIM_E_CRASHED)
        return CLI_EXIT_FINDINGS;
    printf("device tree:\n");
    ntsim_pnp_print_tree(stdout, Machine);
    fflush(stdout);
    return 0;
}

void CliPnpFinish(ntsim_machine *Machine)
{
    if (ntsim_machine_crashed(Machine, NULL))
        return;
    int Vetoes = ntsim_pnp_remove_all(Machine);
    if (Vetoes > 0)
        printf("%d removal(s) vetoed: surprise-removed instead\n", Vetoes);
    printf("devices removed, PnP drivers unloaded\n");
}

static int CliPnpAction(ntsim_machine *Machine, int Option, const char *Path)
{
    int32_t Status = 0;
    const char *What = "";
    switch (Option) {
    case 'S': What = "stop"; Status = ntsim_pnp_stop(Machine, Path); break;
    case 's': What = "start"; Status = ntsim_pnp_start_device(Machine, Path); break;
    case 'B': What = "rebalance"; Status = ntsim_pnp_rebalance(Machine, Path); break;
    case 'x': What = "remove"; Status = ntsim_pnp_remove(Machine, Path); break;
    case 'X': What = "surprise removal of"; Status = ntsim_pnp_surprise_remove(Machine, Path); break;
    case 'z': What = "sleep (S3)"; Status = ntsim_pnp_set_system_power(Machine, 4); Path = ""; break;
    case 'w': What = "resume (S0)"; Status = ntsim_pnp_set_system_power(Machine, 1); Path = ""; break;
    case 'k': What = "wake signal from"; Status = ntsim_pnp_wake(Machine, Path); break;
    default: return 0;
    }
    if (Status == NTSIM_E_CRASHED)
        return CLI_EXIT_FINDINGS;
    printf("%s %s: %s%s%s\n", What, Path, ntsim_status_name(Status), Status ? " - " : "",
           Status ? ntsim_last_error() : "");
    return 0;
}

typedef struct _CLI_PNP_STEP {
    int Option;
    const char *Argument;
} CLI_PNP_STEP;

static int CliPnpUsage(void)
{
    printf("usage: ntsim pnp [--device SPEC]... [--reg FILE] [--bind HWID=IMAGE]... [--upper-filter HWID=IMAGE]...\n"
           "                 [--lower-filter HWID=IMAGE]... [--root-device NAME=HWID]... [--inf FILE=IMAGE]...\n"
           "                 [--stop PATH] [--start PATH] [--rebalance PATH] [--remove PATH]\n"
           "                 [--surprise-remove PATH] [--sleep] [--resume] [--wake PATH] [--for DURATION]\n"
           "  devices of the default PC: ACPI\\PNP0501\\1 (COM1, hardware IDs ACPI\\PNP0501, *PNP0501),\n"
           "  ACPI\\PNP0100\\1 (the 8254); actions run in the order given\n");
    return CLI_EXIT_OK;
}

int CliPnp(int argc, char **argv)
{
    static const struct option Options[] = {
        { "device", required_argument, NULL, 'd' },       { "reg", required_argument, NULL, 'r' },
        { "bind", required_argument, NULL, CLI_PNP_BIND }, { "upper-filter", required_argument, NULL, CLI_PNP_UPPER },
        { "lower-filter", required_argument, NULL, CLI_PNP_LOWER },
        { "root-device", required_argument, NULL, CLI_PNP_ROOT }, { "inf", required_argument, NULL, CLI_PNP_INF },
        { "stop", required_argument, NULL, 'S' },          { "start", required_argument, NULL, 's' },
        { "rebalance", required_argument, NULL, 'B' },     { "remove", required_argument, NULL, 'x' },
        { "surprise-remove", required_argument, NULL, 'X' }, { "sleep", no_argument, NULL, 'z' },
        { "resume", no_argument, NULL, 'w' },              { "for", required_argument, NULL, 'f' },
        { "wake", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },                { NULL, 0, NULL, 0 },
    };
    CLI_PNP_OPTIONS Pnp = { 0 };
    const char **Devices = calloc((size_t)argc + 1, sizeof(char *));
    CLI_PNP_STEP *Steps = calloc((size_t)argc + 1, sizeof(CLI_PNP_STEP));
    size_t DeviceCount = 0, StepCount = 0;
    const char *RegFile = NULL;
    int Option, Error = 0;
    opterr = 0;
    optind = 1;
    while (!Error && (Option = getopt_long(argc, argv, ":d:r:h", Options, NULL)) != -1) {
        switch (Option) {
        case 'd': Devices[DeviceCount++] = optarg; break;
        case 'r': RegFile = optarg; break;
        case CLI_PNP_BIND:
        case CLI_PNP_UPPER:
        case CLI_PNP_LOWER:
        case CLI_PNP_ROOT:
        case CLI_PNP_INF: Error = CliPnpAddBinding(&Pnp, Option, optarg, "pnp"); break;
        case 'S': case 's': case 'B': case 'x': case 'X': case 'z': case 'w': case 'k': case 'f': {
            uint64_t Ns;
            if (Option == 'f' && CliParseDuration(optarg, &Ns)) {
                Error = CliUsageError("pnp", "--for takes a duration (e.g. 0.5, 2s, 250ms), not '%s'", optarg);
                break;
            }
            Steps[StepCount++] = (CLI_PNP_STEP){ Option, optarg };
            break;
        }
        case 'h': Error = -1; break;
        case ':': Error = CliUsageError("pnp", "option %s needs a value", argv[optind - 1]); break;
        default: Error = CliUsageError("pnp", "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (!Error && optind != argc)
        Error = CliUsageError("pnp", "unexpected argument '%s' (images go in --bind HWID=IMAGE)", argv[optind]);
    if (!Error && RegFile && CliCheckReadable("pnp", RegFile))
        Error = CLI_EXIT_USAGE;
    ntsim_machine *Machine = NULL;
    if (!Error) {
        ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
        Config.devices = DeviceCount ? (const char *const *)Devices : NULL;
        Machine = ntsim_machine_create(&Config);
        if (Machine == NULL) {
            fprintf(stderr, "ntsim pnp: %s\n", ntsim_last_error());
            Error = CLI_EXIT_USAGE;
        }
    }
    free(Devices);
    if (!Error && RegFile && ntsim_reg_import_file(Machine, RegFile) != 0) {
        fprintf(stderr, "ntsim pnp: %s\n", ntsim_last_error());
        Error = CLI_EXIT_USAGE;
    }
    if (!Error)
        Error = CliPnpStart(Machine, &Pnp, NULL, "pnp");
    for (size_t i = 0; !Error && i < StepCount; i++) {
        if (Steps[i].Option == 'f') {
            uint64_t Ns = 0;
            CliParseDuration(Steps[i].Argument, &Ns); /* checked with the options */
            ntsim_run_for(Machine, Ns);
            continue;
        }
        Error = CliPnpAction(Machine, Steps[i].Option, Steps[i].Argument);
    }
    free(Steps);
    if (Error == -1)
        return CliPnpUsage();
    if (Machine == NULL)
        return Error;
    if (Error == CLI_EXIT_USAGE) {
        ntsim_machine_destroy(Machine);
        return Error;
    }
    if (StepCount && !ntsim_machine_crashed(Machine, NULL)) {
        printf("\ndevice tree:\n");
        ntsim_pnp_print_tree(stdout, Machine);
    }
    ntsim_bugcheck Crash;
    if (ntsim_machine_crashed(Machine, &Crash))
        ntsim_print_bugcheck(stdout, &Crash);
    else
        CliPnpFinish(Machine);
    return CliFinish(Machine, ntsim_machine_crashed(Machine, NULL) ? CLI_EXIT_FINDINGS : CLI_EXIT_OK);
}
