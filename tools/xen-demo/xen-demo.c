/*
 * xen-demo: two Linux VMs on septum share pages and ring each other through Linux's own Xen
 * drivers, from user space: /dev/xen/gntalloc offers a page, /dev/xen/gntdev maps the peer's,
 * /dev/xen/evtchn rings and waits. It runs in the Xen variant of the test initramfs
 * (tools/linux-guest.sh builds it statically with Debian's aarch64-linux-gnu-gcc) and is what the
 * README's demo (make run SYSTEM=linux-xen) and tests/system/xen-demo.sh type.
 *
 *   xen-demo offer PEER [MESSAGE]     in one VM: offer a page to domain PEER, wait for it
 *   xen-demo join PEER GREF [MESSAGE] in the other: map PEER's page GREF, offer one back
 *   xen-demo bench PEER GREF [N]      map and unmap PEER's page GREF N times, timed
 *   xen-demo spread [N]               a loopback channel, its ends taken on vCPU 0 and vCPU 1,
 *                                     rung back and forth N times (every vCPU takes upcalls)
 *
 * There is no xenstore: the offering side prints its grant reference, and the person (or the
 * test) types it on the other side. Everything else travels in the offered page itself: its
 * event-channel port, the joiner's grant reference for the page it offers back, and each side's
 * messages. Each wait is for the page to say the next step and for the peer's ring: a spurious
 * event (Xen marks a freshly bound port pending) wakes the waiter early, never lets it on.
 *
 *   offer                         join
 *   grant page A, port P unbound
 *   A = {P, message}       ---->  map A (grant typed in), bind to P
 *                                 grant page B {message} to the offerer
 *                   <---- ring    A.gref = B, A.reply, A.state = JOINED
 *   map B, read it
 *   B.reply, B.state = ANSWERED   ring ---->
 *                                 read B.reply; B.state = DONE
 *                   <---- ring
 *   unmap B; A.state = FIN        ring ---->
 *                                 unmap A
 *                   <---- ring    end the grant of B
 *   end the grant of A
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
/* the UAPI headers use two Xen ABI types without defining them */
typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#define PAGE        4096
#define WAIT_SECS   60 /* how long a side waits for its peer (a person types the other side) */
#define MSG_MAX     200
#define DEMO_MAGIC  0x6f6d65642d6e6578ULL /* "xen-demo" */
#define ST_OFFERED  1
#define ST_JOINED   2
#define ST_ANSWERED 3
#define ST_DONE     4
#define ST_FIN      5

/* The head of each offered page; both sides write it, so every field is read with care. */
typedef struct demo_page {
    volatile uint64_t magic;
    volatile uint32_t state;
    volatile uint32_t port; /* the offerer's event-channel port for the joiner */
    volatile uint32_t gref; /* the joiner's page offered back (in the offerer's page) */
    char msg[MSG_MAX];      /* from the page's owner */
    char reply[MSG_MAX];    /* from the other side */
} demo_page_t;

static int fail(const char *what)
{
    fprintf(stderr, "xen-demo: %s: %s\n", what, strerror(errno));
    return 1;
}

static void text_in(char *dst, const char *src)
{
    snprintf(dst, MSG_MAX, "%s", src);
    __sync_synchronize(); /* the text is there before the state that announces it */
}

/* A peer's text, which may be anything: printable characters up to the first NUL or the end. */
static void text_out(const char *what, const volatile char *src)
{
    char buf[MSG_MAX + 1];
    unsigned i;
    for (i = 0; i < MSG_MAX && src[i]; i++)
        buf[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    buf[i] = '\0';
    printf("xen-demo: %s \"%s\"\n", what, buf);
}

/* ---- the three devices ---- */

typedef struct offered {
    int fd;
    uint64_t index;
    uint32_t gref;
    demo_page_t *page;
} offered_t;

static int offer_page(unsigned peer, offered_t *o)
{
    struct ioctl_gntalloc_alloc_gref op = {.domid = (uint16_t)peer,
                                           .flags = GNTALLOC_FLAG_WRITABLE,
                                           .count = 1};
    o->fd = open("/dev/xen/gntalloc", O_RDWR);
    if (o->fd < 0)
        return fail("open /dev/xen/gntalloc (is xen-gntalloc loaded?)");
    if (ioctl(o->fd, IOCTL_GNTALLOC_ALLOC_GREF, &op) < 0)
        return fail("IOCTL_GNTALLOC_ALLOC_GREF");
    o->index = op.index;
    o->gref = op.gref_ids[0];
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, (off_t)op.index);
    if (p == MAP_FAILED)
        return fail("mmap of the offered page");
    o->page = p;
    return 0;
}

/* Unmap it and end the grant (Linux defers the end while the peer still maps the page). */
static int unoffer_page(offered_t *o)
{
    struct ioctl_gntalloc_dealloc_gref op = {.index = o->index, .count = 1};
    munmap(o->page, PAGE);
    if (ioctl(o->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op) < 0)
        return fail("IOCTL_GNTALLOC_DEALLOC_GREF");
    close(o->fd);
    return 0;
}

typedef struct mapped {
    int fd;
    uint64_t index;
    demo_page_t *page;
} mapped_t;

/* quiet: a failed mmap (the grant is not there, yet) says nothing */
static int map_page_q(int fd, unsigned peer, unsigned gref, mapped_t *m, bool quiet)
{
    struct ioctl_gntdev_map_grant_ref op = {.count = 1, .refs = {{.domid = peer, .ref = gref}}};
    m->fd = fd;
    if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op) < 0)
        return fail("IOCTL_GNTDEV_MAP_GRANT_REF");
    m->index = op.index;
    /* the grant is mapped here: a reference the peer has not granted fails now */
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)op.index);
    if (p == MAP_FAILED) {
        int e = errno;
        struct ioctl_gntdev_unmap_grant_ref un = {.index = op.index, .count = 1};
        ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
        errno = e;
        return quiet ? 1 : fail("mmap of the peer's grant (wrong domain or reference?)");
    }
    m->page = p;
    return 0;
}

static int map_page(int fd, unsigned peer, unsigned gref, mapped_t *m)
{
    return map_page_q(fd, peer, gref, m, false);
}

static int unmap_page(mapped_t *m)
{
    struct ioctl_gntdev_unmap_grant_ref op = {.index = m->index, .count = 1};
    if (munmap(m->page, PAGE) < 0)
        return fail("munmap of the peer's page");
    if (ioctl(m->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op) < 0)
        return fail("IOCTL_GNTDEV_UNMAP_GRANT_REF");
    return 0;
}

static int open_gntdev(void)
{
    int fd = open("/dev/xen/gntdev", O_RDWR);
    if (fd < 0)
        fail("open /dev/xen/gntdev (is xen-gntdev loaded?)");
    return fd;
}

static int open_evtchn(void)
{
    int fd = open("/dev/xen/evtchn", O_RDWR);
    if (fd < 0)
        fail("open /dev/xen/evtchn (is xen-evtchn loaded?)");
    return fd;
}

static int ring(int efd, unsigned port)
{
    struct ioctl_evtchn_notify op = {.port = port};
    if (ioctl(efd, IOCTL_EVTCHN_NOTIFY, &op) < 0)
        return fail("IOCTL_EVTCHN_NOTIFY");
    printf("xen-demo: rang port %u\n", port);
    return 0;
}

/* Wait until done(arg) holds and at least one event came on the fd's ports (the peer changes
 * the page, then rings: both are awaited, so each side sees every ring it is owed); each event
 * read is re-enabled (written back) and announced. 0, or 1 after WAIT_SECS without both. */
static int wait_until(int efd, int (*done)(const void *), const void *arg)
{
    unsigned events = 0;
    for (int waited = 0; !events || !done(arg);) {
        struct pollfd p = {.fd = efd, .events = POLLIN};
        int n = poll(&p, 1, 1000);
        if (n < 0 && errno != EINTR)
            return fail("poll /dev/xen/evtchn");
        if (n <= 0) {
            if (++waited >= WAIT_SECS) {
                fprintf(stderr, "xen-demo: no answer from the peer in %d s\n", WAIT_SECS);
                return 1;
            }
            continue;
        }
        uint32_t ports[8];
        ssize_t got = read(efd, ports, sizeof(ports));
        if (got < 0)
            return fail("read /dev/xen/evtchn");
        for (ssize_t i = 0; i < got / (ssize_t)sizeof(ports[0]); i++) {
            printf("xen-demo: event on port %u\n", ports[i]);
            events++;
        }
        if (got > 0 && write(efd, ports, (size_t)got) != got)
            return fail("write /dev/xen/evtchn (re-enable)");
    }
    return 0;
}

typedef struct {
    const demo_page_t *page;
    uint32_t state;
} state_wait_t;

static int reached(const void *arg)
{
    const state_wait_t *w = arg;
    return w->page->state >= w->state;
}

static int always(const void *arg)
{
    (void)arg;
    return 1;
}

static int parse(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || end == s || v > max) {
        fprintf(stderr, "xen-demo: '%s' is not a number up to %u\n", s, max);
        return 1;
    }
    *out = (unsigned)v;
    return 0;
}

/* ---- the two sides ---- */

static int offer(unsigned peer, const char *msg)
{
    offered_t a;
    mapped_t b;
    int efd = open_evtchn(), gfd = open_gntdev();
    if (efd < 0 || gfd < 0 || offer_page(peer, &a))
        return 1;
    struct ioctl_evtchn_bind_unbound_port bind = {.remote_domain = peer};
    int port = ioctl(efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
    if (port < 0)
        return fail("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    a.page->port = (uint32_t)port;
    text_in(a.page->msg, msg);
    a.page->magic = DEMO_MAGIC;
    __sync_synchronize();
    a.page->state = ST_OFFERED;
    printf("xen-demo: offered grant %u to domain %u, event channel port %d\n", a.gref, peer, port);
    printf("xen-demo: now, in domain %u: xen-demo join <my domain id> %u\n", peer, a.gref);
    fflush(stdout);

    state_wait_t joined = {a.page, ST_JOINED};
    if (wait_until(efd, reached, &joined))
        return 1;
    __sync_synchronize();
    uint32_t gref = a.page->gref;
    text_out("the peer wrote in my page:", a.page->reply);
    if (map_page(gfd, peer, gref, &b))
        return 1;
    if (b.page->magic != DEMO_MAGIC) {
        fprintf(stderr, "xen-demo: grant %u of domain %u is not a xen-demo page\n", gref, peer);
        return 1;
    }
    printf("xen-demo: mapped grant %u of domain %u\n", gref, peer);
    text_out("its page says:", b.page->msg);
    char reply[MSG_MAX];
    snprintf(reply, sizeof(reply), "got \"%.150s\"", b.page->msg);
    text_in(b.page->reply, reply);
    b.page->state = ST_ANSWERED;
    fflush(stdout);
    if (ring(efd, (unsigned)port))
        return 1;

    state_wait_t done = {b.page, ST_DONE};
    if (wait_until(efd, reached, &done) || unmap_page(&b))
        return 1;
    a.page->state = ST_FIN; /* the peer's page is no longer mapped here */
    if (ring(efd, (unsigned)port))
        return 1;
    /* its last ring says it no longer maps ours (this port has no other ring coming) */
    if (wait_until(efd, always, NULL) || unoffer_page(&a))
        return 1;
    struct ioctl_evtchn_unbind un = {.port = (unsigned)port};
    ioctl(efd, IOCTL_EVTCHN_UNBIND, &un);
    printf("xen-demo: done: shared both ways, rang both ways\n");
    return 0;
}

static int join(unsigned peer, unsigned gref, const char *msg)
{
    mapped_t a;
    offered_t b;
    int efd = open_evtchn(), gfd = open_gntdev();
    if (efd < 0 || gfd < 0 || map_page(gfd, peer, gref, &a))
        return 1;
    if (a.page->magic != DEMO_MAGIC || a.page->state != ST_OFFERED) {
        fprintf(stderr, "xen-demo: grant %u of domain %u is not an offered xen-demo page\n", gref,
                peer);
        return 1;
    }
    __sync_synchronize();
    unsigned rport = a.page->port;
    printf("xen-demo: mapped grant %u of domain %u\n", gref, peer);
    text_out("its page says:", a.page->msg);
    if (offer_page(peer, &b))
        return 1;
    text_in(b.page->msg, msg);
    b.page->magic = DEMO_MAGIC;
    b.page->state = ST_OFFERED;
    struct ioctl_evtchn_bind_interdomain bind = {.remote_domain = peer, .remote_port = rport};
    int port = ioctl(efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
    if (port < 0)
        return fail("IOCTL_EVTCHN_BIND_INTERDOMAIN");
    printf("xen-demo: bound port %d to port %u of domain %u\n", port, rport, peer);
    printf("xen-demo: offered grant %u to domain %u\n", b.gref, peer);
    char reply[MSG_MAX];
    snprintf(reply, sizeof(reply), "got \"%.150s\"", a.page->msg);
    text_in(a.page->reply, reply);
    a.page->gref = b.gref;
    __sync_synchronize();
    a.page->state = ST_JOINED;
    fflush(stdout);
    if (ring(efd, (unsigned)port))
        return 1;

    state_wait_t answered = {b.page, ST_ANSWERED};
    if (wait_until(efd, reached, &answered))
        return 1;
    text_out("the peer wrote in my page:", b.page->reply);
    b.page->state = ST_DONE;
    fflush(stdout);
    if (ring(efd, (unsigned)port))
        return 1;
    /* the peer says in its page, and rings, once it no longer maps ours */
    state_wait_t fin = {a.page, ST_FIN};
    if (wait_until(efd, reached, &fin) || unmap_page(&a) || ring(efd, (unsigned)port) ||
        unoffer_page(&b))
        return 1;
    struct ioctl_evtchn_unbind un = {.port = (unsigned)port};
    ioctl(efd, IOCTL_EVTCHN_UNBIND, &un);
    printf("xen-demo: done: shared both ways, rang both ways\n");
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* The cost of one foreign page from user space: map ioctl, mmap (the grant is mapped), a read,
 * munmap, unmap ioctl. */
static int bench(unsigned peer, unsigned gref, unsigned n)
{
    int gfd = open_gntdev();
    if (gfd < 0)
        return 1;
    /* the peer may not have offered the page yet (both started at once) */
    mapped_t first;
    for (int waited = 0; map_page_q(gfd, peer, gref, &first, true); waited++) {
        if (waited == WAIT_SECS)
            return map_page(gfd, peer, gref, &first); /* says why */
        sleep(1);
    }
    if (unmap_page(&first))
        return 1;
    volatile uint64_t sink = 0;
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < n; i++) {
        mapped_t m;
        if (map_page(gfd, peer, gref, &m))
            return 1;
        sink += m.page->magic;
        if (unmap_page(&m))
            return 1;
    }
    uint64_t t = now_ns() - t0;
    (void)sink;
    printf("xen-demo: bench: %u gntdev map+unmap of grant %u of domain %u: %llu ns each\n", n, gref,
           peer, (unsigned long long)(n ? t / n : 0));
    close(gfd);
    return 0;
}

/* ---- both vCPUs take upcalls ---- */

/* The /proc/interrupts line of each of this process's event channels ("evtchn:xen-demo"): its
 * IRQ number and its count on each of the first two CPUs. Returns how many were found (<= max). */
static int evtchn_irqs(unsigned *irq, unsigned long (*count)[2], int max)
{
    FILE *f = fopen("/proc/interrupts", "r");
    char line[512];
    int n = 0;
    if (!f)
        return fail("open /proc/interrupts"), -1;
    while (n < max && fgets(line, sizeof(line), f)) {
        if (!strstr(line, "evtchn:xen-demo"))
            continue;
        if (sscanf(line, " %u: %lu %lu", &irq[n], &count[n][0], &count[n][1]) == 3)
            n++;
    }
    fclose(f);
    return n;
}

/* Wait for the next event, which must be on port want; re-enable it. */
static int expect(int efd, unsigned want)
{
    struct pollfd p = {.fd = efd, .events = POLLIN};
    uint32_t port;
    int n = poll(&p, 1, WAIT_SECS * 1000);
    if (n <= 0) {
        fprintf(stderr, "xen-demo: spread: no event on port %u in %d s; the kernel counts:\n", want,
                WAIT_SECS);
        FILE *f = fopen("/proc/interrupts", "r");
        char line[512];
        while (f && fgets(line, sizeof(line), f))
            if (strstr(line, "CPU0") || strstr(line, "events") || strstr(line, "evtchn:"))
                fputs(line, stderr);
        if (f)
            fclose(f);
        return 1;
    }
    if (read(efd, &port, sizeof(port)) != sizeof(port))
        return fail("read /dev/xen/evtchn");
    if (port != want) {
        fprintf(stderr, "xen-demo: spread: event on port %u, expected %u\n", port, want);
        return 1;
    }
    if (write(efd, &port, sizeof(port)) != sizeof(port))
        return fail("write /dev/xen/evtchn (re-enable)");
    return 0;
}

/* A loopback channel in this VM: port a (unbound for this domain) and port b (bound to it); a's
 * IRQ is taken on vCPU 0 and b's on vCPU 1 (Linux rebinds each with EVTCHNOP_bind_vcpu), then a
 * rings b and b rings a, n times. The upcalls each vCPU took are read back from the kernel's own
 * accounting in /proc/interrupts. */
static int spread(unsigned n)
{
    int efd = open_evtchn();
    if (efd < 0)
        return 1;
    struct ioctl_evtchn_bind_unbound_port ub = {.remote_domain = 0x7ff0 /* DOMID_SELF */};
    int a = ioctl(efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
    if (a < 0)
        return fail("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    struct ioctl_evtchn_bind_interdomain bi = {.remote_domain = 0x7ff0, .remote_port = (unsigned)a};
    int b = ioctl(efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
    if (b < 0)
        return fail("IOCTL_EVTCHN_BIND_INTERDOMAIN");
    unsigned irq[2];
    unsigned long before[2][2], after[2][2];
    if (evtchn_irqs(irq, before, 2) != 2) {
        fprintf(stderr, "xen-demo: spread: /proc/interrupts lacks the two evtchn:xen-demo IRQs\n");
        return 1;
    }
    /* the IRQs are allocated in bind order: irq[0] serves port a, irq[1] port b */
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq[i]);
        FILE *f = fopen(path, "w");
        if (!f || fprintf(f, "%d\n", i) < 0 || fclose(f))
            return fail(path);
    }
    /* a freshly bound port may be pending already (as on Xen): drain before counting */
    for (struct pollfd p = {.fd = efd, .events = POLLIN}; poll(&p, 1, 100) > 0;) {
        uint32_t ports[8];
        ssize_t got = read(efd, ports, sizeof(ports));
        if (got <= 0 || write(efd, ports, (size_t)got) != got)
            return fail("drain /dev/xen/evtchn");
    }
    if (evtchn_irqs(irq, before, 2) != 2)
        return 1;
    for (unsigned i = 0; i < n; i++) {
        struct ioctl_evtchn_notify to_b = {.port = (unsigned)a}, to_a = {.port = (unsigned)b};
        if (ioctl(efd, IOCTL_EVTCHN_NOTIFY, &to_b) < 0 || expect(efd, (unsigned)b) ||
            ioctl(efd, IOCTL_EVTCHN_NOTIFY, &to_a) < 0 || expect(efd, (unsigned)a))
            return 1;
    }
    if (evtchn_irqs(irq, after, 2) != 2)
        return 1;
    for (int i = 0; i < 2; i++)
        printf("xen-demo: spread: port %d (irq %u) rang %u times: %lu upcalls on cpu0, %lu on "
               "cpu1\n",
               i ? b : a, irq[i], n, after[i][0] - before[i][0], after[i][1] - before[i][1]);
    struct ioctl_evtchn_unbind un = {.port = (unsigned)b};
    ioctl(efd, IOCTL_EVTCHN_UNBIND, &un);
    un.port = (unsigned)a;
    ioctl(efd, IOCTL_EVTCHN_UNBIND, &un);
    close(efd);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: xen-demo offer PEER [MESSAGE]\n"
                    "       xen-demo join PEER GREF [MESSAGE]\n"
                    "       xen-demo bench PEER GREF [N]\n"
                    "       xen-demo spread [N]\n"
                    "PEER is the other VM's domain id (its index in the system description + 1)\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned peer, gref, n = 1000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "spread"))
        return argc == 3 && parse(argv[2], 1000000, &n) ? usage() : spread(argc == 3 ? n : 100);
    if (argc < 3 || parse(argv[2], 0x7fef, &peer))
        return usage();
    if (!strcmp(argv[1], "offer") && argc <= 4)
        return offer(peer, argc == 4 ? argv[3] : "hello from the offering VM");
    if (argc < 4 || parse(argv[3], 0xffffffffU, &gref))
        return usage();
    if (!strcmp(argv[1], "join") && argc <= 5)
        return join(peer, gref, argc == 5 ? argv[4] : "hello from the joining VM");
    if (!strcmp(argv[1], "bench") && argc <= 5 && (argc < 5 || !parse(argv[4], 1000000, &n)))
        return bench(peer, gref, n);
    return usage();
}
