package postgres

import (
	"fmt"
	"strconv"
	"strings"
)

// payload is a release notification: the cluster key, then d when a device
// lock was released, s when a slot was.
func payload(ck int32, what string) string { return fmt.Sprintf("%d/%s", ck, what) }

// wakeup returns the channel closed at the next device lock release
// notified for cluster key ck.
func (c *Coordinator) wakeup(ck int32) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.wake[ck]
	if ch == nil {
		ch = make(chan struct{})
		c.wake[ck] = ch
	}
	return ch
}

// notify wakes the waiters of a notification's payload: every request
// waiting for a device of the cluster (which device is not said: device
// names stay out of the notifications), and the oldest one waiting for a
// slot.
func (c *Coordinator) notify(p string) {
	key, what, ok := strings.Cut(p, "/")
	n, err := strconv.ParseInt(key, 10, 32)
	if !ok || err != nil {
		return
	}
	ck := int32(n)
	if strings.Contains(what, "d") {
		c.mu.Lock()
		if ch := c.wake[ck]; ch != nil {
			close(ch)
			delete(c.wake, ck)
		}
		c.mu.Unlock()
	}
	if strings.Contains(what, "s") {
		c.budget(ck).poke()
	}
}

// wakeAll wakes every waiter (the coordination went down: they go local).
func (c *Coordinator) wakeAll() {
	c.mu.Lock()
	budgets := make([]*budget, 0, len(c.budgets))
	for _, b := range c.budgets {
		budgets = append(budgets, b)
	}
	for ck, ch := range c.wake {
		close(ch)
		delete(c.wake, ck)
	}
	c.mu.Unlock()
	for _, b := range budgets {
		b.pokeAll()
	}
}
