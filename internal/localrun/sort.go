package localrun

import "sort"

func sortByStart(xs []Execution) {
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].Started.Before(xs[j].Started) })
}
