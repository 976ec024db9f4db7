/* lists.c - LIST_ENTRY / SINGLE_LIST_ENTRY helpers and Interlocked* from wdm.h. */
#include "rtltest.h"
#include <wdm.h>

typedef struct {
    LIST_ENTRY Link;
    int Value;
} ITEM;

static int Values(PLIST_ENTRY Head, int *Out, int Max)
{
    int N = 0;
    for (PLIST_ENTRY E = Head->Flink; E != Head && N < Max; E = E->Flink)
        Out[N++] = CONTAINING_RECORD(E, ITEM, Link)->Value;
    /* the backward walk must agree */
    int M = 0;
    for (PLIST_ENTRY E = Head->Blink; E != Head; E = E->Blink)
        assert_int_equal(CONTAINING_RECORD(E, ITEM, Link)->Value, Out[N - 1 - M++]);
    assert_int_equal(M, N);
    return N;
}

static void test_doubly_linked(void **State)
{
    (void)State;
    LIST_ENTRY Head;
    ITEM Items[4] = { { .Value = 1 }, { .Value = 2 }, { .Value = 3 }, { .Value = 4 } };
    InitializeListHead(&Head);
    assert_true(IsListEmpty(&Head));
    InsertTailList(&Head, &Items[1].Link);
    InsertHeadList(&Head, &Items[0].Link);
    InsertTailList(&Head, &Items[2].Link);
    int Out[8];
    assert_int_equal(Values(&Head, Out, 8), 3);
    assert_int_equal(Out[0], 1);
    assert_int_equal(Out[1], 2);
    assert_int_equal(Out[2], 3);
    assert_ptr_equal(RemoveHeadList(&Head), &Items[0].Link);
    assert_ptr_equal(RemoveTailList(&Head), &Items[2].Link);
    assert_false(RemoveEntryList(&Items[1].Link) == FALSE); /* TRUE: the list became empty */
    assert_true(IsListEmpty(&Head));
    LIST_ENTRY Other;
    InitializeListHead(&Other);
    InsertTailList(&Head, &Items[0].Link);
    InsertTailList(&Other, &Items[2].Link);
    InsertTailList(&Other, &Items[3].Link);
    /* AppendTailList takes the list starting at an entry (a headless ring) */
    RemoveEntryList(&Other);
    AppendTailList(&Head, &Items[2].Link);
    assert_int_equal(Values(&Head, Out, 8), 3);
    assert_int_equal(Out[2], 4);
}

static void test_singly_linked(void **State)
{
    (void)State;
    SINGLE_LIST_ENTRY Head = { NULL }, A, B;
    assert_null(PopEntryList(&Head));
    PushEntryList(&Head, &A);
    PushEntryList(&Head, &B);
    assert_ptr_equal(PopEntryList(&Head), &B);
    assert_ptr_equal(PopEntryList(&Head), &A);
    assert_null(Head.Next);
}

static void test_interlocked(void **State)
{
    (void)State;
    volatile LONG V = 5;
    assert_int_equal(InterlockedIncrement(&V), 6);
    assert_int_equal(InterlockedDecrement(&V), 5);
    assert_int_equal(InterlockedExchange(&V, 9), 5);
    assert_int_equal(InterlockedExchangeAdd(&V, 3), 9);
    assert_int_equal(V, 12);
    assert_int_equal(InterlockedCompareExchange(&V, 1, 7), 12); /* no swap */
    assert_int_equal(V, 12);
    assert_int_equal(InterlockedCompareExchange(&V, 1, 12), 12); /* swap */
    assert_int_equal(V, 1);
    assert_int_equal(InterlockedOr(&V, 6), 1);
    assert_int_equal(InterlockedAnd(&V, 3), 7);
    assert_int_equal(V, 3);
    volatile LONG64 W = 1LL << 40;
    assert_true(InterlockedIncrement64(&W) == (1LL << 40) + 1);
    assert_true(InterlockedCompareExchange64(&W, 0, (1LL << 40) + 1) == (1LL << 40) + 1);
    assert_true(W == 0);
    int X, Y;
    PVOID P = &X;
    assert_ptr_equal(InterlockedExchangePointer(&P, &Y), &X);
    assert_ptr_equal(InterlockedCompareExchangePointer(&P, NULL, &Y), &Y);
    assert_null(P);
}

static void test_sizes_and_macros(void **State)
{
    (void)State;
    assert_int_equal(sizeof(ULONG), 4);
    assert_int_equal(sizeof(LONG), 4);
    assert_int_equal(sizeof(WCHAR), 2);
    assert_int_equal(sizeof(L"ab"), 6);
    assert_int_equal(sizeof(ULONG_PTR), sizeof(void *));
    assert_int_equal(sizeof(LARGE_INTEGER), 8);
    assert_int_equal(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), 0x00222000);
    assert_int_equal(CTL_CODE(FILE_DEVICE_SERIAL_PORT, 1, METHOD_NEITHER, FILE_READ_ACCESS | FILE_WRITE_ACCESS), 0x001BC007);
    assert_int_equal(METHOD_FROM_CTL_CODE(0x00222003), METHOD_NEITHER);
    assert_int_equal(DEVICE_TYPE_FROM_CTL_CODE(0x00222003), FILE_DEVICE_UNKNOWN);
    assert_int_equal(IRP_MJ_DEVICE_CONTROL, 0x0e);
    assert_int_equal(IRP_MJ_MAXIMUM_FUNCTION, 0x1b);
    assert_true(NT_SUCCESS(STATUS_PENDING));
    assert_false(NT_SUCCESS(STATUS_INSUFFICIENT_RESOURCES));
    assert_true(NT_WARNING(STATUS_BUFFER_OVERFLOW));
    assert_true(NT_ERROR(STATUS_ACCESS_VIOLATION));
    assert_int_equal((ULONG)STATUS_INSUFFICIENT_RESOURCES, 0xC000009A);
    assert_int_equal(FIELD_OFFSET(ITEM, Value), sizeof(LIST_ENTRY));
    assert_int_equal(IoSizeOfIrp(3), sizeof(IRP) + 3 * sizeof(IO_STACK_LOCATION));
    assert_int_equal(BYTE_OFFSET(0x1234), 0x234);
    assert_int_equal(ADDRESS_AND_SIZE_TO_SPAN_PAGES(0xFFF, 2), 2);
    assert_int_equal(ALIGN_UP_BY(13, 8), 16);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_doubly_linked),
        cmocka_unit_test(test_singly_linked),
        cmocka_unit_test(test_interlocked),
        cmocka_unit_test(test_sizes_and_macros),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
