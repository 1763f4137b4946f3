/* Stop requests (see stop.h): async-signal-safe handlers that set one flag. */
#define _POSIX_C_SOURCE 200809L
#include "src/core/stop.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig) {
    if (sig == SIGTERM && stop_sig) { /* asked twice: do what SIGTERM does */
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        return;
    }
    stop_sig = sig;
}

void sw_stop_install(void) {
    static int installed;
    if (installed) return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int sw_stop_requested(void) { return (int)stop_sig; }

void sw_stop_request(int sig) { stop_sig = sig; }

const char *sw_stop_signame(int sig) {
    static char other[32];
    switch (sig) {
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: snprintf(other, sizeof other, "signal %d", sig); return other;
    }
}
