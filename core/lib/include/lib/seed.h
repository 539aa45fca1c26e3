/*
 * Seeds for guests (core/lib/seed.c): a generator keyed once from the board's own entropy (the
 * device tree's /chosen/rng-seed, which QEMU and bootloaders with an RNG fill), from which every
 * guest device tree gets fresh, independent bytes for its own rng-seed and kaslr-seed. The
 * generator is ChaCha20 (RFC 8439) with fast key erasure: each draw rekeys it, so no output can
 * be recomputed from the state left behind, and no two draws (two VMs, or one VM's two boots)
 * share bytes.
 */
#ifndef LIB_SEED_H
#define LIB_SEED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The least a board's seed must hold to key the generator: what a guest is told it gets (Linux
 * credits an rng-seed's whole length as entropy, and is ready at 256 bits). */
#define SEED_MIN_BYTES 32

/* Key the generator from len bytes (at least SEED_MIN_BYTES, folded into its 256-bit key);
 * false, leaving it unkeyed, if there are fewer. The caller wipes its copy. */
bool seed_init(const void *seed, size_t len);
bool seed_ready(void);
/* len fresh bytes into out; false (out untouched) if the generator was never keyed. */
bool seed_draw(void *out, size_t len);

/* The ChaCha20 block function (RFC 8439, 2.3): 64 bytes of key stream for a 256-bit key, a
 * 32-bit block counter and a 96-bit nonce (words little-endian). */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                    uint8_t out[64]);
#endif
