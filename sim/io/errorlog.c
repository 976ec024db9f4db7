/* errorlog.c - the system error log. Entries written by drivers are kept for tests
 * (ntsim_error_log_*) and printed by the CLI; rule FL-06 counts them per driver. */
#include "io/iop.h"

typedef struct DECLSPEC_ALIGN(16) _IOP_ERRLOG_HEADER {
    NTSIM_TRACK Track;
    PDRIVER_OBJECT Driver;
    ULONG Magic;
    UCHAR Size;
} IOP_ERRLOG_HEADER;

#define IOP_ERRLOG_LIVE 0x676F4C45u

typedef struct _IOP_LOGGED {
    struct _IOP_LOGGED *Next;
    ntsim_error_log_entry Entry;
    char Driver[128];
} IOP_LOGGED;

static IOP_LOGGED *IopLogHead, **IopLogTail = &IopLogHead;
static size_t IopLogCount;

PVOID IoAllocateErrorLogEntry(PVOID IoObject, UCHAR EntrySize)
{
    NTSIM_SITE Site = KiTakeSite();
    if (IoObject == NULL)
        return NULL;
    if (EntrySize < sizeof(IO_ERROR_LOG_PACKET) || EntrySize > ERROR_LOG_MAXIMUM_SIZE)
        KiBugCheck(0xC4, 0x1030 /* approximate */, EntrySize, 0, 0, Site,
                   "IoAllocateErrorLogEntry: EntrySize %u outside [sizeof(IO_ERROR_LOG_PACKET), ERROR_LOG_MAXIMUM_SIZE]",
                   EntrySize);
    POBJECT_TYPE Type = ObpGetObjectType(IoObject);
    PDRIVER_OBJECT Driver = Type == &IopDeviceType ? ((PDEVICE_OBJECT)IoObject)->DriverObject : IoObject;
    /* A driver whose attempt to log fails has still done what FL-06 asks. */
    IopDriver(Driver)->ErrorLogAttempts++;
    if (ViFaultShouldFail(NtsimFaultErrorLog, "IoAllocateErrorLogEntry", 0, Site))
        return NULL;
    IOP_ERRLOG_HEADER *Header = KiHostAlloc(sizeof(IOP_ERRLOG_HEADER) + EntrySize);
    Header->Driver = Driver;
    Header->Magic = IOP_ERRLOG_LIVE;
    Header->Size = EntrySize;
    VfTrack(&Header->Track, NtsimResOther, Site);
    return Header + 1;
}

static IOP_ERRLOG_HEADER *IopCheckEntry(PVOID ElEntry, const char *Ddi, NTSIM_SITE Site)
{
    IOP_ERRLOG_HEADER *Header = (IOP_ERRLOG_HEADER *)ElEntry - 1;
    if (ElEntry == NULL || Header->Magic != IOP_ERRLOG_LIVE)
        KiBugCheck(0xC4, 0x1031 /* approximate */, (ULONG_PTR)ElEntry, 0, 0, Site,
                   "%s(%p): not an entry from IoAllocateErrorLogEntry", Ddi, ElEntry);
    return Header;
}

VOID IoWriteErrorLogEntry(PVOID ElEntry)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_ERRLOG_HEADER *Header = IopCheckEntry(ElEntry, "IoWriteErrorLogEntry", Site);
    PIO_ERROR_LOG_PACKET Packet = ElEntry;
    IOP_LOGGED *Logged = KiHostAlloc(sizeof(*Logged));
    snprintf(Logged->Driver, sizeof(Logged->Driver), "%s", VfDriverName(Header->Driver));
    Logged->Entry.driver = Logged->Driver;
    Logged->Entry.error_code = (uint32_t)Packet->ErrorCode;
    Logged->Entry.unique_value = Packet->UniqueErrorValue;
    Logged->Entry.final_status = Packet->FinalStatus;
    Logged->Entry.major_function = Packet->MajorFunctionCode;
    *IopLogTail = Logged;
    IopLogTail = &Logged->Next;
    IopLogCount++;
    IopDriver(Header->Driver)->ErrorLogEntries++;
    VfUntrack(&Header->Track);
    Header->Magic = 0;
    free(Header);
}

VOID IoFreeErrorLogEntry(PVOID ElEntry)
{
    IOP_ERRLOG_HEADER *Header = IopCheckEntry(ElEntry, "IoFreeErrorLogEntry", KiTakeSite());
    VfUntrack(&Header->Track);
    Header->Magic = 0;
    free(Header);
}

void IopReclaimErrorLogEntry(NTSIM_TRACK *Track)
{
    IOP_ERRLOG_HEADER *Header = CONTAINING_RECORD(Track, IOP_ERRLOG_HEADER, Track);
    VfUntrack(Track);
    free(Header);
}

void IopResetErrorLog(void)
{
    while (IopLogHead) {
        IOP_LOGGED *Next = IopLogHead->Next;
        free(IopLogHead);
        IopLogHead = Next;
    }
    IopLogTail = &IopLogHead;
    IopLogCount = 0;
}

size_t ntsim_error_log_count(ntsim_machine *Machine)
{
    (void)Machine;
    return IopLogCount;
}

const ntsim_error_log_entry *ntsim_error_log_at(ntsim_machine *Machine, size_t Index)
{
    (void)Machine;
    IOP_LOGGED *L = IopLogHead;
    while (L && Index--)
        L = L->Next;
    return L ? &L->Entry : NULL;
}

/* An entry the I/O manager itself logs on a driver's behalf (a resource conflict
 * found by IoReportResourceUsage, sim/io/resource.c). Counts for FL-06. */
void IopLogSystemError(PDRIVER_OBJECT Driver, NTSTATUS ErrorCode, ULONG UniqueValue, NTSTATUS FinalStatus)
{
    IOP_LOGGED *Logged = KiHostAlloc(sizeof(*Logged));
    memset(Logged, 0, sizeof(*Logged));
    snprintf(Logged->Driver, sizeof(Logged->Driver), "%s", Driver ? VfDriverName(Driver) : "");
    Logged->Entry.driver = Logged->Driver;
    Logged->Entry.error_code = (uint32_t)ErrorCode;
    Logged->Entry.unique_value = UniqueValue;
    Logged->Entry.final_status = FinalStatus;
    *IopLogTail = Logged;
    IopLogTail = &Logged->Next;
    IopLogCount++;
    if (Driver)
        IopDriver(Driver)->ErrorLogEntries++;
}
