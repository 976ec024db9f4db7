/* pnpres.c - a device's resources: IRP_MN_QUERY_RESOURCE_REQUIREMENTS from its bus,
 * IRP_MN_FILTER_RESOURCE_REQUIREMENTS down its stack, arbitration against the
 * ResourceMap every other claim is in (sim/io/resource.c: a range another owner holds
 * is refused, never given twice), and the HAL's translation of the result.
 *
 * The assignment is claimed in the ResourceMap under "PnP Manager\<service>" in the
 * name of the function driver (so HW-01 sees the function driver's port accesses as
 * claimed) for the PDO, and released after STOP_DEVICE or REMOVE_DEVICE. The raw list
 * keeps bus-relative values (ports, memory, interrupt line); the translated list has
 * the interrupt as the HAL connects it: Level = DIRQL, Vector = system vector,
 * Affinity = the processors (one). Ports and memory translate to themselves. */
#include "io/pnpp.h"
#include "hal/halp.h"

BOOLEAN IopRangeIsFree(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device, UCHAR Type, UCHAR Share, ULONGLONG Start,
                       ULONGLONG Length);

#define IOP_PNP_CLASS L"PnP Manager"

ULONG IopCmResourceListSize(const CM_RESOURCE_LIST *List)
{
    return (ULONG)(FIELD_OFFSET(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors) +
                   List->List[0].PartialResourceList.Count * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
}

/* The bus's requirements, then each driver's chance to change them. NULL: none. */
static NTSTATUS IopQueryRequirements(IOP_DEVNODE *Node, PIO_RESOURCE_REQUIREMENTS_LIST *Out)
{
    ULONG_PTR Information = 0;
    NTSTATUS Status = IopPnpSendIrp(Node->Pdo, IRP_MN_QUERY_RESOURCE_REQUIREMENTS, NULL, &Information);
    PIO_RESOURCE_REQUIREMENTS_LIST List = NT_SUCCESS(Status) ? (PIO_RESOURCE_REQUIREMENTS_LIST)Information : NULL;
    if (!NT_SUCCESS(Status) && Status != STATUS_NOT_SUPPORTED)
        return Status;
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.FilterResourceRequirements.IoResourceRequirementList = List;
    Information = (ULONG_PTR)List;
    Status = IopPnpSendIrp(Node->Pdo, IRP_MN_FILTER_RESOURCE_REQUIREMENTS, &P, &Information);
    if (NT_SUCCESS(Status) && Information != (ULONG_PTR)List) {
        if (List)
            ExFreePool(List); /* a filter replaced the list: the old one is the PnP manager's to free */
        List = (PIO_RESOURCE_REQUIREMENTS_LIST)Information;
    } else if (!NT_SUCCESS(Status) && Status != STATUS_NOT_SUPPORTED) {
        if (List)
            ExFreePool(List);
        return Status;
    }
    *Out = List;
    return STATUS_SUCCESS;
}

static BOOLEAN IopWasAssigned(const IOP_DEVNODE *Node, UCHAR Type, ULONGLONG Start)
{
    if (Node->Raw == NULL)
        return FALSE;
    const CM_PARTIAL_RESOURCE_LIST *L = &Node->Raw->List[0].PartialResourceList;
    for (ULONG i = 0; i < L->Count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *D = &L->PartialDescriptors[i];
        if (D->Type != Type)
            continue;
        if ((Type == CmResourceTypePort || Type == CmResourceTypeMemory) &&
            (ULONGLONG)D->u.Port.Start.QuadPart == Start)
            return TRUE;
        if (Type == CmResourceTypeInterrupt && D->u.Interrupt.Level == Start)
            return TRUE;
        if (Type == CmResourceTypeDma && D->u.Dma.Channel == Start)
            return TRUE;
    }
    return FALSE;
}

typedef struct _IOP_ARBITER {
    IOP_DEVNODE *Node;
    PDRIVER_OBJECT Owner;
    BOOLEAN AvoidPrevious;
    CM_PARTIAL_RESOURCE_DESCRIPTOR *Picked;
    ULONG PickedCount;
} IOP_ARBITER;

static BOOLEAN IopOverlapsPicked(const IOP_ARBITER *A, UCHAR Type, ULONGLONG Start, ULONGLONG Length)
{
    for (ULONG i = 0; i < A->PickedCount; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *P = &A->Picked[i];
        if (P->Type != Type)
            continue;
        ULONGLONG S, L = 1;
        if (Type == CmResourceTypePort || Type == CmResourceTypeMemory) {
            S = (ULONGLONG)P->u.Port.Start.QuadPart;
            L = P->u.Port.Length;
        } else {
            S = Type == CmResourceTypeInterrupt ? P->u.Interrupt.Level : P->u.Dma.Channel;
        }
        if (Start < S + L && S < Start + Length)
            return TRUE;
    }
    return FALSE;
}

static BOOLEAN IopCandidateOk(const IOP_ARBITER *A, const IO_RESOURCE_DESCRIPTOR *D, ULONGLONG Start,
                              ULONGLONG Length)
{
    if (A->AvoidPrevious && IopWasAssigned(A->Node, D->Type, Start))
        return FALSE;
    if (IopOverlapsPicked(A, D->Type, Start, Length))
        return FALSE;
    return IopRangeIsFree(A->Owner, A->Node->Pdo, D->Type, D->ShareDisposition, Start, Length);
}

/* The first free value a descriptor allows, written to Out. */
static BOOLEAN IopPickOne(const IOP_ARBITER *A, const IO_RESOURCE_DESCRIPTOR *D, CM_PARTIAL_RESOURCE_DESCRIPTOR *Out)
{
    memset(Out, 0, sizeof(*Out));
    Out->Type = D->Type;
    Out->ShareDisposition = D->ShareDisposition;
    Out->Flags = D->Flags;
    if (D->Type == CmResourceTypePort || D->Type == CmResourceTypeMemory) {
        ULONGLONG Min = (ULONGLONG)D->u.Port.MinimumAddress.QuadPart;
        ULONGLONG Max = (ULONGLONG)D->u.Port.MaximumAddress.QuadPart;
        ULONGLONG Align = D->u.Port.Alignment ? D->u.Port.Alignment : 1;
        ULONGLONG Length = D->u.Port.Length;
        if (Length == 0)
            return FALSE;
        ULONGLONG Start = (Min + Align - 1) / Align * Align;
        for (unsigned Tries = 0; Tries < 65536 && Start >= Min && Start + Length - 1 <= Max; Tries++, Start += Align)
            if (IopCandidateOk(A, D, Start, Length)) {
                Out->u.Port.Start.QuadPart = (LONGLONG)Start;
                Out->u.Port.Length = (ULONG)Length;
                return TRUE;
            }
        return FALSE;
    }
    if (D->Type == CmResourceTypeInterrupt) {
        for (ULONG Line = D->u.Interrupt.MinimumVector; Line <= D->u.Interrupt.MaximumVector && Line < HALP_IRQ_LINES;
             Line++)
            if (IopCandidateOk(A, D, Line, 1)) {
                Out->u.Interrupt.Level = Line;
                Out->u.Interrupt.Vector = Line;
                Out->u.Interrupt.Affinity = (KAFFINITY)-1;
                return TRUE;
            }
        return FALSE;
    }
    if (D->Type == CmResourceTypeDma) {
        for (ULONG Channel = D->u.Dma.MinimumChannel; Channel <= D->u.Dma.MaximumChannel && Channel < 8; Channel++)
            if (IopCandidateOk(A, D, Channel, 1)) {
                Out->u.Dma.Channel = Channel;
                return TRUE;
            }
        return FALSE;
    }
    return FALSE;
}

static BOOLEAN IopArbitrated(UCHAR Type)
{
    return Type == CmResourceTypePort || Type == CmResourceTypeMemory || Type == CmResourceTypeInterrupt ||
           Type == CmResourceTypeDma;
}

/* One alternative list: each requirement is a descriptor followed by its
 * IO_RESOURCE_ALTERNATIVE choices; the first choice that is free wins. */
static BOOLEAN IopArbitrateList(IOP_ARBITER *A, const IO_RESOURCE_LIST *L)
{
    A->PickedCount = 0;
    for (ULONG i = 0; i < L->Count;) {
        ULONG j = i + 1;
        while (j < L->Count && (L->Descriptors[j].Option & IO_RESOURCE_ALTERNATIVE))
            j++;
        BOOLEAN Found = !IopArbitrated(L->Descriptors[i].Type);
        for (ULONG k = i; k < j && !Found; k++)
            if (IopArbitrated(L->Descriptors[k].Type) && IopPickOne(A, &L->Descriptors[k], &A->Picked[A->PickedCount])) {
                A->PickedCount++;
                Found = TRUE;
            }
        if (!Found)
            return FALSE;
        i = j;
    }
    return TRUE;
}

static PCM_RESOURCE_LIST IopBuildCmList(const PIO_RESOURCE_REQUIREMENTS_LIST Req, const IOP_ARBITER *A)
{
    ULONG Size = (ULONG)(FIELD_OFFSET(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors) +
                         (A->PickedCount ? A->PickedCount : 1) * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
    PCM_RESOURCE_LIST List = KiHostAlloc(Size);
    memset(List, 0, Size);
    List->Count = 1;
    List->List[0].InterfaceType = Req->InterfaceType;
    List->List[0].BusNumber = Req->BusNumber;
    List->List[0].PartialResourceList.Version = 1;
    List->List[0].PartialResourceList.Revision = 1;
    List->List[0].PartialResourceList.Count = A->PickedCount;
    memcpy(List->List[0].PartialResourceList.PartialDescriptors, A->Picked,
           A->PickedCount * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
    return List;
}

static PCM_RESOURCE_LIST IopTranslate(const CM_RESOURCE_LIST *Raw)
{
    ULONG Size = IopCmResourceListSize(Raw);
    PCM_RESOURCE_LIST List = KiHostAlloc(Size);
    memcpy(List, Raw, Size);
    CM_PARTIAL_RESOURCE_LIST *L = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < L->Count; i++) {
        CM_PARTIAL_RESOURCE_DESCRIPTOR *D = &L->PartialDescriptors[i];
        if (D->Type == CmResourceTypeInterrupt) {
            ULONG Line = D->u.Interrupt.Level;
            D->u.Interrupt.Level = HalpLineToIrql(Line);
            D->u.Interrupt.Vector = HalpLineToVector(Line);
            D->u.Interrupt.Affinity = 1;
        }
    }
    return List;
}

static PDRIVER_OBJECT IopClaimOwner(IOP_DEVNODE *Node)
{
    IOP_DRIVER *Function = Node->Service[0] ? IopFindDriver(Node->Service) : NULL;
    return Function ? &Function->Object : Node->Pdo->DriverObject; /* a raw device: its bus driver */
}

static NTSTATUS IopArbitrate(IOP_DEVNODE *Node, PIO_RESOURCE_REQUIREMENTS_LIST Req, BOOLEAN AvoidPrevious,
                             PCM_RESOURCE_LIST *Raw)
{
    IOP_ARBITER A = { Node, IopClaimOwner(Node), AvoidPrevious, NULL, 0 };
    const IO_RESOURCE_LIST *L = Req->List;
    for (ULONG a = 0; a < Req->AlternativeLists; a++) {
        A.Picked = KiHostAlloc((L->Count ? L->Count : 1) * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
        BOOLEAN Ok = IopArbitrateList(&A, L);
        if (Ok)
            *Raw = IopBuildCmList(Req, &A);
        free(A.Picked);
        if (Ok)
            return STATUS_SUCCESS;
        L = (const IO_RESOURCE_LIST *)&L->Descriptors[L->Count];
    }
    return STATUS_CONFLICTING_ADDRESSES;
}

void IopPnpFreeResourceLists(IOP_DEVNODE *Node)
{
    free(Node->Raw);
    free(Node->Translated);
    Node->Raw = Node->Translated = NULL;
    Node->ResourceSize = 0;
}

void IopPnpReleaseResources(IOP_DEVNODE *Node)
{
    if (Node->ClaimOwner == NULL)
        return;
    BOOLEAN Conflict = FALSE;
    IopClaimResources("PnP manager", KiNoSite, NULL, Node->ClaimOwner, Node->Pdo, NULL, 0, &Conflict);
    Node->ClaimOwner = NULL;
}

/* Requirements, filtering, arbitration and the claim. AvoidPrevious (a rebalance)
 * prefers values other than those of the last assignment when others are free. */
NTSTATUS IopPnpAssignResources(IOP_DEVNODE *Node, BOOLEAN AvoidPrevious)
{
    PIO_RESOURCE_REQUIREMENTS_LIST Req = NULL;
    NTSTATUS Status = IopQueryRequirements(Node, &Req);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Req == NULL || Req->AlternativeLists == 0) {
        if (Req)
            ExFreePool(Req);
        IopPnpFreeResourceLists(Node);
        return STATUS_SUCCESS;
    }
    PCM_RESOURCE_LIST Raw = NULL;
    Status = IopArbitrate(Node, Req, AvoidPrevious, &Raw);
    if (!NT_SUCCESS(Status) && AvoidPrevious)
        Status = IopArbitrate(Node, Req, FALSE, &Raw);
    ExFreePool(Req);
    if (!NT_SUCCESS(Status)) {
        NtsimSetLastError("%s: no alternative of its resource requirements is free (another owner holds them)",
                          Node->InstancePath);
        return Status;
    }
    ULONG Size = IopCmResourceListSize(Raw);
    PDRIVER_OBJECT Owner = IopClaimOwner(Node);
    Node->FunctionOwner = NULL;
    if (IopIsRootPdo(Node->Pdo) && Owner != Node->Pdo->DriverObject) {
        /* held for the function driver by the PnP manager until the PDO has started (PN-05) */
        Node->FunctionOwner = Owner;
        Owner = Node->Pdo->DriverObject;
    }
    UNICODE_STRING Class;
    RtlInitUnicodeString(&Class, IOP_PNP_CLASS);
    BOOLEAN Conflict = FALSE;
    Status = IopClaimResources("PnP manager", KiNoSite, &Class, Owner, Node->Pdo, Raw, Size, &Conflict);
    if (!NT_SUCCESS(Status)) {
        free(Raw);
        return Status;
    }
    IopPnpFreeResourceLists(Node);
    Node->ClaimOwner = Owner;
    Node->Raw = Raw;
    Node->Translated = IopTranslate(Raw);
    Node->ResourceSize = Size;
    return STATUS_SUCCESS;
}

static NTSTATUS IopClaimFor(IOP_DEVNODE *Node, PDRIVER_OBJECT Owner)
{
    UNICODE_STRING Class;
    RtlInitUnicodeString(&Class, IOP_PNP_CLASS);
    BOOLEAN Conflict = FALSE;
    return IopClaimResources("PnP manager", KiNoSite, &Class, Owner, Node->Pdo, Node->Raw, Node->ResourceSize,
                             &Conflict);
}

/* The root PDO completed START_DEVICE: the function driver may use the hardware now,
 * so the claim passes to it. */
void IopPnpLowerStarted(IOP_DEVNODE *Node)
{
    if (Node->FunctionOwner == NULL || Node->ClaimOwner == NULL || Node->Raw == NULL)
        return;
    IopPnpReleaseResources(Node);
    if (NT_SUCCESS(IopClaimFor(Node, Node->FunctionOwner)))
        Node->ClaimOwner = Node->FunctionOwner;
    Node->FunctionOwner = NULL;
}

static BOOLEAN IopPortIn(const CM_RESOURCE_LIST *Raw, ULONG Port)
{
    const CM_PARTIAL_RESOURCE_LIST *L = &Raw->List[0].PartialResourceList;
    for (ULONG i = 0; i < L->Count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *D = &L->PartialDescriptors[i];
        if (D->Type == CmResourceTypePort && Port >= D->u.Port.Start.QuadPart &&
            Port < (ULONGLONG)D->u.Port.Start.QuadPart + D->u.Port.Length)
            return TRUE;
    }
    return FALSE;
}

static IOP_DEVNODE *IopFindEarly(IOP_DEVNODE *Node, PDRIVER_OBJECT Driver, ULONG Port)
{
    if (Node->Starting && Node->FunctionOwner == Driver && Node->Raw && IopPortIn(Node->Raw, Port))
        return Node;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink) {
        IOP_DEVNODE *Found = IopFindEarly(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling), Driver, Port);
        if (Found)
            return Found;
    }
    return NULL;
}

/* sim/io/resource.c, before an HW-01 report: a port of the driver's own assignment
 * touched while START_DEVICE has not yet been completed by the lower drivers is PN-05. */
BOOLEAN IopPnpExplainEarlyAccess(PDRIVER_OBJECT Driver, ULONG Port, NTSIM_SITE Site)
{
    IOP_DEVNODE *Root = IopPnpExistingRoot();
    IOP_DEVNODE *Node = Root ? IopFindEarly(Root, Driver, Port) : NULL;
    if (Node == NULL)
        return FALSE;
    VfReport("PN-05", NTSIM_SEV_ERROR, Driver, Site,
             "%s touched port 0x%X of %s before the lower drivers completed IRP_MN_START_DEVICE (pass START down and "
             "wait for it first)", VfDriverName(Driver), Port, Node->InstancePath);
    return TRUE;
}

/* A detected device whose driver claimed its resources itself (IoReportDetectedDevice
 * with ResourceAssigned): those are the assignment, the claim stays the driver's. */
void IopPnpUsePreset(IOP_DEVNODE *Node)
{
    ULONG Size = IopCmResourceListSize(Node->Preset);
    PCM_RESOURCE_LIST Raw = KiHostAlloc(Size);
    memcpy(Raw, Node->Preset, Size);
    IopPnpFreeResourceLists(Node);
    Node->Raw = Raw;
    Node->Translated = IopTranslate(Raw);
    Node->ResourceSize = Size;
}
