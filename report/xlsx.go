package report

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet of a workbook: a header row and data rows.
type Sheet struct {
	Name    string
	Headers []string
	Widths  []float64 // per column; 0: 12
	Rows    [][]any
}

// WriteWorkbook writes sheets as an XLSX workbook: each with its header
// row frozen, a filter on every column (an Excel table), and readable
// column widths. Rows are streamed, so a large register does not need the
// whole sheet's XML in memory.
func WriteWorkbook(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for c := range sh.Headers {
			width := 12.0
			if c < len(sh.Widths) && sh.Widths[c] > 0 {
				width = sh.Widths[c]
			}
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		if err != nil {
			return err
		}
		head := make([]any, len(sh.Headers))
		for c, h := range sh.Headers {
			head[c] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for r, row := range sh.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(sh.Headers), max(len(sh.Rows)+1, 2))
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: fmt.Sprintf("Table%d", i+1),
			StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(true)}); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func boolPtr(b bool) *bool { return &b }
