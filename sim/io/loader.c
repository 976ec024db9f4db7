/* loader.c - loading a driver image, calling DriverEntry, and unloading.
 *
 * The loader creates the DRIVER_OBJECT and the service key
 * \Registry\Machine\System\CurrentControlSet\Services\<Name>, then calls DriverEntry
 * at PASSIVE_LEVEL with a RegistryPath that becomes inaccessible when DriverEntry
 * returns (rule DE-04). A failed DriverEntry is audited (FL-*), its leftovers are
 * reclaimed and its image unloaded without calling Unload (FL-07). An image whose
 * imports ntsim does not provide (sim/io/imports.c) is refused before it is mapped. */
#include "io/iop.h"

#include <dlfcn.h>

#define IOP_SERVICES_PATH "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\"


static NTSTATUS IopSetDword(HANDLE Key, const WCHAR *Name, ULONG Value)
{
    UNICODE_STRING N;
    RtlInitUnicodeString(&N, Name);
    return ZwSetValueKey(Key, &N, 0, REG_DWORD, &Value, sizeof(Value));
}

static void IopCreateServiceKey(const char *ServiceName)
{
    char Path[512];
    snprintf(Path, sizeof(Path), IOP_SERVICES_PATH "%s", ServiceName);
    WCHAR Wide[512];
    size_t Units = RtlpUtf8ToUtf16(Path, strlen(Path), Wide, RTL_NUMBER_OF(Wide));
    UNICODE_STRING KeyName = { (USHORT)(Units * 2), (USHORT)(Units * 2 + 2), Wide };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &KeyName, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Key;
    ULONG Disposition;
    if (!NT_SUCCESS(ZwCreateKey(&Key, KEY_ALL_ACCESS, &Attributes, 0, NULL, 0, &Disposition)))
        return;
    if (Disposition == REG_CREATED_NEW_KEY) {
        IopSetDword(Key, L"Type", 1 /* SERVICE_KERNEL_DRIVER */);
        IopSetDword(Key, L"Start", 3 /* SERVICE_DEMAND_START */);
        IopSetDword(Key, L"ErrorControl", 1 /* SERVICE_ERROR_NORMAL */);
        char Image[300];
        snprintf(Image, sizeof(Image), "System32\\drivers\\%s.sys", ServiceName);
        WCHAR WideImage[300];
        size_t N = RtlpUtf8ToUtf16(Image, strlen(Image), WideImage, RTL_NUMBER_OF(WideImage));
        UNICODE_STRING ValueName;
        RtlInitUnicodeString(&ValueName, L"ImagePath");
        ZwSetValueKey(Key, &ValueName, 0, REG_EXPAND_SZ, WideImage, (ULONG)((N + 1) * sizeof(WCHAR)));
    }
    ZwClose(Key);
}

/* RegistryPath lives alone in its own pages so it can be made inaccessible. */
static PUNICODE_STRING IopMakeRegistryPath(IOP_DRIVER *Driver)
{
    char Path[512];
    snprintf(Path, sizeof(Path), IOP_SERVICES_PATH "%s", Driver->ServiceName);
    size_t Length = strlen(Path);
    size_t Bytes = sizeof(UNICODE_STRING) + (Length + 1) * sizeof(WCHAR);
    void *Page = MiAllocatePoisonable(Bytes, &Driver->RegistryPathPageSize);
    Driver->RegistryPathPage = Page;
    PUNICODE_STRING String = Page;
    WCHAR *Buffer = (WCHAR *)(String + 1);
    size_t Units = RtlpUtf8ToUtf16(Path, Length, Buffer, Length + 1);
    String->Buffer = Buffer;
    String->Length = (USHORT)(Units * sizeof(WCHAR));
    String->MaximumLength = (USHORT)((Units + 1) * sizeof(WCHAR));
    return String;
}

static void IopPoisonRegistryPath(IOP_DRIVER *Driver)
{
    char Description[256];
    snprintf(Description, sizeof(Description),
             "the RegistryPath given to %s's DriverEntry (valid only during DriverEntry: keep a copy, not the pointer)",
             Driver->ServiceName);
    MiPoison(Driver->RegistryPathPage, Driver->RegistryPathPageSize, Description);
}

static void IopClearInitializing(PDRIVER_OBJECT Driver)
{
    for (PDEVICE_OBJECT D = Driver->DeviceObject; D; D = D->NextDevice)
        D->Flags &= ~DO_DEVICE_INITIALIZING;
}

static void IopUnloadImage(IOP_DRIVER *Driver)
{
    KiDriverUnloading(&Driver->Object, &Driver->Owner.Resources); /* no timer, DPC or thread may run into the image */
    Driver->Unloaded = TRUE;
    Driver->Loaded = FALSE;
    if (Driver->Image && getenv("NTSIM_KEEP_IMAGES") == NULL)
        dlclose(Driver->Image);
    Driver->Image = NULL;
    KiWatchdogImagesChanged();
}

static const char *IopExplainDlError(const char *Error, char *Buffer, size_t Size)
{
    const char *Undefined = strstr(Error, "undefined symbol: ");
    if (Undefined) {
        snprintf(Buffer, Size, "%s\n  -> the driver calls %s, a DDI ntsim does not implement (docs/ddi-status.md)",
                 Error, Undefined + strlen("undefined symbol: "));
        return Buffer;
    }
    const char *Mac = strstr(Error, "symbol not found in flat namespace '_");
    if (Mac) {
        snprintf(Buffer, Size, "%s\n  -> a DDI ntsim does not implement (docs/ddi-status.md)", Error);
        return Buffer;
    }
    return Error;
}

/* Returns 0 when DriverEntry ran; NTSIM_E_* otherwise. */
int IopLoadDriver(const char *ServiceName, const char *ImagePath, PDRIVER_INITIALIZE Entry, IOP_DRIVER **Out,
                  NTSTATUS *EntryStatus)
{
    *Out = NULL;
    if (IopFindDriver(ServiceName)) {
        NtsimSetLastError("a driver named '%s' is already loaded", ServiceName);
        return NTSIM_E_STATE;
    }
    void *Image = NULL;
    if (ImagePath && (Image = IopReuseSnapshottedImage(ImagePath, &Entry)) != NULL) {
        /* the snapshotted image: checked and mapped once, its data restored (imagesnap.c) */
    } else if (ImagePath) {
        extern int IopCheckImageFile(const char *Path); /* sim/io/imagecheck.c: no mapping of a corrupt file */
        int Checked = IopCheckImageFile(ImagePath);
        if (Checked != 0)
            return Checked;
        /* Before dlopen: a refused image names every offender, and none of its code runs. */
        if (IopCheckImageImports(ImagePath) != 0)
            return NTSIM_E_LOAD;
        Image = dlopen(ImagePath, RTLD_NOW | RTLD_LOCAL);
        if (Image == NULL) {
            char Buffer[1024];
            const char *Error = dlerror();
            NtsimSetLastError("%s: cannot load: %s", ImagePath,
                              IopExplainDlError(Error ? Error : "unknown error", Buffer, sizeof(Buffer)));
            return NTSIM_E_LOAD;
        }
        Entry = (PDRIVER_INITIALIZE)dlsym(Image, "DriverEntry");
        if (Entry == NULL) {
            NtsimSetLastError("%s: no DriverEntry symbol (is it a driver image?)", ImagePath);
            dlclose(Image);
            return NTSIM_E_LOAD;
        }
        KiWatchdogImagesChanged();
    }
    IopCreateServiceKey(ServiceName);
    IOP_DRIVER *Driver = IopCreateDriverObject(ServiceName);
    Driver->Image = Image;
    Driver->ImagePath = ImagePath ? KiHostStrdup(ImagePath) : NULL;
    Driver->Object.DriverInit = Entry;
    Driver->Object.DriverStart = (PVOID)Entry;
    PUNICODE_STRING RegistryPath = IopMakeRegistryPath(Driver);

    KiSetIrql(PASSIVE_LEVEL);
    Driver->Owner.InDriverEntry = TRUE;
    NTSTATUS Status;
    IOP_CALL_DRIVER(&Driver->Object, Status = Entry(&Driver->Object, RegistryPath));
    Driver->Owner.InDriverEntry = FALSE;
    KIRQL Irql = KiCurrentIrql();
    IopPoisonRegistryPath(Driver);
    *EntryStatus = Status;
    IovCheckDriverEntryResult(Driver, Status, Irql);
    if (Irql != PASSIVE_LEVEL)
        KiSetIrql(PASSIVE_LEVEL);
    if (!NT_SUCCESS(Status)) {
        IovAuditDriver(Driver, VfAuditAfterFailedEntry);
        IopUnloadImage(Driver);
        IopDestroyDriverObject(Driver);
        return 0;
    }
    Driver->Loaded = TRUE;
    Driver->Object.Flags |= DRVO_INITIALIZED;
    IopClearInitializing(&Driver->Object);
    IopRunReinitializations();
    *Out = Driver;
    return 0;
}

int IopUnloadDriver(IOP_DRIVER *Driver)
{
    if (!Driver->Loaded)
        return NTSIM_E_STATE;
    if (Driver->Object.DriverUnload == NULL) {
        NtsimSetLastError("driver '%s' has no Unload routine: a legacy driver without one cannot be unloaded",
                          Driver->ServiceName);
        return NTSIM_E_STATE;
    }
    Driver->Object.Flags |= DRVO_UNLOAD_INVOKED;
    KiSetIrql(PASSIVE_LEVEL);
    IOP_CALL_DRIVER(&Driver->Object, Driver->Object.DriverUnload(&Driver->Object));
    if (KiCurrentIrql() != PASSIVE_LEVEL) {
        VfReport("SY-04", NTSIM_SEV_ERROR, &Driver->Object, (NTSIM_SITE){ NULL, 0 },
                 "%s: Unload returned at IRQL %u (must return at PASSIVE_LEVEL)", Driver->ServiceName,
                 KiCurrentIrql());
        KiSetIrql(PASSIVE_LEVEL);
    }
    IovAuditDriver(Driver, VfAuditAfterUnload);
    IopUnloadImage(Driver);
    IopDestroyDriverObject(Driver);
    return 0;
}
