/* hwmodel/chardev.c - glue between character back ends and front ends. */
#include "hwmodel/chardev.h"

void hw_chardev_attach(hw_chardev *chr, const hw_chardev_frontend *fe, void *opaque)
{
    chr->fe = fe;
    chr->fe_opaque = opaque;
    if (fe && fe->set_modem_inputs)
        fe->set_modem_inputs(opaque, chr->modem_inputs);
}

void hw_chardev_receive(hw_chardev *chr, const uint8_t *bytes, size_t n)
{
    if (chr->fe && chr->fe->receive && n)
        chr->fe->receive(chr->fe_opaque, bytes, n);
}

void hw_chardev_set_modem_inputs(hw_chardev *chr, unsigned lines)
{
    chr->modem_inputs = lines;
    if (chr->fe && chr->fe->set_modem_inputs)
        chr->fe->set_modem_inputs(chr->fe_opaque, lines);
}

void hw_chardev_write_byte(hw_chardev *chr, uint8_t byte)
{
    if (chr->tap)
        chr->tap(chr->tap_opaque, byte);
    if (chr->write_byte)
        chr->write_byte(chr, byte);
}

void hw_chardev_set_tap(hw_chardev *chr, void (*tap)(void *opaque, uint8_t byte), void *opaque)
{
    chr->tap = tap;
    chr->tap_opaque = opaque;
}

void hw_chardev_set_break(hw_chardev *chr, bool on)
{
    if (chr->set_break)
        chr->set_break(chr, on);
}

void hw_chardev_set_modem_outputs(hw_chardev *chr, unsigned lines)
{
    if (chr->set_modem_outputs)
        chr->set_modem_outputs(chr, lines);
}

void hw_chardev_free(hw_chardev *chr)
{
    if (!chr)
        return;
    chr->fe = NULL;
    if (chr->destroy)
        chr->destroy(chr);
}
