/* symlink.c - IoCreateSymbolicLink, IoCreateUnprotectedSymbolicLink, IoDeleteSymbolicLink. */
#include "io/iop.h"

typedef struct _IOP_SYMLINK_TRACK {
    NTSIM_TRACK Track;
    PVOID Link;
} IOP_SYMLINK_TRACK;

/* Links are owned by the namespace; this side table tracks who created each one. */
/* The DDIs take the site themselves: the SY-04 table check names the routine that took it. */
static NTSTATUS IopCreateLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName, const char *Ddi,
                              NTSIM_SITE Site)
{
    if (SymbolicLinkName == NULL || DeviceName == NULL || SymbolicLinkName->Buffer == NULL ||
        DeviceName->Buffer == NULL)
        return STATUS_INVALID_PARAMETER;
    if (ViFaultShouldFail(NtsimFaultSymbolicLink, Ddi, 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    char *LinkPath = RtlpUnicodeToUtf8Dup(SymbolicLinkName);
    char *Target = RtlpUnicodeToUtf8Dup(DeviceName);
    PVOID Link;
    NTSTATUS Status = ObpCreateSymbolicLinkUtf8(LinkPath, Target, &Link);
    free(LinkPath);
    free(Target);
    if (!NT_SUCCESS(Status))
        return Status;
    IOP_SYMLINK_TRACK *Entry = KiHostAlloc(sizeof(*Entry));
    Entry->Link = Link;
    VfTrack(&Entry->Track, NtsimResSymbolicLink, Site);
    return STATUS_SUCCESS;
}

NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    return IopCreateLink(SymbolicLinkName, DeviceName, "IoCreateSymbolicLink", KiTakeSite());
}

NTSTATUS IoCreateUnprotectedSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    return IopCreateLink(SymbolicLinkName, DeviceName, "IoCreateUnprotectedSymbolicLink", KiTakeSite());
}

static IOP_SYMLINK_TRACK *IopFindLinkTrack(PVOID Link);

static void IopDeleteLink(PVOID Link)
{
    IOP_SYMLINK_TRACK *Entry = IopFindLinkTrack(Link);
    if (Entry) {
        VfUntrack(&Entry->Track);
        free(Entry);
    }
    ObpRemoveName(Link);
    ObpDereference(Link); /* the namespace's reference from creation */
}

NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName)
{
    KiTakeSite();
    if (SymbolicLinkName == NULL || SymbolicLinkName->Buffer == NULL)
        return STATUS_INVALID_PARAMETER;
    char *Path = RtlpUnicodeToUtf8Dup(SymbolicLinkName);
    PVOID Link;
    NTSTATUS Status = ObpLookupLinkUtf8(Path, &Link);
    free(Path);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ObpGetObjectType(Link) != &ObpSymbolicLinkType) {
        ObpDereference(Link);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    ObpDereference(Link); /* the lookup's */
    IopDeleteLink(Link);
    return STATUS_SUCCESS;
}

/* The creation records live on the creating driver's resource list; finding one for
 * a link means walking the drivers' lists (deletions are rare). */
static IOP_SYMLINK_TRACK *IopFindLinkTrack(PVOID Link)
{
    PLIST_ENTRY Drivers = IopLoadedDrivers();
    for (PLIST_ENTRY D = Drivers->Flink; D != Drivers; D = D->Flink) {
        IOP_DRIVER *Driver = CONTAINING_RECORD(D, IOP_DRIVER, MachineLink);
        for (PLIST_ENTRY E = Driver->Owner.Resources.Flink; E != &Driver->Owner.Resources; E = E->Flink) {
            NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
            if (Track->Kind == NtsimResSymbolicLink && CONTAINING_RECORD(Track, IOP_SYMLINK_TRACK, Track)->Link == Link)
                return CONTAINING_RECORD(Track, IOP_SYMLINK_TRACK, Track);
        }
    }
    return NULL;
}

void IopDescribeLink(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    PVOID Link = CONTAINING_RECORD(Track, IOP_SYMLINK_TRACK, Track)->Link;
    char Name[512];
    snprintf(Buffer, Size, "symbolic link %s -> %s", ObpGetObjectName(Link, Name, sizeof(Name)),
             ObpSymbolicLinkTarget(Link));
}

void IopReclaimLink(NTSIM_TRACK *Track)
{
    IopDeleteLink(CONTAINING_RECORD(Track, IOP_SYMLINK_TRACK, Track)->Link);
}
