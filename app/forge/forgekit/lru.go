package forgekit

import (
	"container/list"
	"sync"
)

// lru keeps values by key within a total size, the least recently used
// going first: the blobs snapshots read (keys include the repository so
// one installation's cached content never answers another's reads) and
// the answers Revalidation keeps.
type lru[V any] struct {
	mu    sync.Mutex
	limit int64
	size  int64
	order *list.List // front: most recently used *lruEntry
	byKey map[string]*list.Element
}

type lruEntry[V any] struct {
	key   string
	value V
	size  int64
}

func newLRU[V any](limit int64) *lru[V] {
	return &lru[V]{limit: limit, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry[V]).value, true
}

// put keeps value under key in place of what was kept there; a value
// larger than the whole limit is not kept.
func (c *lru[V]) put(key string, value V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
	if size > c.limit {
		return
	}
	c.byKey[key] = c.order.PushFront(&lruEntry[V]{key: key, value: value, size: size})
	c.size += size
	for c.size > c.limit {
		c.remove(c.order.Back().Value.(*lruEntry[V]).key)
	}
}

func (c *lru[V]) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
}

func (c *lru[V]) remove(key string) {
	if e, ok := c.byKey[key]; ok {
		c.order.Remove(e)
		delete(c.byKey, key)
		c.size -= e.Value.(*lruEntry[V]).size
	}
}
