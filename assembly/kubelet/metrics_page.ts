// /metrics (Prometheus text format 0.0.4) and /metrics/resource (the subset
// metrics-server reads from a kubelet). Every family has HELP and TYPE.

import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { ByteBuf } from "../lib/bytes";
import { JsonWriter } from "../json/writer";
import { wallClock, wallMicrosNow } from "../api/time";
import { facts, TEMPERATURE_UNKNOWN } from "../node/facts";
import { leaseController } from "../node/lease";
import { metrics, PairCounter, API_VERBS } from "../metrics/counters";
import { region } from "../config_map/region";
import { routeLabel } from "./routes";
import { memoryUsedBytes } from "../memory";
import { T, Text } from "../lib/text";

function family(o: Out, name: Text, type: Text, help: Text): void {
  o.ascii(T("# HELP "));
  o.ascii(name);
  o.byte(0x20);
  o.ascii(help);
  o.ascii(T("\n# TYPE "));
  o.ascii(name);
  o.byte(0x20);
  o.ascii(type);
  o.byte(0x0a);
}

/** A label value from outside (the API server's resourceVersion), escaped as the text format requires. */
function labelValue(o: Out, b: ByteBuf): void {
  for (let i = 0; i < b.len; i++) {
    const c = b.at(i);
    if (c == 0x5c || c == 0x22) o.byte(0x5c);
    if (c == 0x0a) {
      o.ascii(T("\\n"));
      continue;
    }
    o.byte(c);
  }
}

function sample(o: Out, name: Text, value: u64): void {
  o.ascii(name);
  o.byte(0x20);
  o.dec(value);
  o.byte(0x0a);
}

function gauge(o: Out, name: Text, help: Text, value: i64): void {
  decimalGauge(o, name, help, value, 0);
}

/** A gauge with a fixed-point value: value / 10^places. */
function decimalGauge(o: Out, name: Text, help: Text, value: i64, places: i32): void {
  family(o, name, T("gauge"), help);
  o.ascii(name);
  o.byte(0x20);
  o.decimal(value, places);
  o.byte(0x0a);
}

function counter(o: Out, name: Text, help: Text, value: u64): void {
  family(o, name, T("counter"), help);
  sample(o, name, value);
}

function labelled(o: Out, name: Text, table: PairCounter, byRoute: bool): void {
  for (let i = 0; i < table.used; i++) {
    o.ascii(name);
    o.ascii(byRoute ? T("{path=\"") : T("{verb=\""));
    o.ascii(byRoute ? routeLabel(table.keyAt(i)) : unchecked(API_VERBS[table.keyAt(i)]));
    o.ascii(T("\",code=\""));
    o.dec(<u64>table.codeAt(i));
    o.ascii(T("\"} "));
    o.dec(table.countAt(i));
    o.byte(0x0a);
  }
}

const METRIC_FAMILIES = 20;

export function renderMetrics(w: JsonWriter): void {
  // One family per loop turn, to bound wasm3's C stack (see node/render.ts).
  for (let index = 0; index < METRIC_FAMILIES; index++) writeMetricFamily(w.out, index);
}

function writeMetricFamily(o: Out, index: i32): void {
  switch (index) {
    case 0: decimalGauge(o, T("pico_uptime_seconds"), T("Seconds since start."), <i64>now(), 3); break;
    case 1: gauge(o, T("pico_free_heap_bytes"), T("Free heap."), facts.freeHeap); break;
    case 2: gauge(o, T("pico_wasm_memory_used_bytes"), T("Linear memory used by the core."), memoryUsedBytes()); break;
    case 3: {
      family(o, T("pico_http_requests_total"), T("counter"), T("Kubelet requests by path and code."));
      labelled(o, T("pico_http_requests_total"), metrics.http, true);
      break;
    }
    case 4: {
      family(o, T("pico_api_requests_total"), T("counter"), T("API requests by verb and code (0: no response)."));
      labelled(o, T("pico_api_requests_total"), metrics.api, false);
      break;
    }
    case 5: counter(o, T("pico_api_sent_bytes_total"), T("Bytes sent to the API."), metrics.apiBytesSent); break;
    case 6: counter(o, T("pico_api_received_bytes_total"), T("Bytes received from the API."), metrics.apiBytesReceived); break;
    case 7: counter(o, T("pico_node_registrations_total"), T("Node registrations and adoptions."), metrics.registrations); break;
    case 8: counter(o, T("pico_node_status_writes_total"), T("Node status writes."), metrics.statusWrites); break;
    case 9: counter(o, T("pico_lease_renewals_total"), T("Successful Lease renewals."), metrics.leaseRenewals); break;
    case 10: counter(o, T("pico_lease_renewal_failures_total"), T("Failed Lease renewals."), metrics.leaseFailures); break;
    case 11: decimalGauge(o, T("pico_lease_last_renewal_timestamp_seconds"), T("Time of the last Lease renewal."), leaseController.lastRenewMicros / 1000, 3); break;
    case 12: counter(o, T("pico_config_applies_total"), T("ConfigMap versions applied."), metrics.configApplies); break;
    case 13: counter(o, T("pico_config_rejects_total"), T("ConfigMap versions rejected."), metrics.configRejects); break;
    case 14: counter(o, T("pico_config_relists_total"), T("ConfigMap LISTs."), metrics.relists); break;
    case 15: counter(o, T("pico_config_watch_restarts_total"), T("ConfigMap watches ended by the server and resumed."), metrics.watchRestarts); break;
    case 16: {
      family(o, T("pico_config_info"), T("gauge"), T("Applied ConfigMap version and region CRC-32."));
      o.ascii(T("pico_config_info{resource_version=\""));
      labelValue(o, region.version);
      o.ascii(T("\",crc32=\"0x"));
      o.hex32(region.crc);
      o.ascii(T("\"} 1\n"));
      break;
    }
    case 17: counter(o, T("pico_wall_clock_dates_ignored_total"), T("API server Date headers not believed (unparsable, outside 2020-2200, or an unconfirmed step)."), metrics.datesIgnored); break;
    case 18: {
      if (facts.rssiDbm != 0) gauge(o, T("pico_wifi_rssi_dbm"), T("Wi-Fi RSSI."), facts.rssiDbm);
      break;
    }
    default: {
      if (facts.temperatureMc != TEMPERATURE_UNKNOWN) {
        decimalGauge(o, T("pico_temperature_celsius"), T("Chip temperature."), facts.temperatureMc, 3);
      }
    }
  }
}

function resourceSample(o: Out, name: Text, value: i64, places: i32): void {
  o.ascii(name);
  o.byte(0x20);
  o.decimal(value, places);
  if (wallClock.known) {
    o.byte(0x20);
    o.decSigned(wallMicrosNow() / 1000);
  }
  o.byte(0x0a);
}

export function renderMetricsResource(w: JsonWriter): void {
  const o = w.out;
  family(o, T("node_cpu_usage_seconds_total"), T("counter"), T("CPU time used, in core-seconds."));
  resourceSample(o, T("node_cpu_usage_seconds_total"), <i64>facts.cpuBusyMs, 3);
  family(o, T("node_memory_working_set_bytes"), T("gauge"), T("Memory working set in bytes."));
  // The host's own figure (a Pico's static RAM plus heap in use); never negative, whatever a host says.
  resourceSample(o, T("node_memory_working_set_bytes"), facts.memoryUsed > 0 ? <i64>facts.memoryUsed : 0, 0);
  family(o, T("scrape_error"), T("gauge"), T("1 if the scrape failed."));
  o.ascii(T("scrape_error 0\n"));
}
