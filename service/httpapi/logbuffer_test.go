package httpapi

import (
	"bytes"
	"sync"
)

// lockedBuffer is a log sink tests can read while the server writes to it:
// the request's events are logged after the answer is sent, so a bare
// bytes.Buffer was read and written at once (the race detector's finding).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
