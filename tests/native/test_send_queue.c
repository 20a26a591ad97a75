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
