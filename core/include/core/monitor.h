/*
 * septum's monitor on its console (core/monitor.c): Ctrl-A m enters it, Ctrl-A or "quit" leaves.
 */
#ifndef CORE_MONITOR_H
#define CORE_MONITOR_H
#include <stdbool.h>

/* The console enters the monitor: print its greeting. */
void monitor_enter(void);
/* A byte typed while in the monitor; false when the command asks to leave. */
bool monitor_input(char c);
#endif
