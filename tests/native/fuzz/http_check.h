// Strict readers of what the core emits (the C twin of tests/fuzz/http_check.mjs):
// requests to the API server and responses on the kubelet port. Anything a
// picky peer could reject is an error: a head that is not ASCII without
// control bytes, a repeated header, a Content-Length that does not match, a
// body that is not UTF-8, a JSON body that does not parse, a text body with
// raw control characters.
#ifndef HTTP_CHECK_H
#define HTTP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct http_message {
  const uint8_t *method, *target; // a request's
  size_t method_len, target_len;
  int status;                     // a response's
  bool connection_close;
  const uint8_t *body;            // the body's bytes on the wire (none for a HEAD's answer)
  size_t body_len;
  size_t length;                  // the whole message on the wire
} http_message;

typedef enum { HTTP_OK, HTTP_INCOMPLETE, HTTP_BAD } http_result;

/** One request from the front of bytes; HTTP_INCOMPLETE until its head and body are all there. */
http_result http_read_request(const uint8_t *bytes, size_t len, http_message *m, char *why, size_t cap);
/** The one response of a kubelet-port connection: nothing may follow it. head_only: a HEAD's answer. */
/** closed_by_core: the core closed the connection after this response, which must then say Connection: close (and only then). */
http_result http_read_response(const uint8_t *bytes, size_t len, bool head_only, bool closed_by_core, http_message *m, char *why, size_t cap);
/**
 * True if bytes are what a healthy server's open watch stream could be so far:
 * a clean 200 head for a chunked JSON stream, then whole chunks (their content
 * may be anything), not terminated. The healthy server can carry on with it.
 */
bool http_healthy_stream_so_far(const uint8_t *bytes, size_t len);
/** bytes as a short printable C-escaped quote, for failure messages. */
const char *http_quote(const uint8_t *bytes, size_t len, char *out, size_t cap);

#endif
