// Package didyoumean suggests the nearest known word for a misspelt one, so
// that a configuration loader can say `unknown key "histroy" (did you mean
// "history"?)` instead of only refusing the key.
package didyoumean

import "strings"

// Nearest returns the candidate closest to word, or "" when none is close
// enough to be a likely misspelling. Letter case is ignored (requesttimeout
// finds requestTimeout); a swap of two neighbouring letters costs one edit,
// like a letter added, dropped or changed. A candidate is close enough
// within one edit per three letters of word (at least one). On a tie the
// earlier candidate wins, so callers list candidates in a stable order.
// Failing that, a candidate that begins with word (of at least four
// letters) is suggested: a key cut short (maxConcurrent for
// maxConcurrentRequests) is as likely as a misspelt one.
func Nearest(word string, candidates []string) string {
	w := strings.ToLower(word)
	limit := max(1, len([]rune(w))/3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := distance(w, strings.ToLower(c), bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(w) < 4 {
		return best
	}
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), w) {
			return c
		}
	}
	return ""
}

// distance is the optimal-string-alignment distance between a and b (edits:
// insert, delete, substitute, swap neighbours), or bound when it is at
// least bound: the caller only needs to know whether it beats its best.
func distance(a, b string, bound int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) >= bound {
		return bound
	}
	// Three rows of the classic matrix: two back (for swaps), one back, now.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], bound)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
