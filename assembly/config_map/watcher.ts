// ConfigMapWatcher: follows one ConfigMap with LIST (fieldSelector on its
// name) then WATCH from the list's resourceVersion, with bookmarks and a
// bounded timeoutSeconds. A normal end of a watch resumes from the last
// resourceVersion; 410 Gone (as HTTP status or in-stream ERROR) re-LISTs.
// Each new resourceVersion of the ConfigMap is applied to the region or
// rejected whole, and the result is reported in the node's config condition.

import { config } from "../config";
import { now } from "../lib/clock";
import { ByteBuf } from "../lib/bytes";
import { Out } from "../lib/out";
import { LOG_INFO, LOG_WARN, logBegin, logEnd } from "../lib/log";
import { JsonReader, JSON_STRING, JSON_NUMBER } from "../json/reader";
import { HttpResponseParser } from "../http/response_parser";
import { ApiChannel } from "../api/channel";
import { ApiRequest, FAIL_PROTOCOL, StatusFields } from "../api/request";
import { Backoff, BACKOFF_API } from "../api/backoff";
import { RESOURCE_VERSION_BYTES } from "../api/limits";
import { isSuccess, retryAfterFailure, retryAfterNoResponse } from "../api/outcome";
import { metrics } from "../metrics/counters";
import { MemoryValuesParser } from "../region/memory_values";
import { conditions, COND_CONFIG, CONFIG_MESSAGE_BYTES, TRUE, FALSE, UNKNOWN } from "../node/conditions";
import { region } from "./region";
import { FirmwareDeclaration } from "../firmware/declaration";
import { firmwareUpdater } from "../firmware/updater";
import { T, Text, textLen } from "../lib/text";

const COMPONENT = T("configmap");

/** A watch that ends sooner than this is reopened after a backoff step, not at once. */
const WATCH_MIN_LIFE_MS: u64 = 1000;

const EV_NONE = 0;
const EV_ADDED = 1;
const EV_MODIFIED = 2;
const EV_DELETED = 3;
const EV_BOOKMARK = 4;
const EV_ERROR = 5;

/** What one ConfigMap object in a response said. `base` is the depth of the object. */
// Plain data, created once: no managed header needed.
@unmanaged
class ConfigMapCapture {
  version: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  hasMemoryValues: bool = false;
  memoryValuesNotString: bool = false;
  inBinaryData: bool = false;
  parser: MemoryValuesParser = new MemoryValuesParser();
  firmware: FirmwareDeclaration = new FirmwareDeclaration();

  reset(): void {
    this.firmware.reset();
    this.version.clear();
    this.hasMemoryValues = false;
    this.memoryValuesNotString = false;
    this.inBinaryData = false;
    this.parser.reset();
  }

  /** r is at depth base+2 under the object; k1.k2 relative to the object. */
  private at(r: JsonReader, base: i32, k1: Text, k2: Text): bool {
    return r.depth == base + 2 && r.keyIs(base + 1, k1) && r.keyIs(base + 2, k2);
  }

  /** A memory_values string starts. A key given twice counts once, its last value
   *  (Go's encoding/json, which the API server decodes with): start over. */
  wantsStream(r: JsonReader, base: i32): bool {
    if (!this.at(r, base, T("data"), T("memory_values"))) return false;
    this.parser.reset();
    return true;
  }

  scalar(req: ApiRequest, r: JsonReader, base: i32, kind: i32): void {
    if (r.depth == base + 2 && r.keyIs(base + 1, T("data")) && this.firmware.scalar(r, base, kind)) return;
    if (this.at(r, base, T("data"), T("memory_values"))) {
      this.hasMemoryValues = true;
      this.memoryValuesNotString = kind != JSON_STRING; // the last value decides
    } else if (kind == JSON_STRING) {
      if (this.at(r, base, T("metadata"), T("resourceVersion"))) this.captureVersion(req, this.version, r);
      else if (this.at(r, base, T("binaryData"), T("memory_values"))) this.inBinaryData = true;
    }
  }

  captureVersion(req: ApiRequest, dst: ByteBuf, r: JsonReader): void {
    req.capture(dst, r, T("metadata.resourceVersion is longer than 64 bytes"));
  }
}

function writeQueryValue(out: Out, b: ByteBuf): void {
  for (let i = 0; i < b.len; i++) {
    const c = b.at(i);
    const unreserved = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e;
    if (unreserved) out.byte(c);
    else {
      out.byte(0x25);
      out.hexByte(c);
    }
  }
}

function writeListTarget(out: Out): void {
  out.ascii(T("/api/v1/namespaces/"));
  out.buf(config.configMapNamespace);
  out.ascii(T("/configmaps?fieldSelector=metadata.name%3D"));
  writeQueryValue(out, config.configMapName);
}

class ListRequest extends ApiRequest {
  cm: ConfigMapCapture;
  listVersion: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  items: i32 = 0;

  constructor(status: StatusFields, cm: ConfigMapCapture) {
    super(status, T("configmap list"));
    this.cm = cm;
  }
  writeTarget(out: Out): void {
    writeListTarget(out);
  }
  begin(p: HttpResponseParser): void {
    super.begin(p);
    this.cm.reset();
    this.listVersion.clear();
    this.items = 0;
  }
  private inFirstItem(r: JsonReader): bool {
    return r.depth >= 2 && r.keyIs(1, T("items")) && r.indexAt(2) == 0;
  }
  enter(r: JsonReader, isArray: bool): void {
    if (!isArray && r.depth == 2 && r.keyIs(1, T("items"))) this.items++;
  }
  wantsStream(r: JsonReader): bool {
    return this.inFirstItem(r) && this.cm.wantsStream(r, 2);
  }
  stringRun(r: JsonReader, ptr: usize, len: i32): void {
    this.cm.parser.bytes(ptr, len);
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (kind == JSON_STRING && r.at2(T("metadata"), T("resourceVersion"))) this.cm.captureVersion(this, this.listVersion, r);
    else if (this.inFirstItem(r)) this.cm.scalar(this, r, 2, kind);
  }
  lacking(): Text {
    if (this.listVersion.len == 0) return T("the list has no metadata.resourceVersion");
    return this.items > 0 && this.cm.version.len == 0 ? T("the ConfigMap in the list has no metadata.resourceVersion") : T("");
  }
  complete(p: HttpResponseParser): void {
    watcher.listDone(this, p);
  }
  failed(kind: i32): void {
    watcher.noResponse(this);
  }
}

class WatchRequest extends ApiRequest {
  cm: ConfigMapCapture;
  eventType: i32 = EV_NONE;
  errorCode: i32 = 0;
  /** The body is a stream of events (a 2xx response). */
  events: bool = false;
  /** An ERROR or unusable event ended the stream (and scheduled a LIST): ignore the rest. */
  stopped: bool = false;
  /** When the answer began: a watch the server ends within a second is not a healthy one. */
  startedAt: u64 = 0;

  constructor(status: StatusFields, cm: ConfigMapCapture) {
    super(status, T("configmap watch"));
    this.cm = cm;
    this.isStream = true;
  }
  writeTarget(out: Out): void {
    writeListTarget(out);
    out.ascii(T("&watch=1&resourceVersion="));
    writeQueryValue(out, watcher.lastVersion);
    out.ascii(T("&allowWatchBookmarks=true&timeoutSeconds="));
    out.dec(<u64>config.watchTimeoutS);
  }
  begin(p: HttpResponseParser): void {
    super.begin(p);
    // Only a 2xx body is a stream of events; any other is one Status (watchDone reads it).
    this.events = isSuccess(p.status);
    this.stopped = false;
    this.startedAt = now();
    this.startEvent();
  }
  private startEvent(): void {
    this.cm.reset();
    this.eventType = EV_NONE;
    this.errorCode = 0;
    this.unusable = T(""); // each event is judged on its own (see event())
  }
  enter(r: JsonReader, isArray: bool): void {
    if (r.depth == 0) this.startEvent();
  }
  wantsStream(r: JsonReader): bool {
    return r.depth >= 1 && r.keyIs(1, T("object")) && this.cm.wantsStream(r, 1);
  }
  stringRun(r: JsonReader, ptr: usize, len: i32): void {
    this.cm.parser.bytes(ptr, len);
  }
  scalar(r: JsonReader, kind: i32): void {
    super.scalar(r, kind);
    if (r.depth == 1 && kind == JSON_STRING && r.keyIs(1, T("type"))) {
      this.eventType = eventTypeOf(r.value);
    } else if (r.depth >= 1 && r.keyIs(1, T("object"))) {
      if (r.depth == 2 && kind == JSON_NUMBER && r.keyIs(2, T("code"))) this.errorCode = <i32>r.intValue();
      else if (r.depth == 2 && kind == JSON_STRING && r.keyIs(2, T("message"))) this.status.message.copyFrom(r.value);
      else this.cm.scalar(this, r, 1, kind);
    }
  }
  documentEnd(r: JsonReader): void {
    if (!this.events || this.stopped) return;
    // An ERROR ends the stream's usefulness; so does an event that cannot be used.
    if (this.eventType != EV_ERROR && textLen(this.unusable) == 0) this.unusable = this.lackingInEvent();
    if (this.eventType == EV_ERROR || textLen(this.unusable) > 0) this.stopped = true;
    watcher.event(this);
  }
  /** What keeps this event from being used, or "". */
  private lackingInEvent(): Text {
    if (this.eventType == EV_NONE) return T("no known event type");
    return this.cm.version.len == 0 ? T("the event's object has no metadata.resourceVersion") : T("");
  }
  complete(p: HttpResponseParser): void {
    watcher.watchDone(this, p);
  }
  failed(kind: i32): void {
    if (watcher.restartPending()) return; // the event that stopped it was logged and scheduled the LIST
    // A stream that stopped making sense: start over from a LIST, as client-go's reflector does.
    if (kind == FAIL_PROTOCOL) watcher.relistAfter();
    watcher.noResponse(this);
  }
}

function eventTypeOf(v: ByteBuf): i32 {
  if (v.equalsAscii(T("ADDED"))) return EV_ADDED;
  if (v.equalsAscii(T("MODIFIED"))) return EV_MODIFIED;
  if (v.equalsAscii(T("DELETED"))) return EV_DELETED;
  if (v.equalsAscii(T("BOOKMARK"))) return EV_BOOKMARK;
  if (v.equalsAscii(T("ERROR"))) return EV_ERROR;
  return EV_NONE;
}

// What evaluate() found, judged before anything is worded.
const OUTCOME_SEEN = -1; // this version was evaluated already
const OUTCOME_MISSING = 0;
const OUTCOME_INVALID = 1;
const OUTCOME_COMMIT_FAILED = 2;
const OUTCOME_APPLIED = 3;

// Plain data, created once: no managed header needed.
@unmanaged
export class ConfigMapWatcher {
  /** Requests that got no (usable) answer; reset by any answer that works. */
  backoff: Backoff = new Backoff(BACKOFF_API);
  /** Watches that ended in no progress — forced to LIST again (410, an ERROR or
   *  unusable event, a stream that broke) or closed within a second — each
   *  answer fine on its own, so the backoff above would not grow. Reset only
   *  by a watch that runs a second or more and ends well. */
  cycleBackoff: Backoff = new Backoff(BACKOFF_API);
  /** resourceVersion to watch from (list, last event or bookmark); empty: LIST first. */
  lastVersion: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  /** resourceVersion of the ConfigMap last evaluated (applied or rejected). */
  evaluatedVersion: ByteBuf = ByteBuf.create(RESOURCE_VERSION_BYTES);
  private relist: bool = true;
  /** A LIST has succeeded since start (part of being Ready, for a new firmware's confirmation). */
  listedOnce: bool = false;
  private restart: bool = false;
  private msgOut: Out = new Out(CONFIG_MESSAGE_BYTES);
  private cm: ConfigMapCapture = new ConfigMapCapture();
  private statusFields: StatusFields = new StatusFields();
  private list: ListRequest = new ListRequest(this.statusFields, this.cm);
  private watch: WatchRequest = new WatchRequest(this.statusFields, this.cm);

  configure(): void {
    this.backoff.configure();
    this.cycleBackoff.configure();
  }

  start(): void {
    const o = this.beginMessage();
    o.ascii(T("waiting for ConfigMap "));
    this.writeName(o);
    this.endMessage(UNKNOWN, T("Pending"));
  }

  pump(ch: ApiChannel): void {
    if (this.restart) {
      // Decided inside a stream callback; acted on here, outside the channel.
      this.restart = false;
      ch.abort();
    }
    if (ch.busy() || !this.backoff.ready() || !this.cycleBackoff.ready()) return;
    if (this.relist || this.lastVersion.len == 0) ch.start(this.list);
    else ch.start(this.watch);
  }

  listDone(req: ListRequest, p: HttpResponseParser): void {
    if (!isSuccess(p.status)) {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
      return;
    }
    this.backoff.succeeded();
    this.relist = false;
    this.listedOnce = true;
    metrics.relists++;
    this.lastVersion.copyFrom(req.listVersion);
    if (req.items == 0) this.absent(T("ConfigMapNotFound"), T(" not found"));
    else this.evaluate(req.cm);
  }

  watchDone(req: WatchRequest, p: HttpResponseParser): void {
    if (p.status == 410) {
      this.backoff.succeeded();
      this.relistAfter(); // our resourceVersion is too old
      return;
    }
    if (!isSuccess(p.status)) {
      retryAfterFailure(COMPONENT, req, p, this.backoff);
      return;
    }
    this.backoff.succeeded();
    metrics.watchRestarts++;
    if (req.stopped) return; // an event ended it and took its cycle step (relistAfter)
    if (now() - req.startedAt < WATCH_MIN_LIFE_MS) {
      // Ended within a second (client-go's "very short watch"): its events were
      // applied, but a server that keeps doing this is not asked as fast as it closes.
      const delay = this.cycleBackoff.failed(-1);
      const o = logBegin(LOG_WARN, COMPONENT);
      o.ascii(T("watch ended within a second; watching again in "));
      o.dec(delay);
      o.ascii(T(" ms"));
      logEnd();
      return;
    }
    // The server ended the watch (timeoutSeconds): resume from lastVersion.
    this.cycleBackoff.succeeded();
  }

  /** The watch cannot go on from lastVersion: LIST again, one cycle step later. */
  relistAfter(): void {
    this.relist = true;
    this.cycleBackoff.failed(-1);
  }

  /** An event ended the watch; pump() has not acted on it yet. */
  restartPending(): bool {
    return this.restart;
  }

  noResponse(req: ApiRequest): void {
    retryAfterNoResponse(COMPONENT, req, this.backoff);
  }

  event(req: WatchRequest): void {
    const cm = req.cm;
    if (req.eventType != EV_ERROR && textLen(req.unusable) > 0) {
      // An event that does not decode into one the core can use: what follows
      // cannot be trusted to be in step either. End the watch, LIST again.
      const o = logBegin(LOG_WARN, COMPONENT);
      o.ascii(T("watch event cannot be used ("));
      o.ascii(req.unusable);
      o.ascii(T("); listing again"));
      logEnd();
      this.restart = true;
      this.relistAfter();
      return;
    }
    switch (req.eventType) {
      case EV_ADDED:
      case EV_MODIFIED:
        this.lastVersion.copyFrom(cm.version);
        this.evaluate(cm);
        break;
      case EV_DELETED:
        this.lastVersion.copyFrom(cm.version);
        this.evaluatedVersion.clear();
        this.absent(T("ConfigMapDeleted"), T(" was deleted"));
        break;
      case EV_BOOKMARK:
        if (cm.version.len > 0) this.lastVersion.copyFrom(cm.version);
        break;
      case EV_ERROR: {
        const o = logBegin(req.errorCode == 410 ? LOG_INFO : LOG_WARN, COMPONENT);
        o.ascii(T("watch ended by the server: "));
        o.dec(<u64>req.errorCode);
        o.ascii(T(" "));
        o.excerpt(req.status.message);
        logEnd();
        // 410: the resourceVersion is too old; anything else: start over as well.
        this.restart = true;
        this.relistAfter();
        break;
      }
    }
  }

  /** A new resourceVersion of the ConfigMap: apply it whole or reject it whole. */
  private evaluate(cm: ConfigMapCapture): void {
    // Judged, worded into the condition, logged: one loop turn each, to bound
    // wasm3's C stack (see node/render.ts).
    let outcome = OUTCOME_SEEN;
    for (let step = 0; step < 4; step++) {
      if (step == 0) outcome = this.judge(cm);
      else if (outcome == OUTCOME_SEEN) break;
      else if (step == 1) this.word(cm, outcome);
      else if (step == 2) this.logCondition(outcome == OUTCOME_APPLIED ? LOG_INFO : LOG_WARN);
      else firmwareUpdater.takeDeclaration(cm.firmware); // its own condition, whatever became of memory_values
    }
  }

  /** Applies the ConfigMap if it is new and valid: one of OUTCOME_*. */
  private judge(cm: ConfigMapCapture): i32 {
    if (cm.version.len > 0 && cm.version.equals(this.evaluatedVersion)) return OUTCOME_SEEN;
    this.evaluatedVersion.copyFrom(cm.version);
    if (!cm.hasMemoryValues || cm.memoryValuesNotString) return OUTCOME_MISSING;
    if (!cm.parser.finish()) return OUTCOME_INVALID;
    if (!region.commit(cm.parser.staging, cm.version, cm.parser.entries)) return OUTCOME_COMMIT_FAILED;
    return OUTCOME_APPLIED;
  }

  /** Sets the config condition for a judged ConfigMap. */
  private word(cm: ConfigMapCapture, outcome: i32): void {
    const o = this.beginMessage();
    if (outcome == OUTCOME_APPLIED) {
      metrics.configApplies++;
      o.ascii(T("resourceVersion "));
      o.buf(region.version);
      o.ascii(T(" applied: "));
      o.dec(<u64>region.entries);
      o.ascii(T(" bytes set, crc32 0x"));
      o.hex32(region.crc);
      this.endMessage(TRUE, T("Applied"));
      return;
    }
    let reason = T("CommitFailed");
    if (outcome == OUTCOME_MISSING) {
      reason = T("MissingMemoryValues");
      if (cm.inBinaryData) o.ascii(T("memory_values is in binaryData; put it in data"));
      else if (cm.memoryValuesNotString) o.ascii(T("data.memory_values is not a string"));
      else {
        o.ascii(T("ConfigMap "));
        this.writeName(o);
        o.ascii(T(" has no data.memory_values"));
      }
    } else if (outcome == OUTCOME_INVALID) {
      reason = T("InvalidMemoryValues");
      cm.parser.writeError(o);
    } else {
      o.ascii(T("the board refused to store the region"));
    }
    metrics.configRejects++;
    o.ascii(T(" (resourceVersion "));
    o.buf(cm.version);
    o.ascii(T(" rejected; region unchanged)"));
    this.endMessage(FALSE, reason);
  }

  private absent(reason: Text, what: Text): void {
    const o = this.beginMessage();
    o.ascii(T("ConfigMap "));
    this.writeName(o);
    o.ascii(what);
    o.ascii(T("; region keeps "));
    if (region.version.len > 0) {
      o.ascii(T("resourceVersion "));
      o.buf(region.version);
    } else {
      o.ascii(T("its bytes from boot"));
    }
    this.endMessage(FALSE, reason);
    this.logCondition(LOG_WARN);
  }

  private writeName(o: Out): void {
    o.buf(config.configMapNamespace);
    o.byte(0x2f);
    o.buf(config.configMapName);
  }

  private beginMessage(): Out {
    this.msgOut.beginBuffer();
    return this.msgOut;
  }

  private endMessage(status: i32, reason: Text): void {
    conditions.setWith(COND_CONFIG, status, reason, this.msgOut.stage);
  }

  private logCondition(level: i32): void {
    const o = logBegin(level, COMPONENT);
    o.buf(this.msgOut.stage);
    logEnd();
  }
}

export const watcher = new ConfigMapWatcher();
