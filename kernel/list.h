// An intrusive circular doubly linked list: the link (struct list) lives inside each
// element, and the list itself is a sentinel link that belongs to no element. The buffer
// cache and the inode cache keep their least-recently-used lists this way (bio.c, fs.c).
//
//   struct list lru;                           // the sentinel
//   list_init(&lru);
//   list_push_front(&lru, &b->lru);            // b becomes the most recently used
//   if (!list_empty(&lru))
//     b = list_entry(lru.prev, struct buf, lru);  // the least recently used
//   list_remove(&b->lru);
#pragma once

struct list {
  struct list *next, *prev;
};

// An empty list: the sentinel points at itself both ways.
static inline void
list_init(struct list *head)
{
  head->next = head->prev = head;
}

static inline int
list_empty(const struct list *head)
{
  return head->next == head;
}

// Insert node right after the sentinel.
static inline void
list_push_front(struct list *head, struct list *node)
{
  node->prev = head;
  node->next = head->next;
  head->next->prev = node;
  head->next = node;
}

// Unlink node from whatever list it is in.
static inline void
list_remove(struct list *node)
{
  node->prev->next = node->next;
  node->next->prev = node->prev;
}

// The element of type `type` whose member `field` is the link `node`.
#define list_entry(node, type, field) ((type *)((char *)(node) - __builtin_offsetof(type, field)))
