/* hwmodel/vcd.c - VCD writer.  The header is written lazily, at the first
 * change (or at close), so signals may be declared until then.  With late
 * signals allowed, the value changes go to a temporary file and the header is
 * written at close, followed by them: signals may then be declared at any time. */
#include "hwmodel/vcd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vcd_signal {
    char    *scope;       /* dotted scope path below "hw", "" for none */
    char    *leaf;
    unsigned width;
    bool     known;       /* a value has been written */
    uint64_t value;
    bool     initial_known; /* the value dumped at time 0 */
    uint64_t initial;
    char     id[8];
} vcd_signal;

typedef struct vcd_pending {
    hw_time_t t;
    uint64_t  seq;
    int       sig;
    uint64_t  value;
} vcd_pending;

struct hw_vcd {
    FILE        *f;        /* where value changes go: out, or body when late */
    FILE        *out;      /* the VCD file */
    FILE        *body;     /* late signals: the changes until close */
    bool         late;
    vcd_signal  *sigs;
    size_t       nsigs, capsigs;
    bool         header_done;
    bool         time_written;
    hw_time_t    last_t;
    vcd_pending *pend;     /* min-heap on (t, seq) */
    size_t       npend, cappend;
    uint64_t     seq;
    int          err;
};

hw_vcd *hw_vcd_open(const char *path)
{
    hw_vcd *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->f = fopen(path, "w");
    if (!v->f) {
        free(v);
        return NULL;
    }
    setvbuf(v->f, NULL, _IOFBF, 1 << 16);
    v->out = v->f;
    return v;
}

int hw_vcd_allow_late_signals(hw_vcd *v)
{
    if (v->late)
        return 0;
    if (v->header_done)
        return -EBUSY;
    v->body = tmpfile();
    if (!v->body)
        return errno ? -errno : -EIO;
    setvbuf(v->body, NULL, _IOFBF, 1 << 16);
    v->f = v->body;
    v->late = true;
    return 0;
}

size_t hw_vcd_signal_count(const hw_vcd *v)
{
    return v ? v->nsigs : 0;
}

int hw_vcd_signal_info(const hw_vcd *v, size_t sig, hw_vcd_signal_desc *desc)
{
    if (!v || sig >= v->nsigs)
        return -EINVAL;
    desc->scope = v->sigs[sig].scope;
    desc->leaf = v->sigs[sig].leaf;
    desc->width = v->sigs[sig].width;
    return 0;
}

static void make_id(char *out, size_t n)
{
    /* printable identifier codes '!'..'~', base 94 */
    size_t i = 0;
    do {
        out[i++] = (char)('!' + n % 94);
        n /= 94;
    } while (n && i < 7);
    out[i] = 0;
}

int hw_vcd_add_signal(hw_vcd *v, const char *name, unsigned width)
{
    int sig = hw_vcd_add_signal_init(v, name, width, 0);
    if (sig >= 0)
        v->sigs[sig].known = v->sigs[sig].initial_known = false;
    return sig;
}

int hw_vcd_add_signal_init(hw_vcd *v, const char *name, unsigned width, uint64_t initial)
{
    if (v->header_done && !v->late)
        return -EBUSY;
    if (!name || !*name || width == 0 || width > 64 || strpbrk(name, " \t\n"))
        return -EINVAL;
    if (v->nsigs == v->capsigs) {
        size_t nc = v->capsigs ? v->capsigs * 2 : 16;
        vcd_signal *ns = realloc(v->sigs, nc * sizeof(*ns));
        if (!ns)
            return -ENOMEM;
        v->sigs = ns;
        v->capsigs = nc;
    }
    const char *dot = strrchr(name, '.');
    vcd_signal *s = &v->sigs[v->nsigs];
    memset(s, 0, sizeof(*s));
    if (dot) {
        s->scope = strndup(name, (size_t)(dot - name));
        s->leaf = strdup(dot + 1);
    } else {
        s->scope = strdup("");
        s->leaf = strdup(name);
    }
    if (!s->scope || !s->leaf || !*s->leaf) {
        free(s->scope);
        free(s->leaf);
        return s->leaf ? -EINVAL : -ENOMEM;
    }
    s->width = width;
    s->known = true;
    s->value = width < 64 ? initial & ((UINT64_C(1) << width) - 1) : initial;
    s->initial = s->value;
    s->initial_known = true;
    make_id(s->id, v->nsigs);
    return (int)v->nsigs++;
}

static void write_scopes(FILE *f, const char *scope, bool open)
{
    /* open: one "$scope module X $end" per component; close: "$upscope" each */
    if (!*scope)
        return;
    if (!open) {
        for (const char *p = scope; p; p = strchr(p + 1, '.'))
            fputs("$upscope $end\n", f);
        return;
    }
    const char *p = scope;
    for (;;) {
        const char *e = strchr(p, '.');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        fprintf(f, "$scope module %.*s $end\n", (int)n, p);
        if (!e)
            break;
        p = e + 1;
    }
}

static void write_value(FILE *f, const vcd_signal *s, uint64_t value)
{
    if (s->width == 1) {
        fprintf(f, "%c%s\n", value ? '1' : '0', s->id);
        return;
    }
    char buf[72];
    int n = 0;
    for (int b = (int)s->width - 1; b >= 0; b--)
        if (n || ((value >> b) & 1) || b == 0)
            buf[n++] = (char)('0' + ((value >> b) & 1));
    buf[n] = 0;
    fprintf(f, "b%s %s\n", buf, s->id);
}

/* The declarations and the values at time 0, to the VCD file itself. */
static void write_declarations(hw_vcd *v)
{
    FILE *f = v->out;
    fputs("$date\n  (virtual time)\n$end\n$version\n  ntsim hwmodel\n$end\n"
          "$timescale 1ns $end\n$scope module hw $end\n", f);
    bool *done = calloc(v->nsigs ? v->nsigs : 1, sizeof(bool));
    for (size_t i = 0; i < v->nsigs; i++) {
        if (done && done[i])
            continue;
        const char *scope = v->sigs[i].scope;
        write_scopes(f, scope, true);
        for (size_t j = i; j < v->nsigs; j++) {
            if ((done && done[j]) || strcmp(v->sigs[j].scope, scope) != 0)
                continue;
            if (done)
                done[j] = true;
            vcd_signal *s = &v->sigs[j];
            if (s->width == 1)
                fprintf(f, "$var wire 1 %s %s $end\n", s->id, s->leaf);
            else /* an explicit range: viewers name the vector leaf[msb:0] either way */
                fprintf(f, "$var wire %u %s %s [%u:0] $end\n", s->width, s->id, s->leaf, s->width - 1);
        }
        write_scopes(f, scope, false);
    }
    free(done);
    fputs("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n", f);
    for (size_t i = 0; i < v->nsigs; i++) {
        vcd_signal *s = &v->sigs[i];
        if (!s->initial_known)
            fprintf(f, s->width == 1 ? "x%s\n" : "bx %s\n", s->id);
        else
            write_value(f, s, s->initial);
    }
    fputs("$end\n", f);
}

/* The first change: from here on values are written. Without late signals the
 * declarations are final now; with them they wait for close. */
static void write_header(hw_vcd *v)
{
    if (v->header_done)
        return;
    v->header_done = true;
    if (!v->late)
        write_declarations(v);
    v->time_written = true;
    v->last_t = 0;
}

static void emit(hw_vcd *v, int sig, hw_time_t t, uint64_t value)
{
    if (sig < 0 || (size_t)sig >= v->nsigs)
        return;
    write_header(v);
    vcd_signal *s = &v->sigs[sig];
    if (s->width < 64)
        value &= (UINT64_C(1) << s->width) - 1;
    if (s->known && s->value == value)
        return;
    if (t < v->last_t)
        t = v->last_t;
    if (t != v->last_t) {
        fprintf(v->f, "#%llu\n", (unsigned long long)t);
        v->last_t = t;
    }
    s->known = true;
    s->value = value;
    write_value(v->f, s, value);
}

static bool pend_before(const vcd_pending *a, const vcd_pending *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void pend_pop(hw_vcd *v)
{
    vcd_pending last = v->pend[--v->npend];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m;
        if (l >= v->npend)
            break;
        m = (l + 1 < v->npend && pend_before(&v->pend[l + 1], &v->pend[l])) ? l + 1 : l;
        if (!pend_before(&v->pend[m], &last))
            break;
        v->pend[i] = v->pend[m];
        i = m;
    }
    if (v->npend)
        v->pend[i] = last;
}

static void flush_until(hw_vcd *v, hw_time_t t)
{
    while (v->npend && v->pend[0].t <= t) {
        vcd_pending p = v->pend[0];
        pend_pop(v);
        emit(v, p.sig, p.t, p.value);
    }
}

void hw_vcd_change(hw_vcd *v, int sig, hw_time_t t, uint64_t value)
{
    if (!v)
        return;
    flush_until(v, t);
    emit(v, sig, t, value);
}

void hw_vcd_schedule(hw_vcd *v, int sig, hw_time_t t, uint64_t value)
{
    if (!v)
        return;
    if (v->npend == v->cappend) {
        size_t nc = v->cappend ? v->cappend * 2 : 64;
        vcd_pending *np = realloc(v->pend, nc * sizeof(*np));
        if (!np) {
            v->err = ENOMEM;
            return;
        }
        v->pend = np;
        v->cappend = nc;
    }
    vcd_pending p = { t, v->seq++, sig, value };
    size_t i = v->npend++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pend_before(&p, &v->pend[parent]))
            break;
        v->pend[i] = v->pend[parent];
        i = parent;
    }
    v->pend[i] = p;
}

void hw_vcd_pulse(hw_vcd *v, int sig, hw_time_t t)
{
    if (!v)
        return;
    hw_vcd_change(v, sig, t, 1);
    hw_vcd_schedule(v, sig, t + 1, 0);
}

/* Late signals: the declarations (now complete), then the changes kept aside. */
static int copy_body(hw_vcd *v, int err)
{
    write_declarations(v);
    if (fflush(v->body) != 0 || fseek(v->body, 0, SEEK_SET) != 0)
        err = err ? err : EIO;
    char buf[1 << 15];
    size_t n;
    while (!err && (n = fread(buf, 1, sizeof(buf), v->body)) > 0)
        if (fwrite(buf, 1, n, v->out) != n)
            err = EIO;
    if (ferror(v->body) && !err)
        err = EIO;
    fclose(v->body);
    v->body = NULL;
    return err;
}

int hw_vcd_close(hw_vcd *v)
{
    if (!v)
        return 0;
    flush_until(v, HW_TIME_NEVER);
    write_header(v);
    int err = v->err;
    if (v->late)
        err = copy_body(v, err);
    if (ferror(v->out) && !err)
        err = EIO;
    if (fclose(v->out) != 0 && !err)
        err = errno ? errno : EIO;
    for (size_t i = 0; i < v->nsigs; i++) {
        free(v->sigs[i].scope);
        free(v->sigs[i].leaf);
    }
    free(v->sigs);
    free(v->pend);
    free(v);
    return -err;
}
