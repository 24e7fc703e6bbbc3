package forgekit

import (
	"container/list"
	"sync"
)

// blobCache keeps contents by key, least recently used first out, within a
// total size. Keys include the repository so one installation's cached
// content never answers another's reads.
type blobCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	order *list.List // front: most recently used *blobEntry
	byKey map[string]*list.Element
}

type blobEntry struct {
	key  string
	data []byte
}

func newBlobCache(limit int64) *blobCache {
	return &blobCache{limit: limit, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *blobCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*blobEntry).data, true
}

func (c *blobCache) put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok || int64(len(data)) > c.limit {
		return
	}
	c.byKey[key] = c.order.PushFront(&blobEntry{key: key, data: data})
	c.size += int64(len(data))
	for c.size > c.limit {
		oldest := c.order.Back()
		e := oldest.Value.(*blobEntry)
		c.order.Remove(oldest)
		delete(c.byKey, e.key)
		c.size -= int64(len(e.data))
	}
}
