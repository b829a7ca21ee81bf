package workflow

import "sync"

// EachAtMost calls do(i) for every i in [0, count), at most n at a time, and returns once
// every call has: Verify, compensation and drift observe or undo independent resources
// this way, bounded so AWS's read and write throttles are not hit.
func EachAtMost(n, count int, do func(i int)) {
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			do(i)
		}()
	}
	wg.Wait()
}
