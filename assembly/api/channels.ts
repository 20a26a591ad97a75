// The core's two API connections: one for node and lease requests (one request
// in flight at a time), one for the ConfigMap LIST/WATCH stream.

import { ApiChannel } from "./channel";
import { T } from "../lib/text";

const JSON_VALUE_BYTES = 128;

export const apiChannel = new ApiChannel(T("api"), JSON_VALUE_BYTES);
export const watchChannel = new ApiChannel(T("watch"), JSON_VALUE_BYTES);
