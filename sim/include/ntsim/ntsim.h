/*
 * ntsim/ntsim.h - the test-bench API: build a simulated machine, load drivers into it,
 * issue I/O to them as a user-mode program would, and read what the verifier found.
 *
 * Host-facing: plain C types only (no WDK headers needed). Status values are NTSTATUS
 * codes as int32_t (0 = STATUS_SUCCESS); host-side errors (bad arguments, unreadable
 * files) come back as NTSIM_E_* (negative, outside the NTSTATUS error range is not
 * guaranteed, so use ntsim_status_name() to print either).
 *
 * One machine exists at a time in a process: drivers are shared objects whose globals
 * are process-wide. The fault sweep forks a child per run for that reason.
 */
#ifndef NTSIM_NTSIM_H
#define NTSIM_NTSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ntsim_machine ntsim_machine;
typedef struct ntsim_driver ntsim_driver;
typedef struct ntsim_file ntsim_file;
typedef struct ntsim_request ntsim_request;

typedef enum ntsim_severity {
    NTSIM_SEV_INFO = 0,
    NTSIM_SEV_WARNING = 1,
    NTSIM_SEV_ERROR = 2,
} ntsim_severity;

/* One verifier finding: a broken rule (RULES.md id), a leak, or a bug check. */
typedef struct ntsim_finding {
    const char *rule;      /* "FL-01", "DE-04", "IO-01", "BUGCHECK" ... */
    ntsim_severity severity;
    const char *driver;    /* service name of the driver responsible, or "" */
    const char *site;      /* "echo.c:120": the driver line responsible, or "" */
    const char *message;   /* one line, for people */
} ntsim_finding;

typedef struct ntsim_bugcheck {
    uint32_t code;
    uint64_t params[4];
    const char *name;        /* "MULTIPLE_IRP_COMPLETE_REQUESTS" */
    const char *explanation; /* what went wrong, for people */
    const char *site;        /* driver file:line, or "" */
    const char *driver;
    uint8_t irql;
} ntsim_bugcheck;

typedef struct ntsim_machine_config {
    unsigned cpus;          /* simulated processors; 0 = 1 */
    uint64_t seed;          /* exploration scheduler seed; 0 = deterministic default order */
    int verifier;           /* 1 (default when the config is NULL) = checks on */
    int quiet;              /* 1 = do not print findings to stderr as they happen */
    /* Devices on the machine's bus (docs/hal.md), QEMU-style option strings such as
     * "uart16550,io=0x3f8,irq=4,chardev=buffer", NULL-terminated. NULL = the default
     * PC: "uart16550,io=0x3f8,irq=4,chardev=buffer", "pit8254,io=0x40,irq=0" and the
     * PCI device "edu,slot=3,irq=11" (docs/pci.md), "i8237" (docs/isa-dma.md) and
     * "isa-fdc,drive0=blank" (docs/floppy.md).
     * An empty list ({ NULL }) is a machine with no devices. */
    const char *const *devices;
    int spurious_irq;       /* 1 = deliver a spurious interrupt right after every IoConnectInterrupt (HW-04) */
    const char *vcd_path;   /* record interrupt lines and UART signals to this VCD file */
    /* Driver pool from special pool (docs/special-pool.md, MM-01): 0 = on when the
     * verifier is (the default; NTSIM_SPECIAL_POOL=0|overrun|underrun in the environment
     * decides then), 1 = on, guard page after each block (overruns), 2 = on, guard page
     * before each block (underruns), -1 = off (pool from the host heap with an overrun
     * pattern checked at free). */
    int special_pool;
    const char *speaker_wav; /* write the PC speaker's sound to this WAV file (adds a pcspk if none) */
    /* With vcd_path: the GTKWave save file arranging its signals (docs/trace.md).
     * NULL = the VCD's name with .gtkw, "" = none. */
    const char *gtkw_path;
} ntsim_machine_config;

#define NTSIM_SPECIAL_POOL_OFF (-1)
#define NTSIM_SPECIAL_POOL_OVERRUN 1
#define NTSIM_SPECIAL_POOL_UNDERRUN 2

/* Host-side errors */
#define NTSIM_E_ARGS (-1)    /* bad arguments */
#define NTSIM_E_IO (-2)      /* could not read or write a host file */
#define NTSIM_E_LOAD (-3)    /* dlopen failed: not an image, or a DDI ntsim lacks */
#define NTSIM_E_CRASHED (-4) /* the machine has bug-checked; only destroy is allowed */
#define NTSIM_E_STATE (-5)   /* wrong state (driver already unloaded, file closed ...) */

/* ---- machine ---- */
ntsim_machine *ntsim_machine_create(const ntsim_machine_config *config);
void ntsim_machine_destroy(ntsim_machine *machine);
ntsim_machine *ntsim_current_machine(void);
/* Non-zero once the machine has bug-checked; fills *out if given. */
int ntsim_machine_crashed(ntsim_machine *machine, ntsim_bugcheck *out);
void ntsim_print_bugcheck(FILE *out, const ntsim_bugcheck *bugcheck);

/* ---- drivers ---- */
typedef int32_t (*ntsim_driver_entry)(void *driver_object, void *registry_path);

/* Load a driver image (.sys) and run its DriverEntry. The service name defaults to
 * the file name without its extension. *status gets DriverEntry's NTSTATUS; the
 * return value is 0 when the image loaded and DriverEntry ran (whatever it returned),
 * or an NTSIM_E_* code; errors are explained in ntsim_last_error(). A failed
 * DriverEntry leaves no driver loaded (*driver = NULL) and its audit in the findings. */
int ntsim_driver_load(ntsim_machine *machine, const char *image_path, const char *service_name,
                      ntsim_driver **driver, int32_t *status);
/* Check an image file without mapping it (ntsim_driver_load does this first): 0, or
 * NTSIM_E_LOAD / NTSIM_E_IO with what is wrong (truncated, not ELF/Mach-O, another
 * architecture, headers past the end of the file) in ntsim_last_error(). */
int ntsim_image_check(const char *image_path);
/* The same for a DriverEntry linked into the test program. */
int ntsim_driver_load_entry(ntsim_machine *machine, const char *service_name, ntsim_driver_entry entry,
                            ntsim_driver **driver, int32_t *status);
/* Call Unload (if the driver set one), audit what is left, unload the image. */
int ntsim_driver_unload(ntsim_driver *driver);
const char *ntsim_driver_name(const ntsim_driver *driver);
void *ntsim_driver_object(ntsim_driver *driver); /* the PDRIVER_OBJECT, for white-box tests */

/* ---- user-mode I/O ---- */
/* Open "\\.\Name", "\??\Name" or "\Device\Name": IRP_MJ_CREATE with a new FILE_OBJECT. */
int32_t ntsim_open(ntsim_machine *machine, const char *path, ntsim_file **file);
/* IRP_MJ_CLEANUP then IRP_MJ_CLOSE. */
int32_t ntsim_close(ntsim_file *file);
/* The byte offset the next read or write of this file goes to (IRP ByteOffset); 0 at open. */
int ntsim_seek(ntsim_file *file, uint64_t offset);
int32_t ntsim_read(ntsim_file *file, void *buffer, size_t length, size_t *transferred);
int32_t ntsim_write(ntsim_file *file, const void *buffer, size_t length, size_t *transferred);
int32_t ntsim_ioctl(ntsim_file *file, uint32_t code, const void *in, size_t in_length, void *out,
                    size_t out_length, size_t *returned);
/* Overlapped variants: the request completes later if the driver pends it. */
int32_t ntsim_read_async(ntsim_file *file, void *buffer, size_t length, ntsim_request **request);
int32_t ntsim_write_async(ntsim_file *file, const void *buffer, size_t length, ntsim_request **request);
int32_t ntsim_ioctl_async(ntsim_file *file, uint32_t code, const void *in, size_t in_length, void *out,
                          size_t out_length, ntsim_request **request);
/* 1 when the request has completed (status and information filled in). */
int ntsim_request_done(ntsim_request *request, int32_t *status, size_t *information);
void ntsim_request_free(ntsim_request *request);
/* Send IRP_MJ_SHUTDOWN to every device registered for shutdown notification. */
int ntsim_shutdown(ntsim_machine *machine);

/* ---- fault injection ---- */
typedef enum ntsim_fault_mode {
    NTSIM_FAULT_OFF = 0,   /* no counting, no failures */
    NTSIM_FAULT_COUNT,     /* count and record failable calls, fail none */
    NTSIM_FAULT_NTH,       /* fail the nth counted call (1-based) */
    NTSIM_FAULT_SITES,     /* fail the first call from each distinct driver line */
    NTSIM_FAULT_RANDOM,    /* fail each counted call with a seeded probability */
} ntsim_fault_mode;

typedef struct ntsim_fault_config {
    ntsim_fault_mode mode;
    unsigned long nth;
    double probability;
    uint64_t seed;
    unsigned classes;        /* 0 = every class; else bits named in docs/faults.md */
    uint32_t tag;            /* 0 = any pool tag */
    const char *driver;      /* NULL = any driver */
    int during_entry_only;   /* count only calls made inside DriverEntry */
} ntsim_fault_config;

typedef struct ntsim_fault_point {
    unsigned long index;     /* 1-based order of the call */
    const char *ddi;         /* "ExAllocatePoolWithTag" */
    const char *fault_class; /* "pool" */
    const char *site;        /* "echo.c:120" */
    const char *driver;
    int during_entry;
    int injected;            /* this call was made to fail */
} ntsim_fault_point;

int ntsim_fault_configure(ntsim_machine *machine, const ntsim_fault_config *config);
/* The same as text, as in the NTSIM_FAULTS environment variable:
 * "nth=3", "sites", "random=0.05,seed=7", "count", with filters
 * "class=pool+irp", "tag=Echo", "driver=echo", "entry". */
int ntsim_fault_configure_string(ntsim_machine *machine, const char *spec);
size_t ntsim_fault_point_count(ntsim_machine *machine);
const ntsim_fault_point *ntsim_fault_point_at(ntsim_machine *machine, size_t index);

/* ---- findings ---- */
size_t ntsim_finding_count(ntsim_machine *machine);
const ntsim_finding *ntsim_finding_at(ntsim_machine *machine, size_t index);
size_t ntsim_count_rule(ntsim_machine *machine, const char *rule);
void ntsim_clear_findings(ntsim_machine *machine);
void ntsim_print_findings(FILE *out, ntsim_machine *machine);

/* ---- registry ---- */
/* Import a .reg file (REGEDIT4 or "Windows Registry Editor Version 5.00", UTF-8 or
 * UTF-16LE with BOM). All or nothing: on error nothing is imported and the error is
 * "file:line:column: expected ..." in ntsim_last_error(). */
int ntsim_reg_import_file(ntsim_machine *machine, const char *path);
int ntsim_reg_import_text(ntsim_machine *machine, const char *name, const char *text, size_t length);
/* Export a key and its subtree as version 5.00 text (UTF-8). */
int ntsim_reg_export_file(ntsim_machine *machine, const char *key_path, const char *path);
char *ntsim_reg_export_text(ntsim_machine *machine, const char *key_path); /* free() it */

/* ---- namespace ---- */
void ntsim_print_namespace(FILE *out, ntsim_machine *machine);
/* 1 if the object exists (following no links), e.g. "\Device\Echo". */
int ntsim_object_exists(ntsim_machine *machine, const char *path);

/* ---- system error log (IoWriteErrorLogEntry) ---- */
typedef struct ntsim_error_log_entry {
    const char *driver;
    uint32_t error_code;   /* IO_ERR_* */
    uint32_t unique_value;
    int32_t final_status;
    uint8_t major_function;
} ntsim_error_log_entry;
size_t ntsim_error_log_count(ntsim_machine *machine);
const ntsim_error_log_entry *ntsim_error_log_at(ntsim_machine *machine, size_t index);

/* ---- devices and virtual time (sim/host/devices.c, docs/hal.md) ---- */
/* Add a device after creation, e.g. "uart16550,io=0x2f8,irq=3,chardev=tcp:127.0.0.1:5555".
 * Keys: uart16550: io, irq, chardev (buffer | null | pty | tcp:HOST:PORT), name, clock;
 *       pit8254: io, irq, port61 (on|off), bios (on|off);
 *       i8042: io, irq, auxirq, mouse, bios; isa-parallel: io, irq, chardev (also file:PATH), name;
 *       pcspk: wav, rate (docs/input.md).
 * A wrong key or value fails with a one-line ntsim_last_error() naming it. */
int ntsim_machine_add_device(ntsim_machine *machine, const char *spec);
size_t ntsim_device_count(ntsim_machine *machine);
/* "uart16550,io=0x3f8,irq=4,chardev=buffer" as created (defaults filled in) */
const char *ntsim_device_spec(ntsim_machine *machine, size_t index);

typedef struct ntsim_uart ntsim_uart;
/* The index-th UART (creation order; 0 is COM1 on the default PC), or NULL. */
ntsim_uart *ntsim_machine_uart(ntsim_machine *machine, unsigned index);
void *ntsim_uart_model(ntsim_uart *uart);  /* the hwmodel hw_uart16550 *, for white-box tests */
/* chardev=buffer: bytes the UART transmitted, and the virtual time (ns) each left. */
size_t ntsim_uart_tx_count(ntsim_uart *uart);
const uint8_t *ntsim_uart_tx_data(ntsim_uart *uart);
uint64_t ntsim_uart_tx_time(ntsim_uart *uart, size_t index);
void ntsim_uart_tx_clear(ntsim_uart *uart);
/* Bytes arriving on the UART's serial input, at line rate from now (any back end). */
int ntsim_uart_inject(ntsim_uart *uart, const void *bytes, size_t length);
int ntsim_uart_tcp_port(ntsim_uart *uart);        /* chardev=tcp: the bound port, else -1 */
const char *ntsim_uart_pty_name(ntsim_uart *uart); /* chardev=pty: the slave's path, else NULL */
/* Call fn(context, byte) for every byte the UART transmits, at that virtual time, whatever
 * its back end (buffer, file, tcp, pty); fn NULL stops. NTSIM_E_STATE for chardev=null. */
int ntsim_uart_monitor(ntsim_uart *uart, void (*fn)(void *context, uint8_t byte), void *context);
/* The index-th floppy controller's hwmodel hw_fdc * (isa-fdc, docs/floppy.md), or NULL:
 * media errors, disk removal and device faults are injected through hwmodel/fdc.h. */
void *ntsim_machine_fdc(ntsim_machine *machine, unsigned index);
/* The machine's hwmodel hw_i8237 * (the ISA DMA controllers, docs/isa-dma.md), or NULL. */
void *ntsim_machine_i8237(ntsim_machine *machine);
/* The index-th edu PCI device's hwmodel hw_edu * (docs/pci.md), or NULL: its registers
 * and DMA buffer for white-box tests (hwmodel/edu.h). */
void *ntsim_machine_edu(ntsim_machine *machine, unsigned index);

/* Virtual time: ntsim_now_ns, ntsim_run_for and ntsim_request_wait (below) run the
 * devices too. Paced mode: run for up to wall_ns of wall time with virtual time following it,
 * serving libuv back ends (TCP, pty); returns early once *stop becomes non-zero
 * (checked at least every millisecond, read atomically: a signal handler or another
 * thread may set it) if stop is given. */
int ntsim_machine_run_paced(ntsim_machine *machine, uint64_t wall_ns, volatile int *stop);
/* 1 if some device has a host back end (TCP or pty) attached. */
int ntsim_machine_has_host_backend(ntsim_machine *machine);

/* ---- keyboard, mouse, printer, speaker (docs/input.md) ----
 * The default PC has an i8042 (PS/2 keyboard and mouse, ports 0x60/0x64, IRQ 1/12), a
 * parallel port with a printer (isa-parallel, 0x378, IRQ 7, chardev=buffer) and a
 * speaker (pcspk on the 8254's counter 2). Input goes in at the present virtual time
 * and reaches the driver as the devices' timing allows (a PS/2 byte takes 880 us). */
/* Press (pressed != 0) or release a key: key is its set 1 make code, 0xE0xx for an
 * extended key (0x1E 'A', 0x1C Enter, 0xE048 Up). A held key repeats (typematic). */
int ntsim_kbd_key(ntsim_machine *machine, unsigned key, int pressed);
/* Press and release the keys that type ASCII text on a US keyboard (shift as needed). */
int ntsim_kbd_type(ntsim_machine *machine, const char *text);
/* Mouse motion (dx right, dy up, dz wheel) and buttons (1 left, 2 right, 4 middle,
 * 8 and 16 the side buttons); sent as packets once the driver enabled reporting. */
int ntsim_mouse_move(ntsim_machine *machine, int dx, int dy, int dz);
int ntsim_mouse_buttons(ntsim_machine *machine, unsigned buttons);
void *ntsim_machine_i8042(ntsim_machine *machine);   /* the hwmodel hw_i8042 *, or NULL */
/* The printer on parallel port `index` (creation order; chardev=buffer): bytes it
 * accepted and the virtual time of each. */
size_t ntsim_printer_count(ntsim_machine *machine, unsigned index);
const uint8_t *ntsim_printer_data(ntsim_machine *machine, unsigned index);
uint64_t ntsim_printer_time(ntsim_machine *machine, unsigned index, size_t byte);
void ntsim_printer_clear(ntsim_machine *machine, unsigned index);
/* Printer condition: out of paper, off line (both 0 = ready). */
int ntsim_printer_set_state(ntsim_machine *machine, unsigned index, int paper_out, int offline);
void *ntsim_machine_parport(ntsim_machine *machine, unsigned index); /* hw_parport *, or NULL */
/* What the speaker played so far: 16-bit mono samples at *rate per second. */
const int16_t *ntsim_speaker_samples(ntsim_machine *machine, size_t *count, unsigned *rate);
void *ntsim_machine_pcspk(ntsim_machine *machine);  /* hw_pcspk *, or NULL */

/* ---- time, threads, scheduling (docs/scheduler.md) ----
 * Virtual time in ns since the machine was created; nothing reads the wall clock.
 * Simulated threads, DPCs and timers run only while the host is blocked in a host
 * call: a synchronous request the driver pended (it now waits until the IRP
 * completes), ntsim_request_wait, ntsim_run_for. When every thread is blocked and no
 * event is pending the machine stops with a HANG report; the call returns
 * NTSIM_E_CRASHED. With a seed (config.seed or NTSIM_SEED) the scheduler also
 * switches threads at DDI boundaries, reproducibly for a given seed. */
uint64_t ntsim_now_ns(ntsim_machine *machine);
/* Advance virtual time by ns, running everything that becomes due (0: let ready
 * threads run without advancing time). 0, or NTSIM_E_CRASHED. */
int ntsim_run_for(ntsim_machine *machine, uint64_t ns);
/* Wait (in virtual time; UINT64_MAX = no limit) for an async request to complete:
 * 1 completed, 0 timed out, NTSIM_E_CRASHED if the machine stopped meanwhile. */
int ntsim_request_wait(ntsim_request *request, uint64_t timeout_ns);
/* The scheduler seed in use (0: deterministic default order). */
uint64_t ntsim_seed(ntsim_machine *machine);
/* Watchdogs (docs/watchdog.md, rule TM-01): nothing a driver does hangs a host call.
 * Process-wide; every machine starts with the defaults (NTSIM_WATCHDOG_MS and
 * NTSIM_BUDGET_MS override the first two). A field of 0 turns that check off. */
typedef struct ntsim_watchdog {
    uint64_t wall_ms;      /* wall clock a host call may spin without virtual time moving: 5000 */
    uint64_t budget_ns;    /* virtual time a host call may run past its own deadline: 300 s */
    uint64_t dpc_ns;       /* virtual time one DPC or ISR may run (0x133, P1 = 0): 20 s */
    uint64_t dpc_count;    /* DPCs run back to back, queue never empty (0x133, P1 = 1): 100000 */
    uint32_t storm_count;  /* claims of a level interrupt that stays asserted (0xF2): 10000 */
} ntsim_watchdog;
void ntsim_watchdog_get(ntsim_watchdog *out);
void ntsim_watchdog_set(const ntsim_watchdog *watchdog);
/* Stop the machine from a signal handler (SIGINT, SIGTERM): async-signal-safe. The
 * host call in progress (or the next one) ends with bug check 0xE2 and
 * NTSIM_E_CRASHED; ntsim_interrupted() returns the signal number afterwards. */
void ntsim_interrupt(int signal_number);
int ntsim_interrupted(void);
/* Simulated threads alive (system and worker threads; the host not counted). */
unsigned ntsim_thread_count(ntsim_machine *machine);
/* Trace of (virtual time ns, thread, event) lines: thread switches, waits, wakes,
 * timers, DPCs, work items. Off by default; identical for identical runs. */
void ntsim_trace_enable(ntsim_machine *machine, int enable);
const char *ntsim_trace_text(ntsim_machine *machine);

/* The machine trace (docs/trace.md): IRPs through each driver (dispatch, completion
 * routines, completion), IRQL per CPU, ISRs, DPCs, DbgPrint, bug checks, findings and
 * the scheduler's events above, in virtual time, written to path as they happen
 * ("-" = standard output). NTSIM_TRACE_CHROME is Chrome trace-event JSON (open it in
 * Perfetto or chrome://tracing); NTSIM_TRACE_TEXT one line per event. Stopping (or
 * destroying the machine) finishes the file. 0 or NTSIM_E_ARGS / NTSIM_E_IO. */
/* Debugger-style dumps of live state (docs/inspect.md), as WinDbg's extensions show
 * them: "!drvobj NAME" (dispatch table, devices, resources held), "!devobj PATH"
 * (flags, extension, attached device, queue), "!devstack PATH" (the stack, top first),
 * "!irp" (every IRP in flight with its stack locations). 0, or NTSIM_E_ARGS with the
 * reason written to out. */
int ntsim_inspect(ntsim_machine *machine, const char *command, FILE *out);

/* Driver debug output (DbgPrint, DbgPrintEx, KdPrint) to out as it happens, each line
 * with the virtual time and the driver: "[    0.002110 s] serial: text". max_level
 * keeps DbgPrintEx levels 0..max_level (-1 = all; DbgPrint is level 3, INFO);
 * component keeps one DPFLTR component id (-1 = all). out NULL: off (the default;
 * NTSIM_DBGPRINT=1 in the environment sends it to stderr). 0 or NTSIM_E_ARGS. */
int ntsim_debug_output(ntsim_machine *machine, FILE *out, int max_level, int component);

#define NTSIM_TRACE_CHROME 0
#define NTSIM_TRACE_TEXT 1
int ntsim_trace_start(ntsim_machine *machine, const char *path, int format);
int ntsim_trace_stop(ntsim_machine *machine);
uint64_t ntsim_trace_event_count(ntsim_machine *machine);
/* The format a file name implies: .json -> NTSIM_TRACE_CHROME, anything else (and "-")
 * -> NTSIM_TRACE_TEXT. */
int ntsim_trace_format_for(const char *path);
/* Which events the trace file gets: a comma-separated list of irp, irql, isr, dpc,
 * sched, dbgprint, finding, port (READ/WRITE_PORT_* and _REGISTER_*, off by default),
 * or "all" / "default". Holds until the machine is destroyed. 0 or NTSIM_E_ARGS. */
int ntsim_trace_filter(ntsim_machine *machine, const char *categories);

/* ---- kernel objects by handle, as a user-mode program holds them (docs/host-api.md) ----
 * A handle is what the driver sees in an IOCTL buffer (a HANDLE, 64 bits): the driver
 * turns it into the KEVENT with ObReferenceObjectByHandle(h, ..., *ExEventObjectType, ...). */
typedef uint64_t ntsim_handle;
/* Create an event (notification = 1: stays set until reset; 0: synchronization, a wait
 * resets it) in the given initial state. 0 or an NTSTATUS / NTSIM_E_* error. */
int32_t ntsim_event_create(ntsim_machine *machine, int notification, int initial_state, ntsim_handle *handle);
int32_t ntsim_event_set(ntsim_machine *machine, ntsim_handle handle);
int32_t ntsim_event_reset(ntsim_machine *machine, ntsim_handle handle);
/* Wait (in virtual time, running the machine; UINT64_MAX = no limit; 0 = poll) for the
 * event: 1 signalled (a synchronization event is reset by the wait), 0 timed out,
 * NTSIM_E_CRASHED if the machine stopped, NTSIM_E_ARGS if the handle is not an event. */
int ntsim_event_wait(ntsim_machine *machine, ntsim_handle handle, uint64_t timeout_ns);
/* Create a semaphore with 0 <= initial_count <= limit, limit > 0 (NTSIM_E_ARGS otherwise);
 * the driver references the handle with *ExSemaphoreObjectType and KeReleaseSemaphore's
 * it. Waiting takes one count: 1 acquired, 0 timed out, NTSIM_E_CRASHED, NTSIM_E_ARGS if
 * the handle is not a semaphore. Close it with ntsim_handle_close. */
int32_t ntsim_semaphore_create(ntsim_machine *machine, int32_t initial_count, int32_t limit, ntsim_handle *handle);
int ntsim_semaphore_wait(ntsim_machine *machine, ntsim_handle handle, uint64_t timeout_ns);
int32_t ntsim_handle_close(ntsim_machine *machine, ntsim_handle handle);

/* ---- cancellation (sim/host/cancel.c) ----
 * CancelIoEx on one overlapped request: IoCancelIrp on its IRP (the cancel spin lock,
 * Irp->Cancel, the driver's cancel routine). 1 if a cancel routine was called, 0 if the
 * IRP had none (the driver did not make it cancelable, or it already completed), < 0
 * on error. The request completes when the driver completes it (check with
 * ntsim_request_done/ntsim_request_wait). */
int ntsim_request_cancel(ntsim_request *request);
/* CancelIo on a file: IoCancelIrp on every pending request issued on it. Returns how
 * many cancel routines were called (>= 0), or < 0 on error. */
int ntsim_file_cancel(ntsim_file *file);

/* ---- Plug and Play and power (sim/host/pnp.c, docs/pnp.md) ----
 * The machine's devices are PDOs of a root bus: each 16550 is ACPI\PNP0501\<n>
 * (hardware IDs "ACPI\PNP0501", "*PNP0501"), the 8254 ACPI\PNP0100\1, with the
 * resource requirements the device model decodes. Drivers are bound by hardware or
 * compatible ID, as an installed INF does: the binding writes Service / UpperFilters
 * / LowerFilters into the device's Enum key when the device is found; the PnP manager
 * then reads that key. Operations return an NTSTATUS (0 = success; a veto or failure
 * is explained in ntsim_last_error()) or an NTSIM_E_* code. Devices are named by their
 * instance path, e.g. "ACPI\PNP0501\1". */
typedef enum ntsim_pnp_role {
    NTSIM_PNP_FUNCTION = 0,
    NTSIM_PNP_UPPER_FILTER = 1,
    NTSIM_PNP_LOWER_FILTER = 2,
} ntsim_pnp_role;
/* Bind image_path (service name: service_name, or the file name without extension)
 * to devices with hardware_id. image_path may be NULL for a driver already loaded. */
int ntsim_pnp_bind(ntsim_machine *machine, const char *hardware_id, const char *image_path,
                   const char *service_name, ntsim_pnp_role role);
/* Install from the driver's .inf: each model of [Manufacturer]'s sections binds its
 * hardware and compatible IDs to image_path under the service its DDInstall.Services
 * section adds as the function driver (AddService flag 0x2). */
int ntsim_pnp_install_inf(ntsim_machine *machine, const char *inf_path, const char *image_path);
/* A root-enumerated software device ROOT\<name>\0000 with the given hardware ID. */
int ntsim_pnp_add_root_device(ntsim_machine *machine, const char *name, const char *hardware_id);
/* Enumerate the tree and start every device that has a driver (DriverEntry once per
 * driver, AddDevice bottom up, START_DEVICE with the arbitrated resources, children of
 * buses recursively). Also services IoInvalidateDeviceRelations / IoInvalidateDeviceState. */
int32_t ntsim_pnp_start(ntsim_machine *machine);
/* Service what drivers queued (IoInvalidateDeviceRelations, IoInvalidateDeviceState). */
int32_t ntsim_pnp_process(ntsim_machine *machine);
/* "started", "stopped", "removed", "failed", "no driver", "surprise-removed",
 * "enumerated", "added"; NULL when no such device node. */
const char *ntsim_pnp_state(ntsim_machine *machine, const char *instance_path);
int32_t ntsim_pnp_start_device(ntsim_machine *machine, const char *instance_path);
/* Orderly removal: QUERY_REMOVE to the subtree (a veto sends CANCEL_REMOVE and is
 * returned), then REMOVE_DEVICE, children first. The device stays enumerated. */
int32_t ntsim_pnp_remove(ntsim_machine *machine, const char *instance_path);
/* Unplug: SURPRISE_REMOVAL then REMOVE_DEVICE, children first; a root-bus device is gone. */
int32_t ntsim_pnp_surprise_remove(ntsim_machine *machine, const char *instance_path);
/* QUERY_STOP (a veto sends CANCEL_STOP) then STOP_DEVICE: resources released. */
int32_t ntsim_pnp_stop(ntsim_machine *machine, const char *instance_path);
/* Stop, then restart with other resources where the requirements allow it. */
int32_t ntsim_pnp_rebalance(ntsim_machine *machine, const char *instance_path);
/* Orderly removal of every device of the tree (a vetoed one is surprise-removed), so
 * that each PnP-loaded driver is unloaded and audited. Returns the number of vetoes. */
int ntsim_pnp_remove_all(ntsim_machine *machine);
/* The raw resources of the device's last START (a CM_RESOURCE_LIST), or NULL. */
const void *ntsim_pnp_resources(ntsim_machine *machine, const char *instance_path, int translated);
/* The device signals wake (a key pressed, a ring): the IRP_MN_WAIT_WAKE its power policy
 * owner armed completes with STATUS_SUCCESS. STATUS_INVALID_DEVICE_STATE when none is
 * armed, STATUS_NOT_SUPPORTED for a device that cannot wake the system (only COM ports,
 * the keyboard and the PS/2 mouse can: from S1-S3, in D2 or higher). Resuming the system
 * is then ntsim_pnp_set_system_power(machine, 1). */
int32_t ntsim_pnp_wake(ntsim_machine *machine, const char *instance_path);
/* System power: 1 = S0 (working, resume), 2..4 = S1..S3 (sleep), 5 = S4, 6 = S5 (off).
 * QUERY_POWER then SET_POWER to every started stack (a veto is returned). */
int32_t ntsim_pnp_set_system_power(ntsim_machine *machine, int system_state);
/* The device tree with each stack (top first) and its state, as `devcon stack` shows it. */
void ntsim_pnp_print_tree(FILE *out, ntsim_machine *machine);
char *ntsim_pnp_tree_text(ntsim_machine *machine); /* free() it */

/* ---- misc ---- */
const char *ntsim_last_error(void);
const char *ntsim_status_name(int32_t status);

#ifdef __cplusplus
}
#endif
#endif
