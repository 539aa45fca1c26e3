/*
 * System description parsing (see core/sysdesc.h). Format, one node per VM under the root:
 *
 *   alpha {                                           the VM's name
 *       compatible = "septum,vm";
 *       cpus = <1>;                                   physical CPU per vCPU
 *       memory = <0x0 0x40000000 0x0 0x1000000>;      guest-physical RAM base, size
 *       kernel = "hello.bin";                         bundle entry
 *       kernel-load = <0x0 0x40080000>;               load address and entry
 *       kernel-xip;                                   optional: map read-only in place
 *       bootargs = "...";                             optional
 *       on-fault = "inject";                          or "stop"
 *       septum,test-control;                          optional: may change its own regions
 *   };
 */
#include <core/bundle.h>
#include <core/sysdesc.h>
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PAGE 4096ULL

typedef struct ctx {
    const void *fdt;
    char *why;
    size_t len;
    const char *node;
    const char *vm;
} ctx_t;

static int bad(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(ctx_t *c, const char *fmt, ...)
{
    char msg[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->why, c->len, "system description: %s%s%s%s: %s", c->node ? c->node : "/",
             c->vm ? " (" : "", c->vm ? c->vm : "", c->vm ? ")" : "", msg);
    return -EINVAL;
}

static const char *str(ctx_t *c, int node, const char *name, bool *bad_str)
{
    int len;
    const char *s = fdt_getprop(c->fdt, node, name, &len);
    if (!s)
        return NULL;
    if (len <= 0 || s[len - 1] != '\0' || strlen(s) + 1 != (size_t)len) {
        *bad_str = true;
        return NULL;
    }
    return s;
}

static bool u64_pair(ctx_t *c, int node, const char *name, unsigned cells, uint64_t *v)
{
    int len;
    const fdt32_t *p = fdt_getprop(c->fdt, node, name, &len);
    if (!p || len != (int)(cells * 4))
        return false;
    for (unsigned i = 0; i < cells / 2; i++)
        v[i] = ((uint64_t)fdt32_ld(&p[2 * i]) << 32) | fdt32_ld(&p[2 * i + 1]);
    return true;
}

static int parse_vm(ctx_t *c, int node, unsigned pcpus, unsigned ipa_bits, const void *bundle,
                    vm_config_t *cfg, bool *cpu_used, const vm_config_t *all, unsigned idx)
{
    bool bs = false;
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->node, sizeof(cfg->node), "%s", c->node);

    /* the node name is the VM's name */
    int nlen;
    const char *name = fdt_get_name(c->fdt, node, &nlen);
    if (!name || nlen <= 0 || nlen >= VM_NAME_MAX)
        return bad(c, "the node name (the VM's name) must have 1..%d characters", VM_NAME_MAX - 1);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return bad(c, "VM name \"%s\": use a-z, 0-9, - and _ (no unit address)", name);
    strcpy(cfg->name, name);
    c->vm = cfg->name;
    for (unsigned i = 0; i < idx; i++)
        if (!strcmp(all[i].name, name))
            return bad(c, "name already used by %s", all[i].node);

    int len;
    const fdt32_t *cpus = fdt_getprop(c->fdt, node, "cpus", &len);
    if (!cpus || len <= 0 || len % 4)
        return bad(c, "needs cpus = <physical CPU for each vCPU>");
    cfg->vcpu_num = (unsigned)len / 4;
    if (cfg->vcpu_num > VM_VCPU_MAX)
        return bad(c, "%u vCPUs; at most %u", cfg->vcpu_num, VM_VCPU_MAX);
    for (unsigned v = 0; v < cfg->vcpu_num; v++) {
        uint32_t p = fdt32_ld(&cpus[v]);
        if (p >= pcpus)
            return bad(c, "vCPU %u on physical CPU %u, but only %u CPU%s online", v, p, pcpus,
                       pcpus == 1 ? " is" : "s are");
        if (cpu_used[p])
            return bad(c, "physical CPU %u already runs another vCPU", p);
        cpu_used[p] = true;
        cfg->pcpu[v] = p;
    }

    uint64_t mem[2];
    if (!u64_pair(c, node, "memory", 4, mem))
        return bad(c, "needs memory = <base-hi base-lo size-hi size-lo>");
    cfg->ram_gpa = mem[0];
    cfg->ram_size = mem[1];
    if ((cfg->ram_gpa | cfg->ram_size) % PAGE || cfg->ram_size < 2 * VM_DTB_SIZE)
        return bad(c, "memory 0x%lx+0x%lx must be page-aligned and at least %lu KiB",
                   (unsigned long)mem[0], (unsigned long)mem[1], 2 * VM_DTB_SIZE / 1024);
    if (cfg->ram_gpa + cfg->ram_size < cfg->ram_gpa ||
        cfg->ram_gpa + cfg->ram_size > (1ULL << ipa_bits))
        return bad(c, "memory 0x%lx+0x%lx lies outside the %u-bit guest address space",
                   (unsigned long)mem[0], (unsigned long)mem[1], ipa_bits);

    const char *kernel = str(c, node, "kernel", &bs);
    if (!kernel || !kernel[0] || strlen(kernel) >= sizeof(cfg->kernel))
        return bad(c, "needs kernel = \"<bundle entry>\"");
    strcpy(cfg->kernel, kernel);
    int err;
    const bundle_entry_t *e = bundle ? bundle_find(bundle, kernel, &err) : NULL;
    if (!e)
        return bad(c, "image \"%s\" %s", kernel,
                   !bundle ? "cannot be found: no bundle"
                                 : "is not in the bundle");
    uint64_t load;
    if (!u64_pair(c, node, "kernel-load", 2, &load))
        return bad(c, "needs kernel-load = <hi lo>");
    cfg->kernel_load = load;
    cfg->kernel_xip = fdt_getprop(c->fdt, node, "kernel-xip", NULL) != NULL;
    uint64_t ram_end = cfg->ram_gpa + cfg->ram_size - VM_DTB_SIZE;
    if (cfg->kernel_xip) {
        uint64_t end = load + ((e->size + PAGE - 1) & ~(PAGE - 1));
        if (load % PAGE || end < load || end > (1ULL << ipa_bits))
            return bad(c, "execute-in-place image at 0x%lx must be page-aligned and inside the "
                          "guest address space", (unsigned long)load);
        if (load < cfg->ram_gpa + cfg->ram_size && cfg->ram_gpa < end)
            return bad(c, "execute-in-place image at 0x%lx overlaps the VM's memory",
                       (unsigned long)load);
    } else if (load < cfg->ram_gpa || load > ram_end || e->size > ram_end - load) {
        return bad(c, "image \"%s\" (%lu bytes at 0x%lx) does not fit in memory below the "
                      "device tree at 0x%lx", kernel, (unsigned long)e->size,
                   (unsigned long)load, (unsigned long)ram_end);
    }

    const char *args = str(c, node, "bootargs", &bs);
    if (args && strlen(args) >= VM_ARGS_MAX)
        return bad(c, "bootargs longer than %d characters", VM_ARGS_MAX - 1);
    if (args)
        strcpy(cfg->bootargs, args);
    const char *on_fault = str(c, node, "on-fault", &bs);
    if (on_fault && strcmp(on_fault, "inject") && strcmp(on_fault, "stop"))
        return bad(c, "on-fault = \"%s\": expected \"inject\" or \"stop\"", on_fault);
    cfg->stop_on_fault = on_fault && !strcmp(on_fault, "stop");
    cfg->test_control = fdt_getprop(c->fdt, node, "septum,test-control", NULL) != NULL;
    if (bs)
        return bad(c, "a string property is not NUL-terminated");
    return 0;
}

int sysdesc_parse(const void *fdt, size_t max, unsigned pcpus, unsigned ipa_bits,
                  const void *bundle, vm_config_t *out, unsigned *n, char *why, size_t why_len)
{
    ctx_t c = {fdt, why, why_len, NULL, NULL};
    bool cpu_used[CPU_MAX] = {false};
    *n = 0;
    if (!fdt || max < FDT_V1_SIZE || fdt_magic(fdt) != FDT_MAGIC || fdt_totalsize(fdt) > max ||
        fdt_check_full(fdt, fdt_totalsize(fdt)) != 0)
        return bad(&c, "not a valid device tree blob");
    if (fdt_node_check_compatible(fdt, 0, "septum,system") != 0)
        return bad(&c, "root is not compatible with \"septum,system\"");
    int node;
    fdt_for_each_subnode(node, fdt, 0)
    {
        if (fdt_node_check_compatible(fdt, node, "septum,vm") != 0)
            continue;
        static char path[48];
        if (fdt_get_path(fdt, node, path, sizeof(path)) < 0)
            snprintf(path, sizeof(path), "(a VM node)");
        c.node = path;
        c.vm = NULL;
        if (*n >= VM_MAX)
            return bad(&c, "more than %u VMs", VM_MAX);
        int rc = parse_vm(&c, node, pcpus < CPU_MAX ? pcpus : CPU_MAX, ipa_bits, bundle,
                          &out[*n], cpu_used, out, *n);
        if (rc)
            return rc;
        (*n)++;
    }
    if (*n == 0) {
        c.node = NULL;
        return bad(&c, "no VM (a node compatible with \"septum,vm\")");
    }
    return 0;
}
