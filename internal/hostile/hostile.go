// Package hostile makes the files an attacker would send, for the tests
// that check they are refused: a workbook that unpacks to gigabytes.
package hostile

import (
	"archive/zip"
	"bytes"
	"io"

	"github.com/xuri/excelize/v2"
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

// XLSXBomb is a real two-row roster workbook (姓名/角色, 张三/代表) with an
// extra part of n zero bytes, compressed to almost nothing (or, bigSheet,
// its worksheet padded to n bytes).
func XLSXBomb(n int64, bigSheet bool) ([]byte, error) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "角色"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"张三", "代表"})
	var wb bytes.Buffer
	if err := f.Write(&wb); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(wb.Bytes()), int64(wb.Len()))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		w, err := zw.Create(e.Name)
		if err != nil {
			return nil, err
		}
		r, err := e.Open()
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return nil, err
		}
		if bigSheet && e.Name == "xl/worksheets/sheet1.xml" {
			if _, err := io.Copy(w, &zeros{n}); err != nil { // the sheet's part grows to n bytes
				return nil, err
			}
		}
	}
	if !bigSheet {
		w, err := zw.Create("xl/media/zeros.bin")
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, &zeros{n}); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
