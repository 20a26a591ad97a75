#include <string.h>

#include "event_queue.h"
#include "test.h"

static event_queue q;

TEST(events_come_out_in_order) {
  event_queue_init(&q);
  CHECK(event_queue_push(&q, EVENT_SERVER_ACCEPT, 3, 0));
  CHECK(event_queue_push_data(&q, EVENT_SERVER_DATA, 3, (const uint8_t *)"GET", 3));
  CHECK(event_queue_push(&q, EVENT_SERVER_CLOSED, 3, 0));
  CHECK_EQ(event_queue_peek(&q)->type, EVENT_SERVER_ACCEPT);
  event_queue_pop(&q);
  const event *e = event_queue_peek(&q);
  CHECK_EQ(e->type, EVENT_SERVER_DATA);
  CHECK_EQ(e->len, 3);
  CHECK(memcmp(e->data, "GET", 3) == 0);
  event_queue_pop(&q);
  CHECK_EQ(event_queue_peek(&q)->type, EVENT_SERVER_CLOSED);
  event_queue_pop(&q);
  CHECK(event_queue_empty(&q));
  CHECK(event_queue_peek(&q) == NULL);
}

TEST(consecutive_data_of_one_connection_packs_into_a_slot) {
  event_queue_init(&q);
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 1, (const uint8_t *)"abcde", 5));
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 1, (const uint8_t *)"fghij", 5));
  CHECK_EQ(q.count, 1);
  CHECK_EQ(event_queue_peek(&q)->len, 10);
  // another handle's bytes never share a slot
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 2, (const uint8_t *)"x", 1));
  CHECK_EQ(q.count, 2);
}

TEST(data_larger_than_a_slot_spans_slots) {
  event_queue_init(&q);
  uint8_t bytes[40];
  for (int i = 0; i < 40; i++) bytes[i] = (uint8_t)i;
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 1, bytes, 40)); // 16 + 16 + 8
  CHECK_EQ(q.count, 3);
  uint8_t out[40];
  size_t got = 0;
  for (const event *e; (e = event_queue_peek(&q)) != NULL; event_queue_pop(&q)) {
    memcpy(out + got, e->data, e->len);
    got += e->len;
  }
  CHECK_EQ(got, 40);
  CHECK(memcmp(out, bytes, 40) == 0);
}

TEST(data_that_does_not_fit_is_refused_whole) {
  event_queue_init(&q);
  uint8_t bytes[64] = {0};
  CHECK_EQ(event_queue_data_room(&q, EVENT_NET_DATA, 1), 64);
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 1, bytes, 60));
  CHECK_EQ(event_queue_data_room(&q, EVENT_NET_DATA, 1), 4); // the tail's spare room
  CHECK_EQ(event_queue_data_room(&q, EVENT_NET_DATA, 2), 0);
  CHECK(!event_queue_push_data(&q, EVENT_NET_DATA, 1, bytes, 5));
  CHECK_EQ(q.count, 4);
  CHECK_EQ(q.refused, 1);
  CHECK(!event_queue_push(&q, EVENT_NET_CLOSED, 1, 0));
  CHECK_EQ(q.refused, 2);
}

TEST(closing_a_handle_cancels_its_queued_events) {
  event_queue_init(&q);
  event_queue_push(&q, EVENT_NET_CONNECTED, 5, 0);
  event_queue_push(&q, EVENT_NET_CONNECTED, 6, 0);
  event_queue_push_data(&q, EVENT_NET_DATA, 5, (const uint8_t *)"zz", 2);
  event_queue_drop_handle(&q, 5);
  CHECK_EQ(event_queue_peek(&q)->type, EVENT_NONE);
  event_queue_pop(&q);
  CHECK_EQ(event_queue_peek(&q)->handle, 6);
  event_queue_pop(&q);
  CHECK_EQ(event_queue_peek(&q)->type, EVENT_NONE);
  // a cancelled slot is not reused for new bytes of a handle with the same number
  CHECK(event_queue_push_data(&q, EVENT_NET_DATA, 5, (const uint8_t *)"new", 3));
  CHECK_EQ(q.count, 2);
}

TEST(the_ring_wraps) {
  event_queue_init(&q);
  for (int round = 0; round < 10; round++) {
    CHECK(event_queue_push(&q, EVENT_NET_CLOSED, round, 0));
    CHECK(event_queue_push(&q, EVENT_NET_ERROR, round, -round));
    CHECK_EQ(event_queue_peek(&q)->handle, round);
    event_queue_pop(&q);
    CHECK_EQ(event_queue_peek(&q)->code, -round);
    event_queue_pop(&q);
  }
  CHECK(event_queue_empty(&q));
}
