/* lab2.h - the interface of the lab 2 driver, shared by the driver and its grader. */
#ifndef LAB2_H
#define LAB2_H

#define LAB2_USER_PATH "\\\\.\\Lab2"
#define LAB2_CTL(Function, Method) ((0x22u << 16) | ((Function) << 2) | (Method))
/* METHOD_BUFFERED: the output is the input, reversed. */
#define IOCTL_LAB2_REVERSE LAB2_CTL(0x800u, 0u /* METHOD_BUFFERED */)
/* METHOD_OUT_DIRECT: the output (an MDL) receives the stored data in upper case. */
#define IOCTL_LAB2_UPPER LAB2_CTL(0x801u, 2u /* METHOD_OUT_DIRECT */)
/* METHOD_NEITHER: the input is a user buffer of bytes; the output a ULONG, their sum. */
#define IOCTL_LAB2_SUM LAB2_CTL(0x802u, 3u /* METHOD_NEITHER */)
#define LAB2_CAPACITY 256 /* bytes the device stores */

#endif
