// send_queue: all-or-nothing appends, per-queue and total budgets, the
// buffer freed the moment it drains.
#include <string.h>

#include "send_queue.h"
#include "test.h"

static const uint8_t bytes[9000];

TEST(send_queue_allocates_only_while_bytes_wait) {
  send_queue q = {0};
  CHECK(send_queue_append(&q, (const uint8_t *)"hello", 5, 8192, 16384));
  CHECK_EQ(q.len, 5);
  CHECK_EQ(q.cap, 1024);
  CHECK_EQ(send_queue_allocated_total(), 1024);
  send_queue_consume(&q, 2);
  CHECK(memcmp(q.bytes, "llo", 3) == 0);
  send_queue_consume(&q, 3);
  CHECK(q.bytes == NULL);
  CHECK_EQ(send_queue_allocated_total(), 0);
}

TEST(send_queue_refuses_past_its_own_limit_and_keeps_what_it_had) {
  send_queue q = {0};
  CHECK(send_queue_append(&q, bytes, 8000, 8192, 16384));
  CHECK(!send_queue_append(&q, bytes, 193, 8192, 16384));
  CHECK_EQ(q.len, 8000);
  CHECK(send_queue_append(&q, bytes, 192, 8192, 16384));
  CHECK_EQ(q.cap, 8192);
  send_queue_clear(&q);
  CHECK_EQ(send_queue_allocated_total(), 0);
}

TEST(send_queue_refuses_past_the_total_budget) {
  send_queue a = {0}, b = {0};
  CHECK(send_queue_append(&a, bytes, 6000, 8192, 10240));
  CHECK(!send_queue_append(&b, bytes, 5000, 8192, 10240)); // 6 KiB + 5 KiB > 10 KiB
  CHECK(b.bytes == NULL);
  CHECK(send_queue_append(&b, bytes, 4000, 8192, 10240));
  send_queue_clear(&a);
  send_queue_clear(&b);
  CHECK_EQ(send_queue_allocated_total(), 0);
}

// ---- send_queue_send: all or nothing on the wire ----

static size_t written;
static size_t take_all(void *conn, const uint8_t *b, size_t n) {
  (void)conn, (void)b;
  written += n;
  return n;
}
static size_t take_none(void *conn, const uint8_t *b, size_t n) {
  (void)conn, (void)b, (void)n;
  return 0;
}

TEST(send_queue_send_writes_what_fits_and_queues_the_rest) {
  send_queue q = {0};
  written = 0;
  CHECK(send_queue_send(&q, bytes, 500, 1000, take_all, NULL, 8192, 16384));
  CHECK_EQ(written, 500);
  CHECK(q.bytes == NULL); // fitted: nothing allocated
  CHECK(send_queue_send(&q, bytes, 3000, 1000, take_all, NULL, 8192, 16384));
  CHECK_EQ(written, 1500);
  CHECK_EQ(q.len, 2000);
  CHECK(send_queue_send(&q, bytes, 100, 1000, take_all, NULL, 8192, 16384)); // behind the queued bytes, in order
  CHECK_EQ(written, 1500);
  CHECK_EQ(q.len, 2100);
  send_queue_clear(&q);
}

TEST(send_queue_send_refused_writes_nothing) {
  send_queue q = {0};
  written = 0;
  // 1000 would go out at once, but the 4000 after them do not fit the budget: none of it is written.
  CHECK(!send_queue_send(&q, bytes, 5000, 1000, take_all, NULL, 8192, 3072));
  CHECK_EQ(written, 0);
  CHECK(q.bytes == NULL);
  CHECK_EQ(send_queue_allocated_total(), 0);
}

TEST(send_queue_send_queues_everything_the_network_does_not_take) {
  send_queue q = {0};
  CHECK(send_queue_send(&q, bytes, 1500, 1000, take_none, NULL, 8192, 16384));
  CHECK_EQ(q.len, 1500);
  // The network takes nothing and the whole send does not fit the budget: refused, the queue as it was.
  CHECK(!send_queue_send(&q, bytes, 100, 1000, take_none, NULL, 1536, 16384));
  CHECK_EQ(q.len, 1500);
  send_queue_clear(&q);
  CHECK(!send_queue_send(&q, bytes, 3000, 1000, take_none, NULL, 8192, 2048)); // room reserved for 2000, then refused
  CHECK(q.bytes == NULL);
  CHECK_EQ(send_queue_allocated_total(), 0);
}

TEST(send_queue_room_is_what_an_all_or_nothing_writer_can_count_on) {
  send_queue a = {0}, b = {0};
  // Empty: the network's room plus the queue's, less a step of the budget for rounding.
  CHECK_EQ(send_queue_room(&a, 1000, 8192, 16384), 1000 + 8192);
  CHECK_EQ(send_queue_room(&a, 1000, 8192, 4096), 1000 + 3072);
  // Bytes waiting: nothing goes straight to the network any more.
  CHECK(send_queue_append(&a, bytes, 100, 8192, 16384));
  CHECK_EQ(send_queue_room(&a, 1000, 8192, 16384), 8192 - 100);
  // Whatever it promised is taken, all at once.
  size_t room = send_queue_room(&b, 500, 8192, 16384 - 1024);
  written = 0;
  CHECK_EQ(send_queue_offer(&b, bytes, room, 500, take_all, NULL, 8192, 16384), (int)room);
  CHECK_EQ(written, 500);
  CHECK_EQ(b.len, room - 500);
  // Past its limit an offer is refused whole and leaves the queue as it was.
  CHECK_EQ(send_queue_offer(&b, bytes, 8192, 0, take_all, NULL, 8192, 16384), 0);
  CHECK_EQ(b.len, room - 500);
  send_queue_clear(&a);
  send_queue_clear(&b);
  CHECK_EQ(send_queue_allocated_total(), 0);
}
