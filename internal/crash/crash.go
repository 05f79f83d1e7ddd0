// Package crash lets the tests that kill the service between two writes
// choose where: Point kills the process at the named point of a write
// when the environment variable DEPUTYBOT_CRASH_AT names it, so that "a
// crash at any point" is checked at each point rather than hoped for. It
// does nothing otherwise.
package crash

import "os"

var at = os.Getenv("DEPUTYBOT_CRASH_AT")

// Point kills the process (SIGKILL: no deferred function runs, as in a
// crash) if it is the point named.
func Point(name string) {
	if at != "" && at == name {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill()
		}
		select {}
	}
}

// Armed reports whether a point is named (a caller building a point's
// name may skip the work otherwise).
func Armed() bool { return at != "" }
