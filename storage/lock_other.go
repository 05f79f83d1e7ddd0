//go:build !unix

package storage

import "os"

// tryLock always succeeds where advisory locks are not available: run one
// deputybot process per data directory there.
func tryLock(f *os.File) (bool, error) { return true, nil }

func unlock(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

// fileOwner is not known where files have no Unix owner.
func fileOwner(os.FileInfo) (int, bool) { return 0, false }
