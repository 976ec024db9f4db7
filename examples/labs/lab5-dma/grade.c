/* grade.c - lab 5 grader: the edu device found wherever it sits in PCI space and its
 * resources claimed, BAR0 mapped and the registers used, a factorial and DMA in both
 * directions completed by the DPC after the device's interrupt, bad lengths refused,
 * a quiet ISR for spurious interrupts, and a clean Unload and failure paths.
 * The device model is read directly (hwmodel/edu.h) to see what really reached it. */
#include "grade.h"
#include "lab5.h"

#include <unistd.h>

#include <hwmodel/edu.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define LAB5_STATUS_INVALID_PARAMETER ((int32_t)0xC000000D)
#define LAB5_STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)

/* A machine with the given devices (NULL: the default PC, edu at 0:3, IRQ 11), the
 * driver loaded and \\.\Lab5 opened. */
static ntsim_file *Lab5Open(const char *const *Devices, int Spurious)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices,
                                    .spurious_irq = Spurious };
    LabMachine = ntsim_machine_create(&Config);
    assert_non_null(LabMachine);
    int32_t Status = -1;
    if (ntsim_driver_load(LabMachine, LabImage, NULL, &LabDriver, &Status) != 0)
        fail_msg("the driver did not load: %s", ntsim_last_error());
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("DriverEntry returned %s; it must return STATUS_SUCCESS once the device is found, claimed, mapped "
                 "and connected", ntsim_status_name(Status));
    LabExpectNoErrors("in DriverEntry");
    ntsim_file *File;
    Status = ntsim_open(LabMachine, LAB5_USER_PATH, &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening %s gave %s", LAB5_USER_PATH, ntsim_status_name(Status));
    return File;
}

static void Lab5Done(ntsim_file *File)
{
    ntsim_close(File);
    LabExpectNoErrors("while serving requests");
    LabUnloadClean();
}

static hw_edu *Lab5Device(void)
{
    hw_edu *Edu = ntsim_machine_edu(LabMachine, 0);
    assert_non_null(Edu);
    return Edu;
}

static LAB5_INFO Lab5Info(ntsim_file *File)
{
    LAB5_INFO Info;
    memset(&Info, 0xFF, sizeof(Info));
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB5_INFO, NULL, 0, &Info, sizeof(Info), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != sizeof(Info))
        fail_msg("IOCTL_LAB5_INFO gave %s with %zu bytes (expected STATUS_SUCCESS, %zu bytes)",
                 ntsim_status_name(Status), Returned, sizeof(Info));
    return Info;
}

static void Lab5ExpectLocation(const LAB5_INFO *Info, unsigned Device, unsigned Irq)
{
    unsigned Slot = Info->Slot & 0x1F; /* PCI_SLOT_NUMBER: DeviceNumber in bits 0-4 */
    if (Info->Bus != 0 || Slot != Device || Info->Irq != Irq)
        fail_msg("the driver says bus %u, device %u, IRQ %u; the edu device is at bus 0, device %u, IRQ %u "
                 "(scan with HalGetBusData, take the interrupt from HalAssignSlotResources' list)",
                 Info->Bus, Slot, Info->Irq, Device, Irq);
    if (Info->Bar0 != 0xFE000000ull || Info->Bar0Length != HW_EDU_BAR0_SIZE)
        fail_msg("the driver says BAR0 is 0x%llx, %u bytes; firmware put it at 0xFE000000, %u bytes "
                 "(the CmResourceTypeMemory descriptor of HalAssignSlotResources' list)",
                 Info->Bar0, Info->Bar0Length, HW_EDU_BAR0_SIZE);
}

/* The driver's claim is in the ResourceMap under its service name. */
static void Lab5ExpectClaim(void)
{
    char *Map = ntsim_reg_export_text(LabMachine, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    int Claimed = Map != NULL && strstr(Map, ntsim_driver_name(LabDriver)) != NULL;
    free(Map);
    if (!Claimed)
        fail_msg("HARDWARE\\RESOURCEMAP holds no claim of %s: claim the slot with HalAssignSlotResources",
                 ntsim_driver_name(LabDriver));
}

static void finds_the_edu_device_and_claims_it(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    LAB5_INFO Info = Lab5Info(File);
    Lab5ExpectLocation(&Info, 3, 11);
    Lab5ExpectClaim();
    Lab5Done(File);
}

static void finds_the_device_in_another_slot(void **state)
{
    (void)state;
    static const char *const Moved[] = { "edu,slot=7,irq=10", NULL };
    ntsim_file *File = Lab5Open(Moved, 0);
    LAB5_INFO Info = Lab5Info(File);
    Lab5ExpectLocation(&Info, 7, 10);
    Lab5Done(File);
}

static void reads_the_id_and_checks_liveness(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    uint32_t Value = 0x13572468u;
    LAB5_IDENTIFY Out = { 0, 0 };
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB5_IDENTIFY, &Value, sizeof(Value), &Out, sizeof(Out), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != sizeof(Out))
        fail_msg("IOCTL_LAB5_IDENTIFY gave %s with %zu bytes", ntsim_status_name(Status), Returned);
    if (Out.Id != HW_EDU_ID)
        fail_msg("Id is 0x%08x; register 0x00 reads 0x%08x (READ_REGISTER_ULONG on the mapped BAR0)", Out.Id,
                 HW_EDU_ID);
    uint32_t Held = (uint32_t)hw_edu_read(Lab5Device(), HW_EDU_REG_LIVENESS, 4);
    if (Held != (uint32_t)~Value)
        fail_msg("the device's liveness register does not hold 0x%08x: write the input to register 0x04 "
                 "(WRITE_REGISTER_ULONG)", Value);
    if (Out.Inverted != (uint32_t)~Value)
        fail_msg("Inverted is 0x%08x; after writing 0x%08x, register 0x04 reads 0x%08x", Out.Inverted, Value,
                 (uint32_t)~Value);
    Lab5Done(File);
}

/* ---- the trace: was the IRP completed in the driver's DPC, after its ISR? ---- */

typedef struct {
    char Path[64];
} LAB5_TRACE;

static void Lab5TraceStart(LAB5_TRACE *Trace)
{
    snprintf(Trace->Path, sizeof(Trace->Path), "/tmp/lab5-trace-XXXXXX");
    int Fd = mkstemp(Trace->Path);
    assert_true(Fd >= 0);
    close(Fd);
    assert_int_equal(ntsim_trace_start(LabMachine, Trace->Path, NTSIM_TRACE_TEXT), 0);
}

/* Reads the text trace: the first device control's IRP must be completed by the driver
 * inside "DPC of <driver>", after an "ISR of <driver>" line. */
static void Lab5TraceExpectDpcCompletion(LAB5_TRACE *Trace, const char *What)
{
    ntsim_trace_stop(LabMachine);
    FILE *In = fopen(Trace->Path, "r");
    assert_non_null(In);
    const char *Driver = ntsim_driver_name(LabDriver);
    char Isr[128], Dpc[128], Completed[160], Line[512];
    snprintf(Isr, sizeof(Isr), "ISR of %s for interrupt line", Driver);
    snprintf(Dpc, sizeof(Dpc), "DPC of %s", Driver);
    int Irp = -1, SawIsr = 0, InDpc = 0, Where = 0; /* Where: 1 in the DPC, 2 elsewhere */
    while (Where == 0 && fgets(Line, sizeof(Line), In)) {
        const char *Hit;
        if (Irp < 0 && (Hit = strstr(Line, "IRP#")) && strstr(Line, "IRP_MJ_DEVICE_CONTROL")) {
            Irp = atoi(Hit + 4);
            snprintf(Completed, sizeof(Completed), "IRP#%d completed by %s", Irp, Driver);
        } else if (strstr(Line, Isr)) {
            SawIsr = 1;
        } else if ((Hit = strstr(Line, Dpc)) != NULL) {
            InDpc = strstr(Hit, "returned") == NULL;
        } else if (Irp >= 0 && strstr(Line, Completed)) {
            Where = InDpc && SawIsr ? 1 : 2;
        }
    }
    fclose(In);
    unlink(Trace->Path);
    if (Irp < 0 || Where == 0)
        fail_msg("%s: the trace shows no completion of the request by %s", What, Driver);
    if (!SawIsr)
        fail_msg("%s: the request completed but %s's ISR never ran: enable the device's completion interrupt "
                 "and connect an ISR (IoConnectInterrupt)", What, Driver);
    if (Where != 1)
        fail_msg("%s: the request was completed outside %s's DPC: the ISR requests the DPC (IoRequestDpc), the "
                 "DPC completes the IRP", What, Driver);
}

/* Sends a device control that must pend, waits for it (virtual time), returns what came back. */
static int32_t Lab5Pended(ntsim_file *File, uint32_t Code, const void *In, size_t InLength, void *Out,
                          size_t OutLength, size_t *Information, uint64_t *Elapsed, const char *What)
{
    uint64_t Start = ntsim_now_ns(LabMachine);
    ntsim_request *Request;
    int32_t Status = ntsim_ioctl_async(File, Code, In, InLength, Out, OutLength, &Request);
    if (Status != LAB_STATUS_PENDING)
        fail_msg("%s gave %s at once: it must be pended (IoMarkIrpPending, IoStartPacket, STATUS_PENDING) and "
                 "completed when the device interrupts", What, ntsim_status_name(Status));
    int Waited = ntsim_request_wait(Request, NS_PER_MS);
    ntsim_bugcheck Crash;
    if (Waited == NTSIM_E_CRASHED && ntsim_machine_crashed(LabMachine, &Crash)) {
        ntsim_print_bugcheck(stdout, &Crash);
        fail_msg("%s: the machine stopped with bug check 0x%X %s (shown above)", What, Crash.code, Crash.name);
    }
    if (Waited != 1)
        fail_msg("%s did not complete within 1 ms: does StartIo start the device with its interrupt enabled, the "
                 "ISR acknowledge it and request the DPC, and the DPC complete the IRP?", What);
    *Elapsed = ntsim_now_ns(LabMachine) - Start;
    ntsim_request_done(Request, &Status, Information);
    ntsim_request_free(Request);
    return Status;
}

static void factorial_is_completed_by_the_DPC(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    LAB5_TRACE Trace;
    Lab5TraceStart(&Trace);
    uint32_t N = 10, Result = 0;
    size_t Got = 0;
    uint64_t Elapsed = 0;
    int32_t Status = Lab5Pended(File, IOCTL_LAB5_FACTORIAL, &N, sizeof(N), &Result, sizeof(Result), &Got, &Elapsed,
                                "IOCTL_LAB5_FACTORIAL");
    if (Status != LAB_STATUS_SUCCESS || Got != sizeof(Result) || Result != 3628800u)
        fail_msg("10! came back as %s, %zu bytes, %u (expected STATUS_SUCCESS, 4 bytes, 3628800)",
                 ntsim_status_name(Status), Got, Result);
    uint64_t DeviceTime = HW_EDU_FACT_BASE_NS + 10 * HW_EDU_FACT_STEP_NS;
    if (Elapsed < DeviceTime)
        fail_msg("10! came back after %llu ns; the device needs %llu ns, so the driver did not wait for it",
                 (unsigned long long)Elapsed, (unsigned long long)DeviceTime);
    Lab5TraceExpectDpcCompletion(&Trace, "IOCTL_LAB5_FACTORIAL");
    if (hw_edu_read(Lab5Device(), HW_EDU_REG_IRQ_STATUS, 4) != 0)
        fail_msg("the device's interrupt status is still set: the ISR must acknowledge it (register 0x64)");
    Lab5Done(File);
}

static void dma_to_the_device_fills_its_buffer(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    hw_edu *Edu = Lab5Device();
    static uint8_t Pattern[EDU_DMA_SIZE];
    for (size_t i = 0; i < sizeof(Pattern); i++)
        Pattern[i] = (uint8_t)(i * 7u + 3u);
    uint64_t Before = hw_edu_dma_bytes(Edu);
    LAB5_TRACE Trace;
    Lab5TraceStart(&Trace);
    size_t Got = 0;
    uint64_t Elapsed = 0;
    int32_t Status = Lab5Pended(File, IOCTL_LAB5_DMA_TO_DEVICE, Pattern, sizeof(Pattern), NULL, 0, &Got, &Elapsed,
                                "IOCTL_LAB5_DMA_TO_DEVICE of 4096 bytes");
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("IOCTL_LAB5_DMA_TO_DEVICE completed with %s", ntsim_status_name(Status));
    if (hw_edu_dma_bytes(Edu) - Before != sizeof(Pattern))
        fail_msg("the device's DMA engine moved %llu bytes (expected 4096): program 0x80 source (the common "
                 "buffer's logical address), 0x88 destination (0x40000), 0x90 count, then 0x98 command",
                 (unsigned long long)(hw_edu_dma_bytes(Edu) - Before));
    if (memcmp(hw_edu_dma_buffer(Edu), Pattern, sizeof(Pattern)) != 0)
        fail_msg("the device's buffer does not hold the 4096 bytes sent: copy them into the common buffer before "
                 "starting the DMA, direction bit 0 (RAM to device)");
    uint64_t DeviceTime = HW_EDU_DMA_SETUP_NS + 4 * HW_EDU_DMA_NS_PER_KIB;
    if (Elapsed < DeviceTime)
        fail_msg("4096 bytes by DMA came back after %llu ns; the transfer takes %llu ns",
                 (unsigned long long)Elapsed, (unsigned long long)DeviceTime);
    Lab5TraceExpectDpcCompletion(&Trace, "IOCTL_LAB5_DMA_TO_DEVICE");
    Lab5Done(File);
}

static void dma_from_the_device_reads_its_buffer(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    hw_edu *Edu = Lab5Device();
    uint8_t *DeviceBuffer = hw_edu_dma_buffer(Edu);
    for (size_t i = 0; i < EDU_DMA_SIZE; i++)
        DeviceBuffer[i] = (uint8_t)(i * 13u + 5u); /* what the device holds, put there by the grader */
    static uint8_t Out[EDU_DMA_SIZE];
    memset(Out, 0, sizeof(Out));
    LAB5_TRACE Trace;
    Lab5TraceStart(&Trace);
    size_t Got = 0;
    uint64_t Elapsed = 0;
    int32_t Status = Lab5Pended(File, IOCTL_LAB5_DMA_FROM_DEVICE, NULL, 0, Out, 100, &Got, &Elapsed,
                                "IOCTL_LAB5_DMA_FROM_DEVICE of 100 bytes");
    if (Status != LAB_STATUS_SUCCESS || Got != 100)
        fail_msg("IOCTL_LAB5_DMA_FROM_DEVICE of 100 bytes completed with %s, Information %zu",
                 ntsim_status_name(Status), Got);
    if (memcmp(Out, DeviceBuffer, 100) != 0)
        fail_msg("the 100 bytes returned are not the first 100 of the device's buffer: DMA from 0x40000 to the "
                 "common buffer (direction bit 1), then copy them out in the DPC");
    Lab5TraceExpectDpcCompletion(&Trace, "IOCTL_LAB5_DMA_FROM_DEVICE");
    Lab5Done(File);
}

static void bad_requests_are_refused(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 0);
    static uint8_t Big[EDU_DMA_SIZE + 1];
    size_t Got = 0;
    struct {
        const char *What;
        uint32_t Code;
        size_t InLength, OutLength;
        int32_t Expected;
    } Cases[] = {
        { "IOCTL_LAB5_DMA_TO_DEVICE of 0 bytes", IOCTL_LAB5_DMA_TO_DEVICE, 0, 0, LAB5_STATUS_INVALID_PARAMETER },
        { "IOCTL_LAB5_DMA_TO_DEVICE of 4097 bytes", IOCTL_LAB5_DMA_TO_DEVICE, sizeof(Big), 0,
          LAB5_STATUS_INVALID_PARAMETER },
        { "IOCTL_LAB5_DMA_FROM_DEVICE of 4097 bytes", IOCTL_LAB5_DMA_FROM_DEVICE, 0, sizeof(Big),
          LAB5_STATUS_INVALID_PARAMETER },
        { "an unknown control code", LAB5_CTL(0x8FFu), 0, 0, LAB5_STATUS_INVALID_DEVICE_REQUEST },
    };
    for (size_t i = 0; i < sizeof(Cases) / sizeof(Cases[0]); i++) {
        int32_t Status = ntsim_ioctl(File, Cases[i].Code, Big, Cases[i].InLength, Big, Cases[i].OutLength, &Got);
        if (Status != Cases[i].Expected)
            fail_msg("%s gave %s (expected %s, at once)", Cases[i].What, ntsim_status_name(Status),
                     ntsim_status_name(Cases[i].Expected));
    }
    if (hw_edu_dma_bytes(Lab5Device()) != 0)
        fail_msg("a refused request started a DMA");
    Lab5Done(File);
}

static void the_ISR_ignores_a_spurious_interrupt(void **state)
{
    (void)state;
    ntsim_file *File = Lab5Open(NULL, 1); /* fails on the ISR's verdict (HW-04) */
    Lab5Done(File);
}

static void every_DriverEntry_failure_path_is_clean(void **state)
{
    (void)state;
    LabSweepClean();
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(finds_the_edu_device_and_claims_it),
    cmocka_unit_test(finds_the_device_in_another_slot),
    cmocka_unit_test(reads_the_id_and_checks_liveness),
    cmocka_unit_test(factorial_is_completed_by_the_DPC),
    cmocka_unit_test(dma_to_the_device_fills_its_buffer),
    cmocka_unit_test(dma_from_the_device_reads_its_buffer),
    cmocka_unit_test(bad_requests_are_refused),
    cmocka_unit_test(the_ISR_ignores_a_spurious_interrupt),
    cmocka_unit_test(every_DriverEntry_failure_path_is_clean),
};

LAB_MAIN("lab5-dma", Checks)
