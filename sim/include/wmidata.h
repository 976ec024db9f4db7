/* wmidata.h - the standard WMI data blocks of the input, serial and parallel class and port
 * drivers: their GUIDs (as brace initialisers *_GUID and as DEFINE_GUID objects, wmiguid.h),
 * structures and item constants. Names and values as the WDK has them; part of ntsim. */
#ifndef NTSIM_WMIDATA_H
#define NTSIM_WMIDATA_H

#include <wmiguid.h>

/* GUIDs as initialisers: GUID g = KEYBOARD_PORT_WMI_STD_DATA_GUID; */
#define AGP_WMI_STD_DATA_GUID {0x8c27fbed,0x1c7b,0x47e4, {0xa6,0x49,0x0e,0x38,0x9d,0x3a,0xda,0x4f}}
#define DATA_PROVIDER_PNPID_GUID {0xc7bf35d2,0xaadb,0x11d1, {0xbf,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define DATA_PROVIDER_PNPID_INSTANCE_NAMES_GUID {0xc7bf35d3,0xaadb,0x11d1, {0xbf,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define DEVICE_UI_FIRMWARE_REVISION_GUID {0x4504b1d4,0xc5ee,0x4df6, {0x95,0x1f,0x16,0x18,0x0e,0x3d,0xd8,0x15}}
#define KEYBOARD_PORT_WMI_STD_DATA_GUID {0x4731f89a,0x71cb,0x11d1, {0xa5,0x2c,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define PARALLEL_WMI_BYTES_TRANSFERRED_GUID {0x89fef2d6,0x654b,0x11d2, {0x9e,0x15,0x00,0xc0,0x4f,0x8e,0xf4,0x81}}
#define PARPORT_WMI_ALLOCATE_FREE_COUNTS_GUID {0x4bbb69ea,0x6853,0x11d2, {0x8e,0xce,0x00,0xc0,0x4f,0x8e,0xf4,0x81}}
#define POINTER_PORT_WMI_STD_DATA_GUID {0x4731f89c,0x71cb,0x11d1, {0xa5,0x2c,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define SERIAL_PORT_WMI_COMM_GUID {0xedb16a62,0xb16c,0x11d1, {0xbd,0x98,0x00,0xa0,0xc9,0x06,0xbe,0x2d}}
#define SERIAL_PORT_WMI_HW_GUID {0x270b9b86,0xb16d,0x11d1, {0xbd,0x98,0x00,0xa0,0xc9,0x06,0xbe,0x2d}}
#define SERIAL_PORT_WMI_NAME_GUID {0xa0ec11a8,0xb16c,0x11d1, {0xbd,0x98,0x00,0xa0,0xc9,0x06,0xbe,0x2d}}
#define SERIAL_PORT_WMI_PERF_GUID {0x56415acc,0xb16d,0x11d1, {0xbd,0x98,0x00,0xa0,0xc9,0x06,0xbe,0x2d}}
#define SERIAL_PORT_WMI_PROPERTIES_GUID {0x8209ec2a,0x2d6b,0x11d2, {0xba,0x49,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define SYSID_1394_DATA_GUID {0x8f680855,0xa584,0x11d1, {0xbf,0x38,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define SYSID_UUID_DATA_GUID {0x8f680853,0xa584,0x11d1, {0xbf,0x38,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_ATAPI_FAILURE_PREDICT_DATA_GUID {0x78ebc103,0x4cf9,0x11d2, {0xba,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_CHANGER_PARAMETERS_GUID {0x24eb52ac,0x7c77,0x438b, {0xab,0x61,0xd0,0x24,0xda,0xb0,0xc0,0x3a}}
#define WMI_CHANGER_PROBLEM_DEVICE_ERROR_GUID {0x56b396a8,0x0b95,0x42fe, {0xbb,0xce,0xd3,0x6f,0xda,0x90,0x4f,0x8e}}
#define WMI_CHANGER_PROBLEM_WARNING_GUID {0x45db06a5,0x20d5,0x4de3, {0xa3,0x6c,0x3a,0xb9,0x74,0x60,0x0a,0x4c}}
#define WMI_STORAGE_FAILURE_PREDICT_DATA_GUID {0x78ebc103,0x4cf9,0x11d2, {0xba,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_STORAGE_FAILURE_PREDICT_FUNCTION_GUID {0x78ebc105,0x4cf9,0x11d2, {0xba,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_STORAGE_FAILURE_PREDICT_STATUS_GUID {0x78ebc102,0x4cf9,0x11d2, {0xba,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_STORAGE_FAILURE_PREDICT_THRESHOLDS_GUID {0xdae10783,0xcc31,0x4d2a, {0x8a,0x0f,0x86,0x1c,0x04,0x07,0x7a,0x95}}
#define WMI_STORAGE_PREDICT_FAILURE_EVENT_GUID {0x78ebc104,0x4cf9,0x11d2, {0xba,0x4a,0x00,0xa0,0xc9,0x06,0x29,0x10}}
#define WMI_STORAGE_SCSI_INFO_EXCEPTIONS_GUID {0x1101d829,0x167b,0x4ebf, {0xac,0xae,0x28,0xca,0xb7,0xc3,0x48,0x02}}
#define WMI_TAPE_DRIVE_PARAMETERS_GUID {0xb9a8cfd5,0x8d72,0x47a4, {0xac,0x0e,0x28,0x4a,0x32,0x00,0xf4,0xfb}}
#define WMI_TAPE_MEDIA_PARAMETERS_GUID {0x8c2147a4,0xff29,0x4336, {0xb8,0xa4,0x22,0x7b,0x54,0xcc,0x09,0x66}}
#define WMI_TAPE_PROBLEM_DEVICE_ERROR_GUID {0x43ec6b13,0x10bb,0x4bf6, {0xb7,0x16,0x1c,0x1e,0x2f,0x10,0xbb,0x5f}}
#define WMI_TAPE_PROBLEM_IO_ERROR_GUID {0x58fd29f9,0xb516,0x40fd, {0x87,0x1a,0x7e,0xe7,0x6d,0x5b,0xb5,0x3e}}
#define WMI_TAPE_PROBLEM_WARNING_GUID {0xbc4dd36c,0xfa66,0x4080, {0x87,0xa0,0x0c,0x59,0x22,0xeb,0x78,0x87}}
#define WMI_TAPE_SYMBOLIC_NAME_GUID {0x3fb828f7,0xf119,0x4066, {0xb1,0xe6,0xdb,0x40,0x7c,0xe9,0xde,0x91}}

/* data item identifiers, sizes and values */
#define KEYBOARD_PORT_WMI_STD_I8042 0
#define KEYBOARD_PORT_WMI_STD_SERIAL 1
#define KEYBOARD_PORT_WMI_STD_USB 2
#define KEYBOARD_PORT_WMI_STD_DATA_ConnectorType_ID 1
#define KEYBOARD_PORT_WMI_STD_DATA_DataQueueSize_ID 2
#define KEYBOARD_PORT_WMI_STD_DATA_ErrorCount_ID 3
#define KEYBOARD_PORT_WMI_STD_DATA_FunctionKeys_ID 4
#define KEYBOARD_PORT_WMI_STD_DATA_Indicators_ID 5
#define KEYBOARD_ID_EX_Type_ID 1
#define KEYBOARD_ID_EX_Subtype_ID 2
#define POINTER_PORT_WMI_STD_I8042 0
#define POINTER_PORT_WMI_STD_SERIAL 1
#define POINTER_PORT_WMI_STD_USB 2
#define POINTER_PORT_WMI_STD_DATA_ConnectorType_ID 1
#define POINTER_PORT_WMI_STD_DATA_DataQueueSize_ID 2
#define POINTER_PORT_WMI_STD_DATA_ErrorCount_ID 3
#define POINTER_PORT_WMI_STD_DATA_Buttons_ID 4
#define POINTER_PORT_WMI_STD_MOUSE 0
#define POINTER_PORT_WMI_STD_POINTER 1
#define POINTER_PORT_WMI_ABSOLUTE_POINTER 2
#define POINTER_PORT_WMI_TABLET 3
#define POINTER_PORT_WMI_TOUCH_SCRENE 4
#define POINTER_PORT_WMI_PEN 5
#define POINTER_PORT_WMI_TRACK_BALL 6
#define POINTER_PORT_WMI_OTHER 256
#define POINTER_PORT_WMI_STD_DATA_HardwareType_ID 5
#define MSMouse_ClassInformation_DeviceId_ID 1
#define MSKeyboard_ClassInformation_DeviceId_ID 1
#define MSSerial_PortName_PortName_ID 1
#define SERIAL_WMI_COMM_DATA_BaudRate_ID 1
#define SERIAL_WMI_COMM_DATA_BitsPerByte_ID 2
#define SERIAL_WMI_PARITY_NONE 0
#define SERIAL_WMI_PARITY_ODD 1
#define SERIAL_WMI_PARITY_EVEN 2
#define SERIAL_WMI_PARITY_SPACE 3
#define SERIAL_WMI_PARITY_MARK 4
#define SERIAL_WMI_COMM_DATA_Parity_ID 3
#define SERIAL_WMI_COMM_DATA_ParityCheckEnable_ID 4
#define SERIAL_WMI_STOP_1 0
#define SERIAL_WMI_STOP_1_5 1
#define SERIAL_WMI_STOP_2 2
#define SERIAL_WMI_COMM_DATA_StopBits_ID 5
#define SERIAL_WMI_COMM_DATA_XoffCharacter_ID 6
#define SERIAL_WMI_COMM_DATA_XoffXmitThreshold_ID 7
#define SERIAL_WMI_COMM_DATA_XonCharacter_ID 8
#define SERIAL_WMI_COMM_DATA_XonXmitThreshold_ID 9
#define SERIAL_WMI_COMM_DATA_MaximumBaudRate_ID 10
#define SERIAL_WMI_COMM_DATA_MaximumOutputBufferSize_ID 11
#define SERIAL_WMI_COMM_DATA_MaximumInputBufferSize_ID 12
#define SERIAL_WMI_COMM_DATA_Support16BitMode_ID 13
#define SERIAL_WMI_COMM_DATA_SupportDTRDSR_ID 14
#define SERIAL_WMI_COMM_DATA_SupportIntervalTimeouts_ID 15
#define SERIAL_WMI_COMM_DATA_SupportParityCheck_ID 16
#define SERIAL_WMI_COMM_DATA_SupportRTSCTS_ID 17
#define SERIAL_WMI_COMM_DATA_SupportXonXoff_ID 18
#define SERIAL_WMI_COMM_DATA_SettableBaudRate_ID 19
#define SERIAL_WMI_COMM_DATA_SettableDataBits_ID 20
#define SERIAL_WMI_COMM_DATA_SettableFlowControl_ID 21
#define SERIAL_WMI_COMM_DATA_SettableParity_ID 22
#define SERIAL_WMI_COMM_DATA_SettableParityCheck_ID 23
#define SERIAL_WMI_COMM_DATA_SettableStopBits_ID 24
#define SERIAL_WMI_COMM_DATA_IsBusy_ID 25
#define SERIAL_WMI_HW_DATA_IrqNumber_ID 1
#define SERIAL_WMI_HW_DATA_IrqVector_ID 2
#define SERIAL_WMI_HW_DATA_IrqLevel_ID 3
#define SERIAL_WMI_HW_DATA_IrqAffinityMask_ID 4
#define SERIAL_WMI_INTTYPE_LATCHED 0
#define SERIAL_WMI_INTTYPE_LEVEL 1
#define SERIAL_WMI_HW_DATA_InterruptType_ID 5
#define SERIAL_WMI_HW_DATA_BaseIOAddress_ID 6
#define SERIAL_WMI_PERF_DATA_ReceivedCount_ID 1
#define SERIAL_WMI_PERF_DATA_TransmittedCount_ID 2
#define SERIAL_WMI_PERF_DATA_FrameErrorCount_ID 3
#define SERIAL_WMI_PERF_DATA_SerialOverrunErrorCount_ID 4
#define SERIAL_WMI_PERF_DATA_BufferOverrunErrorCount_ID 5
#define SERIAL_WMI_PERF_DATA_ParityErrorCount_ID 6
#define SERIAL_WMI_COMMPROP_wPacketLength_ID 1
#define SERIAL_WMI_COMMPROP_wPacketVersion_ID 2
#define SERIAL_WMI_COMMPROP_dwServiceMask_ID 3
#define SERIAL_WMI_COMMPROP_dwReserved1_ID 4
#define SERIAL_WMI_COMMPROP_dwMaxTxQueue_ID 5
#define SERIAL_WMI_COMMPROP_dwMaxRxQueue_ID 6
#define SERIAL_WMI_COMMPROP_dwMaxBaud_ID 7
#define SERIAL_WMI_COMMPROP_dwProvSubType_ID 8
#define SERIAL_WMI_COMMPROP_dwProvCapabilities_ID 9
#define SERIAL_WMI_COMMPROP_dwSettableParams_ID 10
#define SERIAL_WMI_COMMPROP_dwSettableBaud_ID 11
#define SERIAL_WMI_COMMPROP_wSettableData_ID 12
#define SERIAL_WMI_COMMPROP_wSettableStopParity_ID 13
#define SERIAL_WMI_COMMPROP_dwCurrentTxQueue_ID 14
#define SERIAL_WMI_COMMPROP_dwCurrentRxQueue_ID 15
#define SERIAL_WMI_COMMPROP_dwProvSpec1_ID 16
#define SERIAL_WMI_COMMPROP_dwProvSpec2_ID 17
#define SERIAL_WMI_COMMPROP_dwProvCharSize_ID 18
#define SERIAL_WMI_COMMPROP_wcProvChar_ID 19
#define PARPORT_WMI_ALLOC_FREE_COUNTS_PortAllocates_ID 1
#define PARPORT_WMI_ALLOC_FREE_COUNTS_PortFrees_ID 2
#define PARALLEL_WMI_LOG_INFO_Flags1_ID 1
#define PARALLEL_WMI_LOG_INFO_Flags2_ID 2
#define PARALLEL_WMI_LOG_INFO_spare_ID 3
#define PARALLEL_WMI_LOG_INFO_SppWriteCount_ID 4
#define PARALLEL_WMI_LOG_INFO_NibbleReadCount_ID 5
#define PARALLEL_WMI_LOG_INFO_BoundedEcpWriteCount_ID 6
#define PARALLEL_WMI_LOG_INFO_BoundedEcpReadCount_ID 7
#define PARALLEL_WMI_LOG_INFO_HwEcpWriteCount_ID 8
#define PARALLEL_WMI_LOG_INFO_HwEcpReadCount_ID 9
#define PARALLEL_WMI_LOG_INFO_SwEcpWriteCount_ID 10
#define PARALLEL_WMI_LOG_INFO_SwEcpReadCount_ID 11
#define PARALLEL_WMI_LOG_INFO_HwEppWriteCount_ID 12
#define PARALLEL_WMI_LOG_INFO_HwEppReadCount_ID 13
#define PARALLEL_WMI_LOG_INFO_SwEppWriteCount_ID 14
#define PARALLEL_WMI_LOG_INFO_SwEppReadCount_ID 15
#define PARALLEL_WMI_LOG_INFO_ByteReadCount_ID 16
#define PARALLEL_WMI_LOG_INFO_ChannelNibbleReadCount_ID 17
#define KEYBOARD_PORT_WMI_STD_DATA_ConnectorType_SIZE sizeof(ULONG)
#define KEYBOARD_PORT_WMI_STD_DATA_DataQueueSize_SIZE sizeof(ULONG)
#define KEYBOARD_PORT_WMI_STD_DATA_ErrorCount_SIZE sizeof(ULONG)
#define KEYBOARD_PORT_WMI_STD_DATA_FunctionKeys_SIZE sizeof(ULONG)
#define KEYBOARD_PORT_WMI_STD_DATA_Indicators_SIZE sizeof(ULONG)
#define KEYBOARD_ID_EX_Type_SIZE sizeof(ULONG)
#define KEYBOARD_ID_EX_Subtype_SIZE sizeof(ULONG)
#define POINTER_PORT_WMI_STD_DATA_ConnectorType_SIZE sizeof(ULONG)
#define POINTER_PORT_WMI_STD_DATA_DataQueueSize_SIZE sizeof(ULONG)
#define POINTER_PORT_WMI_STD_DATA_ErrorCount_SIZE sizeof(ULONG)
#define POINTER_PORT_WMI_STD_DATA_Buttons_SIZE sizeof(ULONG)
#define POINTER_PORT_WMI_STD_DATA_HardwareType_SIZE sizeof(ULONG)
#define MSMouse_ClassInformation_DeviceId_SIZE sizeof(ULONGLONG)
#define MSKeyboard_ClassInformation_DeviceId_SIZE sizeof(ULONGLONG)
#define SERIAL_WMI_COMM_DATA_BaudRate_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_BitsPerByte_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_Parity_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_ParityCheckEnable_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_StopBits_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_XoffCharacter_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_XoffXmitThreshold_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_XonCharacter_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_XonXmitThreshold_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_MaximumBaudRate_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_MaximumOutputBufferSize_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_MaximumInputBufferSize_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMM_DATA_Support16BitMode_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SupportDTRDSR_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SupportIntervalTimeouts_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SupportParityCheck_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SupportRTSCTS_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SupportXonXoff_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableBaudRate_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableDataBits_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableFlowControl_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableParity_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableParityCheck_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_SettableStopBits_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_COMM_DATA_IsBusy_SIZE sizeof(BOOLEAN)
#define SERIAL_WMI_HW_DATA_IrqNumber_SIZE sizeof(ULONG)
#define SERIAL_WMI_HW_DATA_IrqVector_SIZE sizeof(ULONG)
#define SERIAL_WMI_HW_DATA_IrqLevel_SIZE sizeof(ULONG)
#define SERIAL_WMI_HW_DATA_IrqAffinityMask_SIZE sizeof(ULONGLONG)
#define SERIAL_WMI_HW_DATA_InterruptType_SIZE sizeof(ULONG)
#define SERIAL_WMI_HW_DATA_BaseIOAddress_SIZE sizeof(ULONGLONG)
#define SERIAL_WMI_PERF_DATA_ReceivedCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_PERF_DATA_TransmittedCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_PERF_DATA_FrameErrorCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_PERF_DATA_SerialOverrunErrorCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_PERF_DATA_BufferOverrunErrorCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_PERF_DATA_ParityErrorCount_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_wPacketLength_SIZE sizeof(USHORT)
#define SERIAL_WMI_COMMPROP_wPacketVersion_SIZE sizeof(USHORT)
#define SERIAL_WMI_COMMPROP_dwServiceMask_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwReserved1_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwMaxTxQueue_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwMaxRxQueue_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwMaxBaud_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwProvSubType_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwProvCapabilities_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwSettableParams_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwSettableBaud_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_wSettableData_SIZE sizeof(USHORT)
#define SERIAL_WMI_COMMPROP_wSettableStopParity_SIZE sizeof(USHORT)
#define SERIAL_WMI_COMMPROP_dwCurrentTxQueue_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwCurrentRxQueue_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwProvSpec1_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwProvSpec2_SIZE sizeof(ULONG)
#define SERIAL_WMI_COMMPROP_dwProvCharSize_SIZE sizeof(ULONG)
#define PARPORT_WMI_ALLOC_FREE_COUNTS_PortAllocates_SIZE sizeof(ULONG)
#define PARPORT_WMI_ALLOC_FREE_COUNTS_PortFrees_SIZE sizeof(ULONG)
#define PARALLEL_WMI_LOG_INFO_Flags1_SIZE sizeof(ULONG)
#define PARALLEL_WMI_LOG_INFO_Flags2_SIZE sizeof(ULONG)
#define PARALLEL_WMI_LOG_INFO_SppWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_NibbleReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_BoundedEcpWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_BoundedEcpReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_HwEcpWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_HwEcpReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_SwEcpWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_SwEcpReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_HwEppWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_HwEppReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_SwEppWriteCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_SwEppReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_ByteReadCount_SIZE sizeof(LONGLONG)
#define PARALLEL_WMI_LOG_INFO_ChannelNibbleReadCount_SIZE sizeof(LONGLONG)

typedef struct _KEYBOARD_PORT_WMI_STD_DATA {
    ULONG ConnectorType; /* KEYBOARD_PORT_WMI_STD_I8042 ... */
    ULONG DataQueueSize;
    ULONG ErrorCount;
    ULONG FunctionKeys;
    ULONG Indicators;
} KEYBOARD_PORT_WMI_STD_DATA, *PKEYBOARD_PORT_WMI_STD_DATA;

typedef struct _POINTER_PORT_WMI_STD_DATA {
    ULONG ConnectorType; /* POINTER_PORT_WMI_STD_I8042 ... */
    ULONG DataQueueSize;
    ULONG ErrorCount;
    ULONG Buttons;
    ULONG HardwareType; /* POINTER_PORT_WMI_STD_MOUSE ... */
} POINTER_PORT_WMI_STD_DATA, *PPOINTER_PORT_WMI_STD_DATA;

typedef struct _MSKeyboard_ClassInformation {
    ULONGLONG DeviceId;
} MSKeyboard_ClassInformation, *PMSKeyboard_ClassInformation;

typedef struct _MSMouse_ClassInformation {
    ULONGLONG DeviceId;
} MSMouse_ClassInformation, *PMSMouse_ClassInformation;

typedef struct _MSSerial_PortName {
    CHAR VariableData[1];
} MSSerial_PortName, *PMSSerial_PortName;

typedef struct _SERIAL_WMI_COMM_DATA {
    ULONG BaudRate;
    ULONG BitsPerByte;
    ULONG Parity;
    BOOLEAN ParityCheckEnable;
    ULONG StopBits;
    ULONG XoffCharacter;
    ULONG XoffXmitThreshold;
    ULONG XonCharacter;
    ULONG XonXmitThreshold;
    ULONG MaximumBaudRate;
    ULONG MaximumOutputBufferSize;
    ULONG MaximumInputBufferSize;
    BOOLEAN Support16BitMode;
    BOOLEAN SupportDTRDSR;
    BOOLEAN SupportIntervalTimeouts;
    BOOLEAN SupportParityCheck;
    BOOLEAN SupportRTSCTS;
    BOOLEAN SupportXonXoff;
    BOOLEAN SettableBaudRate;
    BOOLEAN SettableDataBits;
    BOOLEAN SettableFlowControl;
    BOOLEAN SettableParity;
    BOOLEAN SettableParityCheck;
    BOOLEAN SettableStopBits;
    BOOLEAN IsBusy;
} SERIAL_WMI_COMM_DATA, *PSERIAL_WMI_COMM_DATA;

typedef struct _SERIAL_WMI_HW_DATA {
    ULONG IrqNumber;
    ULONG IrqVector;
    ULONG IrqLevel;
    ULONGLONG IrqAffinityMask;
    ULONG InterruptType;
    ULONGLONG BaseIOAddress;
} SERIAL_WMI_HW_DATA, *PSERIAL_WMI_HW_DATA;

typedef struct _SERIAL_WMI_PERF_DATA {
    ULONG ReceivedCount;
    ULONG TransmittedCount;
    ULONG FrameErrorCount;
    ULONG SerialOverrunErrorCount;
    ULONG BufferOverrunErrorCount;
    ULONG ParityErrorCount;
} SERIAL_WMI_PERF_DATA, *PSERIAL_WMI_PERF_DATA;

typedef struct _SERIAL_WMI_COMMPROP {
    USHORT wPacketLength;
    USHORT wPacketVersion;
    ULONG dwServiceMask;
    ULONG dwReserved1;
    ULONG dwMaxTxQueue;
    ULONG dwMaxRxQueue;
    ULONG dwMaxBaud;
    ULONG dwProvSubType;
    ULONG dwProvCapabilities;
    ULONG dwSettableParams;
    ULONG dwSettableBaud;
    USHORT wSettableData;
    USHORT wSettableStopParity;
    ULONG dwCurrentTxQueue;
    ULONG dwCurrentRxQueue;
    ULONG dwProvSpec1;
    ULONG dwProvSpec2;
    ULONG dwProvCharSize;
    UCHAR wcProvChar[1];
} SERIAL_WMI_COMMPROP, *PSERIAL_WMI_COMMPROP;

typedef struct _PARPORT_WMI_ALLOC_FREE_COUNTS {
    ULONG PortAllocates;
    ULONG PortFrees;
} PARPORT_WMI_ALLOC_FREE_COUNTS, *PPARPORT_WMI_ALLOC_FREE_COUNTS;

typedef struct _PARALLEL_WMI_LOG_INFO {
    ULONG Flags1;
    ULONG Flags2;
    ULONG spare[2];
    LONGLONG SppWriteCount;
    LONGLONG NibbleReadCount;
    LONGLONG BoundedEcpWriteCount;
    LONGLONG BoundedEcpReadCount;
    LONGLONG HwEcpWriteCount;
    LONGLONG HwEcpReadCount;
    LONGLONG SwEcpWriteCount;
    LONGLONG SwEcpReadCount;
    LONGLONG HwEppWriteCount;
    LONGLONG HwEppReadCount;
    LONGLONG SwEppWriteCount;
    LONGLONG SwEppReadCount;
    LONGLONG ByteReadCount;
    LONGLONG ChannelNibbleReadCount;
} PARALLEL_WMI_LOG_INFO, *PPARALLEL_WMI_LOG_INFO;

#define KEYBOARD_PORT_WMI_STD_DATA_SIZE (FIELD_OFFSET(KEYBOARD_PORT_WMI_STD_DATA, Indicators) + sizeof(ULONG))
#define POINTER_PORT_WMI_STD_DATA_SIZE (FIELD_OFFSET(POINTER_PORT_WMI_STD_DATA, HardwareType) + sizeof(ULONG))

#endif
