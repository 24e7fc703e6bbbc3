package templates

import "unicode/utf8"

// Fit renders within limit bytes (a forge counts characters, which are
// never more) a text whose lists render(n) cuts to n items each: the
// largest n in [0, longest] that fits. Should even n = 0 not fit, the text
// is cut and says so.
func Fit(limit, longest int, render func(n int) (string, error)) (string, error) {
	out, err := render(longest)
	if err != nil || len(out) <= limit {
		return out, err
	}
	best, err := render(0)
	if err != nil {
		return "", err
	}
	if len(best) > limit {
		return Truncate(best, limit), nil
	}
	lo, hi := 0, longest // render(lo) fits, render(hi) does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		out, err := render(mid)
		if err != nil {
			return "", err
		}
		if len(out) <= limit {
			lo, best = mid, out
		} else {
			hi = mid
		}
	}
	return best, nil
}

// Head is a list's first n items, and how many it leaves out: the cut a
// Fit render makes of each list.
func Head[T any](list []T, n int) ([]T, int) {
	if len(list) <= n {
		return list, 0
	}
	return list[:n], len(list) - n
}

const truncated = "\n\n…(cut: the forge allows no more)"

// Truncate cuts s to limit bytes, between characters, saying it was cut.
func Truncate(s string, limit int) string {
	end := max(limit-len(truncated), 0)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + truncated
}
