/* namespace.c - the object namespace: directories, names, symbolic links, lookup.
 *
 * Paths are handled as UTF-8 inside the simulator; names compare ASCII
 * case-insensitively as the object manager does with OBJ_CASE_INSENSITIVE.
 * \?? is the DOS-devices directory; \DosDevices and \GLOBAL?? link to it. */
#include "ob/obp.h"

#include <strings.h>

#define OBP_MAX_PATH 1024
#define OBP_MAX_REPARSE 32

static void ObpDeleteDirectory(PVOID Object);
static void ObpDeleteSymbolicLink(PVOID Object);
OBJECT_TYPE ObpDirectoryType = { .Name = "Directory", .DeleteProcedure = ObpDeleteDirectory };
OBJECT_TYPE ObpSymbolicLinkType = { .Name = "SymbolicLink", .DeleteProcedure = ObpDeleteSymbolicLink };

static OBP_DIRECTORY *ObpRoot;

OBP_DIRECTORY *ObpRootDirectory(void)
{
    return ObpRoot;
}

static OBP_DIRECTORY *ObpNewDirectory(void)
{
    PVOID Object;
    ObpCreateObject(&ObpDirectoryType, sizeof(OBP_DIRECTORY), &Object);
    OBP_DIRECTORY *Directory = Object;
    InitializeListHead(&Directory->Entries);
    return Directory;
}

static void ObpDeleteDirectory(PVOID Object)
{
    OBP_DIRECTORY *Directory = Object;
    /* Children of a directory being torn down lose their names; whoever holds
     * references to them keeps the objects. Permanent children (links, nested
     * directories created by the simulator) are released here. */
    while (!IsListEmpty(&Directory->Entries)) {
        OBP_HEADER *Child = CONTAINING_RECORD(Directory->Entries.Flink, OBP_HEADER, DirectoryLink);
        BOOLEAN Owned = Child->Type == &ObpDirectoryType || Child->Type == &ObpSymbolicLinkType;
        ObpRemoveName(ObpBody(Child));
        if (Owned)
            ObpDereference(ObpBody(Child));
    }
}

static void ObpDeleteSymbolicLink(PVOID Object)
{
    free(((OBP_SYMLINK *)Object)->Target);
}

OBP_HEADER *ObpFindInDirectory(OBP_DIRECTORY *Directory, const char *Name, size_t Length)
{
    for (PLIST_ENTRY E = Directory->Entries.Flink; E != &Directory->Entries; E = E->Flink) {
        OBP_HEADER *H = CONTAINING_RECORD(E, OBP_HEADER, DirectoryLink);
        if (strlen(H->Name) == Length && strncasecmp(H->Name, Name, Length) == 0)
            return H;
    }
    return NULL;
}

/* Resolve Path. On success *Found is the object (not referenced) and *Rest the part of
 * the path left over below a non-directory object ("" when the path named it exactly).
 * With ParentOnly, resolve all but the last component and return the directory. */
/* Length bytes of Text into Buffer, cut to fit and terminated (as snprintf "%.*s" would,
 * without its cost: every name the machine inserts is resolved). */
static void ObpCopyText(char *Buffer, size_t Size, const char *Text, size_t Length)
{
    if (Size == 0)
        return;
    if (Length >= Size)
        Length = Size - 1;
    memcpy(Buffer, Text, Length);
    Buffer[Length] = 0;
}

static NTSTATUS ObpResolve(const char *Path, BOOLEAN FollowFinalLink, BOOLEAN ParentOnly, OBP_HEADER **Found,
                           char *Rest, size_t RestSize, char *Last, size_t LastSize)
{
    char Work[OBP_MAX_PATH];
    size_t PathLength = strlen(Path);
    if (PathLength >= sizeof(Work))
        return STATUS_NAME_TOO_LONG;
    memcpy(Work, Path, PathLength + 1);
    for (int Reparse = 0; Reparse < OBP_MAX_REPARSE; Reparse++) {
        if (Work[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        OBP_HEADER *Current = ObpHeader(ObpRoot);
        const char *P = Work + 1;
        BOOLEAN Reparsed = FALSE;
        while (*P) {
            const char *End = strchr(P, '\\');
            size_t Length = End ? (size_t)(End - P) : strlen(P);
            if (Length == 0)
                return STATUS_OBJECT_NAME_INVALID;
            BOOLEAN IsLast = End == NULL || End[1] == 0;
            if (ParentOnly && IsLast) {
                if (Current->Type != &ObpDirectoryType)
                    return STATUS_OBJECT_PATH_NOT_FOUND;
                ObpCopyText(Last, LastSize, P, Length);
                *Found = Current;
                return STATUS_SUCCESS;
            }
            if (Current->Type != &ObpDirectoryType) {
                /* Below a device: the rest is a file name the driver interprets. */
                if (RestSize > 1) {
                    Rest[0] = '\\';
                    ObpCopyText(Rest + 1, RestSize - 1, P, strlen(P));
                } else if (RestSize) {
                    Rest[0] = 0;
                }
                *Found = Current;
                return STATUS_SUCCESS;
            }
            OBP_HEADER *Child = ObpFindInDirectory(ObpBody(Current), P, Length);
            if (Child == NULL)
                return IsLast ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_OBJECT_PATH_NOT_FOUND;
            if (Child->Type == &ObpSymbolicLinkType && (!IsLast || FollowFinalLink)) {
                OBP_SYMLINK *Link = ObpBody(Child);
                size_t TargetLength = strlen(Link->Target), TailLength = End ? strlen(End) : 0;
                if (TargetLength + TailLength >= sizeof(Work))
                    return STATUS_NAME_TOO_LONG;
                memmove(Work + TargetLength, End ? End : "", TailLength + 1); /* End points into Work */
                memcpy(Work, Link->Target, TargetLength);
                Reparsed = TRUE;
                break;
            }
            Current = Child;
            P = End ? End + 1 : P + Length;
        }
        if (!Reparsed) {
            if (ParentOnly)
                return STATUS_OBJECT_NAME_INVALID; /* the root itself has no parent */
            if (RestSize)
                Rest[0] = 0;
            *Found = Current;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_OBJECT_PATH_NOT_FOUND;
}

NTSTATUS ObpInsertNameUtf8(PVOID Object, const char *Path)
{
    OBP_HEADER *Parent;
    char Last[256];
    NTSTATUS Status = ObpResolve(Path, TRUE, TRUE, &Parent, NULL, 0, Last, sizeof(Last));
    if (!NT_SUCCESS(Status))
        return Status;
    if (ObpFindInDirectory(ObpBody(Parent), Last, strlen(Last)))
        return STATUS_OBJECT_NAME_COLLISION;
    OBP_HEADER *Header = ObpHeader(Object);
    Header->Name = KiHostStrdup(Last);
    Header->Parent = ObpBody(Parent);
    InsertTailList(&Header->Parent->Entries, &Header->DirectoryLink);
    return STATUS_SUCCESS;
}

NTSTATUS ObpInsertName(PVOID Object, PCUNICODE_STRING Name)
{
    if (Name == NULL || Name->Buffer == NULL || Name->Length == 0 || (Name->Length & 1))
        return STATUS_OBJECT_NAME_INVALID;
    char *Path = RtlpUnicodeToUtf8Dup(Name);
    NTSTATUS Status = ObpInsertNameUtf8(Object, Path);
    free(Path);
    return Status;
}

void ObpRemoveName(PVOID Object)
{
    OBP_HEADER *Header = ObpHeader(Object);
    if (Header->Name == NULL)
        return;
    RemoveEntryList(&Header->DirectoryLink);
    InitializeListHead(&Header->DirectoryLink);
    free(Header->Name);
    Header->Name = NULL;
    Header->Parent = NULL;
}

static BOOLEAN ObpFindPath(OBP_DIRECTORY *Directory, OBP_HEADER *Target, char *Buffer, size_t Size, size_t Used)
{
    for (PLIST_ENTRY E = Directory->Entries.Flink; E != &Directory->Entries; E = E->Flink) {
        OBP_HEADER *H = CONTAINING_RECORD(E, OBP_HEADER, DirectoryLink);
        int N = snprintf(Buffer + Used, Size - Used, "\\%s", H->Name);
        if (N < 0 || (size_t)N >= Size - Used)
            return FALSE;
        if (H == Target)
            return TRUE;
        if (H->Type == &ObpDirectoryType && ObpFindPath(ObpBody(H), Target, Buffer, Size, Used + (size_t)N))
            return TRUE;
    }
    Buffer[Used] = 0;
    return FALSE;
}

const char *ObpGetObjectName(PVOID Object, char *Buffer, size_t Size)
{
    Buffer[0] = 0;
    OBP_HEADER *Header = ObpHeader(Object);
    if (Header->Name != NULL)
        ObpFindPath(ObpRoot, Header, Buffer, Size, 0);
    else if (Header->Type->QueryNameProcedure)
        Header->Type->QueryNameProcedure(Object, Buffer, Size);
    return Buffer;
}

/* Resolve Path and reference what it names. Without Rest, a path that continues below
 * a device is "not found"; with it, the remainder is returned for the device. */
static NTSTATUS ObpReferencePath(const char *Path, BOOLEAN FollowFinalLink, PVOID *Object, char *Rest,
                                 size_t RestSize)
{
    OBP_HEADER *Found;
    char Own[OBP_MAX_PATH];
    NTSTATUS Status = ObpResolve(Path, FollowFinalLink, FALSE, &Found, Rest ? Rest : Own,
                                 Rest ? RestSize : sizeof(Own), NULL, 0);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Rest == NULL && Own[0])
        return STATUS_OBJECT_NAME_NOT_FOUND;
    Found->PointerCount++;
    *Object = ObpBody(Found);
    return STATUS_SUCCESS;
}

NTSTATUS ObpLookupObjectUtf8(const char *Path, PVOID *Object)
{
    return ObpReferencePath(Path, TRUE, Object, NULL, 0);
}

NTSTATUS ObpLookupObjectWithRest(const char *Path, PVOID *Object, char *Rest, size_t RestSize)
{
    return ObpReferencePath(Path, TRUE, Object, Rest, RestSize);
}

/* The object itself when the last component is a symbolic link (OBJ_OPENLINK). */
NTSTATUS ObpLookupLinkUtf8(const char *Path, PVOID *Object)
{
    return ObpReferencePath(Path, FALSE, Object, NULL, 0);
}

NTSTATUS ObpLookupObject(PCUNICODE_STRING Path, PVOID *Object)
{
    if (Path == NULL || Path->Buffer == NULL || (Path->Length & 1))
        return STATUS_OBJECT_NAME_INVALID;
    char *Utf8 = RtlpUnicodeToUtf8Dup(Path);
    NTSTATUS Status = ObpLookupObjectUtf8(Utf8, Object);
    free(Utf8);
    return Status;
}

NTSTATUS ObpCreateDirectoryPath(const char *Path)
{
    OBP_DIRECTORY *Directory = ObpNewDirectory();
    NTSTATUS Status = ObpInsertNameUtf8(Directory, Path);
    if (!NT_SUCCESS(Status))
        ObpDereference(Directory);
    return Status;
}

NTSTATUS ObpCreateSymbolicLinkUtf8(const char *LinkPath, const char *TargetPath, PVOID *Link)
{
    PVOID Object;
    ObpCreateObject(&ObpSymbolicLinkType, sizeof(OBP_SYMLINK), &Object);
    ((OBP_SYMLINK *)Object)->Target = KiHostStrdup(TargetPath);
    NTSTATUS Status = ObpInsertNameUtf8(Object, LinkPath);
    if (!NT_SUCCESS(Status)) {
        ObpDereference(Object);
        return Status;
    }
    if (Link)
        *Link = Object;
    return STATUS_SUCCESS;
}

const char *ObpSymbolicLinkTarget(PVOID Link)
{
    return ((OBP_SYMLINK *)Link)->Target;
}

void ObpInitialize(void)
{
    ObpRoot = ObpNewDirectory();
    ObpCreateDirectoryPath("\\Device");
    ObpCreateDirectoryPath("\\Driver");
    ObpCreateDirectoryPath("\\FileSystem");
    ObpCreateDirectoryPath("\\??");
    ObpCreateDirectoryPath("\\KernelObjects");
    ObpCreateDirectoryPath("\\Callback");
    ObpCreateDirectoryPath("\\ArcName"); /* IoAssignArcName */
    ObpCreateDirectoryPath("\\BaseNamedObjects"); /* named events (sim/ex/event.c) */
    ObpCreateSymbolicLinkUtf8("\\GLOBAL??", "\\??", NULL);
    ObpCreateSymbolicLinkUtf8("\\DosDevices", "\\??", NULL);
}

void ObpShutdown(void)
{
    ObpCloseAllHandles();
    if (ObpRoot)
        ObpDereference(ObpRoot);
    ObpRoot = NULL;
}

static void ObpDumpDirectory(FILE *Out, OBP_DIRECTORY *Directory, int Depth)
{
    for (PLIST_ENTRY E = Directory->Entries.Flink; E != &Directory->Entries; E = E->Flink) {
        OBP_HEADER *H = CONTAINING_RECORD(E, OBP_HEADER, DirectoryLink);
        fprintf(Out, "%*s%s\\%s", Depth * 2, "", Depth ? "" : "", H->Name);
        if (H->Type == &ObpSymbolicLinkType)
            fprintf(Out, " -> %s", ((OBP_SYMLINK *)ObpBody(H))->Target);
        else
            fprintf(Out, "  [%s]", H->Type->Name);
        fputc('\n', Out);
        if (H->Type == &ObpDirectoryType)
            ObpDumpDirectory(Out, ObpBody(H), Depth + 1);
    }
}

void ObpDumpNamespace(FILE *Out, const char *Root)
{
    PVOID Object;
    if (Root == NULL || strcmp(Root, "\\") == 0) {
        fprintf(Out, "\\\n");
        ObpDumpDirectory(Out, ObpRoot, 1);
        return;
    }
    if (!NT_SUCCESS(ObpLookupLinkUtf8(Root, &Object)))
        return;
    OBP_HEADER *H = ObpHeader(Object);
    if (H->Type == &ObpSymbolicLinkType)
        fprintf(Out, "%s -> %s\n", Root, ((OBP_SYMLINK *)Object)->Target);
    else
        fprintf(Out, "%s  [%s, %ld references]\n", Root, H->Type->Name, (long)H->PointerCount - 1); /* less the lookup's own */
    if (H->Type == &ObpDirectoryType)
        ObpDumpDirectory(Out, Object, 1);
    ObpDereference(Object);
}
