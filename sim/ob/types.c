/* types.c - the object types drivers name as data exports (*ExEventObjectType ...),
 * for ObReferenceObjectByHandle / ObReferenceObjectByPointer to check against.
 * Types whose objects another subsystem creates are defined there (IoFileObjectType
 * in sim/io/file.c, PsThreadType in sim/ke/sched.c, CmKeyObjectType in sim/cm/key.c,
 * IoDeviceObjectType and IoDriverObjectType in sim/io). */
#include "ob/obp.h"

OBJECT_TYPE ExpEventObjectType = { .Name = "Event" };         /* body: KEVENT (sim/ex/event.c) */
OBJECT_TYPE ExpSemaphoreObjectType = { .Name = "Semaphore" }; /* body: KSEMAPHORE */
OBJECT_TYPE PspProcessObjectType = { .Name = "Process" };     /* no process objects are created yet */
OBJECT_TYPE SepTokenObjectType = { .Name = "Token" };         /* no token objects are created yet */

static POBJECT_TYPE ExpEventObjectTypeValue = &ExpEventObjectType;
static POBJECT_TYPE ExpSemaphoreObjectTypeValue = &ExpSemaphoreObjectType;
static POBJECT_TYPE PspProcessObjectTypeValue = &PspProcessObjectType;
static POBJECT_TYPE SepTokenObjectTypeValue = &SepTokenObjectType;

POBJECT_TYPE *ExEventObjectType = &ExpEventObjectTypeValue;
POBJECT_TYPE *ExSemaphoreObjectType = &ExpSemaphoreObjectTypeValue;
POBJECT_TYPE *PsProcessType = &PspProcessObjectTypeValue;
POBJECT_TYPE *SeTokenObjectType = &SepTokenObjectTypeValue;
