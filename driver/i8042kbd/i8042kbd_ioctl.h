/* i8042kbd_ioctl.h - what driver/i8042kbd (i8042kbd.sys) offers user mode.
 *
 * \\.\KeyboardPort0: reads return whole KEYBOARD_INPUT_DATA records (the scan
 * codes of set 1, as the controller translates them), pending until a key arrives.
 * \\.\PointerPort0: reads return MOUSE_INPUT_DATA records, one per PS/2 packet.
 * IOCTL_I8042KBD_STATS (either device) returns I8042KBD_STATS.
 * IOCTL_KEYBOARD_SET_INDICATORS (KeyboardPort0) sends the LED command (0xED) with
 * interrupts on and completes when the keyboard acknowledged both bytes;
 * IOCTL_KEYBOARD_QUERY_INDICATORS returns the LEDs last set.
 *
 * KEYBOARD_INPUT_DATA, KEYBOARD_INDICATOR_PARAMETERS and MOUSE_INPUT_DATA have the layouts and flag values of the
 * WDK's ntddkbd.h / ntddmou.h; they are defined here until ntsim ships those
 * headers. */
#ifndef I8042KBD_IOCTL_H
#define I8042KBD_IOCTL_H

#ifndef KEY_BREAK
typedef struct _KEYBOARD_INPUT_DATA {
    USHORT UnitId;
    USHORT MakeCode;
    USHORT Flags;
    USHORT Reserved;
    ULONG ExtraInformation;
} KEYBOARD_INPUT_DATA, *PKEYBOARD_INPUT_DATA;
#define KEY_MAKE 0
#define KEY_BREAK 1
#define KEY_E0 2
#define KEY_E1 4
#endif

#ifndef KEYBOARD_CAPS_LOCK_ON
typedef struct _KEYBOARD_INDICATOR_PARAMETERS {
    USHORT UnitId;
    USHORT LedFlags;
} KEYBOARD_INDICATOR_PARAMETERS, *PKEYBOARD_INDICATOR_PARAMETERS;
#define KEYBOARD_SCROLL_LOCK_ON 1
#define KEYBOARD_NUM_LOCK_ON 2
#define KEYBOARD_CAPS_LOCK_ON 4
#define IOCTL_KEYBOARD_SET_INDICATORS CTL_CODE(FILE_DEVICE_KEYBOARD, 0x0002, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_KEYBOARD_QUERY_INDICATORS CTL_CODE(FILE_DEVICE_KEYBOARD, 0x0010, METHOD_BUFFERED, FILE_ANY_ACCESS)
#endif

#ifndef MOUSE_LEFT_BUTTON_DOWN
typedef struct _MOUSE_INPUT_DATA {
    USHORT UnitId;
    USHORT Flags;
    union {
        ULONG Buttons;
        struct {
            USHORT ButtonFlags;
            USHORT ButtonData;
        };
    };
    ULONG RawButtons;
    LONG LastX;
    LONG LastY;
    ULONG ExtraInformation;
} MOUSE_INPUT_DATA, *PMOUSE_INPUT_DATA;
#define MOUSE_MOVE_RELATIVE 0
#define MOUSE_LEFT_BUTTON_DOWN 0x0001
#define MOUSE_LEFT_BUTTON_UP 0x0002
#define MOUSE_RIGHT_BUTTON_DOWN 0x0004
#define MOUSE_RIGHT_BUTTON_UP 0x0008
#define MOUSE_MIDDLE_BUTTON_DOWN 0x0010
#define MOUSE_MIDDLE_BUTTON_UP 0x0020
#define MOUSE_WHEEL 0x0400
#endif

typedef struct _I8042KBD_STATS {
    ULONG KeyboardInterrupts;    /* ISR calls that took a keyboard byte */
    ULONG MouseInterrupts;       /* ISR calls that took a mouse byte */
    ULONG KeysQueued;            /* KEYBOARD_INPUT_DATA records produced */
    ULONG PacketsQueued;         /* MOUSE_INPUT_DATA records produced */
    ULONG Overruns;              /* records dropped because the buffer was full */
    ULONG MouseId;               /* 0: plain PS/2, 3: wheel (IntelliMouse) */
    ULONGLONG LastKeyboardIsr;   /* KeQueryPerformanceCounter at the last keyboard ISR */
    ULONGLONG PerformanceFrequency;
} I8042KBD_STATS;

#define IOCTL_I8042KBD_STATS CTL_CODE(FILE_DEVICE_8042_PORT, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

#define I8042KBD_KEYBOARD_PATH "\\\\.\\KeyboardPort0"
#define I8042KBD_POINTER_PATH "\\\\.\\PointerPort0"

#endif
