/* cmd_run.c - `ntsim run <image>`: load a driver onto a machine with devices and let
 * it run, then unload and audit.
 *
 * With a host back end attached (a UART on chardev=tcp:... or pty) virtual time is
 * paced to wall time and the run lasts until Ctrl-C or --for DURATION of wall time;
 * without one, the machine runs DURATION of virtual time (default 1s) as fast as it
 * can. */
#include "cli.h"
#include "script.h"
#include "cli_trace.h"

#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "LEVEL[,COMPONENT]": a DPFLTR level by number or name, an optional component ID. */
static int CliParseDbgPrintFilter(const char *Text, int *Level, int *Component)
{
    static const char *const Names[] = { "error", "warning", "trace", "info" };
    char Copy[64];
    snprintf(Copy, sizeof(Copy), "%s", Text);
    char *Comma = strchr(Copy, ',');
    if (Comma)
        *Comma++ = 0;
    char *End;
    long L = strtol(Copy, &End, 10);
    if (Copy[0] == 0 || *End) {
        L = -1;
        for (int i = 0; i < 4; i++)
            if (strcasecmp(Copy, Names[i]) == 0)
                L = i;
    }
    if (L < 0 || L > 31)
        return -1;
    *Level = (int)L;
    if (Comma) {
        long C = strtol(Comma, &End, 10);
        if (*Comma == 0 || *End || C < 0 || C > 1000)
            return -1;
        *Component = (int)C;
    }
    return 0;
}

int CliRun(int argc, char **argv)
{
    static const struct option Options[] = {
        { "device", required_argument, NULL, 'd' }, { "reg", required_argument, NULL, 'r' },
        { "vcd", required_argument, NULL, 'v' },    { "seed", required_argument, NULL, 's' },
        { "for", required_argument, NULL, 'f' },    { "spurious-irq", no_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },         { "speaker", required_argument, NULL, 'w' },
        { "fail-on", required_argument, NULL, 'F' }, { "watchdog", required_argument, NULL, 'W' },
        { "no-dbgprint", no_argument, NULL, 'D' },
        { "dbgprint", required_argument, NULL, 'L' },
        CLI_PNP_LONG_OPTIONS, CLI_SCRIPT_LONG_OPTIONS, CLI_SPECIAL_POOL_OPTION,
        CLI_TRACE_LONG_OPTIONS, { "gtkw", required_argument, NULL, CLI_TRACE_GTKW },
        { NULL, 0, NULL, 0 },
    };
    CLI_PNP_OPTIONS Pnp = { 0 }; /* --bind & co.: the image is a WDM driver (cmd_pnp.c) */
    const char *Vcd = NULL, *SpeakerWav = NULL, *Gtkw = NULL;
    CLI_TRACE Trace = { 0 }; /* --trace, --trace-filter, --trace-ports (cli_trace.h) */
    int ShowDbgPrint = 1, DbgLevel = -1, DbgComponent = -1;
    const char **Devices = calloc((size_t)argc + 1, sizeof(char *));
    size_t DeviceCount = 0;
    uint64_t Duration = 0, Seed = 0;
    int HaveDuration = 0, Spurious = 0, Option;
    long long WatchdogMs = -1;
    opterr = 0;
    optind = 1;
    while ((Option = getopt_long(argc, argv, ":d:r:v:s:f:w:W:t:DL:Sh", Options, NULL)) != -1) {
        switch (Option) {
        case 'd': Devices[DeviceCount++] = optarg; break;
        case 'r': /* repeatable; --fail-on as in every command (sim/cli/main.c) */
        case 'F':
        case CLI_OPT_SPECIAL_POOL:
            if (Option == 'r' ? CliAddRegFile("run", optarg) :
                Option == 'F' ? CliSetFailOn("run", optarg) : CliSetSpecialPool("run", optarg)) {
                free(Devices);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'v': Vcd = optarg; break;
        case 'S': Spurious = 1; break;
        case 'w': SpeakerWav = optarg; break;
        case 't': Trace.Path = optarg; break;
        case CLI_TRACE_GTKW: Gtkw = optarg; break;
        case CLI_TRACE_FILE:
        case CLI_TRACE_FILTER:
        case CLI_TRACE_PORTS:
            if (CliTraceOption(&Trace, Option, optarg, "run") < 0) {
                free(Devices);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'D': ShowDbgPrint = 0; break;
        case 'L':
            if (CliParseDbgPrintFilter(optarg, &DbgLevel, &DbgComponent)) {
                free(Devices);
                return CliUsageError("run", "--dbgprint takes LEVEL[,COMPONENT]: a level 0-31 or error, warning, "
                                     "trace, info (DPFLTR_*_LEVEL), and a DbgPrintEx component ID 0-1000 "
                                     "(e.g. 77 = DPFLTR_IHVDRIVER_ID; DbgPrint is 101 at info), not '%s'", optarg);
            }
            break;
        case CLI_PNP_BIND:
        case CLI_PNP_UPPER:
        case CLI_PNP_LOWER:
        case CLI_PNP_ROOT:
        case CLI_PNP_INF:
            if (CliPnpAddBinding(&Pnp, Option, optarg, "run")) {
                free(Devices);
                return CLI_EXIT_USAGE;
            }
            break;
        case CLI_SCRIPT_DO: /* interactive runs: sim/cli/script.c */
        case CLI_SCRIPT_FILE:
        case CLI_SCRIPT_SHOW_SERIAL:
            if (CliScriptOption(Option, optarg)) {
                free(Devices);
                return CLI_EXIT_USAGE;
            }
            break;
        case 's': {
            char *End;
            Seed = strtoull(optarg, &End, 0);
            if (*optarg == 0 || *End) {
                free(Devices);
                return CliUsageError("run", "--seed takes a number, not '%s'", optarg);
            }
            break;
        }
        case 'f':
            if (CliParseDuration(optarg, &Duration)) {
                free(Devices);
                return CliUsageError("run", "--for takes a duration such as 10s, 250ms or 20us (a non-negative number "
                                     "below 584 years), not '%s'", optarg);
            }
            HaveDuration = 1;
            break;
        case 'W': {
            char *End;
            unsigned long long Ms = strtoull(optarg, &End, 10);
            if (!isdigit((unsigned char)optarg[0]) || *End || Ms > 86400000ull) {
                free(Devices);
                return CliUsageError("run", "--watchdog takes milliseconds from 0 (off) to 86400000, not '%s'", optarg);
            }
            WatchdogMs = (long long)Ms;
            break;
        }
        case 'h':
            printf("usage: ntsim run <image> [--device SPEC]... [--reg FILE]... [--vcd FILE] [--seed N] [--for DURATION]\n"
                   "                 [--spurious-irq] [--speaker FILE.wav] [--fail-on error|warning|info|never]\n"
                   "                 [--watchdog MS] [--trace FILE.json|FILE|-] [--trace-filter LIST] [--trace-ports]\n"
                   "                 [--gtkw FILE] [--no-dbgprint] [--dbgprint LEVEL[,COMPONENT]]\n"
                   "                 [--special-pool overrun|underrun|off]\n"
                   CLI_TRACE_USAGE
                   "  --vcd FILE: device signals, IRQL/ISR/DPC per CPU and IRPs in flight per device, as a\n"
                   "           waveform, with FILE.gtkw (or --gtkw FILE) arranging it for GTKWave\n"
                   "  DbgPrint/KdPrint output is shown with its virtual time and driver unless --no-dbgprint;\n"
                   "  --dbgprint LEVEL[,COMPONENT] keeps DbgPrintEx output up to that level (0 error .. 3 info)\n"
                   "  and of that component only\n"
                   CLI_SCRIPT_USAGE
                   "  --watchdog MS: stop driver code that spins MS ms of wall-clock time while virtual time\n"
                   "                 stands still (default 5000, 0 = off; docs/watchdog.md)\n"
                   "  --device uart16550,io=0x3f8,irq=4,chardev=tcp:127.0.0.1:5555|pty|buffer|null\n"
                   "  --device pit8254,io=0x40,irq=0,port61=on,bios=on\n"
                   "  --device i8042 | isa-parallel,io=0x378,irq=7,chardev=buffer|file:PATH|tcp:HOST:PORT | pcspk,wav=FILE\n"
                   "  --device i8237 --device isa-fdc,io=0x3f0,irq=6,dma=2,drive0=FILE|blank|empty,drive0.type=1.44M|720K\n"
                   "  --bind HWID[=IMAGE], --upper-filter/--lower-filter HWID=IMAGE, --root-device NAME=HWID, --inf FILE:\n"
                   "      a WDM driver, started by the PnP manager on the devices it is bound to (docs/pnp.md)\n"
                   "  no --device: the default PC (COM1 16550 at 0x3f8/IRQ 4, 8254 at 0x40 with port 0x61,\n"
                   "  edu on PCI, i8042 keyboard/mouse at 0x60/IRQ 1+12, LPT1 at 0x378/IRQ 7, speaker,\n"
                   "  8237 DMA, floppy controller at 0x3f0/IRQ 6/DMA 2 with a blank 1.44M disk)\n");
            free(Devices);
            return CLI_EXIT_OK;
        case ':':
            free(Devices);
            return CliUsageError("run", "option %s needs a value", argv[optind - 1]);
        default:
            free(Devices);
            return CliUsageError("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        free(Devices);
        return CliUsageError("run", optind >= argc ? "no driver image given" : "more than one driver image given");
    }
    const char *Image = argv[optind];
    if (CliCheckReadable("run", Image) || CliCheckImage("run", Image)) {
        free(Devices);
        return CLI_EXIT_USAGE;
    }
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .seed = Seed };
    Config.devices = DeviceCount ? (const char *const *)Devices : NULL;
    Config.spurious_irq = Spurious;
    Config.vcd_path = Vcd;
    Config.gtkw_path = Gtkw;
    if (Gtkw && !Vcd) {
        free(Devices);
        return CliUsageError("run", "--gtkw needs --vcd FILE (the save file arranges that VCD)");
    }
    Config.speaker_wav = SpeakerWav;
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    free(Devices);
    if (Machine == NULL) {
        fprintf(stderr, "ntsim run: %s\n", ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    if (CliImportRegFiles("run", Machine)) {
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    if (CliTraceStart(Machine, &Trace, "run") != 0) {
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    if (ShowDbgPrint)
        ntsim_debug_output(Machine, stderr, DbgLevel, DbgComponent);
    if (WatchdogMs >= 0) {
        ntsim_watchdog Watchdog;
        ntsim_watchdog_get(&Watchdog);
        Watchdog.wall_ms = (uint64_t)WatchdogMs;
        ntsim_watchdog_set(&Watchdog);
    }
    /* Ctrl-C stops the machine wherever it is, in DriverEntry too (main.c): the host call
     * ends with bug check 0xE2 and CliStopRequested ends the paced loop. */
    printf("machine:\n");
    for (size_t i = 0; i < ntsim_device_count(Machine); i++)
        printf("  %s\n", ntsim_device_spec(Machine, i));
    for (unsigned i = 0; ntsim_machine_uart(Machine, i); i++) {
        ntsim_uart *Uart = ntsim_machine_uart(Machine, i);
        if (ntsim_uart_tcp_port(Uart) >= 0)
            printf("  COM%u: connect with `nc 127.0.0.1 %d`\n", i + 1, ntsim_uart_tcp_port(Uart));
        if (ntsim_uart_pty_name(Uart))
            printf("  COM%u: connect with `screen %s 115200`\n", i + 1, ntsim_uart_pty_name(Uart));
    }
    CliSerialShowStart(Machine);
    fflush(stdout);
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    int Rc = Pnp.Count ? CliPnpStart(Machine, &Pnp, Image, "run")
                       : ntsim_driver_load(Machine, Image, NULL, &Driver, &Status);
    if (Pnp.Count && Rc == CLI_EXIT_USAGE) {
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    int Exit = CLI_EXIT_OK, ScriptRc = 0;
    ntsim_bugcheck Crash;
    if (Rc == NTSIM_E_LOAD || Rc == NTSIM_E_ARGS || Rc == NTSIM_E_STATE || Rc == NTSIM_E_IO) {
        fprintf(stderr, "ntsim run: %s\n", ntsim_last_error());
        ntsim_machine_destroy(Machine);
        return CLI_EXIT_USAGE;
    }
    if (ntsim_machine_crashed(Machine, &Crash)) {
        ntsim_print_bugcheck(stdout, &Crash);
        Exit = CLI_EXIT_FINDINGS;
    } else {
        if (!Pnp.Count)
            printf("DriverEntry returned %s\n", ntsim_status_name(Status));
        fflush(stdout);
        if (Driver || Pnp.Count) {
            uint64_t Start = ntsim_now_ns(Machine);
            int Scripted = CliScriptCount() > 0; /* the requests, then --for if given */
            if (Scripted)
                ScriptRc = CliScriptRun(Machine, &CliStopRequested);
            if (Scripted && (!HaveDuration || ScriptRc)) {
                /* the script was the run */
            } else if (ntsim_machine_has_host_backend(Machine)) {
                printf("running paced to wall time%s (Ctrl-C to stop)\n", HaveDuration ? " for the given duration" : "");
                fflush(stdout);
                while (!__atomic_load_n(&CliStopRequested, __ATOMIC_RELAXED) && !ntsim_machine_crashed(Machine, NULL)) {
                    uint64_t Slice = 100000000ull; /* 100 ms */
                    if (HaveDuration) {
                        uint64_t Done = ntsim_now_ns(Machine) - Start;
                        if (Done >= Duration)
                            break;
                        if (Duration - Done < Slice)
                            Slice = Duration - Done;
                    }
                    ntsim_machine_run_paced(Machine, Slice, &CliStopRequested);
                }
            } else {
                ntsim_run_for(Machine, HaveDuration ? Duration : 1000000000ull);
            }
            CliSerialShowFlush();
            printf("ran %.6f s of virtual time\n", (double)(ntsim_now_ns(Machine) - Start) / 1e9);
            if (ntsim_interrupted()) {
                /* stopped from outside: no driver code runs any more; audit and go */
            } else if (ntsim_machine_crashed(Machine, &Crash)) {
                ntsim_print_bugcheck(stdout, &Crash);
                Exit = CLI_EXIT_FINDINGS;
            } else if (Pnp.Count) {
                CliPnpFinish(Machine);
            } else {
                CliUnload(Machine, Driver);
            }
        } else if (CliScriptCount()) {
            printf("the requests were not run: no driver is loaded\n");
        }
    }
    int Signal = ntsim_interrupted();
    if (Signal)
        fprintf(stderr, "ntsim run: stopped by %s; the machine was shut down without running more driver code\n",
                Signal == SIGINT ? "SIGINT" : Signal == SIGTERM ? "SIGTERM" : "a signal");
    Exit = CliFinish(Machine, Exit);
    return Signal ? 128 + Signal : ScriptRc ? ScriptRc : Exit;
}
