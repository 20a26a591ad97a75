// Bounds of the values the core keeps from API responses. A value longer than
// its bound makes the response unusable (a protocol error, logged, retried):
// a shorter value would name a different object or version.

/** resourceVersion: etcd writes a decimal int64 (at most 20 bytes), but the API
 *  calls it opaque and other storage backends (kine, for k3s) may write longer
 *  ones, so the core keeps up to 64 bytes. */
export const RESOURCE_VERSION_BYTES: i32 = 64;

/** metadata.uid: Kubernetes writes RFC 4122 UUIDs (36 bytes); 64 leaves room for others. */
export const UID_BYTES: i32 = 64;
