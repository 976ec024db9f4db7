/* hostp.h - the host API's private state. */
#ifndef NTSIM_HOSTP_H
#define NTSIM_HOSTP_H
#include "io/iop.h"

struct ntsim_machine {
    ntsim_machine_config Config;
    LIST_ENTRY Files;     /* ntsim_file.Link: opened by the host, closed at destroy */
    LIST_ENTRY Requests;  /* ntsim_request.Link: not yet freed */
};

struct ntsim_file {
    LIST_ENTRY Link;
    ntsim_machine *Machine;
    PFILE_OBJECT Object;
};

struct ntsim_request {
    LIST_ENTRY Link;
    ntsim_machine *Machine;
    PIRP Irp;
    int Done;
    int32_t Status;
    size_t Information;
    void *UserIn, *UserOut;   /* copies in the simulated user range */
    void *SystemBuffer;
    void *CallerOut;          /* where the output goes back to */
    size_t OutLength;
    int Asynchronous;
    int OutputIsInput;        /* METHOD_IN_DIRECT: the output buffer is data for the device */
    struct ntsim_request *NextFree;
    /* Small system buffers live here: the common request allocates nothing. */
    DECLSPEC_ALIGN(16) UCHAR SmallBuffer[256];
};

extern ntsim_machine *NtsimMachine;
int NtsimCheckMachine(ntsim_machine *Machine);
int IopLoadDriver(const char *ServiceName, const char *ImagePath, PDRIVER_INITIALIZE Entry, IOP_DRIVER **Out,
                  NTSTATUS *EntryStatus);
int IopUnloadDriver(IOP_DRIVER *Driver);
/* sim/host/sched.c: a synchronous request the driver pended waits here (the other
 * threads, DPCs and the clock run) until it completes; < 0: NTSIM_E_CRASHED. */
int32_t NtsimWaitSynchronous(ntsim_request *Request);
void NtsimRequestCompleted(void);
/* sim/host/devices.c: what a device of the machine decodes, for the PnP root bus. */
typedef struct _NTSIM_DEVICE_RESOURCES {
    const char *Kind;   /* the --device type: "uart16550", "i8042", ... */
    unsigned Io, Irq;
    int AuxIrq;         /* i8042 with its mouse port: IRQ 12; else -1 */
    int Dma;            /* isa-fdc: its channel; else -1 */
} NTSIM_DEVICE_RESOURCES;
int NtsimDeviceResources(size_t Index, NTSIM_DEVICE_RESOURCES *Out);
#endif
