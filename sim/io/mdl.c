/* mdl.c - IoAllocateMdl, IoFreeMdl, IoBuildPartialMdl. MDLs are tracked as the
 * allocating driver's; one chained to an IRP (Irp != NULL) belongs to the IRP. */
#include "io/iop.h"

typedef struct DECLSPEC_ALIGN(16) _IOP_MDL_HEADER {
    NTSIM_TRACK Track;
    ULONG Magic;
} IOP_MDL_HEADER;

#define IOP_MDL_LIVE 0x4C444D6Cu

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp)
{
    (void)ChargeQuota;
    NTSIM_SITE Site = KiTakeSite();
    if (ViFaultShouldFail(NtsimFaultMdl, "IoAllocateMdl", 0, Site))
        return NULL;
    SIZE_T Size = MmSizeOfMdl(VirtualAddress, Length);
    IOP_MDL_HEADER *Header = KiHostAlloc(sizeof(IOP_MDL_HEADER) + Size);
    Header->Magic = IOP_MDL_LIVE;
    PMDL Mdl = (PMDL)(Header + 1);
    MmInitializeMdl(Mdl, VirtualAddress, Length);
    Mdl->Size = (CSHORT)Size;
    if (Irp) {
        VfTrackFor(&Header->Track, NULL, NtsimResMdl, Site);
        if (SecondaryBuffer && Irp->MdlAddress) {
            PMDL Last = Irp->MdlAddress;
            while (Last->Next)
                Last = Last->Next;
            Last->Next = Mdl;
        } else if (!SecondaryBuffer) {
            Irp->MdlAddress = Mdl;
        }
    } else {
        VfTrack(&Header->Track, NtsimResMdl, Site);
    }
    return Mdl;
}

VOID IoFreeMdl(PMDL Mdl)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_MDL_HEADER *Header = (IOP_MDL_HEADER *)Mdl - 1;
    if (Mdl == NULL || Header->Magic != IOP_MDL_LIVE)
        KiBugCheck(0xC4, 0x1025 /* approximate */, (ULONG_PTR)Mdl, 0, 0, Site, "IoFreeMdl(%p): not a live MDL",
                   (void *)Mdl);
    if (Mdl->MdlFlags & MDL_PAGES_LOCKED)
        KiBugCheck(0xCB, (ULONG_PTR)Mdl, 0, 0, 0, Site,
                   "IoFreeMdl(%p) while its pages are still locked (DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS)",
                   (void *)Mdl);
    VfUntrack(&Header->Track);
    Header->Magic = 0;
    free(Header);
}

VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length)
{
    KiTakeSite();
    if (Length == 0)
        Length = SourceMdl->ByteCount - (ULONG)((char *)VirtualAddress - (char *)MmGetMdlVirtualAddress(SourceMdl));
    TargetMdl->StartVa = PAGE_ALIGN(VirtualAddress);
    TargetMdl->ByteOffset = BYTE_OFFSET(VirtualAddress);
    TargetMdl->ByteCount = Length;
    TargetMdl->MdlFlags = (CSHORT)((TargetMdl->MdlFlags & MDL_ALLOCATED_FIXED_SIZE) | MDL_PARTIAL);
    TargetMdl->MappedSystemVa = VirtualAddress;
}

void IopDescribeMdl(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    PMDL Mdl = (PMDL)(CONTAINING_RECORD(Track, IOP_MDL_HEADER, Track) + 1);
    snprintf(Buffer, Size, "MDL %p for %u bytes%s", (void *)Mdl, Mdl->ByteCount,
             (Mdl->MdlFlags & MDL_PAGES_LOCKED) ? " (pages still locked)" : "");
}

void IopReclaimMdl(NTSIM_TRACK *Track)
{
    IOP_MDL_HEADER *Header = CONTAINING_RECORD(Track, IOP_MDL_HEADER, Track);
    VfUntrack(Track);
    Header->Magic = 0;
    free(Header);
}

/* Obsolete (IoAllocateMdl replaces it) but still found in old drivers: allocates and
 * initialises an MDL for the buffer. */
PMDL MmCreateMdl(PMDL MemoryDescriptorList, PVOID Base, SIZE_T Length)
{
    if (MemoryDescriptorList) {
        MmInitializeMdl(MemoryDescriptorList, Base, Length);
        return MemoryDescriptorList;
    }
    return IoAllocateMdl(Base, (ULONG)Length, FALSE, FALSE, NULL);
}
