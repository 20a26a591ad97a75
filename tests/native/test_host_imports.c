#include <string.h>

#include "fake_hal.h"
#include "host_imports.h"
#include "test.h"

static uint8_t memory[256];
static core_memory mem = {memory, sizeof memory};
static region_store region;
static event_queue events;
static const uint8_t rodata[] = "content-typeapplication/json";
static host_context ctx = {.region = &region, .events = &events, .rodata = rodata, .rodata_len = sizeof rodata - 1, .engine = "test engine"};

static void put(uint32_t at, const char *text) { memcpy(memory + at, text, strlen(text)); }

static void setup(void) {
  memset(memory, 0, sizeof memory);
  region_store_clear(&region);
  event_queue_init(&events);
  ctx.region_commits = 0;
}

TEST(host_log_passes_the_line_and_clamps_the_level) {
  setup();
  put(10, "hello core");
  CHECK_EQ(import_host_log(mem, 9, 10, 10), IMPORT_OK);
  CHECK(strcmp(fake.last_log, "hello core") == 0);
  CHECK_EQ(fake.last_log_level, 3);
}

TEST(every_pointer_import_traps_out_of_bounds_without_acting) {
  setup();
  int32_t result = 99;
  CHECK_EQ(import_host_log(mem, 2, 250, 7), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(fake.log_count, 0);
  CHECK_EQ(import_net_open(mem, 255, 2, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(fake.open_count, 0);
  CHECK_EQ(import_net_send(mem, 1, 0, 257, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(fake.sent_len, 0);
  CHECK_EQ(import_net_send(mem, 1, 0xFFFFFFFFu, 2, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_region_commit(&ctx, mem, 0, 1024, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(ctx.region_commits, 0);
  CHECK_EQ(import_region_read(&ctx, mem, 0, 200, 100, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_board_unique_id(mem, 250, 16, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_board_platform(&ctx, mem, 256, 1, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_firmware_identity(mem, 256 - 39, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_firmware_boot_state(mem, 251, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_firmware_slot_write(mem, 0, 200, 57, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_firmware_slot_finish(mem, 225, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(result, 99);
}

TEST(a_port_that_installs_no_images_says_so_and_writes_nothing) {
  setup();
  memset(memory, 0xAB, sizeof memory);
  int32_t result = 99;
  CHECK_EQ(import_firmware_identity(mem, 0, &result), IMPORT_OK);
  CHECK_EQ(result, -1);
  CHECK_EQ(memory[0], 0xAB); // nothing written for a host without updates
  CHECK_EQ(import_firmware_slot_write(mem, 0, 0, 16, &result), IMPORT_OK);
  CHECK(result < 0);
  CHECK_EQ(import_firmware_install(), -1);
  CHECK_EQ(import_firmware_confirm(), -1);
}

TEST(imports_reread_the_memory_they_are_given) {
  // A memory that has grown since the last call: a range now inside is accepted.
  setup();
  int32_t result = 0;
  core_memory small = {memory, 64};
  CHECK_EQ(import_net_send(small, 1, 60, 8, &result), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_net_send(mem, 1, 60, 8, &result), IMPORT_OK);
  CHECK_EQ(fake.sent_len, 8);
}

TEST(net_open_splits_host_and_port) {
  setup();
  put(0, "10.0.0.2:6080");
  int32_t handle = -1;
  CHECK_EQ(import_net_open(mem, 0, 13, &handle), IMPORT_OK);
  CHECK_EQ(handle, 7);
  CHECK(strcmp(fake.opened_host, "10.0.0.2") == 0);
  CHECK_EQ(fake.opened_port, 6080);
}

TEST(net_open_refuses_malformed_targets) {
  const char *bad[] = {"nohost", ":80", "host:", "host:0", "host:65536", "host:8a", "h:1:"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    setup();
    put(0, bad[i]);
    int32_t handle = 5;
    CHECK_EQ(import_net_open(mem, 0, (uint32_t)strlen(bad[i]), &handle), IMPORT_OK);
    CHECK_EQ(handle, -1);
    CHECK_EQ(fake.open_count, 0);
  }
}

TEST(net_open_refuses_a_host_longer_than_it_can_hold) {
  setup();
  memset(memory, 'a', 120);
  put(120, ":80");
  int32_t handle = 5;
  CHECK_EQ(import_net_open(mem, 0, 123, &handle), IMPORT_OK);
  CHECK_EQ(handle, -1);
}

TEST(net_send_copies_the_bytes) {
  setup();
  put(32, "GET / HTTP/1.1");
  int32_t result = -1;
  CHECK_EQ(import_net_send(mem, 3, 32, 14, &result), IMPORT_OK);
  CHECK_EQ(result, 0);
  CHECK(memcmp(fake.sent, "GET / HTTP/1.1", 14) == 0);
}

TEST(net_close_closes_and_cancels_queued_events) {
  setup();
  event_queue_push(&events, EVENT_NET_CONNECTED, 4, 0);
  import_net_close(&ctx, 4);
  CHECK_EQ(fake.closed_handle, 4);
  CHECK_EQ(event_queue_peek(&events)->type, EVENT_NONE);
}

TEST(region_commit_and_read_go_through_the_store) {
  static uint8_t big[2048];
  core_memory bigmem = {big, sizeof big};
  setup();
  for (int i = 0; i < 1024; i++) big[i] = (uint8_t)i;
  int32_t result = -1;
  CHECK_EQ(import_region_read(&ctx, bigmem, 0, 1500, 4, &result), IMPORT_OK);
  CHECK_EQ(result, 0); // nothing held yet
  CHECK_EQ(import_region_commit(&ctx, bigmem, 0, 1024, &result), IMPORT_OK);
  CHECK_EQ(result, 0);
  CHECK_EQ(ctx.region_commits, 1);
  CHECK_EQ(import_region_read(&ctx, bigmem, 1000, 1500, 24, &result), IMPORT_OK);
  CHECK_EQ(result, 24);
  CHECK_EQ(big[1500], (uint8_t)1000);
  CHECK_EQ(import_region_commit(&ctx, bigmem, 0, 1000, &result), IMPORT_OK);
  CHECK_EQ(result, -1); // only whole regions
  CHECK_EQ(import_region_read(&ctx, bigmem, -1, 0, 4, &result), IMPORT_OK);
  CHECK_EQ(result, -1);
  CHECK_EQ(import_region_read(&ctx, bigmem, 1022, 0, 4, &result), IMPORT_OK);
  CHECK_EQ(result, -1);
}

TEST(rodata_read_copies_from_the_section) {
  setup();
  CHECK_EQ(import_rodata_read(&ctx, mem, 12, 40, 16), 16);
  CHECK(memcmp(memory + 40, "application/json", 16) == 0);
  CHECK_EQ(import_rodata_read(&ctx, mem, 0, 0, 28), 28);
}

TEST(rodata_read_answers_minus_one_outside_either_range) {
  setup();
  CHECK_EQ(import_rodata_read(&ctx, mem, 20, 0, 9), -1);  // past the section's end
  CHECK_EQ(import_rodata_read(&ctx, mem, -1, 0, 1), -1);
  CHECK_EQ(import_rodata_read(&ctx, mem, 0, 250, 10), -1); // past the memory's end
  CHECK_EQ(memory[250], 0);
}

TEST(text_imports_truncate_at_the_capacity) {
  setup();
  int32_t len = 0;
  CHECK_EQ(import_board_unique_id(mem, 100, 4, &len), IMPORT_OK);
  CHECK_EQ(len, 4);
  CHECK(memcmp(memory + 100, "e661", 4) == 0);
  CHECK_EQ(memory[104], 0);
  CHECK_EQ(import_board_platform(&ctx, mem, 0, 64, &len), IMPORT_OK);
  CHECK_EQ(len, 23);
  CHECK(memcmp(memory, "unit tests, test engine", 23) == 0); // the HAL's platform, then the engine
  CHECK_EQ(import_board_platform(&ctx, mem, 100, 12, &len), IMPORT_OK);
  CHECK_EQ(len, 12);
  CHECK_EQ(memory[112], 0);
}

TEST(plain_value_imports_pass_through) {
  setup();
  CHECK_EQ(import_net_ipv4(), 0x0a00000f);
  CHECK_EQ(import_net_rssi_dbm(), -57);
  CHECK_EQ(import_board_free_heap(), 123456);
  CHECK_EQ(import_board_memory_used(), 98765);
  CHECK_EQ(import_board_temperature_mc(), 27500);
  CHECK_EQ(import_board_cpu_busy_ms(), 42);
  CHECK_EQ(import_random_u32(), 0x12345678u);
  import_led_set(5);
  CHECK_EQ(fake.led, 1);
  import_led_set(0);
  CHECK_EQ(fake.led, 0);
}

/** Writes an AssemblyScript string (u32 byte length, then UTF-16LE) with its text at at. */
static void put_as_string(uint32_t at, const char *text) {
  uint32_t bytes = (uint32_t)strlen(text) * 2;
  memcpy(memory + at - 4, &bytes, 4);
  for (size_t i = 0; text[i]; i++) {
    memory[at + 2 * i] = (uint8_t)text[i];
    memory[at + 2 * i + 1] = 0;
  }
}

TEST(abort_logs_message_and_place_then_traps) {
  setup();
  put_as_string(20, "index out of range");
  put_as_string(100, "assembly/x.ts");
  CHECK_EQ(import_abort(mem, 20, 100, 12, 5), IMPORT_ABORTED);
  CHECK(strcmp(fake.last_log, "core abort: index out of range at assembly/x.ts:12:5") == 0);
  CHECK_EQ(fake.last_log_level, 0);
}

TEST(abort_with_null_strings_still_logs) {
  setup();
  CHECK_EQ(import_abort(mem, 0, 0, 1, 2), IMPORT_ABORTED);
  CHECK(strcmp(fake.last_log, "core abort: ? at ?:1:2") == 0);
}

TEST(abort_with_a_string_outside_memory_is_out_of_bounds) {
  setup();
  uint32_t huge = 1000;
  memcpy(memory + 16, &huge, 4);
  CHECK_EQ(import_abort(mem, 20, 0, 1, 1), IMPORT_OUT_OF_BOUNDS);
  CHECK_EQ(import_abort(mem, 2, 0, 1, 1), IMPORT_OUT_OF_BOUNDS); // its length field would start before 0
}
