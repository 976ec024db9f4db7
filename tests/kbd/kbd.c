/* kbd.c - driver/i8042kbd on the simulated PC: a key typed with ntsim_kbd_key reaches
 * a pending read as KEYBOARD_INPUT_DATA (set 1, translated by the controller), text
 * typed with ntsim_kbd_type arrives in order with shift, mouse motion, buttons and the
 * wheel arrive as MOUSE_INPUT_DATA from 4-byte IntelliMouse packets, the ISR runs one
 * PS/2 byte time after a key press, and a controller that never becomes ready or is
 * missing fails DriverEntry cleanly. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include <hwmodel/i8042.h>

#include "ntsim_test.h"
#include "../../driver/i8042kbd/i8042kbd_ioctl.h"

#define MS 1000000ull

static ntsim_machine *Machine;
static ntsim_driver *Driver;

static ntsim_machine *NewMachine(const char *const *Devices, int Spurious)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices,
                                    .spurious_irq = Spurious };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    return Machine;
}

static void Load(int32_t Expected)
{
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("i8042kbd.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, Expected);
}

static void Boot(void)
{
    NewMachine(NULL, 0);
    Load(STATUS_SUCCESS);
}

static void Shutdown(void)
{
    if (Driver)
        assert_int_equal(ntsim_driver_unload(Driver), 0);
    Driver = NULL;
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static I8042KBD_STATS Stats(ntsim_file *F)
{
    I8042KBD_STATS S;
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F, IOCTL_I8042KBD_STATS, NULL, 0, &S, sizeof(S), &Returned), STATUS_SUCCESS);
    assert_int_equal(Returned, sizeof(S));
    return S;
}

/* Read exactly Count keyboard records, waiting for them in virtual time. */
static void ReadKeys(ntsim_file *F, KEYBOARD_INPUT_DATA *Keys, size_t Count)
{
    for (size_t Got = 0; Got < Count;) {
        ntsim_request *R;
        int32_t Status = ntsim_read_async(F, Keys + Got, (Count - Got) * sizeof(*Keys), &R);
        assert_true(Status == STATUS_PENDING || Status == STATUS_SUCCESS);
        assert_int_equal(ntsim_request_wait(R, 200 * MS), 1);
        size_t Bytes = 0;
        assert_true(ntsim_request_done(R, &Status, &Bytes));
        assert_int_equal(Status, STATUS_SUCCESS);
        assert_int_equal(Bytes % sizeof(*Keys), 0);
        Got += Bytes / sizeof(*Keys);
        ntsim_request_free(R);
    }
}

static void AssertKey(const KEYBOARD_INPUT_DATA *K, USHORT Code, USHORT Flags)
{
    assert_int_equal(K->MakeCode, Code);
    assert_int_equal(K->Flags, Flags);
}

/* ---- tests ---- */

static void test_loads_claims_and_finds_a_wheel_mouse(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(ntsim_finding_count(Machine), 0);
    assert_true(ntsim_object_exists(Machine, "\\Device\\KeyboardPort0"));
    assert_true(ntsim_object_exists(Machine, "\\Device\\PointerPort0"));
    char *Map = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    assert_non_null(Map);
    assert_non_null(strstr(Map, "LOADED I8042 PORT RESOURCES\\i8042kbd]"));
    free(Map);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    I8042KBD_STATS S = Stats(F);
    assert_int_equal(S.MouseId, 3);               /* the 200, 100, 80 rate sequence worked */
    hw_i8042 *Kbc = ntsim_machine_i8042(Machine);
    assert_int_equal(hw_i8042_command_byte(Kbc), 0x47);
    assert_int_equal(hw_i8042_mouse_id(Kbc), 3);
    assert_true(hw_i8042_mouse_reporting(Kbc));
    ntsim_close(F);
    Shutdown();
}

static void test_a_typed_key_reaches_a_pending_read(void **state)
{
    (void)state;
    Boot();
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    KEYBOARD_INPUT_DATA Key[2];
    ntsim_request *R;
    assert_int_equal(ntsim_read_async(F, Key, sizeof(Key[0]), &R), STATUS_PENDING);
    assert_int_equal(ntsim_run_for(Machine, 10 * MS), 0);
    assert_false(ntsim_request_done(R, NULL, NULL));   /* nothing typed yet */
    uint64_t Pressed = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_kbd_key(Machine, 0x1E, 1), 0);   /* 'A' */
    assert_int_equal(ntsim_request_wait(R, 100 * MS), 1);
    int32_t Status;
    size_t Bytes;
    assert_true(ntsim_request_done(R, &Status, &Bytes));
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Bytes, sizeof(KEYBOARD_INPUT_DATA));
    AssertKey(&Key[0], 0x1E, KEY_MAKE);
    ntsim_request_free(R);
    /* the ISR ran one PS/2 byte time (880 us) after the press */
    I8042KBD_STATS S = Stats(F);
    uint64_t IsrNs = S.LastKeyboardIsr * (1000000000ull / S.PerformanceFrequency);
    assert_true(IsrNs >= Pressed + HW_I8042_PS2_BYTE_NS && IsrNs <= Pressed + HW_I8042_PS2_BYTE_NS + 10000);
    assert_int_equal(ntsim_kbd_key(Machine, 0x1E, 0), 0);
    assert_int_equal(ntsim_kbd_key(Machine, HW_KEY_UP, 1), 0);
    ReadKeys(F, Key, 2);
    AssertKey(&Key[0], 0x1E, KEY_BREAK);
    AssertKey(&Key[1], 0x48, KEY_E0);
    assert_int_equal(ntsim_kbd_key(Machine, 0x7F, 1), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "not a key code"));
    ntsim_close(F);
    Shutdown();
}

static void test_typed_text_arrives_in_order(void **state)
{
    (void)state;
    Boot();
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    assert_int_equal(ntsim_kbd_type(Machine, "Hi\n"), 0);
    KEYBOARD_INPUT_DATA Keys[8];
    ReadKeys(F, Keys, 8);
    static const USHORT Codes[8] = { 0x2A, 0x23, 0x23, 0x2A, 0x17, 0x17, 0x1C, 0x1C };
    static const USHORT Flags[8] = { KEY_MAKE, KEY_MAKE, KEY_BREAK, KEY_BREAK, KEY_MAKE, KEY_BREAK, KEY_MAKE, KEY_BREAK };
    for (int i = 0; i < 8; i++)
        AssertKey(&Keys[i], Codes[i], Flags[i]);
    assert_int_equal(ntsim_kbd_type(Machine, "\x01"), NTSIM_E_ARGS);
    /* cleanup cancels a read still pending */
    ntsim_request *R;
    assert_int_equal(ntsim_read_async(F, Keys, sizeof(Keys[0]), &R), STATUS_PENDING);
    ntsim_close(F);
    int32_t Status;
    assert_true(ntsim_request_done(R, &Status, NULL));
    assert_int_equal(Status, STATUS_CANCELLED);
    ntsim_request_free(R);
    Shutdown();
}

static void test_mouse_packets(void **state)
{
    (void)state;
    Boot();
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_POINTER_PATH, &F), STATUS_SUCCESS);
    MOUSE_INPUT_DATA M[2];
    ntsim_request *R;
    assert_int_equal(ntsim_read_async(F, M, sizeof(M[0]), &R), STATUS_PENDING);
    assert_int_equal(ntsim_mouse_buttons(Machine, 1), 0);
    assert_int_equal(ntsim_mouse_move(Machine, 7, -5, 1), 0);
    assert_int_equal(ntsim_request_wait(R, 100 * MS), 1);
    int32_t Status;
    size_t Bytes;
    assert_true(ntsim_request_done(R, &Status, &Bytes));
    assert_int_equal(Bytes, sizeof(MOUSE_INPUT_DATA));
    ntsim_request_free(R);
    assert_int_equal(M[0].LastX, 7);
    assert_int_equal(M[0].LastY, 5);                  /* PS/2 up is Windows' minus */
    assert_int_equal(M[0].ButtonFlags, MOUSE_LEFT_BUTTON_DOWN | MOUSE_WHEEL);
    assert_int_equal((SHORT)M[0].ButtonData, -120);
    assert_int_equal(M[0].RawButtons, 1);
    assert_int_equal(ntsim_mouse_buttons(Machine, 0), 0);
    assert_int_equal(ntsim_read_async(F, M, sizeof(M[0]), &R), STATUS_PENDING);
    assert_int_equal(ntsim_request_wait(R, 100 * MS), 1);
    ntsim_request_free(R);
    assert_int_equal(M[0].ButtonFlags, MOUSE_LEFT_BUTTON_UP);
    assert_int_equal(M[0].LastX, 0);
    ntsim_file *K;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &K), STATUS_SUCCESS);
    I8042KBD_STATS S = Stats(K);
    assert_int_equal(S.PacketsQueued, 2);
    assert_int_equal(S.KeysQueued, 0);
    ntsim_close(K);
    ntsim_close(F);
    Shutdown();
}

static void test_led_command_through_the_isr(void **state)
{
    (void)state;
    Boot();
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    KEYBOARD_INDICATOR_PARAMETERS P = { 0, KEYBOARD_CAPS_LOCK_ON | KEYBOARD_NUM_LOCK_ON };
    size_t Returned;
    hw_i8042 *Kbc = ntsim_machine_i8042(Machine);
    assert_int_equal(hw_i8042_leds(Kbc), 0);
    uint64_t Start = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_ioctl(F, IOCTL_KEYBOARD_SET_INDICATORS, &P, sizeof(P), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_int_equal(hw_i8042_leds(Kbc), 6);
    /* two bytes out and two ACKs back: four PS/2 byte times at least */
    assert_true(ntsim_now_ns(Machine) - Start >= 4 * HW_I8042_PS2_BYTE_NS);
    KEYBOARD_INDICATOR_PARAMETERS Q = { 9, 9 };
    assert_int_equal(ntsim_ioctl(F, IOCTL_KEYBOARD_QUERY_INDICATORS, NULL, 0, &Q, sizeof(Q), &Returned), STATUS_SUCCESS);
    assert_int_equal(Q.LedFlags, 6);
    /* the ACKs were not taken for keys, and keys still arrive */
    assert_int_equal(ntsim_kbd_key(Machine, 0x3A, 1), 0);
    KEYBOARD_INPUT_DATA Key;
    ReadKeys(F, &Key, 1);
    AssertKey(&Key, 0x3A, KEY_MAKE);
    assert_int_equal(Stats(F).KeysQueued, 1);
    ntsim_close(F);
    Shutdown();
}

static void test_spurious_interrupt_after_connect(void **state)
{
    (void)state;
    NewMachine(NULL, 1);
    Load(STATUS_SUCCESS);
    assert_int_equal(ntsim_kbd_key(Machine, 0x10, 1), 0);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    KEYBOARD_INPUT_DATA Key;
    ReadKeys(F, &Key, 1);
    AssertKey(&Key, 0x10, KEY_MAKE);
    ntsim_close(F);
    Shutdown();
}

static void test_controller_never_ready_fails_cleanly(void **state)
{
    (void)state;
    NewMachine(NULL, 0);
    hw_fault Hang = { .kinds = HW_FAULT_NEVER_READY };
    hw_i8042_inject(ntsim_machine_i8042(Machine), &Hang);
    Load(STATUS_NO_SUCH_DEVICE);
    Driver = NULL;
    assert_false(ntsim_object_exists(Machine, "\\Device\\KeyboardPort0"));
    assert_true(ntsim_error_log_count(Machine) >= 1);
    Shutdown();
}

static void test_no_controller_on_the_machine(void **state)
{
    (void)state;
    static const char *const NoKbc[] = { "uart16550,io=0x3f8,irq=4", NULL };
    NewMachine(NoKbc, 0);
    Load(STATUS_NO_SUCH_DEVICE);
    Driver = NULL;
    Shutdown();
}

static void test_no_mouse_keyboard_still_works(void **state)
{
    (void)state;
    static const char *const NoMouse[] = { "i8042,mouse=off", NULL };
    NewMachine(NoMouse, 0);
    Load(STATUS_SUCCESS);
    ntsim_file *F, *P;
    assert_int_equal(ntsim_open(Machine, I8042KBD_POINTER_PATH, &P), STATUS_SUCCESS);
    MOUSE_INPUT_DATA M;
    size_t Got;
    assert_int_equal(ntsim_read(P, &M, sizeof(M), &Got), STATUS_DEVICE_NOT_CONNECTED);
    ntsim_close(P);
    assert_int_equal(ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &F), STATUS_SUCCESS);
    assert_int_equal(ntsim_kbd_key(Machine, 0x39, 1), 0);
    KEYBOARD_INPUT_DATA Key;
    ReadKeys(F, &Key, 1);
    AssertKey(&Key, 0x39, KEY_MAKE);
    ntsim_close(F);
    Shutdown();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_loads_claims_and_finds_a_wheel_mouse),
        cmocka_unit_test(test_a_typed_key_reaches_a_pending_read),
        cmocka_unit_test(test_typed_text_arrives_in_order),
        cmocka_unit_test(test_mouse_packets),
        cmocka_unit_test(test_led_command_through_the_isr),
        cmocka_unit_test(test_spurious_interrupt_after_connect),
        cmocka_unit_test(test_controller_never_ready_fails_cleanly),
        cmocka_unit_test(test_no_controller_on_the_machine),
        cmocka_unit_test(test_no_mouse_keyboard_still_works),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
