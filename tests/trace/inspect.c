/* inspect.c - debugger-style dumps (ntsim_inspect): !drvobj, !devobj, !devstack, !irp, !object
 * and !arbiter on serial.sys with a read pending, and clear refusals for what does not exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define NTSIM_NO_SITES 1
#include <ntddk.h>
#include <ntsim/ntsim.h>

static char *Inspect(ntsim_machine *Machine, const char *Command, int Expect)
{
    char *Text = NULL;
    size_t Size = 0;
    FILE *Out = open_memstream(&Text, &Size);
    assert_int_equal(ntsim_inspect(Machine, Command, Out), Expect);
    fclose(Out);
    return Text;
}

static void Expect(char *Text, const char *Needle)
{
    if (strstr(Text, Needle) == NULL)
        fail_msg("expected \"%s\" in:\n%s", Needle, Text);
}

static void dumps_of_serial_with_a_pending_read(void **state)
{
    (void)state;
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    char Path[1024];
    snprintf(Path, sizeof(Path), "%s/serial.sys", NTSIM_DRIVER_DIR);
    assert_int_equal(ntsim_driver_load(Machine, Path, NULL, &Driver, &Status), 0);
    ntsim_file *File;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &File), 0);
    char Buffer[4];
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(File, Buffer, sizeof(Buffer), &Read), 0x103);

    char *Text = Inspect(Machine, "!drvobj serial", 0);
    Expect(Text, "\\Driver\\serial");
    Expect(Text, "[03] IRP_MJ_READ");
    Expect(Text, "serial.c:");
    Expect(Text, "\\Device\\Serial0");
    Expect(Text, "resource claim");
    free(Text);
    Text = Inspect(Machine, "!devobj \\Device\\Serial0", 0);
    Expect(Text, "Driver: \\Driver\\serial");
    Expect(Text, "DO_BUFFERED_IO");
    Expect(Text, "Open files: 1");
    free(Text);
    Text = Inspect(Machine, "!devstack \\Device\\Serial0", 0);
    Expect(Text, "> 0x");
    free(Text);
    Text = Inspect(Machine, "!irp", 0);
    Expect(Text, "IRP_MJ_READ");
    Expect(Text, "\\Device\\Serial0 (serial)");
    Expect(Text, "1 IRP(s) in flight");
    free(Text);

    Text = Inspect(Machine, "!object \\Device", 0);
    Expect(Text, "\\Device  [Directory");
    Expect(Text, "\\Serial0  [Device]");
    free(Text);
    Text = Inspect(Machine, "!object \\DosDevices\\COM1", 0);
    Expect(Text, "\\DosDevices\\COM1 -> \\Device\\Serial0");
    free(Text);
    Text = Inspect(Machine, "!arbiter", 0);
    Expect(Text, "serial");
    Expect(Text, "ports 0x3F8-0x3FF");
    Expect(Text, "interrupt 4");
    free(Text);
    Text = Inspect(Machine, "!object \\Device\\Nothing", -1);
    Expect(Text, "no object named");
    free(Text);

    Text = Inspect(Machine, "!drvobj nosuch", -1);
    Expect(Text, "no driver 'nosuch'");
    free(Text);
    Text = Inspect(Machine, "!devobj \\Device\\Nothing", -1);
    Expect(Text, "is not a device object");
    free(Text);
    Text = Inspect(Machine, "!bogus", -1);
    Expect(Text, "unknown command '!bogus'");
    free(Text);
    ntsim_request_free(Read);
    ntsim_machine_destroy(Machine);
}

/* !locks: what each thread holds. The host thread plays kernel code here: it takes a
 * fast mutex and a spin lock, as a driver routine it calls would. */
static void held_locks(void **state)
{
    (void)state;
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    char *Text = Inspect(Machine, "!locks", 0);
    Expect(Text, "locks held:\n  none");
    free(Text);
    FAST_MUTEX Mutex;
    KSPIN_LOCK Lock;
    KIRQL Old;
    ExInitializeFastMutex(&Mutex);
    KeInitializeSpinLock(&Lock);
    ExAcquireFastMutex(&Mutex);
    KeAcquireSpinLock(&Lock, &Old);
    Text = Inspect(Machine, "!locks", 0);
    char Needle[64];
    snprintf(Needle, sizeof(Needle), "fast mutex  %p  held by thread 1", (void *)&Mutex);
    Expect(Text, Needle);
    snprintf(Needle, sizeof(Needle), "spin lock   %p  held by thread 1", (void *)&Lock);
    Expect(Text, Needle);
    free(Text);
    KeReleaseSpinLock(&Lock, Old);
    ExReleaseFastMutex(&Mutex);
    Text = Inspect(Machine, "!locks", 0);
    Expect(Text, "  none");
    free(Text);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = { cmocka_unit_test(dumps_of_serial_with_a_pending_read),
                                        cmocka_unit_test(held_locks) };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
