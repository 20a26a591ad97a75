// The core's two API connections: one for node and lease requests (one request
// in flight at a time), one for the ConfigMap LIST/WATCH stream.

import { ApiChannel } from "./channel";

const JSON_VALUE_BYTES = 160;

export const apiChannel = new ApiChannel("api", JSON_VALUE_BYTES);
export const watchChannel = new ApiChannel("watch", JSON_VALUE_BYTES);
