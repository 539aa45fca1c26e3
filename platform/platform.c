/*
 * The board tables by root compatible (platform/platform.h): one line per board in
 * PLATFORM_LIST, the table itself in the board's own file.
 */
#include <platform/platform.h>
#include <stddef.h>
#include <string.h>

#define PLATFORM_LIST(X)                                                                           \
    X(platform_qemu_virt)                                                                          \
    X(platform_zcu102)

#define PLATFORM_ENTRY(p) &p,
static const platform_t *const platforms[] = {PLATFORM_LIST(PLATFORM_ENTRY)};
#define PLATFORM_NUM (sizeof(platforms) / sizeof(platforms[0]))

const platform_t *platform_fallback(void) { return &platform_qemu_virt; }

const platform_t *platform_find(const char *compat, int len)
{
    if (!compat || len <= 0 || compat[len - 1] != '\0')
        return NULL;
    for (const char *s = compat; s < compat + len; s += strlen(s) + 1)
        for (size_t i = 0; i < PLATFORM_NUM; i++)
            for (size_t j = 0; j < PLAT_COMPAT_MAX && platforms[i]->compatible[j]; j++)
                if (!strcmp(platforms[i]->compatible[j], s))
                    return platforms[i];
    return NULL;
}
