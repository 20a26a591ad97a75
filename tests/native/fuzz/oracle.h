// The fuzz harness's oracles by name, and how a failure ends an input: one
// line naming the oracle and what was wrong, the core's last log lines, then
// abort(), which libFuzzer saves as a crash (the input that made it).
#ifndef ORACLE_H
#define ORACLE_H

#define ORACLE_TRAP "trap"                     // the core trapped (the AOT runtime's report through the engine seam)
#define ORACLE_MEMORY "memory"                 // bytes changed above mem_used()
#define ORACLE_REGION "region"                 // the region changed other than whole, by a ConfigMap the core was reading
#define ORACLE_API_HTTP "apiHttp"              // a request to the API server is not valid HTTP/1.1 with a valid UTF-8 JSON body
#define ORACLE_API_SEMANTICS "apiSemantics"    // a request the API server has no route for
#define ORACLE_API_RATE "apiRate"              // the same request again and again within one tick (no backoff)
#define ORACLE_KUBELET_HTTP "kubeletHttp"      // a kubelet-port response is not valid HTTP/1.1 with a valid UTF-8 JSON body
#define ORACLE_KUBELET_ANSWER "kubeletAnswer"  // a kubelet-port connection never answered or closed
#define ORACLE_SLOTS "slots"                   // connections leaked: fresh kubelet requests not served, > 3 outbound open
#define ORACLE_LEASE_LIVENESS "leaseLiveness"  // no Lease renewal within 10 s (plus what the faults allow) of healing
#define ORACLE_CONFIG_LIVENESS "configLiveness" // the healthy ConfigMap not applied in time after healing
#define ORACLE_SHELL "shell"                   // the shell gave up (hal_fatal, hal_reboot) or its own state broke

#include <setjmp.h>

/**
 * Prints the failure (with the input's context and the core's last log lines) and aborts;
 * a known, open defect's (known.h) instead ends the input through the escape set.
 */
void oracle_fail(const char *oracle, const char *format, ...) __attribute__((noreturn, format(printf, 2, 3)));
/** Where a known failure ends the input (set by each input before it starts). */
void oracle_escape(jmp_buf *escape);
/** What the input is doing, printed with a failure (a static text). */
void oracle_context(const char *what);
/** The input's target as crashes.mjs names it (api-watch, kubelet, …): known defects are known per target. */
void oracle_target(const char *target);

#endif
