/* hal.c - the simulated HAL and the I/O manager's hardware side: port I/O routed to
 * the bus, resource claims in the ResourceMap (HW-01, HW-02, HW-03, HW-05, FL-02,
 * DE-07), interrupt delivery (IRQL, shared vectors, HW-04), StartIo and the device
 * queue, and the machine's device options. The drivers are linked into this file. */
#include <ntddk.h>

#include "ntsim_test.h"

#define COM1 0x3F8

/* hal.dll's data export; the WDK has no declaration of it, drivers write their own */
extern PUCHAR *KdComPortInUse;
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

/* ---- helpers ---- */

static ntsim_machine *NewMachine(const char *const *Devices, int Spurious)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    Config.devices = Devices;
    Config.spurious_irq = Spurious;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    return Machine;
}

/* A CM_RESOURCE_LIST with one full descriptor: ports [Port, Port+PortLength) and,
 * unless Irq is ~0u, interrupt Irq (raw values). */
typedef struct {
    CM_RESOURCE_LIST List;
    CM_PARTIAL_RESOURCE_DESCRIPTOR More[3];
} CLAIM;

static ULONG MakeClaim(CLAIM *C, ULONG Port, ULONG PortLength, ULONG Irq, UCHAR Share)
{
    memset(C, 0, sizeof(*C));
    C->List.Count = 1;
    C->List.List[0].InterfaceType = Isa;
    C->List.List[0].PartialResourceList.Version = 1;
    C->List.List[0].PartialResourceList.Revision = 1;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR D = C->List.List[0].PartialResourceList.PartialDescriptors;
    ULONG N = 0;
    if (PortLength) {
        D[N].Type = CmResourceTypePort;
        D[N].ShareDisposition = Share;
        D[N].Flags = CM_RESOURCE_PORT_IO;
        D[N].u.Port.Start.QuadPart = Port;
        D[N].u.Port.Length = PortLength;
        N++;
    }
    if (Irq != ~0u) {
        D[N].Type = CmResourceTypeInterrupt;
        D[N].ShareDisposition = Share;
        D[N].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
        D[N].u.Interrupt.Level = Irq;
        D[N].u.Interrupt.Vector = Irq;
        D[N].u.Interrupt.Affinity = (KAFFINITY)-1;
        N++;
    }
    C->List.List[0].PartialResourceList.Count = N;
    return (ULONG)(FIELD_OFFSET(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors) +
                   N * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
}

/* ---- a configurable legacy driver ---- */

typedef struct {
    ULONG Port, PortLength, Irq;  /* claim (PortLength 0 = no port claim; Irq ~0u = none) */
    UCHAR Share;
    BOOLEAN Claim;
    BOOLEAN ByDevice;             /* claim on the device object instead of the driver */
    BOOLEAN Connect;              /* IoConnectInterrupt on Irq */
    BOOLEAN Shared;               /* ShareVector */
    BOOLEAN IsrClaims;            /* the ISR returns TRUE when the UART has something pending */
    BOOLEAN IsrAlwaysTrue;        /* a careless ISR */
    BOOLEAN FailAfter;            /* DriverEntry returns an error after claiming */
    BOOLEAN ReleaseOnUnload;
    BOOLEAN DisconnectOnUnload;
    BOOLEAN Wdm;                  /* set AddDevice */
} DRIVER_PLAN;

typedef struct {
    DRIVER_PLAN Plan;
    PDEVICE_OBJECT Device;
    PKINTERRUPT Interrupt;
    BOOLEAN Conflict;
    NTSTATUS ClaimStatus;
    NTSTATUS ConnectStatus;
    ULONG IsrCalls;
    KIRQL IsrIrql;
    UCHAR LastIir;
    const char *Name;
} DRIVER_STATE;

static DRIVER_STATE States[3];

static BOOLEAN PlanIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    DRIVER_STATE *S = Context;
    (void)Interrupt;
    S->IsrCalls++;
    S->IsrIrql = KeGetCurrentIrql();
    if (S->Plan.IsrAlwaysTrue)
        return TRUE;
    if (!S->Plan.IsrClaims)
        return FALSE;
    UCHAR Iir = READ_PORT_UCHAR((PUCHAR)(ULONG_PTR)(S->Plan.Port + UART_IIR));
    S->LastIir = Iir;
    return (Iir & 1) == 0;
}

static NTSTATUS PlanDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS PlanAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    (void)DriverObject;
    (void)Pdo;
    return STATUS_SUCCESS;
}

static DRIVER_STATE *StateOf(PDRIVER_OBJECT DriverObject)
{
    /* DriverName is "\Driver\<service>" */
    const WCHAR *Name = DriverObject->DriverName.Buffer + 8;
    size_t Length = DriverObject->DriverName.Length / sizeof(WCHAR) - 8;
    for (int i = 0; i < 3; i++) {
        if (States[i].Name == NULL || strlen(States[i].Name) != Length)
            continue;
        size_t k = 0;
        while (k < Length && Name[k] == (WCHAR)States[i].Name[k])
            k++;
        if (k == Length)
            return &States[i];
    }
    fail_msg("no state for this driver");
    return NULL;
}

static VOID PlanUnload(PDRIVER_OBJECT DriverObject)
{
    DRIVER_STATE *S = StateOf(DriverObject);
    if (S->Interrupt && S->Plan.DisconnectOnUnload)
        IoDisconnectInterrupt(S->Interrupt);
    if (S->Plan.ReleaseOnUnload) {
        BOOLEAN Conflict;
        CM_RESOURCE_LIST Empty = { 0 };
        IoReportResourceUsage(NULL, DriverObject, S->Plan.ByDevice ? NULL : &Empty,
                              S->Plan.ByDevice ? 0 : sizeof(ULONG), S->Device,
                              S->Plan.ByDevice ? &Empty : NULL, S->Plan.ByDevice ? sizeof(ULONG) : 0, FALSE, &Conflict);
    }
    IoDeleteDevice(S->Device);
}

static NTSTATUS PlanEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DRIVER_STATE *S = StateOf(DriverObject);
    DRIVER_PLAN *P = &S->Plan;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = PlanDispatch;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = PlanDispatch;
    DriverObject->DriverUnload = PlanUnload;
    if (P->Wdm)
        DriverObject->DriverExtension->AddDevice = PlanAddDevice;
    WCHAR Name[64];
    UNICODE_STRING DeviceName = { 0, sizeof(Name), Name };
    RtlAppendUnicodeToString(&DeviceName, L"\\Device\\");
    for (const char *c = S->Name; *c; c++) {
        WCHAR W[2] = { (WCHAR)*c, 0 };
        RtlAppendUnicodeToString(&DeviceName, W);
    }
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, P->Wdm ? NULL : &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &S->Device);
    if (!NT_SUCCESS(Status))
        return Status;
    if (P->Claim) {
        CLAIM C;
        ULONG Size = MakeClaim(&C, P->Port, P->PortLength, P->Irq, P->Share);
        S->ClaimStatus = IoReportResourceUsage(NULL, DriverObject, P->ByDevice ? NULL : &C.List,
                                               P->ByDevice ? 0 : Size, S->Device, P->ByDevice ? &C.List : NULL,
                                               P->ByDevice ? Size : 0, FALSE, &S->Conflict);
        if (S->Conflict) {
            IoDeleteDevice(S->Device);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    if (P->Connect) {
        KIRQL Irql;
        KAFFINITY Affinity;
        ULONG Vector = HalGetInterruptVector(Isa, 0, P->Irq, P->Irq, &Irql, &Affinity);
        S->ConnectStatus = IoConnectInterrupt(&S->Interrupt, PlanIsr, S, NULL, Vector, Irql, Irql, Latched, P->Shared,
                                              Affinity, FALSE);
    }
    if (P->FailAfter) {
        IoDeleteDevice(S->Device);
        return STATUS_DEVICE_NOT_CONNECTED;
    }
    return STATUS_SUCCESS;
}

static ntsim_driver *LoadPlan(ntsim_machine *M, int Index, const char *Name, const DRIVER_PLAN *Plan,
                              int32_t *Status)
{
    memset(&States[Index], 0, sizeof(States[Index]));
    States[Index].Plan = *Plan;
    States[Index].Name = Name;
    ntsim_driver *Driver = NULL;
    int32_t S = 0;
    assert_int_equal(ntsim_driver_load_entry(M, Name, (ntsim_driver_entry)PlanEntry, &Driver, &S), 0);
    if (Status)
        *Status = S;
    return Driver;
}

static const DRIVER_PLAN Com1Plan = {
    .Port = COM1, .PortLength = 8, .Irq = 4, .Share = CmResourceShareDeviceExclusive, .Claim = TRUE,
    .ReleaseOnUnload = TRUE, .DisconnectOnUnload = TRUE,
};

/* ---- registry helpers ---- */

static NTSTATUS QueryValue(const WCHAR *KeyPath, const WCHAR *ValueName, ULONG *Type, UCHAR *Data, ULONG *Size)
{
    UNICODE_STRING Path, Value;
    RtlInitUnicodeString(&Path, KeyPath);
    RtlInitUnicodeString(&Value, ValueName);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Path, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Key;
    NTSTATUS Status = ZwOpenKey(&Key, KEY_READ, &Attributes);
    if (!NT_SUCCESS(Status))
        return Status;
    UCHAR Buffer[1024];
    ULONG Length = 0;
    Status = ZwQueryValueKey(Key, &Value, KeyValuePartialInformation, Buffer, sizeof(Buffer), &Length);
    ZwClose(Key);
    if (!NT_SUCCESS(Status))
        return Status;
    PKEY_VALUE_PARTIAL_INFORMATION Info = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
    *Type = Info->Type;
    *Size = Info->DataLength;
    memcpy(Data, Info->Data, Info->DataLength);
    return STATUS_SUCCESS;
}

static int KeyExists(const WCHAR *KeyPath)
{
    UNICODE_STRING Path;
    RtlInitUnicodeString(&Path, KeyPath);
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Path, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Key;
    if (!NT_SUCCESS(ZwOpenKey(&Key, KEY_READ, &Attributes)))
        return 0;
    ZwClose(Key);
    return 1;
}

/* ---- tests: machine and devices ---- */

/* The default PC's specs are the same in every machine of the process (the later ones
 * take the canonical forms the first one made, sim/host/devices.c). */
static void test_default_pc_specs_every_machine(void **state)
{
    (void)state;
    static const char *const Expected[] = {
        "uart16550,io=0x3f8,irq=4,chardev=buffer,name=com1", "pit8254,io=0x40,irq=0,port61=on,bios=on",
        "edu,bus=0,slot=3,irq=11", "i8042,io=0x60,irq=1,auxirq=12,mouse=on,bios=on",
        "isa-parallel,io=0x378,irq=7,chardev=buffer,name=lpt1", "pcspk,rate=44100", "i8237,bios=on",
        "isa-fdc,io=0x3f0,irq=6,dma=2,drive0=blank,drive0.type=1.44M",
    };
    for (int Round = 0; Round < 3; Round++) {
        ntsim_machine *M = NewMachine(NULL, 0);
        assert_int_equal(ntsim_device_count(M), 8);
        for (size_t i = 0; i < 8; i++)
            assert_string_equal(ntsim_device_spec(M, i), Expected[i]);
        if (Round == 1) { /* a device added by the host is formatted as before */
            assert_int_equal(ntsim_machine_add_device(M, "uart16550,io=0x2f8,irq=3"), 0);
            assert_string_equal(ntsim_device_spec(M, 8), "uart16550,io=0x2f8,irq=3,chardev=buffer,name=com2");
        }
        ntsim_machine_destroy(M);
    }
}

static void test_default_pc(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    assert_int_equal(ntsim_device_count(M), 8);
    assert_string_equal(ntsim_device_spec(M, 0), "uart16550,io=0x3f8,irq=4,chardev=buffer,name=com1");
    assert_string_equal(ntsim_device_spec(M, 1), "pit8254,io=0x40,irq=0,port61=on,bios=on");
    assert_string_equal(ntsim_device_spec(M, 2), "edu,bus=0,slot=3,irq=11"); /* PCI (docs/pci.md) */
    /* keyboard/mouse, printer and speaker (docs/input.md) */
    assert_string_equal(ntsim_device_spec(M, 3), "i8042,io=0x60,irq=1,auxirq=12,mouse=on,bios=on");
    assert_string_equal(ntsim_device_spec(M, 4), "isa-parallel,io=0x378,irq=7,chardev=buffer,name=lpt1");
    assert_string_equal(ntsim_device_spec(M, 5), "pcspk,rate=44100");
    assert_string_equal(ntsim_device_spec(M, 6), "i8237,bios=on"); /* docs/isa-dma.md */
    assert_string_equal(ntsim_device_spec(M, 7), "isa-fdc,io=0x3f0,irq=6,dma=2,drive0=blank,drive0.type=1.44M");
    assert_non_null(ntsim_machine_uart(M, 0));
    assert_null(ntsim_machine_uart(M, 1));
    /* HARDWARE\DESCRIPTION describes COM1 */
    ULONG Type, Size;
    UCHAR Data[1024];
    assert_int_equal(QueryValue(L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0\\"
                                L"SerialController\\0",
                                L"Configuration Data", &Type, Data, &Size),
                     STATUS_SUCCESS);
    assert_int_equal(Type, REG_FULL_RESOURCE_DESCRIPTOR);
    PCM_FULL_RESOURCE_DESCRIPTOR Full = (PCM_FULL_RESOURCE_DESCRIPTOR)Data;
    assert_int_equal(Full->InterfaceType, Isa);
    assert_int_equal(Full->PartialResourceList.Count, 3);
    assert_int_equal(Full->PartialResourceList.PartialDescriptors[0].u.Port.Start.QuadPart, COM1);
    assert_int_equal(Full->PartialResourceList.PartialDescriptors[1].u.Interrupt.Level, 4);
    ntsim_machine_destroy(M);
}

static void test_device_options(void **state)
{
    (void)state;
    static const char *const Bad[] = { "uart16550,io=0x2f8,irq=3,bogus=1", NULL };
    ntsim_machine_config Config = { .verifier = 1, .quiet = 1, .devices = Bad };
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "unknown key 'bogus'"));
    assert_null(strchr(ntsim_last_error(), '\n'));

    static const char *const Empty[] = { NULL };
    ntsim_machine *M = NewMachine(Empty, 0);
    assert_int_equal(ntsim_device_count(M), 0);
    assert_int_equal(ntsim_machine_add_device(M, "uart16550,io=0x2f8,irq=3"), 0);
    assert_int_equal(ntsim_machine_add_device(M, "uart16550,io=0x2fc,irq=3"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "already taken"));
    assert_int_equal(ntsim_machine_add_device(M, "pit8254,port61=maybe"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "'port61'"));
    assert_int_equal(ntsim_machine_add_device(M, "floppy"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "unknown device type 'floppy'"));
    assert_int_equal(ntsim_machine_add_device(M, "uart16550,irq=99"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "'irq'"));
    assert_int_equal(ntsim_device_count(M), 1);
    assert_string_equal(ntsim_device_spec(M, 0), "uart16550,io=0x2f8,irq=3,chardev=buffer,name=com1");
    ntsim_machine_destroy(M);
}

/* ---- port I/O ---- */

static void test_port_io_routed(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Irq = ~0u;
    LoadPlan(M, 0, "portio", &Plan, NULL);
    /* the test thread acts as the driver for white-box port accesses */
    uint64_t T0 = ntsim_now_ns(M);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_SCR), 0x5A);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + UART_SCR)), 0x5A);
    assert_int_equal(ntsim_now_ns(M) - T0, 2000); /* 1 us per access */
    /* LSR after reset: THRE and TEMT */
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + UART_LSR)) & 0x60, 0x60);
    /* unmapped ports read all ones, at every width */
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)0x300), 0xFF);
    assert_int_equal(READ_PORT_USHORT((PUSHORT)0x300), 0xFFFF);
    assert_int_equal(READ_PORT_ULONG((PULONG)0x300), 0xFFFFFFFFu);
    UCHAR Buffer[3] = { 1, 2, 3 };
    WRITE_PORT_BUFFER_UCHAR((PUCHAR)(COM1 + UART_SCR), Buffer, 3);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + UART_SCR)), 3);
    /* host accesses are not checked against claims */
    assert_int_equal(ntsim_count_rule(M, "HW-01"), 0);
    ntsim_machine_destroy(M);
}

/* A driver that touches COM1 without claiming it. */
static NTSTATUS SneakyEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    NTSTATUS Status = PlanEntry(DriverObject, RegistryPath);
    (void)READ_PORT_UCHAR((PUCHAR)(COM1 + UART_LSR));
    (void)READ_PORT_UCHAR((PUCHAR)(COM1 + UART_LSR)); /* reported once */
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_SCR), 1);
    return Status;
}

static void test_hw01_unclaimed_port(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    memset(&States[0], 0, sizeof(States[0]));
    States[0].Name = "sneaky";
    States[0].Plan.Irq = ~0u;
    ntsim_driver *D = NULL;
    int32_t S;
    assert_int_equal(ntsim_driver_load_entry(M, "sneaky", (ntsim_driver_entry)SneakyEntry, &D, &S), 0);
    assert_int_equal(S, STATUS_SUCCESS);
    assert_int_equal(ntsim_count_rule(M, "HW-01"), 2); /* LSR once, SCR once */
    const ntsim_finding *F = TestFindRule(M, "HW-01");
    assert_non_null(strstr(F->message, "READ_PORT_UCHAR at port 0x3FD"));
    assert_non_null(strstr(F->message, "com1 at ports 0x3F8-0x3FF"));
    assert_string_equal(F->driver, "sneaky");
    assert_non_null(strstr(F->site, "hal.c:"));
    /* the claimed driver stays quiet */
    ntsim_clear_findings(M);
    ntsim_driver_unload(D);
    LoadPlan(M, 1, "honest", &Com1Plan, NULL);
    (void)States; /* honest touches nothing in DriverEntry, so no finding either way */
    assert_int_equal(ntsim_count_rule(M, "HW-01"), 0);
    ntsim_machine_destroy(M);
}

/* ---- resource map ---- */

static void test_resourcemap_written_and_released(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    ntsim_driver *D = LoadPlan(M, 0, "claimer", &Com1Plan, NULL);
    assert_non_null(D);
    assert_false(States[0].Conflict);
    assert_int_equal(States[0].ClaimStatus, STATUS_SUCCESS);
    const WCHAR *Key = L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\claimer";
    ULONG Type, Size;
    UCHAR Data[1024];
    assert_int_equal(QueryValue(Key, L"\\Driver\\claimer.Raw", &Type, Data, &Size), STATUS_SUCCESS);
    assert_int_equal(Type, REG_RESOURCE_LIST);
    CLAIM Expected;
    ULONG ExpectedSize = MakeClaim(&Expected, COM1, 8, 4, CmResourceShareDeviceExclusive);
    assert_int_equal(Size, ExpectedSize);
    assert_memory_equal(Data, &Expected, ExpectedSize);
    assert_int_equal(QueryValue(Key, L"\\Driver\\claimer.Translated", &Type, Data, &Size), STATUS_SUCCESS);
    PCM_RESOURCE_LIST T = (PCM_RESOURCE_LIST)Data;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR P = T->List[0].PartialResourceList.PartialDescriptors;
    assert_int_equal(P[0].u.Port.Start.QuadPart, COM1);
    assert_int_equal(P[1].u.Interrupt.Vector, 0x34);
    assert_int_equal(P[1].u.Interrupt.Level, 9);
    assert_int_equal(P[1].u.Interrupt.Affinity, 1);
    /* HW-05: visible in a .reg export too */
    char *Text = ntsim_reg_export_text(M, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    assert_non_null(Text);
    assert_non_null(strstr(Text, "[HKEY_LOCAL_MACHINE\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\claimer]"));
    assert_non_null(strstr(Text, "\"\\\\Driver\\\\claimer.Raw\"=hex(8):01,00,00,00,01,00,00,00"));
    free(Text);
    /* released by Unload */
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_false(KeyExists(Key));
    assert_int_equal(ntsim_finding_count(M), 0);
    ntsim_machine_destroy(M);
}

static void test_hw03_conflict_refused_and_logged(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    ntsim_driver *First = LoadPlan(M, 0, "first", &Com1Plan, NULL);
    assert_non_null(First);
    DRIVER_PLAN Thief = Com1Plan;
    Thief.Port = COM1 + 4; /* overlaps 0x3FC-0x3FF */
    Thief.Irq = ~0u;
    int32_t Status;
    ntsim_driver *Second = LoadPlan(M, 1, "second", &Thief, &Status);
    assert_null(Second);
    assert_true(States[1].Conflict);
    assert_int_equal(States[1].ClaimStatus, STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    /* logged for the second driver; FL-06 satisfied by that */
    assert_int_equal(ntsim_error_log_count(M), 1);
    assert_string_equal(ntsim_error_log_at(M, 0)->driver, "second");
    assert_int_equal(ntsim_error_log_at(M, 0)->error_code, (uint32_t)IO_ERR_PORT_CONFLICT_DETECTED);
    assert_int_equal(ntsim_count_rule(M, "FL-06"), 0);
    assert_int_equal(ntsim_count_rule(M, "FL-02"), 0);
    assert_non_null(strstr(ntsim_last_error(), "claimed by first"));
    /* nothing written for the second driver; the first one's claim is intact */
    assert_false(KeyExists(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\second"));
    assert_true(KeyExists(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\first"));
    /* the interrupt alone conflicts too */
    DRIVER_PLAN IrqThief = { .Port = 0x2F8, .PortLength = 8, .Irq = 4, .Claim = TRUE,
                             .Share = CmResourceShareDeviceExclusive };
    assert_null(LoadPlan(M, 2, "third", &IrqThief, NULL));
    assert_int_equal(ntsim_error_log_at(M, 1)->error_code, (uint32_t)IO_ERR_IRQ_CONFLICT_DETECTED);
    /* shared on both sides is fine */
    ntsim_driver_unload(First);
    DRIVER_PLAN SharedA = { .Irq = 5, .Claim = TRUE, .Share = CmResourceShareShared, .ReleaseOnUnload = TRUE };
    DRIVER_PLAN SharedB = SharedA;
    ntsim_driver *A = LoadPlan(M, 0, "shareda", &SharedA, NULL);
    ntsim_driver *B = LoadPlan(M, 1, "sharedb", &SharedB, NULL);
    assert_non_null(A);
    assert_non_null(B);
    ntsim_driver_unload(A);
    ntsim_driver_unload(B);
    assert_int_equal(TestErrorCount(M), 0);
    ntsim_machine_destroy(M);
}

static void test_fl02_claims_left_after_failure(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.FailAfter = TRUE;
    int32_t Status;
    assert_null(LoadPlan(M, 0, "leaky", &Plan, &Status));
    assert_int_equal(Status, STATUS_DEVICE_NOT_CONNECTED);
    assert_int_equal(ntsim_count_rule(M, "FL-02"), 1);
    const ntsim_finding *F = TestFindRule(M, "FL-02");
    assert_non_null(strstr(F->message, "\\Driver\\leaky.Raw"));
    assert_non_null(strstr(F->message, "ports 0x3F8-0x3FF"));
    /* and reclaimed: the ports are free for the next driver */
    assert_false(KeyExists(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\leaky"));
    ntsim_clear_findings(M);
    assert_non_null(LoadPlan(M, 1, "next", &Com1Plan, NULL));
    assert_int_equal(ntsim_finding_count(M), 0);
    ntsim_machine_destroy(M);
}

static void test_claim_left_after_unload_is_io04(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.ReleaseOnUnload = FALSE;
    Plan.ByDevice = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "sloppy", &Plan, NULL);
    ULONG Type, Size;
    UCHAR Data[1024];
    assert_int_equal(QueryValue(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\sloppy",
                                L"\\Device\\sloppy.Raw", &Type, Data, &Size),
                     STATUS_SUCCESS);
    ntsim_driver_unload(D);
    assert_int_equal(ntsim_count_rule(M, "IO-04"), 1);
    assert_false(KeyExists(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\sloppy"));
    ntsim_machine_destroy(M);
}

static NTSTATUS TranslatedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = PlanDispatch;
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, 4, 4, &Irql, &Affinity);
    CLAIM C;
    ULONG Size = MakeClaim(&C, COM1, 8, Vector, CmResourceShareDeviceExclusive); /* wrong: translated */
    BOOLEAN Conflict;
    IoReportResourceUsage(NULL, DriverObject, &C.List, Size, NULL, NULL, 0, FALSE, &Conflict);
    IoReportResourceUsage(NULL, DriverObject, NULL, 0, NULL, NULL, 0, FALSE, &Conflict);
    CM_RESOURCE_LIST Empty = { 0 };
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(ULONG), NULL, NULL, 0, FALSE, &Conflict);
    return STATUS_UNSUCCESSFUL;
}

static void test_hw02_translated_claim(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    ntsim_driver *D;
    int32_t S;
    assert_int_equal(ntsim_driver_load_entry(M, "xlate", (ntsim_driver_entry)TranslatedEntry, &D, &S), 0);
    assert_int_equal(ntsim_count_rule(M, "HW-02"), 1);
    assert_non_null(strstr(TestFindRule(M, "HW-02")->message, "translated vector"));
    assert_int_equal(ntsim_count_rule(M, "FL-02"), 0); /* released before returning */
    ntsim_machine_destroy(M);
}

/* IoDeleteDevice while a connected interrupt keeps its ISR context in the device's
 * extension (ReactOS i8042prt on REMOVE): reported at the deletion; disconnecting first
 * is quiet. */
static BOOLEAN DeleteWithIsr_Disconnect;

static BOOLEAN ContextIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    (void)Interrupt;
    (void)Context;
    return FALSE;
}

static NTSTATUS DeleteWithIsrEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    PDEVICE_OBJECT Device;
    if (!NT_SUCCESS(IoCreateDevice(DriverObject, 64, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device)))
        return STATUS_UNSUCCESSFUL;
    CLAIM C;
    ULONG Size = MakeClaim(&C, COM1, 8, 4, CmResourceShareDeviceExclusive);
    BOOLEAN Conflict;
    IoReportResourceUsage(NULL, DriverObject, &C.List, Size, NULL, NULL, 0, FALSE, &Conflict);
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, 4, 4, &Irql, &Affinity);
    PKINTERRUPT Interrupt = NULL;
    NTSTATUS Status = IoConnectInterrupt(&Interrupt, ContextIsr, (PUCHAR)Device->DeviceExtension + 8, NULL, Vector,
                                         Irql, Irql, Latched, FALSE, Affinity, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    if (DeleteWithIsr_Disconnect)
        IoDisconnectInterrupt(Interrupt);
    IoDeleteDevice(Device);
    if (!DeleteWithIsr_Disconnect)
        IoDisconnectInterrupt(Interrupt); /* late: the deletion was already reported */
    IoReportResourceUsage(NULL, DriverObject, NULL, 0, NULL, NULL, 0, FALSE, &Conflict);
    return STATUS_DEVICE_NOT_READY;
}

static size_t CountIsrContextFindings(ntsim_machine *M)
{
    size_t Count = 0;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (strstr(ntsim_finding_at(M, i)->message, "keeps its ISR context"))
            Count++;
    return Count;
}

static void test_delete_device_with_isr_context_inside(void **state)
{
    (void)state;
    for (int Disconnect = 0; Disconnect <= 1; Disconnect++) {
        ntsim_machine *M = NewMachine(NULL, 0);
        DeleteWithIsr_Disconnect = (BOOLEAN)Disconnect;
        ntsim_driver *D;
        int32_t S;
        assert_int_equal(ntsim_driver_load_entry(M, "isrctx", (ntsim_driver_entry)DeleteWithIsrEntry, &D, &S), 0);
        assert_int_equal((uint32_t)S, (uint32_t)STATUS_DEVICE_NOT_READY);
        if (Disconnect) {
            assert_int_equal(CountIsrContextFindings(M), 0);
        } else {
            assert_int_equal(CountIsrContextFindings(M), 1);
            assert_int_equal(TestFindRule(M, "IO-04")->severity, NTSIM_SEV_ERROR);
        }
        ntsim_machine_destroy(M);
    }
}

static void test_de07_pnp_driver_claims(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Wdm = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "pnpish", &Plan, NULL);
    assert_non_null(D);
    assert_int_equal(ntsim_count_rule(M, "DE-07"), 1);
    assert_int_equal(TestFindRule(M, "DE-07")->severity, NTSIM_SEV_WARNING);
    ntsim_machine_destroy(M);
}

static PCM_RESOURCE_LIST Assigned;

static NTSTATUS AssignEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_CREATE] = PlanDispatch;
    struct {
        IO_RESOURCE_REQUIREMENTS_LIST List;
        IO_RESOURCE_DESCRIPTOR More[3];
    } R;
    memset(&R, 0, sizeof(R));
    R.List.ListSize = sizeof(R);
    R.List.InterfaceType = Isa;
    R.List.AlternativeLists = 1;
    R.List.List[0].Version = 1;
    R.List.List[0].Revision = 1;
    R.List.List[0].Count = 4;
    PIO_RESOURCE_DESCRIPTOR D = R.List.List[0].Descriptors;
    /* COM1's ports, else COM2's */
    D[0].Type = CmResourceTypePort;
    D[0].ShareDisposition = CmResourceShareDeviceExclusive;
    D[0].Flags = CM_RESOURCE_PORT_IO;
    D[0].u.Port.Length = 8;
    D[0].u.Port.Alignment = 8;
    D[0].u.Port.MinimumAddress.QuadPart = 0x3F8;
    D[0].u.Port.MaximumAddress.QuadPart = 0x3FF;
    D[1] = D[0];
    D[1].Option = IO_RESOURCE_ALTERNATIVE;
    D[1].u.Port.MinimumAddress.QuadPart = 0x2F8;
    D[1].u.Port.MaximumAddress.QuadPart = 0x2FF;
    /* IRQ 4 or 3 */
    D[2].Type = CmResourceTypeInterrupt;
    D[2].ShareDisposition = CmResourceShareDeviceExclusive;
    D[2].u.Interrupt.MinimumVector = 4;
    D[2].u.Interrupt.MaximumVector = 4;
    D[3] = D[2];
    D[3].Option = IO_RESOURCE_ALTERNATIVE;
    D[3].u.Interrupt.MinimumVector = 3;
    D[3].u.Interrupt.MaximumVector = 3;
    NTSTATUS Status = IoAssignResources(RegistryPath, NULL, DriverObject, NULL, &R.List, &Assigned);
    if (!NT_SUCCESS(Status))
        return Status;
    return STATUS_SUCCESS;
}

static void test_assign_resources_picks_free(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    ntsim_driver *First = LoadPlan(M, 0, "first", &Com1Plan, NULL);
    assert_non_null(First);
    ntsim_driver *D;
    int32_t S;
    assert_int_equal(ntsim_driver_load_entry(M, "assign", (ntsim_driver_entry)AssignEntry, &D, &S), 0);
    assert_int_equal(S, STATUS_SUCCESS);
    assert_non_null(Assigned);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR P = Assigned->List[0].PartialResourceList.PartialDescriptors;
    assert_int_equal(Assigned->List[0].PartialResourceList.Count, 2);
    assert_int_equal(P[0].u.Port.Start.QuadPart, 0x2F8);
    assert_int_equal(P[1].u.Interrupt.Level, 3);
    assert_true(KeyExists(L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\OtherDrivers\\assign"));
    ntsim_machine_destroy(M);
    Assigned = NULL;
}

static void test_claim_fault_injection(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1,class=resource"), 0);
    int32_t Status;
    assert_null(LoadPlan(M, 0, "injected", &Com1Plan, &Status));
    assert_true(States[0].Conflict);
    assert_int_equal(States[0].ClaimStatus, STATUS_CONFLICTING_ADDRESSES);
    assert_int_equal(ntsim_error_log_count(M), 1);
    assert_int_equal(ntsim_count_rule(M, "FL-06"), 0);
    ntsim_machine_destroy(M);
}

/* ---- interrupts ---- */

/* Enable the UART's THRE interrupt as the driver would (after claiming). */
static void EnableThreInterrupt(void)
{
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_MCR), 0x08); /* OUT2 */
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_IER), 0x02); /* ETBEI: THRE is set, so it interrupts */
}

static void test_interrupt_delivered_at_dirql(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Connect = TRUE;
    Plan.IsrClaims = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "isr", &Plan, NULL);
    assert_non_null(D);
    assert_int_equal(States[0].ConnectStatus, STATUS_SUCCESS);
    assert_int_equal(States[0].IsrCalls, 0);
    EnableThreInterrupt();
    assert_int_equal(States[0].IsrCalls, 1); /* delivered at the port access that raised it */
    assert_int_equal(States[0].IsrIrql, 9);  /* IRQ 4 -> DIRQL 9 */
    assert_int_equal(States[0].LastIir & 0x0F, 0x02);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    /* masked while the IRQL is at or above the DIRQL, delivered when it drops */
    KIRQL Old;
    KeRaiseIrql(10, &Old);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_IER), 0x00);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_IER), 0x02);
    assert_int_equal(States[0].IsrCalls, 1);
    KeLowerIrql(Old);
    ntsim_run_for(M, 0); /* a safe point, whatever KeLowerIrql does */
    assert_int_equal(States[0].IsrCalls, 2);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(ntsim_finding_count(M), 0);
    ntsim_machine_destroy(M);
}

static void test_shared_vectors_chain(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN A = Com1Plan;
    A.Share = CmResourceShareShared;
    A.Connect = TRUE;
    A.Shared = TRUE;
    A.IsrClaims = FALSE; /* not mine */
    DRIVER_PLAN B = A;
    B.IsrClaims = TRUE;
    ntsim_driver *DA = LoadPlan(M, 0, "sharea", &A, NULL);
    ntsim_driver *DB = LoadPlan(M, 1, "shareb", &B, NULL);
    assert_int_equal(States[0].ConnectStatus, STATUS_SUCCESS);
    assert_int_equal(States[1].ConnectStatus, STATUS_SUCCESS);
    EnableThreInterrupt();
    assert_int_equal(States[0].IsrCalls, 1);
    assert_int_equal(States[1].IsrCalls, 1);
    /* a third, unshared connection to the vector is refused */
    DRIVER_PLAN C = A;
    C.Shared = FALSE;
    ntsim_driver *DC = LoadPlan(M, 2, "sharec", &C, NULL);
    assert_int_equal(States[2].ConnectStatus, STATUS_INVALID_PARAMETER);
    ntsim_driver_unload(DC);
    ntsim_driver_unload(DB);
    ntsim_driver_unload(DA);
    assert_int_equal(TestErrorCount(M), 0);
    ntsim_machine_destroy(M);
}

static void test_hw04_spurious_option(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 1);
    DRIVER_PLAN Good = Com1Plan;
    Good.Connect = TRUE;
    Good.IsrClaims = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "careful", &Good, NULL);
    assert_int_equal(States[0].IsrCalls, 1); /* right after IoConnectInterrupt */
    assert_int_equal(States[0].LastIir, 0x01); /* nothing pending: returned FALSE */
    assert_int_equal(ntsim_count_rule(M, "HW-04"), 0);
    ntsim_driver_unload(D);
    DRIVER_PLAN Bad = Good;
    Bad.IsrClaims = FALSE;
    Bad.IsrAlwaysTrue = TRUE;
    D = LoadPlan(M, 1, "careless", &Bad, NULL);
    assert_int_equal(States[1].IsrCalls, 1);
    assert_int_equal(ntsim_count_rule(M, "HW-04"), 1);
    assert_string_equal(TestFindRule(M, "HW-04")->driver, "careless");
    ntsim_machine_destroy(M);
}

static void test_interrupt_leak_and_unclaimed_connect(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Connect = TRUE;
    Plan.DisconnectOnUnload = FALSE;
    ntsim_driver *D = LoadPlan(M, 0, "forgetful", &Plan, NULL);
    ntsim_driver_unload(D);
    assert_int_equal(ntsim_count_rule(M, "IO-04"), 1);
    assert_non_null(strstr(TestFindRule(M, "IO-04")->message, "interrupt connected to vector 0x34"));
    ntsim_clear_findings(M);
    Plan.FailAfter = TRUE;
    assert_null(LoadPlan(M, 1, "failing", &Plan, NULL));
    assert_int_equal(ntsim_count_rule(M, "FL-01"), 1);
    assert_int_equal(ntsim_count_rule(M, "FL-02"), 1);
    ntsim_clear_findings(M);
    /* connecting without a claim: HW-01 */
    DRIVER_PLAN NoClaim = { .Irq = 4, .Connect = TRUE, .DisconnectOnUnload = TRUE };
    D = LoadPlan(M, 2, "noclaim", &NoClaim, NULL);
    assert_int_equal(States[2].ConnectStatus, STATUS_SUCCESS);
    assert_int_equal(ntsim_count_rule(M, "HW-01"), 1);
    ntsim_driver_unload(D);
    ntsim_machine_destroy(M);
}

static void test_connect_fault_injection(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1,class=interrupt"), 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Connect = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "nointr", &Plan, NULL);
    assert_int_equal(States[0].ConnectStatus, STATUS_INSUFFICIENT_RESOURCES);
    assert_null(States[0].Interrupt);
    ntsim_driver_unload(D);
    ntsim_machine_destroy(M);
}

static ULONG SyncCalls;
static KIRQL SyncIrql;

static BOOLEAN SyncRoutine(PVOID Context)
{
    (void)Context;
    SyncCalls++;
    SyncIrql = KeGetCurrentIrql();
    /* the UART interrupts now, but the ISR must wait until we are done */
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_IER), 0x00);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + UART_IER), 0x02);
    return States[0].IsrCalls == 1;
}

static void test_synchronize_execution(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    DRIVER_PLAN Plan = Com1Plan;
    Plan.Connect = TRUE;
    Plan.IsrClaims = TRUE;
    ntsim_driver *D = LoadPlan(M, 0, "sync", &Plan, NULL);
    EnableThreInterrupt();
    assert_int_equal(States[0].IsrCalls, 1);
    assert_true(KeSynchronizeExecution(States[0].Interrupt, SyncRoutine, NULL));
    assert_int_equal(SyncIrql, 9);
    assert_int_equal(States[0].IsrCalls, 2); /* delivered once the lock was dropped */
    KIRQL Old = KeAcquireInterruptSpinLock(States[0].Interrupt);
    assert_int_equal(KeGetCurrentIrql(), 9);
    KeReleaseInterruptSpinLock(States[0].Interrupt, Old);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    ntsim_driver_unload(D);
    ntsim_machine_destroy(M);
}

static void test_hal_translation(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    KIRQL Irql;
    KAFFINITY Affinity;
    assert_int_equal(HalGetInterruptVector(Isa, 0, 4, 4, &Irql, &Affinity), 0x34);
    assert_int_equal(Irql, 9);
    assert_int_equal(Affinity, 1);
    assert_int_equal(HalGetInterruptVector(Isa, 0, 0, 0, &Irql, &Affinity), 0x30);
    assert_int_equal(Irql, 11);
    assert_int_equal(HalGetInterruptVector(Isa, 0, 15, 15, &Irql, &Affinity), 0x3F);
    assert_int_equal(Irql, 4);
    assert_int_equal(HalGetInterruptVector(Isa, 1, 4, 4, &Irql, &Affinity), 0);
    PHYSICAL_ADDRESS Bus = { .QuadPart = 0x3F8 }, Out;
    ULONG Space = 1;
    assert_true(HalTranslateBusAddress(Isa, 0, Bus, &Space, &Out));
    assert_int_equal(Space, 1);
    assert_int_equal(Out.QuadPart, 0x3F8);
    Bus.QuadPart = 0x10000;
    assert_false(HalTranslateBusAddress(Isa, 0, Bus, &Space, &Out));
    PCONFIGURATION_INFORMATION Info = IoGetConfigurationInformation();
    assert_non_null(Info);
    assert_int_equal(Info->SerialCount, 0);
    /* the HAL's data export KdComPortInUse, read as the WDK serial sample declares it
     * (the import slot): no kernel debugger owns a COM port, so a serial driver may start
     * COM1 */
    assert_non_null(KdComPortInUse);
    assert_null(*KdComPortInUse);
    ntsim_machine_destroy(M);
}

/* ---- StartIo and the device queue ---- */

static PIRP Started[8];
static ULONG StartedCount;

static VOID QueueStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    assert_ptr_equal(DeviceObject->CurrentIrp, Irp);
    Started[StartedCount++] = Irp;
}

#define IOCTL_FINISH_CURRENT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)

static NTSTATUS QueueDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction == IRP_MJ_WRITE) {
        IoMarkIrpPending(Irp);
        IoStartPacket(DeviceObject, Irp, NULL, NULL);
        return STATUS_PENDING;
    }
    if (Stack->MajorFunction == IRP_MJ_DEVICE_CONTROL) {
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        PIRP Current = DeviceObject->CurrentIrp;
        if (Current) {
            Current->IoStatus.Status = STATUS_SUCCESS;
            Current->IoStatus.Information = IoGetCurrentIrpStackLocation(Current)->Parameters.Write.Length;
            IoStartNextPacket(DeviceObject, FALSE);
            IoCompleteRequest(Current, IO_NO_INCREMENT);
        }
        KeLowerIrql(Old);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID QueueUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS QueueEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = QueueDispatch;
    DriverObject->DriverStartIo = QueueStartIo;
    DriverObject->DriverUnload = QueueUnload;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, L"\\Device\\Queue");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (NT_SUCCESS(Status))
        Device->Flags |= DO_BUFFERED_IO;
    return Status;
}

static void test_startio_queue(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    StartedCount = 0;
    ntsim_driver *D;
    int32_t S;
    assert_int_equal(ntsim_driver_load_entry(M, "queue", (ntsim_driver_entry)QueueEntry, &D, &S), 0);
    ntsim_file *F;
    assert_int_equal(ntsim_open(M, "\\Device\\Queue", &F), STATUS_SUCCESS);
    ntsim_request *R[3];
    char Data[8] = "abcdefg";
    for (int i = 0; i < 3; i++)
        assert_int_equal(ntsim_write_async(F, Data, (size_t)i + 1, &R[i]), STATUS_PENDING);
    assert_int_equal(StartedCount, 1); /* the others wait in the device queue */
    size_t Returned;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ntsim_ioctl(F, IOCTL_FINISH_CURRENT, NULL, 0, NULL, 0, &Returned), STATUS_SUCCESS);
        int32_t Status;
        size_t Info;
        assert_true(ntsim_request_done(R[i], &Status, &Info));
        assert_int_equal(Info, (size_t)i + 1);
        assert_int_equal(StartedCount, (ULONG)(i < 2 ? i + 2 : 3));
        ntsim_request_free(R[i]);
    }
    ntsim_close(F);
    ntsim_driver_unload(D);
    assert_int_equal(TestErrorCount(M), 0);
    ntsim_machine_destroy(M);
}

static void test_device_queue_by_key(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL, 0);
    KDEVICE_QUEUE Q;
    KDEVICE_QUEUE_ENTRY E[4];
    KeInitializeDeviceQueue(&Q);
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    assert_false(KeInsertByKeyDeviceQueue(&Q, &E[0], 50)); /* not busy: the caller starts it */
    assert_true(Q.Busy);
    assert_true(KeInsertByKeyDeviceQueue(&Q, &E[1], 30));
    assert_true(KeInsertByKeyDeviceQueue(&Q, &E[2], 70));
    assert_true(KeInsertByKeyDeviceQueue(&Q, &E[3], 30));
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&Q, 40), &E[2]); /* first key >= 40 */
    assert_ptr_equal(KeRemoveByKeyDeviceQueue(&Q, 90), &E[1]); /* none: wraps to the first */
    assert_true(KeRemoveEntryDeviceQueue(&Q, &E[3]));
    assert_false(KeRemoveEntryDeviceQueue(&Q, &E[3]));
    assert_null(KeRemoveDeviceQueue(&Q));
    assert_false(Q.Busy);
    KeLowerIrql(Old);
    ntsim_machine_destroy(M);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_default_pc),
        cmocka_unit_test(test_default_pc_specs_every_machine),
        cmocka_unit_test(test_device_options),
        cmocka_unit_test(test_port_io_routed),
        cmocka_unit_test(test_hw01_unclaimed_port),
        cmocka_unit_test(test_resourcemap_written_and_released),
        cmocka_unit_test(test_hw03_conflict_refused_and_logged),
        cmocka_unit_test(test_fl02_claims_left_after_failure),
        cmocka_unit_test(test_claim_left_after_unload_is_io04),
        cmocka_unit_test(test_hw02_translated_claim),
        cmocka_unit_test(test_de07_pnp_driver_claims),
        cmocka_unit_test(test_assign_resources_picks_free),
        cmocka_unit_test(test_claim_fault_injection),
        cmocka_unit_test(test_interrupt_delivered_at_dirql),
        cmocka_unit_test(test_shared_vectors_chain),
        cmocka_unit_test(test_hw04_spurious_option),
        cmocka_unit_test(test_interrupt_leak_and_unclaimed_connect),
        cmocka_unit_test(test_connect_fault_injection),
        cmocka_unit_test(test_synchronize_execution),
        cmocka_unit_test(test_hal_translation),
        cmocka_unit_test(test_delete_device_with_isr_context_inside),
        cmocka_unit_test(test_startio_queue),
        cmocka_unit_test(test_device_queue_by_key),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
