package roster

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"deputybot"
	"deputybot/internal/hostile"
)

// bomb is hostile.XLSXBomb.
func bomb(t *testing.T, n int64, bigSheet bool) []byte {
	t.Helper()
	data, err := hostile.XLSXBomb(n, bigSheet)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestUnzipBombRefused: a workbook of a few hundred kilobytes that
// unpacks to 256 MB (an extra part of zeros, or a padded worksheet) is
// refused as too big without being unpacked; a real roster is read.
func TestUnzipBombRefused(t *testing.T) {
	for _, big := range []bool{false, true} {
		data := bomb(t, 256<<20, big)
		if len(data) > 2<<20 {
			t.Fatalf("the bomb is %d bytes", len(data))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := Read(data, func(deputybot.RosterRow) error { return nil })
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooBig) {
			t.Fatalf("big sheet %v: %v, want ErrTooBig", big, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
			t.Fatalf("big sheet %v: reading it allocated %d MB", big, grew>>20)
		}
	}
	rows := 0
	if err := Read(bomb(t, 1<<20, false), func(deputybot.RosterRow) error { rows++; return nil }); err != nil || rows != 1 {
		t.Fatalf("a workbook with a 1 MB extra part: %v, %d rows", err, rows)
	}
}

// TestTooManyRowsRefused: a roster may list MaxRows people; one more
// (blank lines and the header not counted) is refused.
func TestTooManyRowsRefused(t *testing.T) {
	file := func(n int) []byte {
		var b strings.Builder
		b.WriteString("name,role\n\n")
		for i := range n {
			fmt.Fprintf(&b, "P%d,deputy\n", i)
		}
		return []byte(b.String())
	}
	rows := 0
	if err := Read(file(MaxRows), func(deputybot.RosterRow) error { rows++; return nil }); err != nil || rows != MaxRows {
		t.Fatalf("%d rows: %v, %d read", MaxRows, err, rows)
	}
	if err := Read(file(MaxRows+1), func(deputybot.RosterRow) error { return nil }); !errors.Is(err, ErrTooManyRows) {
		t.Fatalf("%d rows: %v", MaxRows+1, err)
	}
}
