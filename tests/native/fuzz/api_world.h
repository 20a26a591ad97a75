// The healthy API server the fuzz harness plays between faults (the C twin of
// tests/fuzz/world.mjs, kept small): a Node, its Lease, one ConfigMap; it
// answers each request kind the core sends as kube-apiserver would, keeps
// watch streams open and pushes new ConfigMap versions into them.
#ifndef API_WORLD_H
#define API_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_check.h"

typedef enum api_kind {
  KIND_REGISTRATION, KIND_NODE_GET, KIND_STATUS, KIND_LEASE_GET, KIND_LEASE_CREATE, KIND_LEASE_RENEW, KIND_LIST,
  KIND_WATCH, KIND_COUNT,
  // Outside the faultable kinds (saved inputs index those): the kubelet port's SubjectAccessReviews, always allowed.
  KIND_ACCESS_REVIEW = 100
} api_kind;

extern const char *const API_KIND_NAMES[KIND_COUNT];
/** The device configuration the core gets: this node, this server, this ConfigMap. */
extern const char WORLD_CONFIG[];

#define WORLD_VERSION_MAX 72 // a resourceVersion a request carries, as text (longer ones are cut)

typedef struct api_world {
  bool node, lease;       // exist
  unsigned node_uid;
  uint64_t node_rv, lease_rv, cm_rv;
  char cm_value[64];      // the ConfigMap's memory_values
  uint64_t rv;            // the newest resourceVersion written
} api_world;

/** What a request carries that its answer depends on, copied out of the core's bytes. */
typedef struct api_request {
  int kind;                       // api_kind, or -1: no route
  char version[WORLD_VERSION_MAX]; // a watch's ?resourceVersion=, a renewal's metadata.resourceVersion
  bool has_version;
} api_request;

void world_init(api_world *w);
/** Which request of the core this is (kind -1 if the core should never send it) and what its answer needs. */
api_request world_read(const http_message *m);
uint64_t world_next_rv(api_world *w);
/** The healthy answer at now_ms into out (NUL-terminated); its length. *stream: a watch kept open. */
size_t world_answer(api_world *w, const api_request *req, uint32_t now_ms, char *out, size_t cap, bool *stream);
/** The current ConfigMap as one watch event chunk. */
size_t world_event(const api_world *w, char *out, size_t cap);
/** A ConfigMap object whose "data" members are the given raw JSON text. */
size_t world_config_map(uint64_t rv, const char *data_members, size_t data_len, char *out, size_t cap);
/**
 * Moves the version counter past every decimal resourceVersion in bytes (a
 * fault's), as far as etcd's could go, so what the server writes next is newer.
 */
void world_pass_versions(api_world *w, const uint8_t *bytes, size_t len);

#endif
