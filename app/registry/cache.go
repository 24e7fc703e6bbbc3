package registry

import (
	"context"
	"sync"
)

// memo runs a lookup once per key for the life of a Client: later callers get
// the cached answer, concurrent callers wait for the one in flight. Registry
// errors are cached too, so a failing registry costs one attempt per run.
type memo[V any] struct {
	mu    sync.Mutex
	calls map[string]*call[V]
}

type call[V any] struct {
	done chan struct{}
	val  V
	err  error
	// abandoned: the caller running the lookup gave up (its context ended),
	// so the result says nothing about the registry.
	abandoned bool
}

func (m *memo[V]) do(ctx context.Context, key string, lookup func(context.Context) (V, error)) (V, error) {
	for {
		m.mu.Lock()
		c, ok := m.calls[key]
		if !ok {
			c = &call[V]{done: make(chan struct{})}
			if m.calls == nil {
				m.calls = map[string]*call[V]{}
			}
			m.calls[key] = c
			m.mu.Unlock()

			c.val, c.err = lookup(ctx)
			if c.err != nil && ctx.Err() != nil {
				c.abandoned = true
				m.mu.Lock()
				delete(m.calls, key)
				m.mu.Unlock()
			}
			close(c.done)
			return c.val, c.err
		}
		m.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if !c.abandoned {
			return c.val, c.err
		}
		// The first caller left; this caller is still here, so look up again.
	}
}

// seed records v for key unless a lookup for key already exists.
func (m *memo[V]) seed(key string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.calls[key]; ok {
		return
	}
	if m.calls == nil {
		m.calls = map[string]*call[V]{}
	}
	c := &call[V]{done: make(chan struct{}), val: v}
	close(c.done)
	m.calls[key] = c
}
