package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"

	"deputybot"
)

// zeros reads n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}

// bomb is a real two-row roster workbook with an extra part of n zero
// bytes, compressed to almost nothing (or, big sheet, its worksheet
// padded to n bytes).
func bomb(t *testing.T, n int64, bigSheet bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "角色"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"张三", "代表"})
	var wb bytes.Buffer
	if err := f.Write(&wb); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(wb.Bytes()), int64(wb.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		w, _ := zw.Create(e.Name)
		r, _ := e.Open()
		_, _ = io.Copy(w, r)
		r.Close()
		if bigSheet && e.Name == "xl/worksheets/sheet1.xml" {
			_, _ = io.Copy(w, &zeros{n}) // the sheet's part grows to n bytes
		}
	}
	if !bigSheet {
		w, _ := zw.Create("xl/media/zeros.bin")
		_, _ = io.Copy(w, &zeros{n})
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
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
