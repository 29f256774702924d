package service

import "context"

// reply is one cluster's answer to a fan-out question.
type reply[T any] struct {
	idx int
	val T
	err error
}

// askAll asks every cluster but skip (nil for none) concurrently and returns
// as soon as the answer is decided: the first cluster in configuration order
// for which hit is true wins once every cluster before it has answered, so a
// hit in the first cluster never waits for a slow second one. Without a hit
// it waits for every answer. The clusters still asking when it returns are
// cancelled. replies is indexed like c.clusters (zero for skip and for
// clusters that were cancelled); won is -1 without a hit.
func askAll[T any](ctx context.Context, clusters []Cluster, skip Cluster,
	ask func(context.Context, Cluster) (T, error), hit func(T) bool) (replies []reply[T], won int) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan reply[T], len(clusters)) // buffered: late senders never block
	replies = make([]reply[T], len(clusters))
	answered := make([]bool, len(clusters))
	pending := 0
	for i, cl := range clusters {
		if cl == skip {
			answered[i] = true
			continue
		}
		pending++
		go func() {
			v, err := ask(ctx, cl)
			ch <- reply[T]{idx: i, val: v, err: err}
		}()
	}
	for ; pending > 0; pending-- {
		r := <-ch
		replies[r.idx], answered[r.idx] = r, true
		if w := decided(replies, answered, hit); w >= 0 {
			return replies, w
		}
	}
	return replies, -1
}

// decided returns the first hit whose predecessors have all answered, or -1.
func decided[T any](replies []reply[T], answered []bool, hit func(T) bool) int {
	for i, r := range replies {
		if !answered[i] {
			return -1
		}
		if r.err == nil && hit(r.val) {
			return i
		}
	}
	return -1
}

// misses sums up a fan-out without a hit: the clusters that could not be
// asked, the first EM error answered by a cluster (e.g. 3, bad credentials)
// and the first transport error.
func misses[T any](clusters []Cluster, skip Cluster, replies []reply[T]) (down []string, emErr, transportErr error) {
	for i, r := range replies {
		switch {
		case clusters[i] == skip || r.err == nil:
		case isCUCM(r.err):
			if emErr == nil {
				emErr = r.err
			}
		default:
			if transportErr == nil {
				transportErr = r.err
			}
			down = append(down, clusters[i].Code())
		}
	}
	return down, emErr, transportErr
}

func isCUCM(err error) bool {
	return asError(err).FromCUCM
}
