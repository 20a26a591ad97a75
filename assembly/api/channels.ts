// The core's API connections, each with one request in flight at a time: node
// registration and status, the Lease (so a renewal never waits behind a status
// write, as with the kubelet), the ConfigMap LIST/WATCH stream, and the
// kubelet port's reviews and serving certificate (so a scrape waiting on a
// review never waits behind the others, nor they behind it).

import { ApiChannel } from "./channel";
import { T } from "../lib/text";

const JSON_VALUE_BYTES = 128;

export const apiChannel = new ApiChannel(T("api"), JSON_VALUE_BYTES);
export const leaseChannel = new ApiChannel(T("lease"), JSON_VALUE_BYTES);
export const watchChannel = new ApiChannel(T("watch"), JSON_VALUE_BYTES);
/** Reviews for kubelet-port requests (TokenReview, SubjectAccessReview) and the serving CSR: names up to 128 bytes. */
export const reviewChannel = new ApiChannel(T("review"), 256);
