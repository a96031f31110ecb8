//go:build !unix

package modusotel_test

import "time"

// cpuTime is 0 where getrusage is missing: the benchmarks then report wall
// time only (their cpu-ns figures read 0).
func cpuTime() time.Duration { return 0 }
