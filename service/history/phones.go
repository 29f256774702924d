package history

import (
	"context"
	"errors"
	"time"
)

// PhoneChanges is a Store that can find, for every device, its newest
// successful row of the operations that change a phone: what the status
// page needs to know which phones are logged in now without reading the
// whole history.
type PhoneChanges interface {
	// LastPhoneChanges returns, for every device with one, the newest row
	// before before whose Class is "success" and whose Op is one of ops.
	LastPhoneChanges(ctx context.Context, ops []string, before time.Time) ([]Record, error)
}

// LastPhoneChanges asks s (PhoneChanges); a store without the query
// answers errors.ErrUnsupported.
func LastPhoneChanges(ctx context.Context, s Store, ops []string, before time.Time) ([]Record, error) {
	pc, ok := s.(PhoneChanges)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return pc.LastPhoneChanges(ctx, ops, before)
}

// LastPhoneChanges implements PhoneChanges for the store once opened.
func (l *Lazy) LastPhoneChanges(ctx context.Context, ops []string, before time.Time) ([]Record, error) {
	s, err := l.store.Get(ctx)
	if err != nil {
		return nil, err
	}
	return LastPhoneChanges(ctx, s, ops, before)
}
