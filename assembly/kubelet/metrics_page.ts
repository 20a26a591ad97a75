// /metrics (Prometheus text format 0.0.4) and /metrics/resource (the subset
// metrics-server reads from a kubelet). Every family has HELP and TYPE.

import { config } from "../config";
import { now } from "../lib/clock";
import { Out } from "../lib/out";
import { JsonWriter } from "../json/writer";
import { wallClock, wallMicrosNow } from "../api/time";
import { facts, SRAM_BYTES, TEMPERATURE_UNKNOWN } from "../node/facts";
import { leaseController } from "../node/lease";
import { metrics, PairCounter, API_VERBS } from "../metrics/counters";
import { region } from "../config_map/region";
import { routeLabel } from "./routes";
import { memoryUsedBytes } from "../memory";

function family(o: Out, name: string, type: string, help: string): void {
  o.ascii("# HELP ");
  o.ascii(name);
  o.byte(0x20);
  o.ascii(help);
  o.ascii("\n# TYPE ");
  o.ascii(name);
  o.byte(0x20);
  o.ascii(type);
  o.byte(0x0a);
}

function sample(o: Out, name: string, value: u64): void {
  o.ascii(name);
  o.byte(0x20);
  o.dec(value);
  o.byte(0x0a);
}

function gauge(o: Out, name: string, help: string, value: i64): void {
  family(o, name, "gauge", help);
  o.ascii(name);
  o.byte(0x20);
  o.decSigned(value);
  o.byte(0x0a);
}

function counter(o: Out, name: string, help: string, value: u64): void {
  family(o, name, "counter", help);
  sample(o, name, value);
}

function labelled(o: Out, name: string, table: PairCounter, byRoute: bool): void {
  for (let i = 0; i < table.used; i++) {
    o.ascii(name);
    o.ascii(byRoute ? "{path=\"" : "{verb=\"");
    o.ascii(byRoute ? routeLabel(table.keyAt(i)) : API_VERBS[table.keyAt(i)]);
    o.ascii("\",code=\"");
    o.dec(<u64>table.codeAt(i));
    o.ascii("\"} ");
    o.dec(table.countAt(i));
    o.byte(0x0a);
  }
}

export function renderMetrics(w: JsonWriter): void {
  const o = w.out;
  family(o, "pico_uptime_seconds", "gauge", "Seconds since the core started.");
  o.ascii("pico_uptime_seconds ");
  o.decimal(<i64>now(), 3);
  o.byte(0x0a);
  gauge(o, "pico_free_heap_bytes", "Free heap on the board.", facts.freeHeap);
  gauge(o, "pico_wasm_memory_used_bytes", "Linear memory the core uses (static data and heap).", memoryUsedBytes());
  family(o, "pico_http_requests_total", "counter", "Kubelet-port requests by path and status code.");
  labelled(o, "pico_http_requests_total", metrics.http, true);
  family(o, "pico_api_requests_total", "counter", "API server requests by verb and status code (0: no response).");
  labelled(o, "pico_api_requests_total", metrics.api, false);
  counter(o, "pico_api_sent_bytes_total", "Bytes sent to the API endpoint.", metrics.apiBytesSent);
  counter(o, "pico_api_received_bytes_total", "Bytes received from the API endpoint.", metrics.apiBytesReceived);
  counter(o, "pico_node_registrations_total", "Node registrations (including adoption after 409 and re-registration).", metrics.registrations);
  counter(o, "pico_node_status_writes_total", "Node status updates written.", metrics.statusWrites);
  counter(o, "pico_lease_renewals_total", "Successful Lease renewals.", metrics.leaseRenewals);
  counter(o, "pico_lease_renewal_failures_total", "Failed Lease renewals.", metrics.leaseFailures);
  family(o, "pico_lease_last_renewal_timestamp_seconds", "gauge", "Wall time of the last successful Lease renewal.");
  o.ascii("pico_lease_last_renewal_timestamp_seconds ");
  o.decimal(leaseController.lastRenewMicros / 1000, 3);
  o.byte(0x0a);
  counter(o, "pico_config_applies_total", "ConfigMap versions applied to the region.", metrics.configApplies);
  counter(o, "pico_config_rejects_total", "ConfigMap versions rejected (region unchanged).", metrics.configRejects);
  counter(o, "pico_config_relists_total", "ConfigMap LISTs (start, 410 Gone, errors).", metrics.relists);
  family(o, "pico_config_info", "gauge", "The applied ConfigMap resourceVersion and region CRC-32.");
  o.ascii("pico_config_info{resource_version=\"");
  o.buf(region.version);
  o.ascii("\",crc32=\"0x");
  o.hex32(region.crc);
  o.ascii("\"} 1\n");
  if (facts.rssiDbm != 0) gauge(o, "pico_wifi_rssi_dbm", "Wi-Fi signal strength.", facts.rssiDbm);
  if (facts.temperatureMc != TEMPERATURE_UNKNOWN) {
    family(o, "pico_temperature_celsius", "gauge", "Chip temperature.");
    o.ascii("pico_temperature_celsius ");
    o.decimal(facts.temperatureMc, 3);
    o.byte(0x0a);
  }
}

function resourceSample(o: Out, name: string, value: i64, places: i32): void {
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
  family(o, "node_cpu_usage_seconds_total", "counter", "Cumulative CPU time consumed by the node in core-seconds.");
  resourceSample(o, "node_cpu_usage_seconds_total", <i64>facts.cpuBusyMs, 3);
  family(o, "node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes.");
  resourceSample(o, "node_memory_working_set_bytes", SRAM_BYTES - <i64>facts.freeHeap, 0);
  family(o, "scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise.");
  o.ascii("scrape_error 0\n");
}
