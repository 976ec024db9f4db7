/* config.c - IoQueryDeviceDescription: the legacy way of finding a controller in
 * \Registry\Machine\HARDWARE\DESCRIPTION\System (written by sim/host/devices.c).
 *
 * The tree has three levels below System:
 *   bus         <Adapter>\<n>                      MultifunctionAdapter, EisaAdapter, TcAdapter
 *   controller  <Adapter>\<n>\<Type>\<m>           SerialController, OtherController, ...
 *   peripheral  <Adapter>\<n>\<Type>\<m>\<PType>\<k>
 * An adapter's interface type comes from its key name (EisaAdapter: Eisa, TcAdapter:
 * TurboChannel) or, for a MultifunctionAdapter, from its "Identifier" ("ISA" Isa,
 * "EISA" Eisa, "MCA" MicroChannel, "PCI" PCIBus, "PCMCIA" PCMCIABus, "TC"
 * TurboChannel); an identifier outside that list falls back to the interface type of
 * the adapter's "Configuration Data", and without one the adapter is no bus (skipped,
 * e.g. "PNP BIOS"). Bus numbers count the adapters of one interface type in walk order.
 *
 * Walk order: adapter kinds in key order, instances by number; controllers of the
 * requested type by number; peripherals likewise. NULL BusType, BusNumber,
 * ControllerType, ControllerNumber, PeripheralType, PeripheralNumber each mean "any";
 * no ControllerType and no PeripheralType means one callout per bus; a PeripheralType
 * without a ControllerType searches the peripherals of every controller. Every match
 * gets one callout with freshly allocated KEY_VALUE_FULL_INFORMATION copies of
 * "Identifier", "Configuration Data" and "Component Information" of each level
 * (IO_QUERY_DEVICE_DATA_FORMAT order, NULL entries for a missing value, NULL arrays
 * and type/number 0 for the levels not asked for), freed when the callout returns.
 * PathName is the full name of the deepest matched key. A callout's failure status
 * ends the walk and is returned; otherwise the last callout's status is returned, and
 * STATUS_OBJECT_NAME_NOT_FOUND when nothing matched. The matches are collected before
 * the first callout, so a callout that changes the tree does not change the walk
 * (a key deleted meanwhile is skipped). PASSIVE_LEVEL (SY-04 otherwise). Not failable. */
#include "io/iop.h"
#include "cm/cmp.h"

static const char *const IopConfigurationNames[MaximumType] = {
    "ArcSystem", "CentralProcessor", "FloatingPointProcessor", "PrimaryIcache", "PrimaryDcache",
    "SecondaryIcache", "SecondaryDcache", "SecondaryCache", "EisaAdapter", "TcAdapter", "ScsiAdapter",
    "DtiAdapter", "MultifunctionAdapter", "DiskController", "TapeController", "CdromController",
    "WormController", "SerialController", "NetworkController", "DisplayController", "ParallelController",
    "PointerController", "KeyboardController", "AudioController", "OtherController", "DiskPeripheral",
    "FloppyDiskPeripheral", "TapePeripheral", "ModemPeripheral", "MonitorPeripheral", "PrinterPeripheral",
    "PointerPeripheral", "KeyboardPeripheral", "TerminalPeripheral", "OtherPeripheral", "LinePeripheral",
    "NetworkPeripheral", "SystemMemory", "DockingInformation", "RealModeIrqRoutingTable",
    "RealModePCIEnumeration",
};

static const char *const IopQueryValueNames[IoQueryDeviceMaxData] = {
    "Identifier", "Configuration Data", "Component Information",
};

typedef struct _IOP_CONFIG_MATCH {
    CM_KEY *Key[3]; /* bus, controller, peripheral (NULL: level not asked for) */
    INTERFACE_TYPE BusType;
    ULONG BusNumber;
    CONFIGURATION_TYPE ControllerType, PeripheralType;
    ULONG ControllerNumber, PeripheralNumber;
} IOP_CONFIG_MATCH;

typedef struct _IOP_CONFIG_WALK {
    PINTERFACE_TYPE BusType;
    PULONG BusNumber;
    PCONFIGURATION_TYPE ControllerType;
    PULONG ControllerNumber;
    PCONFIGURATION_TYPE PeripheralType;
    PULONG PeripheralNumber;
    IOP_CONFIG_MATCH *Matches;
    size_t Count, Capacity;
} IOP_CONFIG_WALK;

/* Case-insensitive comparison of a UTF-16 key or value name with ASCII text. */
static BOOLEAN IopNameIs(const WCHAR *Name, USHORT NameLength, const char *Ascii)
{
    size_t Chars = NameLength / sizeof(WCHAR);
    if (strlen(Ascii) != Chars)
        return FALSE;
    for (size_t i = 0; i < Chars; i++) {
        WCHAR C = Name[i];
        if (C >= 'a' && C <= 'z')
            C = (WCHAR)(C - 'a' + 'A');
        char A = Ascii[i];
        if (A >= 'a' && A <= 'z')
            A = (char)(A - 'a' + 'A');
        if (C != (WCHAR)(unsigned char)A)
            return FALSE;
    }
    return TRUE;
}

static CM_VALUE *IopFindValue(CM_KEY *Key, const char *Name)
{
    for (ULONG i = 0; i < Key->ValueCount; i++)
        if (IopNameIs(Key->Values[i]->Name, Key->Values[i]->NameLength, Name))
            return Key->Values[i];
    return NULL;
}

static CM_KEY *IopFindChild(CM_KEY *Key, const char *Name)
{
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        if (IopNameIs(Key->SubKeys[i]->Name, Key->SubKeys[i]->NameLength, Name))
            return Key->SubKeys[i];
    return NULL;
}

/* A key named by its configuration type; MaximumType if none. */
static CONFIGURATION_TYPE IopKeyConfigurationType(CM_KEY *Key)
{
    for (int t = 0; t < MaximumType; t++)
        if (IopNameIs(Key->Name, Key->NameLength, IopConfigurationNames[t]))
            return (CONFIGURATION_TYPE)t;
    return MaximumType;
}

/* The instance subkeys ("0", "1", ...) of Key in numeric order; *Count of them. */
typedef struct { CM_KEY *Key; ULONG Number; } IOP_INSTANCE;

static int IopCompareInstances(const void *A, const void *B)
{
    ULONG X = ((const IOP_INSTANCE *)A)->Number, Y = ((const IOP_INSTANCE *)B)->Number;
    return X < Y ? -1 : X > Y;
}

static IOP_INSTANCE *IopInstances(CM_KEY *Key, size_t *Count)
{
    IOP_INSTANCE *List = KiHostAlloc((Key->SubKeyCount + 1) * sizeof(*List));
    size_t N = 0;
    for (ULONG i = 0; i < Key->SubKeyCount; i++) {
        CM_KEY *Sub = Key->SubKeys[i];
        size_t Chars = Sub->NameLength / sizeof(WCHAR);
        if (Chars == 0 || Chars > 9)
            continue;
        ULONG Number = 0;
        size_t k = 0;
        while (k < Chars && Sub->Name[k] >= '0' && Sub->Name[k] <= '9')
            Number = Number * 10 + (ULONG)(Sub->Name[k++] - '0');
        if (k != Chars)
            continue;
        List[N].Key = Sub;
        List[N].Number = Number;
        N++;
    }
    qsort(List, N, sizeof(*List), IopCompareInstances);
    *Count = N;
    return List;
}

/* The interface type of adapter instance Key under an adapter kind; FALSE: not a bus. */
static BOOLEAN IopAdapterInterfaceType(CONFIGURATION_TYPE Kind, CM_KEY *Key, INTERFACE_TYPE *Type)
{
    static const struct { const char *Identifier; INTERFACE_TYPE Type; } Map[] = {
        { "ISA", Isa }, { "EISA", Eisa }, { "MCA", MicroChannel }, { "PCI", PCIBus },
        { "PCMCIA", PCMCIABus }, { "TC", TurboChannel },
    };
    if (Kind == EisaAdapter) {
        *Type = Eisa;
        return TRUE;
    }
    if (Kind == TcAdapter) {
        *Type = TurboChannel;
        return TRUE;
    }
    CM_VALUE *Id = IopFindValue(Key, "Identifier");
    if (Id && (Id->Type == REG_SZ || Id->Type == REG_EXPAND_SZ)) {
        USHORT Length = (USHORT)(Id->DataLength & ~1u);
        const WCHAR *Text = (const WCHAR *)Id->Data;
        while (Length >= sizeof(WCHAR) && Text[Length / sizeof(WCHAR) - 1] == 0)
            Length -= sizeof(WCHAR);
        for (size_t i = 0; i < sizeof(Map) / sizeof(Map[0]); i++)
            if (IopNameIs(Text, Length, Map[i].Identifier)) {
                *Type = Map[i].Type;
                return TRUE;
            }
    }
    CM_VALUE *Data = IopFindValue(Key, "Configuration Data");
    if (Data && Data->Type == REG_FULL_RESOURCE_DESCRIPTOR && Data->DataLength >= sizeof(INTERFACE_TYPE)) {
        INTERFACE_TYPE T;
        memcpy(&T, Data->Data, sizeof(T));
        if (T >= Internal && T < MaximumInterfaceType) {
            *Type = T;
            return TRUE;
        }
    }
    return FALSE;
}

static void IopAddMatch(IOP_CONFIG_WALK *W, const IOP_CONFIG_MATCH *M)
{
    if (W->Count == W->Capacity) {
        W->Capacity = W->Capacity ? 2 * W->Capacity : 8;
        W->Matches = KiHostRealloc(W->Matches, W->Capacity * sizeof(*W->Matches));
    }
    IOP_CONFIG_MATCH *New = &W->Matches[W->Count++];
    *New = *M;
    for (int i = 0; i < 3; i++)
        if (New->Key[i])
            CmpReferenceKey(New->Key[i]);
}

/* Peripherals of PeripheralType under controller instance M->Key[1]. */
static void IopWalkPeripherals(IOP_CONFIG_WALK *W, IOP_CONFIG_MATCH *M)
{
    CM_KEY *Kind = IopFindChild(M->Key[1], IopConfigurationNames[*W->PeripheralType]);
    if (Kind == NULL)
        return;
    size_t Count;
    IOP_INSTANCE *List = IopInstances(Kind, &Count);
    for (size_t i = 0; i < Count; i++) {
        if (W->PeripheralNumber && *W->PeripheralNumber != List[i].Number)
            continue;
        M->Key[2] = List[i].Key;
        M->PeripheralType = *W->PeripheralType;
        M->PeripheralNumber = List[i].Number;
        IopAddMatch(W, M);
    }
    M->Key[2] = NULL;
    free(List);
}

/* Controllers of one kind (key Kind, type Type) under bus M->Key[0]. */
static void IopWalkControllerKind(IOP_CONFIG_WALK *W, IOP_CONFIG_MATCH *M, CM_KEY *Kind, CONFIGURATION_TYPE Type)
{
    size_t Count;
    IOP_INSTANCE *List = IopInstances(Kind, &Count);
    for (size_t i = 0; i < Count; i++) {
        if (W->ControllerNumber && *W->ControllerNumber != List[i].Number)
            continue;
        M->Key[1] = List[i].Key;
        M->ControllerType = Type;
        M->ControllerNumber = List[i].Number;
        if (W->PeripheralType)
            IopWalkPeripherals(W, M);
        else
            IopAddMatch(W, M);
    }
    M->Key[1] = NULL;
    free(List);
}

static void IopWalkBus(IOP_CONFIG_WALK *W, IOP_CONFIG_MATCH *M)
{
    if (W->ControllerType == NULL && W->PeripheralType == NULL) {
        IopAddMatch(W, M);
        return;
    }
    if (W->ControllerType) {
        CM_KEY *Kind = IopFindChild(M->Key[0], IopConfigurationNames[*W->ControllerType]);
        if (Kind)
            IopWalkControllerKind(W, M, Kind, *W->ControllerType);
        return;
    }
    /* a peripheral under any controller */
    for (ULONG i = 0; i < M->Key[0]->SubKeyCount; i++) {
        CM_KEY *Kind = M->Key[0]->SubKeys[i];
        CONFIGURATION_TYPE Type = IopKeyConfigurationType(Kind);
        if (Type >= DiskController && Type <= OtherController)
            IopWalkControllerKind(W, M, Kind, Type);
    }
}

static void IopWalkSystem(IOP_CONFIG_WALK *W, CM_KEY *System)
{
    ULONG BusCount[MaximumInterfaceType] = { 0 };
    for (ULONG a = 0; a < System->SubKeyCount; a++) {
        CM_KEY *Adapter = System->SubKeys[a];
        CONFIGURATION_TYPE Kind = IopKeyConfigurationType(Adapter);
        if (Kind != MultiFunctionAdapter && Kind != EisaAdapter && Kind != TcAdapter)
            continue;
        size_t Count;
        IOP_INSTANCE *List = IopInstances(Adapter, &Count);
        for (size_t i = 0; i < Count; i++) {
            INTERFACE_TYPE Type;
            if (!IopAdapterInterfaceType(Kind, List[i].Key, &Type))
                continue;
            ULONG Number = BusCount[Type]++;
            if (W->BusType && *W->BusType != Type)
                continue;
            if (W->BusNumber && *W->BusNumber != Number)
                continue;
            IOP_CONFIG_MATCH M;
            memset(&M, 0, sizeof(M));
            M.Key[0] = List[i].Key;
            M.BusType = Type;
            M.BusNumber = Number;
            IopWalkBus(W, &M);
        }
        free(List);
    }
}

/* A KEY_VALUE_FULL_INFORMATION copy of Value (data at an 8-byte-aligned DataOffset). */
static PKEY_VALUE_FULL_INFORMATION IopCopyValue(const CM_VALUE *Value)
{
    ULONG Fixed = (ULONG)FIELD_OFFSET(KEY_VALUE_FULL_INFORMATION, Name);
    ULONG DataOffset = (Fixed + Value->NameLength + 7) & ~7u;
    PKEY_VALUE_FULL_INFORMATION Info = KiHostAlloc(DataOffset + Value->DataLength + 8);
    memset(Info, 0, DataOffset + Value->DataLength + 8);
    Info->TitleIndex = 0;
    Info->Type = Value->Type;
    Info->DataOffset = DataOffset;
    Info->DataLength = Value->DataLength;
    Info->NameLength = Value->NameLength;
    memcpy(Info->Name, Value->Name, Value->NameLength);
    if (Value->DataLength)
        memcpy((UCHAR *)Info + DataOffset, Value->Data, Value->DataLength);
    return Info;
}

static void IopCopyValues(CM_KEY *Key, PKEY_VALUE_FULL_INFORMATION Out[IoQueryDeviceMaxData])
{
    for (int i = 0; i < IoQueryDeviceMaxData; i++) {
        CM_VALUE *Value = IopFindValue(Key, IopQueryValueNames[i]);
        Out[i] = Value ? IopCopyValue(Value) : NULL;
    }
}

NTSTATUS IoQueryDeviceDescription(PINTERFACE_TYPE BusType, PULONG BusNumber, PCONFIGURATION_TYPE ControllerType,
                                  PULONG ControllerNumber, PCONFIGURATION_TYPE PeripheralType,
                                  PULONG PeripheralNumber, PIO_QUERY_DEVICE_ROUTINE CalloutRoutine, PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    CmpCheckIrql("IoQueryDeviceDescription", Site);
    if (CalloutRoutine == NULL || (BusType == NULL && ControllerType == NULL && PeripheralType == NULL))
        return STATUS_INVALID_PARAMETER;
    if ((ControllerType && (unsigned)*ControllerType >= (unsigned)MaximumType) ||
        (PeripheralType && (unsigned)*PeripheralType >= (unsigned)MaximumType))
        return STATUS_OBJECT_NAME_NOT_FOUND; /* no key bears such a type */

    CM_KEY *System;
    if (!NT_SUCCESS(CmpWalkPathUtf8("\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System", FALSE, &System)))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    IOP_CONFIG_WALK W;
    memset(&W, 0, sizeof(W));
    W.BusType = BusType;
    W.BusNumber = BusNumber;
    W.ControllerType = ControllerType;
    W.ControllerNumber = ControllerNumber;
    W.PeripheralType = PeripheralType;
    W.PeripheralNumber = PeripheralNumber;
    IopWalkSystem(&W, System);
    CmpReleaseKey(System);

    NTSTATUS Status = STATUS_OBJECT_NAME_NOT_FOUND;
    for (size_t m = 0; m < W.Count; m++) {
        IOP_CONFIG_MATCH *M = &W.Matches[m];
        BOOLEAN Deleted = FALSE;
        for (int l = 0; l < 3; l++)
            if (M->Key[l] && M->Key[l]->Deleted)
                Deleted = TRUE;
        if (Deleted)
            continue; /* removed by an earlier callout */
        PKEY_VALUE_FULL_INFORMATION Info[3][IoQueryDeviceMaxData];
        int Deepest = 0;
        for (int l = 0; l < 3; l++) {
            if (M->Key[l]) {
                IopCopyValues(M->Key[l], Info[l]);
                Deepest = l;
            }
        }
        USHORT Length;
        WCHAR *Path = CmpKeyFullName(M->Key[Deepest], &Length);
        UNICODE_STRING PathName = { Length, Length, Path };
        Status = CalloutRoutine(Context, &PathName, M->BusType, M->BusNumber, Info[0], M->ControllerType,
                                M->ControllerNumber, M->Key[1] ? Info[1] : NULL, M->PeripheralType,
                                M->PeripheralNumber, M->Key[2] ? Info[2] : NULL);
        free(Path);
        for (int l = 0; l < 3; l++)
            if (M->Key[l])
                for (int i = 0; i < IoQueryDeviceMaxData; i++)
                    free(Info[l][i]);
        if (!NT_SUCCESS(Status))
            break;
    }
    for (size_t m = 0; m < W.Count; m++)
        for (int l = 0; l < 3; l++)
            if (W.Matches[m].Key[l])
                CmpReleaseKey(W.Matches[m].Key[l]);
    free(W.Matches);
    return Status;
}
