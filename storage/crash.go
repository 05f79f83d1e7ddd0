package storage

import "os"

// crashPoint kills the process at the named point of a write when the
// environment variable DEPUTYBOT_CRASH_AT names it: the tests that kill
// the service between two writes use it, so that "a crash at any point"
// is checked at each point rather than hoped for. It does nothing
// otherwise.
func crashPoint(name string) {
	if crashAt != "" && crashAt == name {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill() // SIGKILL: no deferred function runs, as in a crash
		}
		select {}
	}
}

var crashAt = os.Getenv("DEPUTYBOT_CRASH_AT")
