/*
 * The guests' seed generator (see lib/seed.h): ChaCha20 as a deterministic random bit generator
 * with fast key erasure. A draw runs the block function on the current key with a fresh block
 * counter; the first 32 bytes of the first block become the next key at once, the rest of the
 * key stream is the output. The key is the only state: once a draw returns, what it gave cannot
 * be derived from what is left. Draws come from VM creation and resets on any CPU: one lock.
 */
#include <arch/spinlock.h>
#include <lib/seed.h>
#include <string.h>

static uint32_t key[8];
static bool keyed;
static spinlock_t lock; /* the key; a leaf */

static inline uint32_t rotl(uint32_t v, unsigned n) { return v << n | v >> (32 - n); }

#define QR(a, b, c, d)                                                                             \
    do {                                                                                           \
        a += b, d ^= a, d = rotl(d, 16);                                                           \
        c += d, b ^= c, b = rotl(b, 12);                                                           \
        a += b, d ^= a, d = rotl(d, 8);                                                            \
        c += d, b ^= c, b = rotl(b, 7);                                                            \
    } while (0)

void chacha20_block(const uint32_t k[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64])
{
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, /* "expand 32-byte k" */
                      k[0],       k[1],       k[2],       k[3],       k[4],     k[5],
                      k[6],       k[7],       counter,    nonce[0],   nonce[1], nonce[2]};
    uint32_t x[16];
    memcpy(x, s, sizeof(x));
    for (unsigned i = 0; i < 10; i++) { /* 20 rounds: a column round and a diagonal round */
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (unsigned i = 0; i < 16; i++) {
        uint32_t w = x[i] + s[i];
        out[4 * i] = (uint8_t)w;
        out[4 * i + 1] = (uint8_t)(w >> 8);
        out[4 * i + 2] = (uint8_t)(w >> 16);
        out[4 * i + 3] = (uint8_t)(w >> 24);
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Rekey from the first 32 bytes of block 0 and give the rest of the key stream (blocks 0, 1,
 * ...) to out. Under the lock, or before there is a second CPU. */
static void draw_locked(uint8_t *out, size_t len)
{
    static const uint32_t nonce[3] = {0, 0, 0}; /* every key is used for one draw only */
    uint8_t block[64];
    uint32_t old[8];
    memcpy(old, key, sizeof(old));
    chacha20_block(old, 0, nonce, block);
    for (unsigned i = 0; i < 8; i++)
        key[i] = le32(block + 4 * i);
    size_t n = len < 32 ? len : 32;
    memcpy(out, block + 32, n);
    out += n, len -= n;
    for (uint32_t counter = 1; len; counter++) {
        chacha20_block(old, counter, nonce, block);
        n = len < 64 ? len : 64;
        memcpy(out, block, n);
        out += n, len -= n;
    }
    memset(block, 0, sizeof(block));
    memset(old, 0, sizeof(old));
    __asm__ volatile("" ::"r"(block), "r"(old) : "memory"); /* the wipes are not dead stores */
}

bool seed_init(const void *seed, size_t len)
{
    if (len < SEED_MIN_BYTES)
        return false;
    const uint8_t *p = seed;
    memset(key, 0, sizeof(key));
    for (size_t i = 0; i < len; i++)
        key[i / 4 % 8] ^= (uint32_t)p[i] << (8 * (i % 4));
    uint8_t none[1];
    draw_locked(none, 0); /* the folded seed itself is not kept */
    keyed = true;
    return true;
}

bool seed_ready(void) { return keyed; }

bool seed_draw(void *out, size_t len)
{
    if (!keyed)
        return false;
    spin_lock(&lock);
    draw_locked(out, len);
    spin_unlock(&lock);
    return true;
}
