/* grade.c - lab 6 grader: the driver is bound to the 16550's hardware ID and the PnP
 * manager adds and starts it; it serves a write and a pended read with the resources
 * START gave it (on COM1 and on a machine with the UART elsewhere), survives a surprise
 * removal with a read pending, stops and restarts, is removed cleanly, passes power
 * IRPs down, and every failure path of DriverEntry, AddDevice and START is clean. */
#include "grade.h"
#include "lab6.h"

#define NS_PER_MS 1000000ull

static char Lab6Service[128]; /* the image's file name without extension */

static const char *Lab6ServiceName(void)
{
    const char *Base = strrchr(LabImage, '/');
    Base = Base ? Base + 1 : LabImage;
    snprintf(Lab6Service, sizeof(Lab6Service), "%s", Base);
    char *Dot = strrchr(Lab6Service, '.');
    if (Dot)
        *Dot = '\0';
    return Lab6Service;
}

/* Why the device is not started, from what the tree shows. */
static void Lab6ExplainNotStarted(const char *State)
{
    char *Tree = ntsim_pnp_tree_text(LabMachine);
    int HasFdo = Tree && strstr(Tree, LAB6_DEVICE_PATH) != NULL;
    if (HasFdo)
        printf("%s", Tree);
    free(Tree);
    if (!HasFdo)
        fail_msg("%s is '%s', and no FDO %s is on its stack: AddDevice must create it (IoCreateDevice), attach it "
                 "to the PDO (IoAttachDeviceToDeviceStack) and clear DO_DEVICE_INITIALIZING (%s)",
                 LAB6_INSTANCE, State ? State : "(none)", LAB6_DEVICE_PATH, ntsim_last_error());
    fail_msg("%s is '%s': IRP_MN_START_DEVICE failed. Pass it down and wait for the PDO, then take the port and "
             "the interrupt from AllocatedResourcesTranslated and connect the ISR (%s)",
             LAB6_INSTANCE, State ? State : "(none)", ntsim_last_error());
}

/* A machine (NULL: the default PC), the driver bound to the 16550's ID, everything started. */
static void Lab6Boot(const char *const *Devices)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices };
    LabMachine = ntsim_machine_create(&Config);
    assert_non_null(LabMachine);
    if (ntsim_pnp_bind(LabMachine, LAB6_HARDWARE_ID, LabImage, NULL, NTSIM_PNP_FUNCTION) != 0)
        fail_msg("binding the driver failed: %s", ntsim_last_error());
    ntsim_pnp_start(LabMachine);
    LabExpectNoErrors("while the device was added and started");
    const char *State = ntsim_pnp_state(LabMachine, LAB6_INSTANCE);
    if (State == NULL || strcmp(State, "started") != 0)
        Lab6ExplainNotStarted(State);
}

static ntsim_file *Lab6Open(void)
{
    ntsim_file *File;
    int32_t Status = ntsim_open(LabMachine, LAB6_DEVICE_PATH, &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening %s gave %s: once START has connected the ISR and programmed the UART, the device is "
                 "Started and a create succeeds", LAB6_DEVICE_PATH, ntsim_status_name(Status));
    return File;
}

/* Remove everything: the PnP manager unloads the driver once its last FDO is gone. */
static void Lab6Finish(void)
{
    ntsim_pnp_remove_all(LabMachine);
    LabExpectNoErrors("after removing every device");
    char Driver[160];
    snprintf(Driver, sizeof(Driver), "\\Driver\\%s", Lab6ServiceName());
    if (ntsim_object_exists(LabMachine, Driver))
        fail_msg("%s is still loaded after its device was removed: REMOVE must detach and delete the FDO",
                 Driver);
    ntsim_machine_destroy(LabMachine);
    LabMachine = NULL;
}

/* A write goes out on the UART's wire; a read pended before bytes arrive gets them. */
static void Lab6ExpectServes(ntsim_file *File, const char *When)
{
    ntsim_uart *Uart = ntsim_machine_uart(LabMachine, 0);
    ntsim_uart_tx_clear(Uart);
    size_t Written = 0;
    int32_t Status = ntsim_write(File, "Hello", 5, &Written);
    if (Status != LAB_STATUS_SUCCESS || Written != 5)
        fail_msg("%s: writing \"Hello\" gave %s, Information %zu", When, ntsim_status_name(Status), Written);
    ntsim_run_for(LabMachine, NS_PER_MS);
    size_t Sent = ntsim_uart_tx_count(Uart);
    if (Sent != 5 || memcmp(ntsim_uart_tx_data(Uart), "Hello", 5) != 0)
        fail_msg("%s: the UART sent %zu bytes \"%.*s\" (expected \"Hello\"): write to the port START assigned",
                 When, Sent, (int)Sent, (const char *)ntsim_uart_tx_data(Uart));
    /* The first read pends; bytes then arrive at line rate (87 us each). A serial read
     * completes with the bytes there are (at least one), so collect "ping" read by read. */
    static const char Ping[] = "ping";
    char In[8] = { 0 };
    size_t Have = 0;
    for (int Reads = 0; Have < 4; Reads++) {
        ntsim_request *Read;
        Status = ntsim_read_async(File, In + Have, 4 - Have, &Read);
        if (Reads == 0 && Status != LAB_STATUS_PENDING)
            fail_msg("%s: a read with no data yet gave %s: it must pend until bytes arrive", When,
                     ntsim_status_name(Status));
        if (Reads == 0)
            ntsim_uart_inject(Uart, Ping, 4);
        if (ntsim_request_wait(Read, 10 * NS_PER_MS) != 1)
            fail_msg("%s: %s but the read did not complete within 10 ms: is the ISR connected to the "
                     "interrupt START assigned (Vector, Level, Affinity from the translated list)?", When,
                     Reads == 0 ? "4 bytes arrived" : "more bytes arrived");
        size_t Got = 0;
        ntsim_request_done(Read, &Status, &Got);
        ntsim_request_free(Read);
        if (Status != LAB_STATUS_SUCCESS || Got == 0 || Got > 4 - Have || memcmp(In + Have, Ping + Have, Got) != 0)
            fail_msg("%s: read %d completed with %s, %zu bytes \"%.*s\" (expected the next of \"ping\": \"%s\")",
                     When, Reads + 1, ntsim_status_name(Status), Got, (int)(Got > 4 ? 4 : Got), In + Have,
                     Ping + Have);
        Have += Got;
    }
    LabExpectNoErrors(When);
}

static void starts_on_the_default_machine(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    char *Tree = ntsim_pnp_tree_text(LabMachine);
    char Fdo[200];
    snprintf(Fdo, sizeof(Fdo), "FDO    \\Driver\\%s %s", Lab6ServiceName(), LAB6_DEVICE_PATH);
    int Found = Tree && strstr(Tree, Fdo) != NULL;
    if (!Found)
        printf("%s", Tree ? Tree : "");
    free(Tree);
    if (!Found)
        fail_msg("the device tree does not show \"%s\" on %s's stack", Fdo, LAB6_INSTANCE);
    Lab6Finish();
}

static void serves_a_write_and_a_pended_read(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    ntsim_file *File = Lab6Open();
    Lab6ExpectServes(File, "on COM1");
    ntsim_close(File);
    Lab6Finish();
}

static void takes_its_resources_from_START(void **state)
{
    (void)state;
    static const char *const Com2Only[] = { "uart16550,io=0x2f8,irq=3,chardev=buffer", NULL };
    Lab6Boot(Com2Only);
    ntsim_file *File = Lab6Open();
    Lab6ExpectServes(File, "with the UART at 0x2F8, IRQ 3");
    ntsim_close(File);
    Lab6Finish();
}

static void stops_and_restarts(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    int32_t Status = ntsim_pnp_rebalance(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("rebalance (QUERY_STOP, STOP, START) gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    const char *State = ntsim_pnp_state(LabMachine, LAB6_INSTANCE);
    if (State == NULL || strcmp(State, "started") != 0)
        Lab6ExplainNotStarted(State);
    LabExpectNoErrors("after STOP and a new START");
    ntsim_file *File = Lab6Open();
    Lab6ExpectServes(File, "after a stop and restart");
    ntsim_close(File);
    Status = ntsim_pnp_stop(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("stopping the device gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    LabExpectNoErrors("after IRP_MN_STOP_DEVICE (its resources are no longer the driver's)");
    Status = ntsim_pnp_start_device(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("starting the stopped device again gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    File = Lab6Open();
    Lab6ExpectServes(File, "after a second restart");
    ntsim_close(File);
    Lab6Finish();
}

static void survives_surprise_removal_with_a_read_pending(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    ntsim_file *File = Lab6Open();
    char Buffer[8];
    ntsim_request *Read;
    int32_t Status = ntsim_read_async(File, Buffer, sizeof(Buffer), &Read);
    if (Status != LAB_STATUS_PENDING)
        fail_msg("a read with no data yet gave %s: it must pend until bytes arrive", ntsim_status_name(Status));
    Status = ntsim_pnp_surprise_remove(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("surprise removal gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    size_t Got = 0;
    if (!ntsim_request_done(Read, &Status, &Got))
        fail_msg("the read pending at IRP_MN_SURPRISE_REMOVAL was not completed: the device is gone, fail it "
                 "(e.g. STATUS_DELETE_PENDING)");
    ntsim_request_free(Read);
    if (Status == LAB_STATUS_SUCCESS)
        fail_msg("the read pending at surprise removal completed with STATUS_SUCCESS and %zu bytes; nothing arrived, "
                 "so it must fail", Got);
    LabExpectNoErrors("at IRP_MN_SURPRISE_REMOVAL");
    Read = NULL;
    Status = ntsim_read_async(File, Buffer, sizeof(Buffer), &Read);
    if (Status == LAB_STATUS_PENDING) {
        ntsim_request_cancel(Read);
        ntsim_request_free(Read);
        fail_msg("a read after surprise removal was pended: fail new I/O once the device is gone");
    }
    if (Read)
        ntsim_request_free(Read);
    if (Status == LAB_STATUS_SUCCESS)
        fail_msg("a read after surprise removal succeeded: fail new I/O once the device is gone");
    ntsim_close(File); /* the last handle: the PnP manager sends IRP_MN_REMOVE_DEVICE now */
    LabExpectNoErrors("at IRP_MN_REMOVE_DEVICE after the surprise removal");
    if (ntsim_object_exists(LabMachine, LAB6_DEVICE_PATH))
        fail_msg("%s still exists after IRP_MN_REMOVE_DEVICE: detach it (IoDetachDevice) and delete it",
                 LAB6_DEVICE_PATH);
    Lab6Finish();
}

static void orderly_removal_deletes_the_FDO(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    int32_t Status = ntsim_pnp_remove(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("removal (QUERY_REMOVE, REMOVE) gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    LabExpectNoErrors("at IRP_MN_REMOVE_DEVICE");
    if (ntsim_object_exists(LabMachine, LAB6_DEVICE_PATH))
        fail_msg("%s still exists after IRP_MN_REMOVE_DEVICE: pass the IRP down, IoReleaseRemoveLockAndWait, "
                 "IoDetachDevice, IoDeleteDevice", LAB6_DEVICE_PATH);
    Status = ntsim_pnp_start_device(LabMachine, LAB6_INSTANCE);
    const char *State = ntsim_pnp_state(LabMachine, LAB6_INSTANCE);
    if (Status != LAB_STATUS_SUCCESS || State == NULL || strcmp(State, "started") != 0)
        Lab6ExplainNotStarted(State);
    Lab6Finish();
}

static void power_IRPs_go_down(void **state)
{
    (void)state;
    Lab6Boot(NULL);
    int32_t Status = ntsim_pnp_set_system_power(LabMachine, 4); /* S3 */
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("going to sleep (S3) gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    Status = ntsim_pnp_set_system_power(LabMachine, 1); /* back to S0 */
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("resuming (S0) gave %s: %s", ntsim_status_name(Status), ntsim_last_error());
    LabExpectNoErrors("while the system slept and resumed (PoStartNextPowerIrp, PoCallDriver)");
    Lab6Finish();
}

static void every_AddDevice_and_START_failure_path_is_clean(void **state)
{
    (void)state;
    Lab6Boot(NULL); /* the sweep means something only for a driver that starts */
    Lab6Finish();
    ntsim_sweep_options Options = { .image = LabImage, .jobs = 1, .pnp_hardware_id = LAB6_HARDWARE_ID };
    ntsim_sweep_result *Result = NULL;
    if (ntsim_sweep_run(&Options, &Result) != 0)
        fail_msg("the fault sweep could not run: %s", ntsim_last_error());
    size_t Errors = ntsim_sweep_error_count(Result);
    for (size_t i = 0; i < ntsim_sweep_finding_count(Result); i++) {
        const ntsim_sweep_finding *F = ntsim_sweep_finding_at(Result, i);
        printf("  run %lu (%s failing at %s): %s %s %s: %s\n", F->run, F->ddi, F->site,
               F->severity == NTSIM_SEV_ERROR ? "error" : "warning", F->rule, F->culprit, F->message);
    }
    unsigned long Runs = ntsim_sweep_runs(Result);
    printf("  %lu runs: each fails one failable call of DriverEntry, AddDevice, START or the removal\n", Runs);
    for (size_t i = 0; i < ntsim_sweep_point_count(Result); i++) {
        const ntsim_sweep_point *P = ntsim_sweep_point_at(Result, i);
        if (P->index > 0)
            printf("    run %lu: %s at %s\n", P->index, P->ddi, P->site);
    }
    ntsim_sweep_free(Result);
    if (Errors)
        fail_msg("%zu error finding(s) in %lu runs failing DriverEntry's, AddDevice's and START's calls in turn "
                 "(listed above)", Errors, Runs);
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(starts_on_the_default_machine),
    cmocka_unit_test(serves_a_write_and_a_pended_read),
    cmocka_unit_test(takes_its_resources_from_START),
    cmocka_unit_test(stops_and_restarts),
    cmocka_unit_test(survives_surprise_removal_with_a_read_pending),
    cmocka_unit_test(orderly_removal_deletes_the_FDO),
    cmocka_unit_test(power_IRPs_go_down),
    cmocka_unit_test(every_AddDevice_and_START_failure_path_is_clean),
};

LAB_MAIN("lab6-pnp", Checks)
