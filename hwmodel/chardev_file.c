/* hwmodel/chardev_file.c - output-only back end writing every byte to a host
 * file (a printer's output, a serial log).  Input never arrives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hwmodel/chardev.h"

typedef struct file_chardev {
    hw_chardev chr;               /* first: the hw_chardev * is this struct */
    FILE      *f;
} file_chardev;

static void file_write_byte(hw_chardev *c, uint8_t byte)
{
    file_chardev *fc = (file_chardev *)c;
    fputc(byte, fc->f);
}

static void file_destroy(hw_chardev *c)
{
    file_chardev *fc = (file_chardev *)c;
    fclose(fc->f);
    free(fc);
}

hw_chardev *hw_chardev_file_new(const char *path, int *err)
{
    file_chardev *fc = calloc(1, sizeof(*fc));
    if (!fc) {
        if (err)
            *err = -ENOMEM;
        return NULL;
    }
    fc->f = fopen(path, "wb");
    if (!fc->f) {
        if (err)
            *err = -errno;
        free(fc);
        return NULL;
    }
    fc->chr.write_byte = file_write_byte;
    fc->chr.destroy = file_destroy;
    return &fc->chr;
}
